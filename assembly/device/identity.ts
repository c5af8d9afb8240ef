// Who the device is and where its cloud is: the sn, the 32-byte device secret provisioned at
// manufacture, and the cloud's base URL. Provisioned once (vsdk_device_provision), stored as a
// checksummed record under "identity", loaded at init.
import { OK, E_ARG, E_MALFORMED, E_NOSPACE, E_NOT_REGISTERED, E_STORAGE_CORRUPT } from "../abi/errors";
import { STREAM_PLAIN_TCP } from "../abi/imports";
import { arenaAlloc } from "../util/arena";
import { jsonGet, jsonString, jsonValueEnd } from "../net/json";
import { hexDecode } from "../net/writer";
import { Url, parseUrl } from "../net/url";
import { recordBegin, recordField, recordStore, recordLoad, recordNextField, recordReadOk, KIND_IDENTITY } from "./record";

export const SN_MAX: i32 = 128;
export const SECRET_BYTES: i32 = 32;
export const URL_MAX: i32 = 160;
const IDENTITY_KEY = "identity";

@unmanaged
class Identity {
  sn: usize = 0;
  snLen: i32 = 0;
  secret: usize = 0;
  url: usize = 0;
  urlLen: i32 = 0;
  cloud: Url = changetype<Url>(0);
  loaded: bool = false;
}

let id: Identity = changetype<Identity>(0);

function ensure(): bool {
  if (changetype<usize>(id) != 0) return true;
  const at = arenaAlloc(<i32>offsetof<Identity>());
  const sn = arenaAlloc(SN_MAX);
  const secret = arenaAlloc(SECRET_BYTES);
  const url = arenaAlloc(URL_MAX);
  const cloud = arenaAlloc(<i32>offsetof<Url>());
  if (at == 0 || sn == 0 || secret == 0 || url == 0 || cloud == 0) return false;
  id = changetype<Identity>(at);
  id.sn = sn;
  id.secret = secret;
  id.url = url;
  id.cloud = changetype<Url>(cloud);
  return true;
}

// The sn rule from WeChat: 1..128 bytes of [0-9A-Za-z_-].
export function snIsValid(p: usize, n: i32): bool {
  if (n < 1 || n > SN_MAX) return false;
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    const ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f || c == 0x2d;
    if (!ok) return false;
  }
  return true;
}

// Validates the parts in the Identity buffers and parses the URL. Returns OK or E_MALFORMED.
function check(): i32 {
  if (!snIsValid(id.sn, id.snLen)) return E_MALFORMED;
  return parseUrl(id.url, id.urlLen, id.cloud) == OK ? OK : E_MALFORMED;
}

// Provisions from JSON {"sn": "...", "secret": "<64 hex>", "cloud": "https://host:port"} at
// [p, p+n) and persists it. Returns OK, E_MALFORMED, E_NOSPACE or the storage error; on any
// error the identity in memory and in storage is unchanged.
export function identityProvision(p: usize, n: i32): i32 {
  if (!ensure()) return E_NOSPACE;
  if (n <= 0) return E_ARG;
  const end = p + <usize>n;
  if (jsonValueEnd(p, end) == 0) return E_MALFORMED;
  const snAt = jsonGet(p, end, "sn");
  const secretAt = jsonGet(p, end, "secret");
  const cloudAt = jsonGet(p, end, "cloud");
  if (snAt == 0 || secretAt == 0 || cloudAt == 0) return E_MALFORMED;
  // Decode into scratch first so a bad input leaves the current identity intact.
  const tmp = memory.data(SN_MAX + URL_MAX + 64 + SECRET_BYTES);
  const snLen = jsonString(snAt, end, tmp, SN_MAX);
  const urlLen = jsonString(cloudAt, end, tmp + <usize>SN_MAX, URL_MAX);
  const hexLen = jsonString(secretAt, end, tmp + <usize>(SN_MAX + URL_MAX), 64);
  if (snLen < 0 || urlLen < 0 || hexLen != 64) return E_MALFORMED;
  const secret = tmp + <usize>(SN_MAX + URL_MAX + 64);
  if (hexDecode(tmp + <usize>(SN_MAX + URL_MAX), 64, secret) != SECRET_BYTES) return E_MALFORMED;
  if (!snIsValid(tmp, snLen)) return E_MALFORMED;
  const probe = changetype<Url>(memory.data(<i32>offsetof<Url>()));
  if (parseUrl(tmp + <usize>SN_MAX, urlLen, probe) != OK) return E_MALFORMED;
  recordBegin(KIND_IDENTITY);
  recordField(tmp, snLen);
  recordField(secret, SECRET_BYTES);
  recordField(tmp + <usize>SN_MAX, urlLen);
  const r = recordStore(IDENTITY_KEY);
  if (r != OK) return r;
  return identityLoad();
}

// Loads the identity from storage. Returns OK, E_NOT_REGISTERED when none was provisioned,
// E_STORAGE_CORRUPT, or the storage error.
export function identityLoad(): i32 {
  if (!ensure()) return E_NOSPACE;
  const r = recordLoad(IDENTITY_KEY, KIND_IDENTITY);
  if (r == 0) { id.loaded = false; return E_NOT_REGISTERED; }
  if (r < 0) { id.loaded = false; return r; }
  const snLen = recordNextField(id.sn, SN_MAX);
  const secretLen = recordNextField(id.secret, SECRET_BYTES);
  const urlLen = recordNextField(id.url, URL_MAX);
  id.loaded = false;
  if (snLen < 0 || secretLen != SECRET_BYTES || urlLen < 0 || !recordReadOk()) return E_STORAGE_CORRUPT;
  id.snLen = snLen;
  id.urlLen = urlLen;
  if (check() != OK) return E_STORAGE_CORRUPT;
  id.loaded = true;
  return OK;
}

export function identityLoaded(): bool { return changetype<usize>(id) != 0 && id.loaded; }
export function snPtr(): usize { return id.sn; }
export function snLen(): i32 { return id.snLen; }
export function secretPtr(): usize { return id.secret; }
export function cloudUrl(): Url { return id.cloud; }
export function cloudStreamFlags(): i32 { return id.cloud.tls ? 0 : STREAM_PLAIN_TCP; }
