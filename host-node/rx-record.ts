// A recording of what a simulated device's receive path saw, to replay a real call through any
// image later (tools/traces/replay-call.ts): with VSDK_RX_RECORD=FILE in the environment, every
// datagram the image reads and every playout tick, each with the host clock the image reads.
// Lines: `r <ms> <hex bytes>` and `t <ms>`. Off (and free) without the variable.
import { appendFileSync } from "node:fs";
import { hostClockMs } from "./clock.js";

const file = process.env.VSDK_RX_RECORD;

export function recordRead(bytes: Uint8Array): void {
  if (file) appendFileSync(file, `r ${hostClockMs()} ${Buffer.from(bytes).toString("hex")}\n`);
}

export function recordTick(): void {
  if (file) appendFileSync(file, `t ${hostClockMs()}\n`);
}
