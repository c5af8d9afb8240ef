// The device side of an over-the-air update (docs/ota.md, "The update protocol"). It learns of a
// release from the ota.available event and from GET /v1/device/ota after each boot (and every 6 h),
// downloads the package in 1 KiB chunks into the host's inactive slot (resuming from what the
// host already holds), lets the host verify and stage it, and raises EVENT_OTA_READY when no call
// is in progress so the host switches. The image that boots next finishes the story: on trial,
// it confirms itself once registered and answered by the cloud; after a rollback, the old image
// reports it and never tries that release again. Every state is reported to the cloud.
//
// It borrows the command connection's HTTP client, one exchange at a time, only while no command
// and no call need it: the image gets no second 2 KiB buffer, and a call placed meanwhile waits
// at most for one chunk to arrive.
import { OK, E_AGAIN, E_IO, E_NOSPACE, E_STATE, E_ARG, E_PROTOCOL } from "../abi/errors";
import { host_event, host_ota_begin, host_ota_write, host_ota_finish, host_ota_confirm, host_ota_status } from "../abi/imports";
import { arenaAlloc } from "../util/arena";
import { jsonGet, jsonInt, jsonError, jsonIsNull } from "../net/json";
import { Signal, signal } from "../signal/context";
import { callActive } from "../signal/call";
import { clockIsSynced, clockSync } from "../signal/clock";
import { backoffDelay } from "../signal/backoff";
import { EVENT_OTA_READY } from "../signal/events";
import { Release, releasePlace, releaseCopy, releaseIdIs, releaseRead, PACKAGE_ID_BYTES, RELEASE_ID_MAX } from "./release";
import { stagedSave, stagedLoad, stagedClear, droppedSave, droppedLoad, STAGED_WAITING, STAGED_CONFIRMED } from "./records";
import {
  sendCheck, sendChunk, sendState,
  STATE_DOWNLOADING, STATE_DOWNLOADED, STATE_INSTALLING, STATE_CONFIRMED, STATE_REFUSED, STATE_ROLLED_BACK, STATE_FAILED,
} from "./requests";

const CHUNK_BYTES: i32 = 1024;
// How often an idle device asks the cloud again which release it should run, in case an
// ota.available event was missed (a rollout while it was offline, a lost answer).
const RECHECK_MS: u32 = 6 * 3600 * 1000;
// A report the cloud cannot take after this many tries is given up (the next state tells it).
const REPORT_ATTEMPTS: i32 = 8;

// Steps of a download, in order.
export const STEP_IDLE: i32 = 0;
export const STEP_BEGIN: i32 = 1;      // ota_begin next (or again, to learn the stored length)
export const STEP_DOWNLOAD: i32 = 2;   // chunks until the whole package is stored
export const STEP_FINISH: i32 = 3;     // ota_finish: the host verifies and stages
export const STEP_READY: i32 = 4;      // staged: EVENT_OTA_READY when no call is in progress
export const STEP_SWITCHING: i32 = 5;  // event raised; the host restarts into the new image

// The exchange this module has on the command client.
const REQ_NONE: i32 = 0;
const REQ_CHECK: i32 = 1;
const REQ_CHUNK: i32 = 2;
const REQ_STATE: i32 = 3;

// ota_status flags.
const FLAG_TRIAL: u32 = 1;
const FLAG_ROLLED_BACK: u32 = 2;

@unmanaged
class Updater {
  // The release being downloaded or staged, or after a boot the one staged before it; a
  // pending report is always about this one (offers wait until the report is out).
  current: Release = changetype<Release>(0);
  offer: Release = changetype<Release>(0);     // the latest offer, read but not yet taken
  dropped: usize = 0;                          // id of the release never to try again
  droppedLen: i32 = 0;

  enabled: bool = false;   // the host implements the OTA imports
  step: i32 = STEP_IDLE;
  offset: i32 = 0;         // bytes of the package the host holds durably
  chunkLen: i32 = 0;
  request: i32 = REQ_NONE;
  notBefore: u32 = 0;
  failures: i32 = 0;
  staleRetried: bool = false;
  offerPending: bool = false;
  checkDue: bool = false;
  nextCheck: u32 = 0;      // when the next GET /v1/device/ota is due, once the first was answered

  reportState: i32 = 0;    // STATE_* waiting to be sent (0 none)
  reportCode: i32 = 0;
  reportBytes: i32 = -1;
  reportAttempts: i32 = 0;

