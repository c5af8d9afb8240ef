// The signalling layer's state, placed once at init: two HTTP clients (commands, and the event
// channel's long poll, so a ring can arrive while a command is in flight), scratch buffers for
// building requests, the call, and the schedule of retries.
import { arenaAlloc } from "../util/arena";
import { HttpClient } from "../net/http";
import { Writer } from "../net/writer";
import { Call, callPlace } from "./call";
import { signerInit, SIGNER_BYTES } from "./signer";
import { CALL_ID_MAX } from "./call";

// Buffers are sized to what the device API really carries (a call request with the largest
// payload and query is under 1 KiB; a ring event about 350 bytes), so the whole image stays
// within its 32 KiB during a call. A backlog of events larger than the buffer drains in steps.
export const COMMAND_BUFFER: i32 = 2048;
export const EVENTS_BUFFER: i32 = 2048;
export const BODY_CAP: i32 = 512;
export const PATH_CAP: i32 = 192;
export const PAYLOAD_MAX: i32 = 192;
export const QUERY_MAX: i32 = 128;
export const TICKET_MAX: i32 = 128;

@unmanaged
export class Signal {
  command: HttpClient = changetype<HttpClient>(0);
  events: HttpClient = changetype<HttpClient>(0);
  body: Writer = changetype<Writer>(0);
  path: Writer = changetype<Writer>(0);
  call: Call = changetype<Call>(0);

  // Outgoing call request fields, kept until the request is sent (and resent).
  payload: usize = 0;
  payloadLen: i32 = 0;
  query: usize = 0;
  queryLen: i32 = 0;

  // The one command in flight or waiting for its retry time (COMMAND_*; 0 none).
  op: i32 = 0;
  opNotBefore: u32 = 0;
  opAttempts: i32 = 0;
  opStaleRetried: bool = false;
  // A command waiting for the time request that must precede it.
  deferredOp: i32 = 0;
  // Set when the device gives up on a call itself (no answer): the ending request reports
  // WeChat state 9 with reason 10 whatever the cloud answers.
  endByTimeout: bool = false;
  // Set when hang-up is asked while another command for the call is in flight.
  endRequested: bool = false;

  // The last device ticket (sn_ticket) for a user's authorisation, from register or ticket.
  ticket: usize = 0;
  ticketLen: i32 = 0;

  // A second caller to turn away while in a call.
  busyId: usize = 0;
  busyIdLen: i32 = 0;

  // Event channel.
  lastSeq: i64 = 0;
  eventsNotBefore: u32 = 0;
  eventsFailures: i32 = 0;
  linkUp: bool = false;
  // An answer of the event channel kept unprocessed while a call request is in flight.
  eventsHeld: bool = false;
  waitSeconds: i32 = 25;

  // The call phase persisted through the key-value import (0: none), see device/active-call.ts.
  persistedPhase: i32 = 0;

  needTime: bool = true;
  registered: bool = false;
  callTimeoutMs: u32 = 60000;
  ringTimeoutMs: u32 = 60000;
  requestTimeoutMs: u32 = 10000;
  lastError: i32 = 0;
}

let ctx: Signal = changetype<Signal>(0);

export function signal(): Signal { return ctx; }
export function signalPlaced(): bool { return changetype<usize>(ctx) != 0; }

// Places everything once; later calls keep the same memory. False when the arena is exhausted.
export function signalPlace(): bool {
  if (changetype<usize>(ctx) != 0) return true;
  const at = arenaAlloc(<i32>offsetof<Signal>());
  const command = HttpClient.place(COMMAND_BUFFER);
  const events = HttpClient.place(EVENTS_BUFFER);
  const bodyBuf = arenaAlloc(BODY_CAP);
  const pathBuf = arenaAlloc(PATH_CAP);
  const signBuf = arenaAlloc(SIGNER_BYTES);
  const fields = arenaAlloc(PAYLOAD_MAX + QUERY_MAX + CALL_ID_MAX + TICKET_MAX);
  const call = callPlace();
  if (at == 0 || command == null || events == null || bodyBuf == 0 || pathBuf == 0 || signBuf == 0 || fields == 0 || call == null) return false;
  const body = Writer.place(bodyBuf, BODY_CAP);
  const path = Writer.place(pathBuf, PATH_CAP);
  if (body == null || path == null || !signerInit(signBuf)) return false;
  const s = changetype<Signal>(at);
  s.command = command;
  s.events = events;
  s.body = body;
  s.path = path;
  s.call = call;
  s.payload = fields;
  s.query = fields + <usize>PAYLOAD_MAX;
  s.busyId = fields + <usize>(PAYLOAD_MAX + QUERY_MAX);
  s.ticket = s.busyId + <usize>CALL_ID_MAX;
  s.waitSeconds = 25;
  s.needTime = true;
  s.callTimeoutMs = 60000;
  s.ringTimeoutMs = 60000;
  s.requestTimeoutMs = 10000;
  ctx = s;
  return true;
}
