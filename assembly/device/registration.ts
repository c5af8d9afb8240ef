// The device's registration with its cloud (and through it with WeChat): device_id, model_id,
// wxa_appid and registered_at, from POST /v1/device/register. Persisted as one record under
// "registration", so a power cut during the write leaves the old or the new registration, never
// a mix (the key-value import is atomic per key). `registrationStatus` answers from storage.
import { OK, E_MALFORMED, E_NOSPACE, E_STATE, E_STORAGE_CORRUPT } from "../abi/errors";
import { arenaAlloc } from "../util/arena";
import { jsonGet, jsonString, jsonInt, jsonError } from "../net/json";
import { recordBegin, recordField, recordInt, recordStore, recordLoad, recordNextField, recordNextInt, recordReadOk, recordDelete, KIND_REGISTRATION } from "./record";
import { snIsValid, snPtr, snLen, SN_MAX } from "./identity";

const REGISTRATION_KEY = "registration";
export const MODEL_ID_MAX: i32 = 64;
export const APPID_MAX: i32 = 32;

@unmanaged
class Registration {
  deviceId: usize = 0;
  deviceIdLen: i32 = 0;
  modelId: usize = 0;
  modelIdLen: i32 = 0;
  appid: usize = 0;
  appidLen: i32 = 0;
  registeredAt: i64 = 0;
}

let reg: Registration = changetype<Registration>(0);
let scratch: usize = 0;

function ensure(): bool {
  if (changetype<usize>(reg) != 0) return true;
  const at = arenaAlloc(<i32>offsetof<Registration>());
  const a = arenaAlloc(SN_MAX);
  const b = arenaAlloc(MODEL_ID_MAX);
  const c = arenaAlloc(APPID_MAX);
  scratch = arenaAlloc(SN_MAX + MODEL_ID_MAX + APPID_MAX);
  if (at == 0 || a == 0 || b == 0 || c == 0 || scratch == 0) return false;
  reg = changetype<Registration>(at);
  reg.deviceId = a;
  reg.modelId = b;
  reg.appid = c;
  return true;
}

// Takes the cloud's answer to POST /v1/device/register (the JSON body at [p, end)) and persists
// it. Returns OK, E_MALFORMED (fields missing or invalid: nothing is stored), or the storage error.
export function registrationSave(p: usize, end: usize): i32 {
  if (!ensure()) return E_NOSPACE;
  const idAt = jsonGet(p, end, "device_id");
  const modelAt = jsonGet(p, end, "model_id");
  const appAt = jsonGet(p, end, "wxa_appid");
  const whenAt = jsonGet(p, end, "registered_at");
  if (idAt == 0 || modelAt == 0 || appAt == 0 || whenAt == 0) return E_MALFORMED;
  const idBuf = scratch;
  const modelBuf = scratch + <usize>SN_MAX;
  const appBuf = modelBuf + <usize>MODEL_ID_MAX;
  const idLen = jsonString(idAt, end, idBuf, SN_MAX);
  const modelLen = jsonString(modelAt, end, modelBuf, MODEL_ID_MAX);
  const appLen = jsonString(appAt, end, appBuf, APPID_MAX);
  const when = jsonInt(whenAt, end);
  if (jsonError != 0 || when < 0 || !snIsValid(idBuf, idLen) || modelLen <= 0 || appLen <= 0) return E_MALFORMED;
  recordBegin(KIND_REGISTRATION);
  recordField(idBuf, idLen);
  recordField(modelBuf, modelLen);
  recordField(appBuf, appLen);
  recordInt(when);
  const r = recordStore(REGISTRATION_KEY);
  if (r != OK) return r;
  memory.copy(reg.deviceId, idBuf, <usize>idLen);
  reg.deviceIdLen = idLen;
  memory.copy(reg.modelId, modelBuf, <usize>modelLen);
  reg.modelIdLen = modelLen;
  memory.copy(reg.appid, appBuf, <usize>appLen);
  reg.appidLen = appLen;
  reg.registeredAt = when;
  return OK;
}

// Reads the registration from storage: 1 registered for this device's sn, 0 not registered,
// E_STATE registered under another device id (the identity changed since), E_STORAGE_CORRUPT
// when the stored record fails its checks, or the storage error. On success the fields are
// available through the getters below.
export function registrationStatus(): i32 {
  if (!ensure()) return E_NOSPACE;
  const r = recordLoad(REGISTRATION_KEY, KIND_REGISTRATION);
  if (r <= 0) { reg.deviceIdLen = 0; return r; }
  const idLen = recordNextField(reg.deviceId, SN_MAX);
  const modelLen = recordNextField(reg.modelId, MODEL_ID_MAX);
  const appLen = recordNextField(reg.appid, APPID_MAX);
  const when = recordNextInt();
  if (idLen <= 0 || modelLen <= 0 || appLen <= 0 || !recordReadOk()) { reg.deviceIdLen = 0; return E_STORAGE_CORRUPT; }
  reg.deviceIdLen = idLen;
  reg.modelIdLen = modelLen;
  reg.appidLen = appLen;
  reg.registeredAt = when;
  if (idLen != snLen() || memory.compare(reg.deviceId, snPtr(), <usize>idLen) != 0) return E_STATE;
  return 1;
}

export function registrationClear(): i32 {
  if (ensure()) reg.deviceIdLen = 0;
  return recordDelete(REGISTRATION_KEY);
}

export function deviceIdPtr(): usize { return reg.deviceId; }
export function deviceIdLen(): i32 { return changetype<usize>(reg) == 0 ? 0 : reg.deviceIdLen; }
export function modelIdPtr(): usize { return reg.modelId; }
export function modelIdLen(): i32 { return reg.modelIdLen; }
export function appidPtr(): usize { return reg.appid; }
export function appidLen(): i32 { return reg.appidLen; }
export function registeredAt(): i64 { return reg.registeredAt; }
