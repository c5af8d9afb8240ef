// The device's signalling as the host sees it: init, register, call, answer, reject, hang up,
// and tick. Single-threaded and host-driven: every verb only changes state and queues a command;
// tick(now) moves the HTTP exchanges forward without blocking.
import { OK, E_ARG, E_STATE, E_BUSY, E_NOSPACE, E_NOT_REGISTERED } from "../abi/errors";
import { identityLoad, identityLoaded } from "../device/identity";
import { registrationStatus } from "../device/registration";
import { eventSeqLoad } from "../device/event-seq";
import { activeCallLoad, activeCallSave, activeCallClear, activeDirection, activePhase } from "../device/active-call";
import { signal, signalPlace, signalPlaced, PAYLOAD_MAX, QUERY_MAX } from "./context";
import { clockIsSynced } from "./clock";
import { backoffDelay } from "./backoff";
import { commandsPoll, commandQueue, commandEnd } from "./commands";
import { channelPoll } from "./channel";
import { reportPlace } from "./report";
import { otaInit, otaTick, otaHoldsCommand } from "../ota/updater";
import {
  callActive, callReset, callSetPhase, OPENID_MAX, CALL_ID_MAX, STATE_TALKING, STATE_CALLING,
  PHASE_DIALING, PHASE_CALLING, PHASE_RINGING, PHASE_ANSWERING, PHASE_TALKING, PHASE_ENDED, PHASE_IDLE, DIRECTION_OUTGOING,
} from "./call";
import { COMMAND_TIME, COMMAND_REGISTER, COMMAND_CALL, COMMAND_ANSWER, COMMAND_TICKET } from "./events";

let timeFailures: i32 = 0;

// Queues a command, or lets it wait behind the time request a device makes at start (so a host
// may register or call right after init). E_BUSY when another command is in progress.
function queue(now: u32, op: i32): i32 {
  const s = signal();
  if (s.op == 0) { commandQueue(s, op, now); return OK; }
  if (s.op == COMMAND_TIME && s.deferredOp == 0) { s.deferredOp = op; return OK; }
  return E_BUSY;
}

// Loads identity, registration and the event position, and places the signalling state.
// Returns OK, E_NOT_REGISTERED when no identity was provisioned, E_STORAGE_CORRUPT, E_NOSPACE.
export function agentInit(now: u32): i32 {
  if (!signalPlace() || !reportPlace() || !otaInit()) return E_NOSPACE;
  const r = identityLoad();
  if (r != OK) return r;
  const s = signal();
  s.registered = registrationStatus() == 1;
  s.lastSeq = eventSeqLoad();
  s.needTime = !clockIsSynced();
  s.eventsNotBefore = now;
  recoverCall(now);
  return OK;
}

// A call that was in progress when the device stopped (power cut, crash, restart) is ended with
// the cloud now: hang-up, cancel or reject by the phase it had, reported like any other ending.
function recoverCall(now: u32): void {
  const s = signal();
  const c = s.call;
  if (callActive(c)) return; // init again in the same run: the live call is not a leftover
  const n = activeCallLoad(c.callId, CALL_ID_MAX);
  if (n <= 0) return;
  callReset(c, activeDirection, now);
  c.callIdLen = n;
  c.state = activePhase == PHASE_TALKING ? STATE_TALKING : STATE_CALLING;
  callSetPhase(c, activePhase, now);
  s.persistedPhase = activePhase;
  if (commandEnd(s, now, false) != OK) callSetPhase(c, PHASE_ENDED, now);
}

// Keeps the persisted call in step with the call: saved when it starts ringing, calling or
// talking (once per phase), deleted when it is over. A failed write is not retried every tick.
function persistCall(): void {
  const s = signal();
  const c = s.call;
  const p = c.phase;
  if ((p == PHASE_CALLING || p == PHASE_RINGING || p == PHASE_TALKING) && c.callIdLen > 0) {
    if (s.persistedPhase != p) {
      activeCallSave(c.callId, c.callIdLen, c.direction, p);
      s.persistedPhase = p;
    }
  } else if ((p == PHASE_ENDED || p == PHASE_IDLE) && s.persistedPhase != 0) {
    activeCallClear();
    s.persistedPhase = 0;
  }
}

export function agentReady(): bool { return signalPlaced() && identityLoaded(); }

// Asks the cloud to register the device; EVENT_REGISTERED reports the result.
export function agentRegister(now: u32): i32 {
  if (!agentReady()) return E_STATE;
  return queue(now, COMMAND_REGISTER);
}

// Asks the cloud for a fresh device ticket (for wx.requestDeviceVoIP); EVENT_COMMAND reports
// COMMAND_TICKET, then agentTicketRead copies it out.
export function agentTicket(now: u32): i32 {
  if (!agentReady()) return E_STATE;
  return queue(now, COMMAND_TICKET);
}

