// The small HTTP toolkit the cloud's endpoints share: bounded body reading, JSON answers, and one
// error type that carries the HTTP status and the device API's {error, code}.
import type { IncomingMessage, ServerResponse } from "node:http";

export class ApiError extends Error {
  constructor(readonly status: number, readonly error: string, readonly code: number, readonly extra: Record<string, unknown> = {}) {
    super(error);
  }
}

export const E_MALFORMED = -1003;
export const E_NOSPACE = -1005;
export const E_STATE = -1006;
export const E_DUPLICATE = -1007;
export const E_AUTH = -1012;
export const E_TIMEOUT = -1013;
export const E_NOT_REGISTERED = -1014;
export const E_PROTOCOL = -1015;
export const E_BUSY = -1016;

export const badRequest = (why: string) => new ApiError(400, "bad_request", E_MALFORMED, { detail: why });
export const notFound = () => new ApiError(404, "not_found", E_PROTOCOL);
export const badState = (why: string) => new ApiError(409, "bad_state", E_STATE, { detail: why });

/** Reads the body, refusing more than `limit` bytes as soon as the excess is known. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(new ApiError(413, "too_large", E_NOSPACE));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) { req.removeAllListeners("data"); req.resume(); reject(new ApiError(413, "too_large", E_NOSPACE)); return; }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try { value = JSON.parse(body.toString("utf8")); } catch { throw badRequest("body is not valid JSON"); }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest("body must be a JSON object");
  return value as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function optionalString(o: Record<string, unknown>, key: string, max: number, fallback = ""): string {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== "string" || Buffer.byteLength(v) > max) throw badRequest(`${key} must be a string of at most ${max} bytes`);
  return v;
}
