// The seq of the last cloud event the device handled, persisted so a restarted device neither
// misses nor repeats events (the cloud keeps events until asked for ones after their seq).
import { OK } from "../abi/errors";
import { recordBegin, recordInt, recordStore, recordLoad, recordNextInt, recordReadOk, KIND_EVENT_SEQ } from "./record";

const SEQ_KEY = "event_seq";

// The stored seq, or 0 when none is stored or the record is unreadable (events are then
// received again; handling them twice is harmless because calls are matched by id).
export function eventSeqLoad(): i64 {
  if (recordLoad(SEQ_KEY, KIND_EVENT_SEQ) != 1) return 0;
  const seq = recordNextInt();
  return recordReadOk() && seq >= 0 ? seq : 0;
}

export function eventSeqSave(seq: i64): i32 {
  recordBegin(KIND_EVENT_SEQ);
  recordInt(seq);
  const r = recordStore(SEQ_KEY);
  return r < 0 ? r : OK;
}