export function agentTicketRead(out: usize, cap: i32): i32 {
  if (!agentReady()) return E_STATE;
  const s = signal();
  if (s.ticketLen == 0) return E_STATE;
  if (s.ticketLen > cap) return E_NOSPACE;
  memory.copy(out, s.ticket, <usize>s.ticketLen);
  return s.ticketLen;
}

// Calls a user. openid, payload and custom query are consecutive UTF-8 strings at p.
export function agentCall(now: u32, roomType: i32, p: usize, openidLen: i32, payloadLen: i32, queryLen: i32): i32 {
  if (!agentReady()) return E_STATE;
  const s = signal();
  if (!s.registered) return E_NOT_REGISTERED;
  if (roomType < 0 || roomType > 1 || openidLen <= 0 || openidLen > OPENID_MAX || payloadLen < 0 || payloadLen > PAYLOAD_MAX ||
      queryLen < 0 || queryLen > QUERY_MAX) return E_ARG;
  if (callActive(s.call) || (s.op != 0 && !(s.op == COMMAND_TIME && s.deferredOp == 0))) return E_BUSY;
  const c = s.call;
  callReset(c, DIRECTION_OUTGOING, now);
  c.roomType = roomType;
  memory.copy(c.peer, p, <usize>openidLen);
  c.peerLen = openidLen;
  memory.copy(s.payload, p + <usize>openidLen, <usize>payloadLen);
  s.payloadLen = payloadLen;
  memory.copy(s.query, p + <usize>(openidLen + payloadLen), <usize>queryLen);
  s.queryLen = queryLen;
  s.endByTimeout = false;
  s.endRequested = false;
  callSetPhase(c, PHASE_DIALING, now);
  return queue(now, COMMAND_CALL);
}

export function agentAnswer(now: u32): i32 {
  if (!agentReady()) return E_STATE;
  const s = signal();
  if (s.call.phase != PHASE_RINGING) return E_STATE;
  if (s.op != 0) return E_BUSY;
  callSetPhase(s.call, PHASE_ANSWERING, now);
  commandQueue(s, COMMAND_ANSWER, now);
  return OK;
}

// Reject (ringing), cancel (calling) or hang up (talking): whichever the call's phase needs.
export function agentEnd(now: u32): i32 {
  if (!agentReady()) return E_STATE;
  return commandEnd(signal(), now, false);
}

export function agentReject(now: u32): i32 {
  if (!agentReady() || signal().call.phase != PHASE_RINGING) return E_STATE;
  return commandEnd(signal(), now, false);
}

export function agentCancel(now: u32): i32 {
  if (!agentReady()) return E_STATE;
  const p = signal().call.phase;
  if (p != PHASE_CALLING && p != PHASE_DIALING) return E_STATE;
  return commandEnd(signal(), now, false);
}

// Long-poll wait (0-30 s), how long the user's phone may ring for our call and our bell for
// theirs, and how long one request may take (>= 100 ms).
export function agentSetTimeouts(waitSeconds: i32, callTimeoutMs: i32, ringTimeoutMs: i32, requestTimeoutMs: i32): i32 {
  if (!signalPlaced()) return E_STATE;
  if (waitSeconds < 0 || waitSeconds > 30 || callTimeoutMs < 1000 || ringTimeoutMs < 1000 || requestTimeoutMs < 100) return E_ARG;
  const s = signal();
  s.waitSeconds = waitSeconds;
  s.callTimeoutMs = <u32>callTimeoutMs;
  s.ringTimeoutMs = <u32>ringTimeoutMs;
  s.requestTimeoutMs = <u32>requestTimeoutMs;
  return OK;
}

// Moves everything forward. Returns the call's phase.
export function agentTick(now: u32): i32 {
  if (!agentReady()) return E_STATE;
  const s = signal();
  if (s.needTime && s.op == 0 && <i32>(now - s.opNotBefore) >= 0) {
    commandQueue(s, COMMAND_TIME, now);
  }
  // Signed requests need the cloud's time: fetch it first when a command would go out without.
  if (s.needTime && s.op != 0 && s.op != COMMAND_TIME && !s.command.busy && s.deferredOp == 0) {
    s.deferredOp = s.op;
    commandQueue(s, COMMAND_TIME, now);
  }
  const wasTime = s.op == COMMAND_TIME;
  // An update's chunk or report on the command client finishes first (one exchange).
  if (!otaHoldsCommand()) commandsPoll(now);
  if (wasTime && s.op == 0 && s.needTime) {
    // The time request gave up: try again later.
    timeFailures++;
    s.opNotBefore = now + backoffDelay(timeFailures);
  }
  if (!s.needTime) timeFailures = 0;
  if (s.registered && clockIsSynced()) channelPoll(now);
  otaTick(now);
  persistCall();
  const c = s.call;
  const inPhase = now - c.phaseSince;
  if (c.phase == PHASE_CALLING && inPhase >= s.callTimeoutMs) commandEnd(s, now, true);
  else if (c.phase == PHASE_RINGING && inPhase >= s.ringTimeoutMs) commandEnd(s, now, true);
  return c.phase;
}

