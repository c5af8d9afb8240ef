// The cloud's event channel: a long poll on GET /v1/device/events?after=SEQ&wait=W that is
// always outstanding while the device is registered. Events are handled in seq order, each once;
// the last handled seq is persisted so a restarted device (or cloud) resumes where it stopped.
// When the cloud is unreachable the poll is retried with backoff; the call is not touched, so a
// network cut or a cloud restart in the middle of a call loses no state.
import { OK, E_AGAIN, E_AUTH, E_PROTOCOL, E_NOSPACE } from "../abi/errors";
import { host_event } from "../abi/imports";
import { jsonGet, jsonFirst, jsonNext, jsonInt, jsonError, jsonString, jsonValueEnd, jsonSkipWs } from "../net/json";
import { equalsAscii } from "../net/writer";
import { eventSeqSave } from "../device/event-seq";
import { Signal, signal } from "./context";
import { clockSync } from "./clock";
import { backoffDelay } from "./backoff";
import { pathBegin, sendRequest } from "./request";
import { commandQueue } from "./commands";
import {
  Call, callActive, callReset, callTakeId, callIdIs, callTakeMedia, callSetPhase, phaseForState,
  PHASE_RINGING, PHASE_ENDED, PHASE_DIALING, DIRECTION_INCOMING, OPENID_MAX, CALL_ID_MAX,
} from "./call";
import { EVENT_LINK, EVENT_RING, EVENT_CALL_STATE, EVENT_MEDIA, EVENT_OTA, COMMAND_BUSY } from "./events";
import { otaOffered, otaChannelAnswered } from "../ota/updater";

function start(s: Signal, now: u32): i32 {
  const p = pathBegin(s.path);
  p.ascii("/v1/device/events?after=");
  p.dec(s.lastSeq);
  p.ascii("&wait=");
  p.dec(s.waitSeconds);
  s.body.reset();
  return sendRequest(s.events, "GET", p, s.body, true, now, <u32>s.waitSeconds * 1000 + 10000);
}

// During a call the channel retries at least every CALL_RETRY_MAX_MS, so a hang-up made while
// the network was down reaches the device soon after it is back; idle devices back off fully.
const CALL_RETRY_MAX_MS: u32 = 2000;

function failed(s: Signal, code: i32, now: u32): void {
  s.eventsFailures++;
  let delay = backoffDelay(s.eventsFailures);
  if (callActive(s.call) && delay > CALL_RETRY_MAX_MS) delay = CALL_RETRY_MAX_MS;
  s.eventsNotBefore = now + delay;
  if (s.linkUp) { s.linkUp = false; host_event(EVENT_LINK, 0, code); }
}

// Drives the long poll. Call from tick once the device is registered and has the time.
export function channelPoll(now: u32): void {
  const s = signal();
  const client = s.events;
  if (!client.busy && !s.eventsHeld) {
    if (<i32>(now - s.eventsNotBefore) < 0) return;
    const r = start(s, now);
    if (r != OK) { failed(s, r, now); return; }
  }
  const status = client.poll(now);
  if (status == E_AGAIN) return;
  // While our call request is in flight its call id is unknown, and the cloud may report the
  // call's first states before it answers the request: keep this answer until the id is in.
  if (s.call.phase == PHASE_DIALING) { s.eventsHeld = true; return; }
  s.eventsHeld = false;
  const body = client.body;
  const end = client.bodyEnd;
  if (status == E_NOSPACE && client.partial && client.status == 200) {
    // More events than the buffer holds: handle the complete ones at its start and ask again
    // after them, so a backlog drains in buffer-sized steps instead of blocking the channel.
    const before = s.lastSeq;
    handleEvents(s, partialEvents(body, end), end, now);
    if (s.lastSeq != before) {
      eventSeqSave(s.lastSeq);
      s.eventsFailures = 0;
      s.eventsNotBefore = now;
      return;
    }
  }
  if (status < 0) { failed(s, status, now); return; }
  if (status == 401) {
    // A clock that drifted: take the cloud's time and ask again at once.
    const at = jsonGet(body, end, "server_time");
    const t = jsonInt(at, end);
    if (at != 0 && jsonError == 0) clockSync(t, now);
    failed(s, E_AUTH, now);
    return;
  }
  if (status != 200 || jsonValueEnd(body, end) == 0) { failed(s, status >= 500 ? E_AGAIN : E_PROTOCOL, now); return; }
  s.eventsFailures = 0;
  s.eventsNotBefore = now;
  otaChannelAnswered();
  if (!s.linkUp) { s.linkUp = true; host_event(EVENT_LINK, 1, OK); }
  const before = s.lastSeq;
  handleEvents(s, jsonFirst(jsonGet(body, end, "events"), end), end, now);
  if (s.lastSeq != before) eventSeqSave(s.lastSeq);
}

