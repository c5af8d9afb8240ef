// Commands the device sends to its cloud, one at a time: time, register, call, answer, reject,
// hang-up, cancel, busy. Each is built when it is sent (so a retry is signed afresh), and its
// answer moves the call. Network failures are retried with backoff for commands that are safe to
// repeat; a new call is not (it could ring the user twice), so it fails instead.
import { OK, E_AUTH, E_PROTOCOL, E_STATE, E_BUSY, E_MALFORMED, E_AGAIN, E_IO, E_TIMEOUT, E_NOSPACE } from "../abi/errors";
import { host_event } from "../abi/imports";
import { jsonGet, jsonInt, jsonError, jsonIsNull, jsonValueEnd, jsonString } from "../net/json";
import { jsonWriteKey, jsonWriteString } from "../net/json-writer";
import { equalsAscii } from "../net/writer";
import { registrationSave } from "../device/registration";
import { Signal, signal, TICKET_MAX } from "./context";
import { clockSync } from "./clock";
import { backoffDelay } from "./backoff";
import { pathBegin, sendRequest } from "./request";
import {
  Call, callTakeId, callTakeMedia, callSetPhase, phaseForState,
  PHASE_IDLE, PHASE_CALLING, PHASE_TALKING, PHASE_ENDING, PHASE_ENDED, PHASE_RINGING,
  STATE_IDLE, STATE_NO_ANSWER, STATE_CALLER_HUNG_UP, STATE_CALLEE_HUNG_UP, STATE_REJECTED, STATE_CANCELLED,
  REASON_TIMEOUT, REASON_MANUAL, REASON_REJECTED, DIRECTION_OUTGOING,
} from "./call";
import {
  EVENT_LINK, EVENT_REGISTERED, EVENT_CALL_STATE, EVENT_MEDIA, EVENT_COMMAND, EVENT_BUSY_SENT,
  COMMAND_TIME, COMMAND_REGISTER, COMMAND_CALL, COMMAND_ANSWER, COMMAND_REJECT, COMMAND_HANGUP,
  COMMAND_CANCEL, COMMAND_BUSY, COMMAND_TICKET,
} from "./events";

const MAX_ATTEMPTS: i32 = 6;

// Queues a command (replacing none: callers check s.op first).
export function commandQueue(s: Signal, op: i32, now: u32): void {
  s.op = op;
  s.opNotBefore = now;
  s.opAttempts = 0;
  s.opStaleRetried = false;
}

function endpoint(s: Signal, op: i32): void {
  const p = pathBegin(s.path);
  if (op == COMMAND_TIME) { p.ascii("/v1/time"); return; }
  if (op == COMMAND_REGISTER) { p.ascii("/v1/device/register"); return; }
  if (op == COMMAND_TICKET) { p.ascii("/v1/device/ticket"); return; }
  if (op == COMMAND_CALL) { p.ascii("/v1/calls"); return; }
  p.ascii("/v1/calls/");
  if (op == COMMAND_BUSY) p.bytes(s.busyId, s.busyIdLen);
  else p.bytes(s.call.callId, s.call.callIdLen);
  if (op == COMMAND_ANSWER) p.ascii("/answer");
  else if (op == COMMAND_REJECT) p.ascii("/reject");
  else if (op == COMMAND_HANGUP) p.ascii("/hangup");
  else if (op == COMMAND_CANCEL) p.ascii("/cancel");
  else p.ascii("/busy");
}

function send(s: Signal, now: u32): i32 {
  const op = s.op;
  endpoint(s, op);
  const b = s.body;
  b.reset();
  if (op == COMMAND_CALL) {
    // Video is requested as a voice call until the image carries video.
    b.byte(0x7b);
    jsonWriteKey(b, "callee_openid");
    jsonWriteString(b, s.call.peer, s.call.peerLen);
    b.ascii(",\"room_type\":\"voice\",");
    jsonWriteKey(b, "payload");
    jsonWriteString(b, s.payload, s.payloadLen);
    b.byte(0x2c);
    jsonWriteKey(b, "custom_query");
    jsonWriteString(b, s.query, s.queryLen);
    b.byte(0x7d);
  } else if (op != COMMAND_TIME && op != COMMAND_TICKET) {
    b.ascii("{}");
  }
  const get = op == COMMAND_TIME || op == COMMAND_TICKET;
  return sendRequest(s.command, get ? "GET" : "POST", s.path, b, op != COMMAND_TIME, now, s.requestTimeoutMs);
}

// Worth repeating: the network failed or the cloud is briefly unavailable, and the command is
// safe to send twice. A protocol violation or an oversized answer would only repeat itself.
function retryable(op: i32, code: i32): bool {
  return op != COMMAND_CALL && (code == E_IO || code == E_TIMEOUT || code == E_AGAIN);
}

function emitState(c: Call): void { host_event(EVENT_CALL_STATE, c.state, c.reason); }

