// The cloud's handle on one room worker process: starts it, speaks its stdio protocol
// (./protocol.ts), and reports its events. A worker that dies is reported as an exit without
// a final state, which the call control turns into "aborted".
import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { createInterface } from "node:readline";
import { repoRoot } from "../../host-node/paths.js";
import { selfCommand } from "../self-command.js";
import type { WorkerCommand, WorkerEvent } from "./protocol.js";

/** How to start a worker: this program's hidden `room-worker` command. */
export function defaultWorkerCommand(): string[] {
  return selfCommand(["room-worker"]);
}

export class WorkerProcess extends EventEmitter {
  private child: ChildProcess;
  exited = false;

  constructor(command: string[]) {
    super();
    this.child = spawn(command[0], command.slice(1), { cwd: repoRoot, stdio: ["pipe", "pipe", "inherit"] });
    this.child.stdin!.on("error", () => undefined);
    createInterface({ input: this.child.stdout! }).on("error", () => undefined).on("line", (line) => {
      try { this.emit("event", JSON.parse(line) as WorkerEvent); } catch { /* a stray line is not a protocol message */ }
    });
    this.child.on("exit", (code) => { this.exited = true; this.emit("exit", code); });
  }

  send(cmd: WorkerCommand): void {
    if (!this.exited) this.child.stdin!.write(JSON.stringify(cmd) + "\n");
  }

  /** Resolves with the first event of the given kind, or rejects after `ms`. */
  next<K extends WorkerEvent["ev"]>(kind: K, ms: number): Promise<Extract<WorkerEvent, { ev: K }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { cleanup(); reject(new Error(`room worker: no ${kind} within ${ms} ms`)); }, ms);
      const onEvent = (e: WorkerEvent) => { if (e.ev === kind) { cleanup(); resolve(e as never); } };
      const onExit = () => { cleanup(); reject(new Error(`room worker exited before ${kind}`)); };
      const cleanup = () => { clearTimeout(timer); this.off("event", onEvent); this.off("exit", onExit); };
      this.on("event", onEvent);
      this.once("exit", onExit);
    });
  }

  stop(): void {
    if (!this.exited) this.child.stdin!.end();
    setTimeout(() => { if (!this.exited) this.child.kill("SIGKILL"); }, 2000).unref();
  }
}