// Handles the array elements from `e` on, in order, each seq once; stops at the first element
// that is incomplete (the end of a partial body) or malformed.
function handleEvents(s: Signal, e: usize, end: usize, now: u32): void {
  while (e != 0 && jsonValueEnd(e, end) != 0) {
    const seqAt = jsonGet(e, end, "seq");
    const seq = jsonInt(seqAt, end);
    if (seqAt != 0 && jsonError == 0 && seq > s.lastSeq) {
      handleEvent(s, e, end, now);
      s.lastSeq = seq;
    }
    e = jsonNext(e, end);
  }
}

// The first element of the "events" array in the prefix of an answer: {"events":[ ... The whole
// answer cannot be checked (its end is missing), so this takes the array as the first key.
function partialEvents(p: usize, end: usize): usize {
  p = jsonSkipWs(p, end);
  if (p >= end || load<u8>(p) != 0x7b) return 0;
  p = jsonSkipWs(p + 1, end);
  if (p + 8 > end || !equalsAscii(p, 8, "\"events\"")) return 0;
  p = jsonSkipWs(p + 8, end);
  if (p >= end || load<u8>(p) != 0x3a) return 0;
  return jsonFirst(p + 1, end);
}

function typeIs(e: usize, end: usize, name: string): bool {
  const tmp = memory.data(24);
  const n = jsonString(jsonGet(e, end, "type"), end, tmp, 24);
  return n > 0 && equalsAscii(tmp, n, name);
}

function handleEvent(s: Signal, e: usize, end: usize, now: u32): void {
  if (typeIs(e, end, "call.ring")) ring(s, e, end, now);
  else if (typeIs(e, end, "call.state")) state(s, e, end, now);
  else if (typeIs(e, end, "ota.available")) { otaOffered(e, end); host_event(EVENT_OTA, 0, 0); }
}

function ring(s: Signal, e: usize, end: usize, now: u32): void {
  const c = s.call;
  const idAt = jsonGet(e, end, "call_id");
  if (idAt == 0) return;
  if (callActive(c)) {
    if (callIdIs(c, idAt, end)) return; // the same ring again
    // In a call already: tell the second caller the device is busy.
    const n = jsonString(idAt, end, s.busyId, CALL_ID_MAX);
    if (n <= 0) return;
    s.busyIdLen = n;
    if (s.op == 0) commandQueue(s, COMMAND_BUSY, now);
    return;
  }
  callReset(c, DIRECTION_INCOMING, now);
  if (callTakeId(c, idAt, end) != OK) return;
  const from = jsonString(jsonGet(e, end, "from_openid"), end, c.peer, OPENID_MAX);
  c.peerLen = from > 0 ? from : 0;
  const tmp = memory.data(8);
  const rt = jsonString(jsonGet(e, end, "room_type"), end, tmp, 8);
  c.roomType = rt > 0 && equalsAscii(tmp, rt, "video") ? 1 : 0;
  callTakeMedia(c, jsonGet(e, end, "media"), end);
  c.state = 1;
  s.endByTimeout = false;
  s.endRequested = false;
  callSetPhase(c, PHASE_RINGING, now);
  host_event(EVENT_RING, c.roomType, 0);
}

function state(s: Signal, e: usize, end: usize, now: u32): void {
  const c: Call = s.call;
  const idAt = jsonGet(e, end, "call_id");
  if (idAt == 0 || c.callIdLen == 0 || !callIdIs(c, idAt, end)) return;
  const st = jsonInt(jsonGet(e, end, "state"), end);
  if (jsonError != 0 || st < 0 || st > 9) return;
  const reasonAt = jsonGet(e, end, "reason");
  const reason = reasonAt != 0 ? jsonInt(reasonAt, end) : 0;
  if (c.phase == PHASE_ENDED) return; // over already; a late echo changes nothing
  const hadMedia = c.hasMedia;
  callTakeMedia(c, jsonGet(e, end, "media"), end);
  if (c.hasMedia && !hadMedia) host_event(EVENT_MEDIA, c.relayPort, c.payloadType);
  if (<i32>st == c.state) return;
  c.state = <i32>st;
  c.reason = jsonError == 0 ? <i32>reason : 0;
  const next = phaseForState(<i32>st, c.phase);
  if (next != c.phase) callSetPhase(c, next, now);
  host_event(EVENT_CALL_STATE, c.state, c.reason);
}

