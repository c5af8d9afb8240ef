// The event channel's long-poll: a device's GET parks here until an event for it is appended on
// any cloud instance (the database's notification reaches every instance), or until its wait
// runs out. Events themselves live only in the database, so a restart loses nothing.
import type { Store, StoredEvent } from "../store/store.js";

const CHANNEL = "vsdk_events";

export class EventChannel {
  private waiters = new Map<string, Set<() => void>>();
  constructor(private readonly store: Store) {}

  async start(): Promise<void> {
    await this.store.db.listen(CHANNEL, (sn) => this.wake(sn), () => this.wakeAll());
  }

  /** After a gap in notifications every parked poll looks again (they re-read the database). */
  private wakeAll() {
    for (const sn of [...this.waiters.keys()]) this.wake(sn);
  }

  /** Appends an event and tells every instance a device may be waiting on. */
  async publish(sn: string, type: string, body: Record<string, unknown>): Promise<number> {
    const seq = await this.store.appendEvent(sn, type, body);
    await this.announce(sn);
    return seq;
  }

  /** For events appended inside a transaction elsewhere (call state changes). */
  async announce(sn: string): Promise<void> {
    await this.store.db.notify(CHANNEL, sn);
  }

  private wake(sn: string) {
    const set = this.waiters.get(sn);
    if (!set) return;
    this.waiters.delete(sn);
    set.forEach((w) => w());
  }

  /** Acknowledges up to `after`, then answers with what follows it, waiting up to `waitMs`. */
  async poll(sn: string, after: number, waitMs: number, closed: Promise<void>): Promise<StoredEvent[]> {
    await this.store.acknowledge(sn, after);
    if (waitMs <= 0) return this.store.eventsAfter(sn, after);
    const deadline = Date.now() + waitMs;
    for (;;) {
      // Park before looking, so an event appended between the look and the park still wakes us.
      let woken!: () => void;
      const wake = new Promise<void>((r) => { woken = r; });
      let set = this.waiters.get(sn);
      if (!set) { set = new Set(); this.waiters.set(sn, set); }
      set.add(woken);
      try {
        const events = await this.store.eventsAfter(sn, after);
        const left = deadline - Date.now();
        if (events.length > 0 || left <= 0) return events;
        let timer!: NodeJS.Timeout;
        const timeout = new Promise<void>((r) => { timer = setTimeout(r, left); });
        const outcome = await Promise.race([wake.then(() => "woken"), timeout.then(() => "timeout"), closed.then(() => "closed")]);
        clearTimeout(timer);
        if (outcome === "closed") return [];
      } finally {
        this.waiters.get(sn)?.delete(woken);
        if (this.waiters.get(sn)?.size === 0) this.waiters.delete(sn);
      }
    }
  }

  waiting(): number {
    let n = 0;
    this.waiters.forEach((s) => { n += s.size; });
    return n;
  }
}
