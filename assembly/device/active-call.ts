// The call in progress, persisted while it lasts (id, direction, phase), so a device that loses
// power or restarts in the middle of a call ends that call with the cloud at its next start,
// instead of leaving the user talking to nobody until the cloud gives up.
import { OK } from "../abi/errors";
import { recordBegin, recordField, recordInt, recordStore, recordLoad, recordNextField, recordNextInt, recordReadOk, recordDelete, KIND_ACTIVE_CALL } from "./record";

const ACTIVE_CALL_KEY = "active_call";

export function activeCallSave(callId: usize, callIdLen: i32, direction: i32, phase: i32): i32 {
  recordBegin(KIND_ACTIVE_CALL);
  recordField(callId, callIdLen);
  recordInt((<i64>direction << 8) | <i64>phase);
  const r = recordStore(ACTIVE_CALL_KEY);
  return r < 0 ? r : OK;
}

export function activeCallClear(): i32 { return recordDelete(ACTIVE_CALL_KEY); }

// Loads a persisted call into out (cap bytes for the id). Returns the id's length and sets
// activeDirection/activePhase, or 0 when there is none or it is unreadable.
export let activeDirection: i32 = 0;
export let activePhase: i32 = 0;
export function activeCallLoad(out: usize, cap: i32): i32 {
  if (recordLoad(ACTIVE_CALL_KEY, KIND_ACTIVE_CALL) != 1) return 0;
  const n = recordNextField(out, cap);
  const packed = recordNextInt();
  if (n <= 0 || !recordReadOk()) return 0;
  activeDirection = <i32>(packed >> 8) & 0xff;
  activePhase = <i32>packed & 0xff;
  return n;
}
