// The one call a device has at a time: who, which direction, where its media goes, and where it
// stands. WeChat's session state (0-9) and hang-up reason are kept exactly as the cloud reports
// them; `phase` adds what only the device knows (a request in flight, ringing locally).
import { OK, E_MALFORMED } from "../abi/errors";
import { arenaAlloc } from "../util/arena";
import { jsonGet, jsonString, jsonInt, jsonError, jsonIsNull } from "../net/json";

// WeChat session states (server room SDK).
export const STATE_IDLE: i32 = 0;
export const STATE_CALLING: i32 = 1;
export const STATE_TALKING: i32 = 2;
export const STATE_REJECTED: i32 = 3;
export const STATE_CANCELLED: i32 = 4;
export const STATE_CALLER_HUNG_UP: i32 = 5;
export const STATE_CALLEE_HUNG_UP: i32 = 6;
export const STATE_ABORTED: i32 = 7;
export const STATE_BUSY: i32 = 8;
export const STATE_NO_ANSWER: i32 = 9;

// WeChat hang-up reasons used by the device itself.
export const REASON_UNKNOWN: i32 = 0;
export const REASON_MANUAL: i32 = 1;
export const REASON_TIMEOUT: i32 = 10;
export const REASON_REJECTED: i32 = 11;

// The device's own view.
export const PHASE_IDLE: i32 = 0;      // no call
export const PHASE_DIALING: i32 = 1;   // POST /v1/calls in flight
export const PHASE_CALLING: i32 = 2;   // we called; the user's phone rings
export const PHASE_RINGING: i32 = 3;   // a user calls us; waiting for answer/reject
export const PHASE_ANSWERING: i32 = 4; // answer in flight
export const PHASE_TALKING: i32 = 5;   // media flows
export const PHASE_ENDING: i32 = 6;    // hang-up/cancel/reject in flight
export const PHASE_ENDED: i32 = 7;     // over; state and reason tell how

export const DIRECTION_OUTGOING: i32 = 0;
export const DIRECTION_INCOMING: i32 = 1;

export const CALL_ID_MAX: i32 = 64;
export const OPENID_MAX: i32 = 128;
export const HOST_MAX: i32 = 64;
export const TOKEN_MAX: i32 = 64;

export const CODEC_PCMU: i32 = 0;
export const CODEC_PCMA: i32 = 8;
export const CODEC_OPUS: i32 = 111;

@unmanaged
export class Call {
  phase: i32 = PHASE_IDLE;
  state: i32 = STATE_IDLE;
  reason: i32 = REASON_UNKNOWN;
  direction: i32 = DIRECTION_OUTGOING;
  roomType: i32 = 0;
  error: i32 = OK;
  phaseSince: u32 = 0;
  callId: usize = 0;
  callIdLen: i32 = 0;
  peer: usize = 0;
  peerLen: i32 = 0;
  // Media (docs/device-api.md "media"); valid when hasMedia.
  hasMedia: bool = false;
  relayHost: usize = 0;
  relayHostLen: i32 = 0;
  relayPort: i32 = 0;
  ssrc: u32 = 0;
  peerSsrc: u32 = 0;
  codec: i32 = 0;
  payloadType: i32 = 0;
  clockRate: i32 = 0;
  ptimeMs: i32 = 0;
  token: usize = 0;
  tokenLen: i32 = 0;
}

export function callPlace(): Call | null {
  const at = arenaAlloc(<i32>offsetof<Call>());
  const id = arenaAlloc(CALL_ID_MAX);
  const peer = arenaAlloc(OPENID_MAX);
  const host = arenaAlloc(HOST_MAX);
  const token = arenaAlloc(TOKEN_MAX);
  if (at == 0 || id == 0 || peer == 0 || host == 0 || token == 0) return null;
  const c = changetype<Call>(at);
  c.callId = id;
  c.peer = peer;
  c.relayHost = host;
  c.token = token;
  return c;
}

