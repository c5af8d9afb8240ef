// What the updater keeps across restarts, as checksummed records (assembly/device/record.ts):
// the release it staged, so the image that boots next (the new one on trial, or the old one after
// a rollback) knows which release to report on; and the last release it gave up on (refused or
// rolled back), so it is never tried again.
import { OK } from "../abi/errors";
import {
  recordBegin, recordField, recordInt, recordStore, recordLoad, recordNextField, recordNextInt, recordReadOk, recordDelete,
} from "../device/record";
import { Release, RELEASE_ID_MAX } from "./release";

// Record kinds after assembly/device/record.ts's KIND_* (1..4).
const KIND_OTA_STAGED: u8 = 5;
const KIND_OTA_DROPPED: u8 = 6;
const STAGED_KEY = "ota_staged";
const DROPPED_KEY = "ota_dropped";

// Phases of the staged record.
export const STAGED_WAITING: i32 = 1;    // verified and staged by the host; not yet confirmed
export const STAGED_CONFIRMED: i32 = 2;  // the release runs and passed its health check

export function stagedSave(r: Release, phase: i32): i32 {
  recordBegin(KIND_OTA_STAGED);
  recordField(r.id, r.idLen);
  recordInt((<i64>r.version << 8) | <i64>phase);
  const res = recordStore(STAGED_KEY);
  return res < 0 ? res : OK;
}

// Loads the staged release's id and version into r. Returns its phase, or 0 when there is none
// or it is unreadable (a lost record only costs a report).
export function stagedLoad(r: Release): i32 {
  if (recordLoad(STAGED_KEY, KIND_OTA_STAGED) != 1) return 0;
  const n = recordNextField(r.id, RELEASE_ID_MAX);
  const packed = recordNextInt();
  if (n <= 0 || !recordReadOk()) return 0;
  r.idLen = n;
  r.version = <u32>(packed >> 8);
  return <i32>(packed & 0xff);
}

export function stagedClear(): void { recordDelete(STAGED_KEY); }

export function droppedSave(id: usize, idLen: i32): i32 {
  recordBegin(KIND_OTA_DROPPED);
  recordField(id, idLen);
  const res = recordStore(DROPPED_KEY);
  return res < 0 ? res : OK;
}

// The dropped release's id into out (RELEASE_ID_MAX bytes); its length, or 0.
export function droppedLoad(out: usize): i32 {
  if (recordLoad(DROPPED_KEY, KIND_OTA_DROPPED) != 1) return 0;
  const n = recordNextField(out, RELEASE_ID_MAX);
  return n > 0 && recordReadOk() ? n : 0;
}