  // ota_status at boot.
  running: u32 = 0;
  lastConfirmed: u32 = 0;
  flags: u32 = 0;
  reason: i32 = 0;
  trial: bool = false;     // running on trial and not yet confirmed
  answered: bool = false;  // the event channel had an answer from the cloud in this run
  lastError: i32 = 0;
}

let ctx: Updater = changetype<Updater>(0);

function place(): bool {
  const at = arenaAlloc(<i32>offsetof<Updater>());
  const current = releasePlace();
  const offer = releasePlace();
  const dropped = arenaAlloc(RELEASE_ID_MAX);
  if (at == 0 || current == null || offer == null || dropped == 0) return false;
  const u = changetype<Updater>(at);
  u.current = current;
  u.offer = offer;
  u.dropped = dropped;
  u.reportBytes = -1;
  ctx = u;
  return true;
}

// Places the updater and reads what the host says about this boot: which image runs, whether it
// is on trial, whether a rollback preceded it. Once per run (a second init changes nothing).
// False when memory is exhausted. A host without the OTA imports leaves the updater disabled.
export function otaInit(): bool {
  if (changetype<usize>(ctx) != 0) return true;
  if (!place()) return false;
  const u = ctx;
  const st = memory.data(16);
  u.enabled = host_ota_status(st, 16) == 16;
  if (!u.enabled) return true;
  u.running = load<u32>(st);
  u.lastConfirmed = load<u32>(st, 4);
  u.flags = load<u32>(st, 8);
  u.reason = load<i32>(st, 12);
  u.droppedLen = droppedLoad(u.dropped);
  u.checkDue = true;
  u.trial = (u.flags & FLAG_TRIAL) != 0;
  const phase = stagedLoad(u.current);
  if (phase != STAGED_WAITING) return true;
  if (u.trial) {
    queueReport(u, STATE_INSTALLING, 0, -1);
  } else if ((u.flags & FLAG_ROLLED_BACK) != 0) {
    // The release staged last time failed on trial and the host went back to this image.
    queueReport(u, STATE_ROLLED_BACK, u.reason, -1);
    drop(u, u.current);
    stagedClear();
  } else if (u.running == u.current.version) {
    // Confirmed, but power was lost before the record said so.
    stagedSave(u.current, STAGED_CONFIRMED);
    queueReport(u, STATE_CONFIRMED, 0, -1);
  }
  return true;
}

function queueReport(u: Updater, state: i32, code: i32, bytes: i32): void {
  u.reportState = state;
  u.reportCode = code;
  u.reportBytes = bytes;
  u.reportAttempts = 0;
}

function drop(u: Updater, r: Release): void {
  memory.copy(u.dropped, r.id, <usize>r.idLen);
  u.droppedLen = r.idLen;
  droppedSave(r.id, r.idLen);
}

// Reports the current release's `state` and goes idle, never trying it again.
function refuse(u: Updater, code: i32): void {
  queueReport(u, STATE_REFUSED, code, -1);
  drop(u, u.current);
  u.lastError = code;
  u.step = STEP_IDLE;
}

// Reports a failure and goes idle; the release may be offered and tried again later.
function fail(u: Updater, code: i32): void {
  queueReport(u, STATE_FAILED, code, u.offset);
  u.lastError = code;
  u.step = STEP_IDLE;
}

function retryLater(u: Updater, code: i32, now: u32): void {
  u.failures++;
  u.lastError = code;
  u.notBefore = now + backoffDelay(u.failures);
}

// The event channel's ota.available, or the release object of GET /v1/device/ota.
export function otaOffered(p: usize, end: usize): void {
  if (changetype<usize>(ctx) == 0 || !ctx.enabled) return;
  if (releaseRead(ctx.offer, p, end)) ctx.offerPending = true;
}

// The event channel got an answer: the cloud knows and accepts this device (the health check).
export function otaChannelAnswered(): void {
  if (changetype<usize>(ctx) != 0) ctx.answered = true;
}

// True while an exchange of ours is on the command client (commands wait for it).
export function otaHoldsCommand(): bool {
  return changetype<usize>(ctx) != 0 && ctx.request != REQ_NONE;
}

function takeOffer(u: Updater): void {
  u.offerPending = false;
  const o = u.offer;
  if (releaseIdIs(o, u.dropped, u.droppedLen)) return;
  if (u.running != 0 && o.version == u.running) return; // running it already
  if (u.step == STEP_SWITCHING) return;                   // the next image will ask again
  if (u.step != STEP_IDLE && releaseIdIs(u.current, o.id, o.idLen) &&
      memory.compare(u.current.sha, o.sha, <usize>PACKAGE_ID_BYTES) == 0) return; // on it already
  releaseCopy(u.current, o);
  u.step = STEP_BEGIN;
  u.offset = 0;
  u.failures = 0;
}