export function callReset(c: Call, direction: i32, now: u32): void {
  c.phase = PHASE_IDLE;
  c.state = STATE_IDLE;
  c.reason = REASON_UNKNOWN;
  c.direction = direction;
  c.roomType = 0;
  c.error = OK;
  c.phaseSince = now;
  c.callIdLen = 0;
  c.peerLen = 0;
  c.hasMedia = false;
}

export function callSetPhase(c: Call, phase: i32, now: u32): void {
  c.phase = phase;
  c.phaseSince = now;
}

// True for a call in progress (anything but idle or ended).
export function callActive(c: Call): bool { return c.phase != PHASE_IDLE && c.phase != PHASE_ENDED; }

// A call id from JSON into the call, or E_MALFORMED (ids are short, non-empty strings).
export function callTakeId(c: Call, at: usize, end: usize): i32 {
  const n = jsonString(at, end, c.callId, CALL_ID_MAX);
  if (n <= 0) return E_MALFORMED;
  c.callIdLen = n;
  return OK;
}

// True when the JSON string at `at` is this call's id.
export function callIdIs(c: Call, at: usize, end: usize): bool {
  const tmp = memory.data(CALL_ID_MAX);
  const n = jsonString(at, end, tmp, CALL_ID_MAX);
  return n > 0 && n == c.callIdLen && memory.compare(tmp, c.callId, <usize>n) == 0;
}

function int(obj: usize, end: usize, key: string, lo: i64, hi: i64): i64 {
  const at = jsonGet(obj, end, key);
  if (at == 0) return -1;
  const v = jsonInt(at, end);
  if (jsonError != 0 || v < lo || v > hi) return -1;
  return v;
}

// Reads a "media" object. Returns OK (hasMedia set), 0 changes when absent or null, or
// E_MALFORMED (the call keeps whatever media it had).
export function callTakeMedia(c: Call, at: usize, end: usize): i32 {
  if (at == 0 || jsonIsNull(at, end)) return OK;
  const hostAt = jsonGet(at, end, "relay_host");
  const port = int(at, end, "relay_port", 1, 65535);
  const ssrc = int(at, end, "ssrc", 0, 0xffffffff);
  const peerSsrc = int(at, end, "peer_ssrc", 0, 0xffffffff);
  const pt = int(at, end, "payload_type", 0, 127);
  const rate = int(at, end, "clock_rate", 8000, 48000);
  let ptime = int(at, end, "ptime_ms", 10, 120);
  if (ptime < 0) ptime = 20;
  if (hostAt == 0 || port < 0 || ssrc < 0 || peerSsrc < 0 || pt < 0 || rate < 0) return E_MALFORMED;
  const tmp = memory.data(HOST_MAX);
  const hostLen = jsonString(hostAt, end, tmp, HOST_MAX);
  if (hostLen <= 0) return E_MALFORMED;
  const tokenAt = jsonGet(at, end, "token");
  let tokenLen: i32 = 0;
  if (tokenAt != 0) {
    tokenLen = jsonString(tokenAt, end, c.token, TOKEN_MAX);
    if (tokenLen < 0) tokenLen = 0;
  }
  memory.copy(c.relayHost, tmp, <usize>hostLen);
  c.relayHostLen = hostLen;
  c.relayPort = <i32>port;
  c.ssrc = <u32>ssrc;
  c.peerSsrc = <u32>peerSsrc;
  c.payloadType = <i32>pt;
  c.codec = <i32>pt;
  c.clockRate = <i32>rate;
  c.ptimeMs = <i32>ptime;
  c.tokenLen = tokenLen;
  c.hasMedia = true;
  return OK;
}

// The phase a WeChat state puts a call in.
export function phaseForState(state: i32, current: i32): i32 {
  if (state == STATE_TALKING) return PHASE_TALKING;
  if (state >= STATE_REJECTED) return PHASE_ENDED;
  if (state == STATE_IDLE) return PHASE_ENDED;
  return current;
}