// Drives the command client. Call from tick.
export function commandsPoll(now: u32): void {
  const s = signal();
  if (s.op == 0) return;
  const client = s.command;
  if (!client.busy) {
    if (<i32>(now - s.opNotBefore) < 0) return;
    s.opAttempts++;
    const r = send(s, now);
    if (r != OK) { finish(s, r, now); return; }
  }
  const status = client.poll(now);
  if (status == E_AGAIN) return;
  handle(s, status, now);
}

function networkFailure(s: Signal, code: i32, now: u32): void {
  if (s.linkUp) { s.linkUp = false; host_event(EVENT_LINK, 0, code); }
  if (retryable(s.op, code) && s.opAttempts < MAX_ATTEMPTS) {
    s.opNotBefore = now + backoffDelay(s.opAttempts);
    return;
  }
  finish(s, code, now);
}

// The "code" field of an error body, or `fallback`.
function errorCode(body: usize, end: usize, fallback: i32): i32 {
  const at = jsonGet(body, end, "code");
  if (at == 0) return fallback;
  const v = jsonInt(at, end);
  if (jsonError != 0 || v > -1000 || v < -1100) return fallback;
  return <i32>v;
}

function handle(s: Signal, status: i32, now: u32): void {
  if (status < 0) { networkFailure(s, status, now); return; }
  const client = s.command;
  const body = client.body;
  const end = client.bodyEnd;
  if (!s.linkUp) { s.linkUp = true; host_event(EVENT_LINK, 1, OK); }
  if (status >= 500) {
    // WeChat's refusals pass through as {"error":"wechat","errcode":N}; -1 means retry later.
    const at = jsonGet(body, end, "errcode");
    if (at != 0) {
      const errcode = jsonInt(at, end);
      if (jsonError == 0 && errcode != -1) { finish(s, <i32>(0 - errcode), now); return; }
    }
    networkFailure(s, status == 503 ? E_AGAIN : E_PROTOCOL, now);
    return;
  }
  if (status == 401) {
    const code = errorCode(body, end, E_AUTH);
    const errAt = jsonGet(body, end, "error");
    const stale = errAt != 0 && isString(errAt, end, "stale_timestamp");
    const timeAt = jsonGet(body, end, "server_time");
    if (stale && timeAt != 0 && !s.opStaleRetried) {
      const t = jsonInt(timeAt, end);
      if (jsonError == 0) {
        clockSync(t, now);
        s.opStaleRetried = true;
        s.opNotBefore = now;
        s.opAttempts--;
        return;
      }
    }
    finish(s, code, now);
    return;
  }
  if (status == 409) { finish(s, s.op == COMMAND_CALL ? E_BUSY : E_STATE, now); return; }
  if (status != 200) { finish(s, errorCode(body, end, E_PROTOCOL), now); return; }
  if (jsonValueEnd(body, end) == 0) { finish(s, E_PROTOCOL, now); return; }
  finish(s, success(s, body, end, now), now);
}

function isString(at: usize, end: usize, s: string): bool {
  const tmp = memory.data(32);
  const n = jsonString(at, end, tmp, 32);
  return n > 0 && equalsAscii(tmp, n, s);
}

// Applies a 200 answer. Returns OK or the command's error.
function success(s: Signal, body: usize, end: usize, now: u32): i32 {
  const op = s.op;
  const c = s.call;
  if (op == COMMAND_TIME) {
    const at = jsonGet(body, end, "server_time");
    const t = jsonInt(at, end);
    if (at == 0 || jsonError != 0) return E_PROTOCOL;
    clockSync(t, now);
    s.needTime = false;
    return OK;
  }
  if (op == COMMAND_REGISTER) {
    const r = registrationSave(body, end);
    if (r == OK) {
      s.registered = true;
      takeTicket(s, body, end);
    }
    return r == E_MALFORMED ? E_PROTOCOL : r;
  }
  if (op == COMMAND_TICKET) return takeTicket(s, body, end);
  if (op == COMMAND_BUSY) return OK;
  if (op == COMMAND_CALL) {
    const idAt = jsonGet(body, end, "call_id");
    if (idAt == 0 || jsonIsNull(idAt, end)) {
      const at = jsonGet(body, end, "errcode");
      const errcode = jsonInt(at, end);
      if (at == 0 || jsonError != 0 || errcode <= 0) return E_PROTOCOL;
      return <i32>(0 - errcode);
    }
    if (callTakeId(c, idAt, end) != OK) return E_PROTOCOL;
  }
  // Every call command answers {"call_id", "state", "media"?}.
  const stateAt = jsonGet(body, end, "state");
  const state = jsonInt(stateAt, end);
  if (stateAt == 0 || jsonError != 0 || state < 0 || state > 9) return E_PROTOCOL;
  const reasonAt = jsonGet(body, end, "reason");
  if (reasonAt != 0) {
    const reason = jsonInt(reasonAt, end);
    if (jsonError == 0) c.reason = <i32>reason;
  }
  const hadMedia = c.hasMedia;
  const stateBefore = c.state;
  const phaseBefore = c.phase;
  if (callTakeMedia(c, jsonGet(body, end, "media"), end) != OK) return E_PROTOCOL;
  if (op == COMMAND_CALL) {
    c.state = <i32>state;
    callSetPhase(c, state == 1 ? PHASE_CALLING : phaseForState(<i32>state, PHASE_CALLING), now);
  } else if (op == COMMAND_ANSWER) {
    c.state = <i32>state;
    callSetPhase(c, phaseForState(<i32>state, PHASE_TALKING), now);
  } else {
    // Reject, hang-up, cancel: the call is over whatever the cloud's state says.
    c.state = state >= 3 ? <i32>state : endState(op, c);
    if (s.endByTimeout) { c.state = STATE_NO_ANSWER; c.reason = REASON_TIMEOUT; }
    else if (reasonAt == 0) c.reason = op == COMMAND_REJECT ? REASON_REJECTED : REASON_MANUAL;
    callSetPhase(c, PHASE_ENDED, now);
  }
  if (c.hasMedia && !hadMedia) host_event(EVENT_MEDIA, c.relayPort, c.payloadType);
  // The event channel may have reported this state already (answer and state event race).
  if (c.state != stateBefore || op == COMMAND_CALL || (c.phase == PHASE_ENDED && phaseBefore != PHASE_ENDED)) emitState(c);
  return OK;
}