function begin(u: Updater, now: u32): void {
  const r = host_ota_begin(u.current.sha, PACKAGE_ID_BYTES, u.current.size);
  if (r >= 0 && r <= u.current.size) {
    u.offset = r;
    u.step = STEP_DOWNLOAD;
    queueReport(u, STATE_DOWNLOADING, 0, r);
  } else if (r == E_NOSPACE) refuse(u, E_NOSPACE);
  else if (r == E_IO) retryLater(u, r, now);
  else fail(u, r >= 0 ? E_STATE : r);
}

function finish(u: Updater, now: u32): void {
  const r = host_ota_finish();
  if (r == OK) {
    stagedSave(u.current, STAGED_WAITING);
    queueReport(u, STATE_DOWNLOADED, 0, u.current.size);
    u.step = STEP_READY;
  } else if (r == E_IO) retryLater(u, r, now);
  else refuse(u, r);
}

function confirm(u: Updater): void {
  const r = host_ota_confirm();
  // Not confirmed (the host failed to record it): still on trial; try again after the next
  // answer of the event channel, or let the host's health timeout decide.
  if (r != OK) { u.lastError = r; u.answered = false; return; }
  u.trial = false;
  u.running = u.current.version != 0 ? u.current.version : u.running;
  u.lastConfirmed = u.running;
  if (u.current.idLen == 0) return; // trial without a record of which release: nothing to report
  stagedSave(u.current, STAGED_CONFIRMED);
  queueReport(u, STATE_CONFIRMED, 0, -1);
}

// A request was built: send it in this same tick (a tick saved per chunk), or retry later.
function start(u: Updater, s: Signal, req: i32, r: i32, now: u32): void {
  if (r != OK) { retryLater(u, r, now); return; }
  u.request = req;
  poll(u, s, now);
}

// Moves the update forward; called from every tick after the signalling, so it is cheap when
// there is nothing to do.
export function otaTick(now: u32): void {
  const u = ctx;
  if (changetype<usize>(u) == 0 || !u.enabled) return;
  const s = signal();
  if (u.request != REQ_NONE) { poll(u, s, now); return; }
  if (!u.checkDue && <i32>(now - u.nextCheck) >= 0) u.checkDue = true;
  if (u.reportState == 0 && (u.step == STEP_IDLE || u.step == STEP_SWITCHING) && !u.offerPending && !u.checkDue && !u.trial) return;
  if (!s.registered || !clockIsSynced()) return;
  // Healthy: registered, and the cloud answered our event poll. Confirm once "installing" is out.
  if (u.trial && u.answered && u.reportState == 0) confirm(u);
  // The command connection belongs to commands and calls first.
  if (callActive(s.call) || s.op != 0 || s.command.busy || <i32>(now - u.notBefore) < 0) return;
  if (u.reportState != 0) { start(u, s, REQ_STATE, sendState(s, u.current, u.reportState, u.reportCode, u.reportBytes, now), now); return; }
  // A trial image downloads nothing: the inactive slot holds the image to roll back to.
  if (u.trial) return;
  if (u.offerPending) takeOffer(u);
  const step = u.step;
  if (step == STEP_BEGIN) { begin(u, now); return; }
  if (step == STEP_DOWNLOAD) {
    const left = u.current.size - u.offset;
    if (left <= 0) { u.step = STEP_FINISH; return; }
    u.chunkLen = left < CHUNK_BYTES ? left : CHUNK_BYTES;
    start(u, s, REQ_CHUNK, sendChunk(s, u.current, u.offset, u.chunkLen, now), now);
    return;
  }
  if (step == STEP_FINISH) { finish(u, now); return; }
  if (step == STEP_READY) { u.step = STEP_SWITCHING; host_event(EVENT_OTA_READY, 0, 0); return; }
  if (step == STEP_IDLE && u.checkDue) start(u, s, REQ_CHECK, sendCheck(s, now), now);
}

// Worth repeating: the network failed or the cloud is briefly unavailable.
function transient(status: i32): bool { return status < 0 || status >= 500 || status == 429; }

