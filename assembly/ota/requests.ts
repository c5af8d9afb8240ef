// The three device API requests of an update (docs/ota.md, "Device API"), built on the command
// connection's client: which release to run, one chunk of a package (the range in the signed
// query), and a state report.
import { Signal } from "../signal/context";
import { pathBegin, sendRequest } from "../signal/request";
import { jsonWriteKey, jsonWriteString } from "../net/json-writer";
import { Writer } from "../net/writer";
import { Release, versionWrite } from "./release";

// Names of the states a device reports, in docs/ota.md's order.
export const STATE_DOWNLOADING: i32 = 1;
export const STATE_DOWNLOADED: i32 = 2;
export const STATE_INSTALLING: i32 = 3;
export const STATE_CONFIRMED: i32 = 4;
export const STATE_REFUSED: i32 = 5;
export const STATE_ROLLED_BACK: i32 = 6;
export const STATE_FAILED: i32 = 7;

function stateName(state: i32): string {
  if (state == STATE_DOWNLOADING) return "downloading";
  if (state == STATE_DOWNLOADED) return "downloaded";
  if (state == STATE_INSTALLING) return "installing";
  if (state == STATE_CONFIRMED) return "confirmed";
  if (state == STATE_REFUSED) return "refused";
  if (state == STATE_ROLLED_BACK) return "rolled_back";
  return "failed";
}

// Every update endpoint starts so.
function otaPath(s: Signal): Writer {
  const p = pathBegin(s.path);
  p.ascii("/v1/device/ota");
  return p;
}

// GET /v1/device/ota
export function sendCheck(s: Signal, now: u32): i32 {
  const p = otaPath(s);
  s.body.reset();
  return sendRequest(s.command, "GET", p, s.body, true, now, s.requestTimeoutMs);
}

// GET /v1/device/ota/package/<id>?offset=A&length=N
export function sendChunk(s: Signal, r: Release, offset: i32, length: i32, now: u32): i32 {
  const p = otaPath(s);
  p.ascii("/package/");
  p.bytes(r.id, r.idLen);
  p.ascii("?offset=");
  p.dec(offset);
  p.ascii("&length=");
  p.dec(length);
  s.body.reset();
  return sendRequest(s.command, "GET", p, s.body, true, now, s.requestTimeoutMs);
}

// POST /v1/device/ota/state {"release_id","state","code"?,"bytes"?,"image_version"?}; code is
// sent when not 0, bytes when >= 0, the version when not 0.
export function sendState(s: Signal, r: Release, state: i32, code: i32, bytes: i32, now: u32): i32 {
  const p = otaPath(s);
  p.ascii("/state");
  const b = s.body;
  b.reset();
  b.byte(0x7b);
  jsonWriteKey(b, "release_id");
  jsonWriteString(b, r.id, r.idLen);
  b.ascii(",\"state\":\"");
  b.ascii(stateName(state));
  b.byte(0x22);
  if (code != 0) { b.ascii(",\"code\":"); b.dec(code); }
  if (bytes >= 0) { b.ascii(",\"bytes\":"); b.dec(bytes); }
  if (r.version != 0) { b.ascii(",\"image_version\":\""); versionWrite(b, r.version); b.byte(0x22); }
  b.byte(0x7d);
  return sendRequest(s.command, "POST", p, b, true, now, s.requestTimeoutMs);
}
