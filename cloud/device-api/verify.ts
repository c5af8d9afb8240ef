// Verifies a signed device request: known device, fresh timestamp, valid HMAC, unused nonce, in
// that order, each refusal with its own name (docs/device-api.md). The nonce is recorded only
// after the signature verifies, so forged requests cannot burn a device's nonces.
import type { IncomingHttpHeaders } from "node:http";
import { ApiError, E_AUTH, E_DUPLICATE, E_TIMEOUT } from "../http.js";
import type { Store } from "../store/store.js";
import { HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP, NONCE_PATTERN, SN_PATTERN, sign, signatureMatches } from "./signing.js";

export interface VerifiedDevice { sn: string; model_id: string }

const refuse = (error: string, code: number) => new ApiError(401, error, code, { server_time: Math.floor(Date.now() / 1000) });

export async function verifyDeviceRequest(store: Store, method: string, pathWithQuery: string, headers: IncomingHttpHeaders,
  body: Buffer, windowSeconds: number): Promise<VerifiedDevice> {
  const sn = headers[HEADER_DEVICE], ts = headers[HEADER_TIMESTAMP], nonce = headers[HEADER_NONCE], sig = headers[HEADER_SIGNATURE];
  if (typeof sn !== "string" || typeof ts !== "string" || typeof nonce !== "string" || typeof sig !== "string"
    || !SN_PATTERN.test(sn) || !/^\d{1,12}$/.test(ts) || !NONCE_PATTERN.test(nonce)) throw refuse("missing_auth", E_AUTH);
  const identity = await store.identity(sn);
  if (!identity) throw refuse("unknown_device", E_AUTH);
  const now = Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(ts)) > windowSeconds) throw refuse("stale_timestamp", E_TIMEOUT);
  if (!signatureMatches(sign(identity.secret, method, pathWithQuery, ts, nonce, body), sig.toLowerCase())) throw refuse("bad_signature", E_AUTH);
  // A nonce must stay remembered as long as its timestamp could still pass the window check.
  if (!await store.useNonce(sn, nonce, (Number(ts) + windowSeconds + 1) * 1000)) throw refuse("replayed_nonce", E_DUPLICATE);
  return { sn, model_id: identity.model_id };
}