// Keeps the answer's sn_ticket for the host (a user authorises the device with it). Returns OK,
// E_PROTOCOL when it is missing, E_NOSPACE when it is longer than TICKET_MAX.
function takeTicket(s: Signal, body: usize, end: usize): i32 {
  const n = jsonString(jsonGet(body, end, "sn_ticket"), end, s.ticket, TICKET_MAX);
  if (n <= 0) {
    s.ticketLen = 0;
    return n == E_NOSPACE ? E_NOSPACE : E_PROTOCOL;
  }
  s.ticketLen = n;
  return OK;
}

// The state a device-side ending implies when the cloud does not say.
function endState(op: i32, c: Call): i32 {
  if (op == COMMAND_REJECT) return STATE_REJECTED;
  if (op == COMMAND_CANCEL) return STATE_CANCELLED;
  return c.direction == DIRECTION_OUTGOING ? STATE_CALLER_HUNG_UP : STATE_CALLEE_HUNG_UP;
}

// Ends the current command with `result` and reports it; follows up on a hang-up asked meanwhile.
function finish(s: Signal, result: i32, now: u32): void {
  const op = s.op;
  const c = s.call;
  s.op = 0;
  s.lastError = result < 0 ? result : s.lastError;
  if (op == COMMAND_REGISTER) host_event(EVENT_REGISTERED, result, 0);
  if (op == COMMAND_BUSY) { s.busyIdLen = 0; host_event(EVENT_BUSY_SENT, 0, result); }
  if (result != OK) {
    if (op == COMMAND_CALL) {
      // A refused call never existed: WeChat's error (negated) is the call's result.
      c.error = result;
      c.state = STATE_IDLE;
      callSetPhase(c, PHASE_ENDED, now);
    } else if (op == COMMAND_ANSWER) {
      c.error = result;
      c.state = 7;
      callSetPhase(c, PHASE_ENDED, now);
      emitState(c);
    } else if (op == COMMAND_REJECT || op == COMMAND_HANGUP || op == COMMAND_CANCEL) {
      // The cloud could not be told; locally the call is over anyway.
      c.error = result;
      c.state = s.endByTimeout ? STATE_NO_ANSWER : endState(op, c);
      c.reason = s.endByTimeout ? REASON_TIMEOUT : REASON_MANUAL;
      callSetPhase(c, PHASE_ENDED, now);
      emitState(c);
    }
  }
  host_event(EVENT_COMMAND, op, result);
  if (op == COMMAND_TIME && s.deferredOp != 0) {
    // The command that waited for the time goes out now, or fails the same way when the cloud
    // could not even tell the time.
    const deferred = s.deferredOp;
    s.deferredOp = 0;
    commandQueue(s, deferred, now);
    if (result != OK) finish(s, result, now);
    return;
  }
  if (s.endRequested && c.phase != PHASE_ENDED && c.phase != PHASE_IDLE) {
    s.endRequested = false;
    commandEnd(s, now, false);
  }
  if (s.op == 0 && s.busyIdLen > 0) commandQueue(s, COMMAND_BUSY, now);
}

// Ends the call the way its phase calls for (cancel, reject or hang-up). Returns OK, or E_STATE
// when there is no call to end.
export function commandEnd(s: Signal, now: u32, byTimeout: bool): i32 {
  const c = s.call;
  if (c.phase == PHASE_IDLE || c.phase == PHASE_ENDED || c.phase == PHASE_ENDING) return E_STATE;
  if (s.op != 0) {
    // Dialing, answering or turning a second caller away: end as soon as that answer is in.
    s.endRequested = true;
    if (byTimeout) s.endByTimeout = true;
    return OK;
  }
  s.endByTimeout = byTimeout;
  let op = COMMAND_HANGUP;
  if (c.phase == PHASE_CALLING) op = COMMAND_CANCEL;
  else if (c.phase == PHASE_RINGING) op = COMMAND_REJECT;
  callSetPhase(c, PHASE_ENDING, now);
  commandQueue(s, op, now);
  return OK;
}

