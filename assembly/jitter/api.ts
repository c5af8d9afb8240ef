// The image's one jitter buffer (one call at a time), behind the vsdk_jitter_* exports. Its memory
// comes from the arena at the first init; later inits reuse it, so calls never grow memory.
import { OK, E_STATE, E_ARG, E_NOSPACE } from "../abi/errors";
import {
  JitterBuffer, STATS_COUNT, jitterCreate, jitterErrorOf, jitterPut, jitterGet, jitterSource, jitterMemoryBytes,
} from "./buffer";

let current: usize = 0;

// Returns the bytes the buffer takes, or an error (E_ARG for a bad configuration, E_NOSPACE
// when it does not fit the memory set aside at the first init).
export function jitterInit(codec: i32, ptimeMs: i32, capacity: i32): i32 {
  const jb = jitterCreate(current, codec, ptimeMs, capacity);
  if (jb == 0) return jitterErrorOf();
  current = jb;
  return jitterMemoryBytes(changetype<JitterBuffer>(jb));
}

export function jitterSourceOf(ssrc: u32): i32 {
  if (current == 0) return E_STATE;
  jitterSource(changetype<JitterBuffer>(current), ssrc);
  return OK;
}

export function jitterPutPacket(seq: u32, ts: u32, arrivalMs: u32, ptr: usize, len: i32): i32 {
  if (current == 0) return E_STATE;
  if (seq > 0xffff) return E_ARG;
  return jitterPut(changetype<JitterBuffer>(current), seq, ts, arrivalMs, ptr, len);
}

export function jitterGetFrame(nowMs: u32, out: usize, cap: i32): i32 {
  if (current == 0) return E_STATE;
  return jitterGet(changetype<JitterBuffer>(current), nowMs, out, cap);
}

// Writes the counters (u32 each, in JitterBuffer's statistics order) and then the target and
// current delay in ms (i32 each). Returns the bytes written.
export function jitterStats(out: usize, cap: i32): i32 {
  if (current == 0) return E_STATE;
  const bytes = (STATS_COUNT + 2) * 4;
  if (out == 0) return E_ARG;
  if (cap < bytes) return E_NOSPACE;
  const jb = changetype<JitterBuffer>(current);
  memory.copy(out, current + offsetof<JitterBuffer>("received"), <usize>(STATS_COUNT * 4));
  store<i32>(out + <usize>(STATS_COUNT * 4), jb.targetMs);
  store<i32>(out + <usize>(STATS_COUNT * 4 + 4), jb.delayMs);
  return bytes;
}
