// A test seam for the simulated device's media path, in the spirit of Linux netem: packets the
// image receives over UDP can be dropped and held back by a random delay (so they also arrive
// reordered), packets it sends can be dropped, and the whole flow can be cut. It wraps the
// device's UDP imports in place; the image and the real sockets underneath are unchanged.
import type { UdpImports } from "./imports/udp.js";
import { E_AGAIN } from "./errors.js";
import { prng as rng } from "./prng.js";

export interface Impairment {
  /** Probability of dropping each packet the device receives, 0..1. */
  downLoss?: number;
  /** Extra delay of each received packet, uniform in 0..downJitterMs. */
  downJitterMs?: number;
  /** Probability of dropping each packet the device sends, 0..1. */
  upLoss?: number;
  /** While true, nothing gets through either way. */
  cut?: () => boolean;
  /** Seed of the deterministic random sequence. */
  seed?: number;
}

export interface ImpairmentStats { downDropped: number; upDropped: number; delayed: number }


/** Impairs `udp` from now on; returns live counters. memory() gives the image's memory. */
export function impairUdp(udp: UdpImports, memory: () => Uint8Array, o: Impairment): ImpairmentStats {
  const random = rng(o.seed ?? 1);
  const stats: ImpairmentStats = { downDropped: 0, upDropped: 0, delayed: 0 };
  const held = new Map<number, { due: number; bytes: Uint8Array }[]>();
  const send = udp.send.bind(udp);
  const recv = udp.recv.bind(udp);
  udp.send = (handle, ptr, len) => {
    if (o.cut?.() || random() < (o.upLoss ?? 0)) { stats.upDropped++; return len; }
    return send(handle, ptr, len);
  };
  udp.recv = (handle, ptr, cap) => {
    const queue = held.get(handle) ?? [];
    held.set(handle, queue);
    // Take in everything that arrived, deciding each packet's fate as it comes.
    for (;;) {
      const n = recv(handle, ptr, cap);
      if (n <= 0) { if (n !== E_AGAIN && queue.length === 0) return n; break; }
      if (o.cut?.() || random() < (o.downLoss ?? 0)) { stats.downDropped++; continue; }
      const delay = random() * (o.downJitterMs ?? 0);
      if (delay > 0) stats.delayed++;
      queue.push({ due: performance.now() + delay, bytes: memory().slice(ptr, ptr + n) });
    }
    const now = performance.now();
    let first = -1;
    for (let i = 0; i < queue.length; i++) if (queue[i].due <= now && (first < 0 || queue[i].due < queue[first].due)) first = i;
    if (first < 0) return E_AGAIN;
    const [packet] = queue.splice(first, 1);
    const n = Math.min(cap, packet.bytes.length);
    memory().set(packet.bytes.subarray(0, n), ptr);
    return n;
  };
  return stats;
}
