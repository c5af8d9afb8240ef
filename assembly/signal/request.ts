// Starts a device API request on an HTTP client: the path is the cloud URL's prefix plus the
// endpoint, the body is what the caller wrote into the body writer.
import { OK, E_STATE, E_NOSPACE } from "../abi/errors";
import { HttpClient } from "../net/http";
import { Writer } from "../net/writer";
import { cloudUrl, cloudStreamFlags } from "../device/identity";
import { writeRequest } from "./signer";

// Path writer primed with the cloud URL's prefix ("" or e.g. "/vsdk").
export function pathBegin(path: Writer): Writer {
  path.reset();
  const url = cloudUrl();
  path.bytes(url.pathPtr, url.pathLen);
  return path;
}

export function sendRequest(client: HttpClient, method: string, path: Writer, body: Writer, signed: bool,
                            now: u32, timeoutMs: u32): i32 {
  if (path.overflow || body.overflow) return E_NOSPACE;
  const url = cloudUrl();
  if (client.hostLen == 0) client.setServer(url.hostPtr, url.hostLen, url.port, cloudStreamFlags());
  const w = client.begin();
  if (w == null) return E_STATE;
  const r = writeRequest(w, method, path.base, path.len, body.base, body.len, signed, true, now);
  if (r != OK) return r;
  return client.start(now, timeoutMs);
}
