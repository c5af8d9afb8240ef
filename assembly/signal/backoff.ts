// Exponential backoff with jitter for reconnecting to the cloud: 0.5 s, 1 s, 2 s ... capped at
// 30 s, each plus up to a quarter more at random, so a fleet of devices does not reconnect in
// lockstep after a cloud restart.
import { host_random } from "../abi/imports";

export const BACKOFF_MIN_MS: u32 = 500;
export const BACKOFF_MAX_MS: u32 = 30000;

export function backoffDelay(failures: i32): u32 {
  if (failures <= 0) return 0;
  const shift = failures - 1 < 6 ? failures - 1 : 6;
  let delay = BACKOFF_MIN_MS << <u32>shift;
  if (delay > BACKOFF_MAX_MS) delay = BACKOFF_MAX_MS;
  const r = memory.data(2);
  const jitter = host_random(r, 2) == 2 ? <u32>load<u16>(r) : 0;
  return delay + (jitter * (delay >> 2)) / 65535;
}
