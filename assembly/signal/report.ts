// What the host reads back after an event: the call (ids, state, media) and the device's
// registration, as JSON written into a caller's buffer (the Node host and tools parse it), plus
// the media parameters one integer at a time for C firmware that has no JSON parser.
import { E_STATE, E_NOSPACE, E_ARG } from "../abi/errors";
import { Writer } from "../net/writer";
import { jsonWriteKey, jsonWriteString } from "../net/json-writer";
import { signal, signalPlaced } from "./context";
import { snPtr, snLen } from "../device/identity";
import { registrationStatus, deviceIdPtr, deviceIdLen, modelIdPtr, modelIdLen, appidPtr, appidLen, registeredAt } from "../device/registration";

// Fields of vsdk_signal_media.
export const MEDIA_READY: i32 = 0;
export const MEDIA_RELAY_PORT: i32 = 1;
export const MEDIA_SSRC: i32 = 2;
export const MEDIA_PEER_SSRC: i32 = 3;
export const MEDIA_PAYLOAD_TYPE: i32 = 4;
export const MEDIA_CLOCK_RATE: i32 = 5;
export const MEDIA_PTIME_MS: i32 = 6;

export function mediaField(field: i32): i32 {
  if (!signalPlaced()) return E_STATE;
  const c = signal().call;
  if (field == MEDIA_READY) return c.hasMedia ? 1 : 0;
  if (!c.hasMedia) return E_STATE;
  if (field == MEDIA_RELAY_PORT) return c.relayPort;
  if (field == MEDIA_SSRC) return <i32>c.ssrc;
  if (field == MEDIA_PEER_SSRC) return <i32>c.peerSsrc;
  if (field == MEDIA_PAYLOAD_TYPE) return c.payloadType;
  if (field == MEDIA_CLOCK_RATE) return c.clockRate;
  if (field == MEDIA_PTIME_MS) return c.ptimeMs;
  return E_ARG;
}

// Copies the relay's host name into out. Returns its length.
export function mediaHost(out: usize, cap: i32): i32 {
  if (!signalPlaced() || !signal().call.hasMedia) return E_STATE;
  const c = signal().call;
  if (c.relayHostLen > cap) return E_NOSPACE;
  memory.copy(out, c.relayHost, <usize>c.relayHostLen);
  return c.relayHostLen;
}

let out: Writer = changetype<Writer>(0);

// Places the reports' writer (at init, so reading a report never allocates).
export function reportPlace(): bool {
  if (changetype<usize>(out) != 0) return true;
  const w = Writer.place(0, 0);
  if (w == null) return false;
  out = w;
  return true;
}

function writer(ptr: usize, cap: i32): Writer | null {
  if (changetype<usize>(out) == 0) return null;
  out.base = ptr;
  out.cap = cap;
  out.reset();
  return out;
}

// {"phase","state","reason","direction","room_type","error","call_id","peer","link","media":{...}|null}
export function callReport(ptr: usize, cap: i32): i32 {
  if (!signalPlaced()) return E_STATE;
  const w = writer(ptr, cap);
  if (w == null) return E_NOSPACE;
  const s = signal();
  const c = s.call;
  w.ascii("{\"phase\":"); w.dec(c.phase);
  w.ascii(",\"state\":"); w.dec(c.state);
  w.ascii(",\"reason\":"); w.dec(c.reason);
  w.ascii(",\"direction\":"); w.ascii(c.direction == 0 ? "\"outgoing\"" : "\"incoming\"");
  w.ascii(",\"room_type\":"); w.ascii(c.roomType == 1 ? "\"video\"" : "\"voice\"");
  w.ascii(",\"error\":"); w.dec(c.error);
  w.ascii(",\"link\":"); w.ascii(s.linkUp ? "true" : "false");
  w.ascii(",\"last_seq\":"); w.dec(s.lastSeq);
  w.byte(0x2c); jsonWriteKey(w, "call_id"); jsonWriteString(w, c.callId, c.callIdLen);
  w.byte(0x2c); jsonWriteKey(w, "peer"); jsonWriteString(w, c.peer, c.peerLen);
  w.ascii(",\"media\":");
  if (!c.hasMedia) w.ascii("null");
  else {
    w.byte(0x7b); jsonWriteKey(w, "relay_host"); jsonWriteString(w, c.relayHost, c.relayHostLen);
    w.ascii(",\"relay_port\":"); w.dec(c.relayPort);
    w.ascii(",\"ssrc\":"); w.dec(<i64>c.ssrc);
    w.ascii(",\"peer_ssrc\":"); w.dec(<i64>c.peerSsrc);
    w.ascii(",\"payload_type\":"); w.dec(c.payloadType);
    w.ascii(",\"clock_rate\":"); w.dec(c.clockRate);
    w.ascii(",\"ptime_ms\":"); w.dec(c.ptimeMs);
    w.byte(0x2c); jsonWriteKey(w, "token"); jsonWriteString(w, c.token, c.tokenLen);
    w.byte(0x7d);
  }
  w.byte(0x7d);
  return w.overflow ? E_NOSPACE : w.len;
}

// {"registered":N,"sn":..,"device_id":..,"model_id":..,"wxa_appid":..,"registered_at":N}
// with "registered" as registrationStatus() answers (1, 0, or an error code).
export function deviceReport(ptr: usize, cap: i32): i32 {
  const w = writer(ptr, cap);
  if (w == null) return E_NOSPACE;
  const status = registrationStatus();
  w.ascii("{\"registered\":"); w.dec(status);
  w.byte(0x2c); jsonWriteKey(w, "sn"); jsonWriteString(w, snPtr(), snLen());
  if (status == 1) {
    w.byte(0x2c); jsonWriteKey(w, "device_id"); jsonWriteString(w, deviceIdPtr(), deviceIdLen());
    w.byte(0x2c); jsonWriteKey(w, "model_id"); jsonWriteString(w, modelIdPtr(), modelIdLen());
    w.byte(0x2c); jsonWriteKey(w, "wxa_appid"); jsonWriteString(w, appidPtr(), appidLen());
    w.ascii(",\"registered_at\":"); w.dec(registeredAt());
  }
  w.byte(0x7d);
  return w.overflow ? E_NOSPACE : w.len;
}