function poll(u: Updater, s: Signal, now: u32): void {
  const client = s.command;
  const status = client.poll(now);
  if (status == E_AGAIN) return;
  const req = u.request;
  u.request = REQ_NONE;
  const body = client.body;
  const end = client.bodyEnd;
  if (status == 401 && !u.staleRetried) {
    // A clock that drifted: take the cloud's time and ask again at once (the request is
    // rebuilt and signed afresh).
    const at = jsonGet(body, end, "server_time");
    const t = jsonInt(at, end);
    if (at != 0 && jsonError == 0) { clockSync(t, now); u.staleRetried = true; return; }
  }
  u.staleRetried = false;
  if (req == REQ_STATE) reportAnswered(u, status, now);
  else if (req == REQ_CHECK) checkAnswered(u, status, body, end, now);
  else chunkAnswered(u, status, body, end, now);
}

function reportAnswered(u: Updater, status: i32, now: u32): void {
  if (status >= 200 && status < 300) { u.reportState = 0; u.failures = 0; return; }
  u.reportAttempts++;
  if (transient(status) && u.reportAttempts < REPORT_ATTEMPTS) { retryLater(u, status < 0 ? status : E_AGAIN, now); return; }
  u.lastError = status < 0 ? status : E_PROTOCOL;
  u.reportState = 0;
}

function checkAnswered(u: Updater, status: i32, body: usize, end: usize, now: u32): void {
  if (transient(status)) { retryLater(u, status < 0 ? status : E_AGAIN, now); return; }
  u.checkDue = false;
  u.nextCheck = now + RECHECK_MS;
  u.failures = 0;
  if (status != 200) { u.lastError = E_PROTOCOL; return; }
  // An ota.available event that came while this request was in flight is newer than its answer
  // (the cloud answered before the rollout that sent the event): keep the event's offer.
  if (u.offerPending) return;
  const rel = jsonGet(body, end, "release");
  if (rel != 0 && !jsonIsNull(rel, end) && releaseRead(u.offer, rel, end)) u.offerPending = true;
}

function chunkAnswered(u: Updater, status: i32, body: usize, end: usize, now: u32): void {
  if (status == 200 || status == 206) {
    const n = <i32>(end - body);
    if (n != u.chunkLen) { retryLater(u, E_PROTOCOL, now); return; }
    const w = host_ota_write(u.offset, body, n);
    if (w == u.offset + n) { u.offset = w; u.failures = 0; return; }
    if (w == E_STATE) { u.step = STEP_BEGIN; return; } // the host holds other bytes: ask it where to go on
    if (w == E_IO || w >= 0) { retryLater(u, E_IO, now); return; }
    // A refusal from the header's checks (E_MALFORMED, E_UNSUPPORTED, E_NOSPACE), made as soon
    // as its 72 bytes are stored: the host dropped the download.
    refuse(u, w);
    return;
  }
  if (transient(status)) { retryLater(u, status < 0 ? status : E_AGAIN, now); return; }
  // 404: the release is no longer meant for this device; it may be offered again later.
  if (status == 404) { u.step = STEP_IDLE; u.lastError = E_STATE; return; }
  fail(u, status == 416 ? E_ARG : E_PROTOCOL);
}

// Fields of vsdk_ota_field: what the updater is doing, for hosts and tests (integers, so the
// image carries no names for them).
export const FIELD_STEP: i32 = 0;
export const FIELD_OFFSET: i32 = 1;
export const FIELD_SIZE: i32 = 2;
export const FIELD_RUNNING: i32 = 3;
export const FIELD_LAST_CONFIRMED: i32 = 4;
export const FIELD_FLAGS: i32 = 5;
export const FIELD_REASON: i32 = 6;
export const FIELD_TRIAL: i32 = 7;
export const FIELD_REPORT: i32 = 8;
export const FIELD_ERROR: i32 = 9;

// One field, or E_STATE before init (or on a host without updates), E_ARG for an unknown field.
export function otaField(field: i32): i32 {
  const u = ctx;
  if (changetype<usize>(u) == 0 || !u.enabled) return E_STATE;
  if (field == FIELD_STEP) return u.step;
  if (field == FIELD_OFFSET) return u.offset;
  if (field == FIELD_SIZE) return u.current.size;
  if (field == FIELD_RUNNING) return <i32>u.running;
  if (field == FIELD_LAST_CONFIRMED) return <i32>u.lastConfirmed;
  if (field == FIELD_FLAGS) return <i32>u.flags;
  if (field == FIELD_REASON) return u.reason;
  if (field == FIELD_TRIAL) return u.trial ? 1 : 0;
  if (field == FIELD_REPORT) return u.reportState;
  if (field == FIELD_ERROR) return u.lastError;
  return E_ARG;
}
