// The small HTTP toolkit the cloud's endpoints share: bounded body reading, JSON answers, and one
// error type that carries the HTTP status and the device API's {error, code}.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

export class ApiError extends Error {
  constructor(readonly status: number, readonly error: string, readonly code: number, readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {}) {
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
/** RFC 9110 asks a 405 to say which methods the resource does take. */
export const methodNotAllowed = (...allowed: string[]) => new ApiError(405, "method_not_allowed", E_PROTOCOL, {}, { allow: allowed.join(", ") });
export const tooLarge = () => new ApiError(413, "too_large", E_NOSPACE);

/** Reads the body, refusing more than `limit` bytes as soon as the excess is known. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) { req.removeAllListeners("data"); req.resume(); reject(tooLarge()); return; }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * Lingering close for a refused upload: the answer goes out, the write side closes, and what the
 * client still sends is read and dropped for `ms` before the socket goes. Closing at once with
 * unread bytes in the receive buffer makes TCP send a reset, and a reset can wipe the answer
 * from the client's buffer before it reads it (curl then reports a send error, not our 413).
 * Node closes a `connection: close` socket with destroySoon(), so that is what is replaced.
 */
export function lingerOnClose(socket: Socket, ms: number): void {
  socket.destroySoon = function (this: Socket) {
    this.end();
    this.resume(); // nothing parses it any more; just let it drain
    const timer = setTimeout(() => this.destroy(), ms);
    timer.unref();
    this.once("close", () => clearTimeout(timer));
  };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The body as text, or null when it is not valid UTF-8 (JSON must be, RFC 8259). */
export function utf8Text(body: Buffer): string | null {
  try { return utf8.decode(body); } catch { return null; }
}

export function parseJsonObject(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const text = utf8Text(body);
  if (text === null) throw badRequest("body is not valid UTF-8");
  let value: unknown;
  try { value = JSON.parse(text); } catch { throw badRequest("body is not valid JSON"); }
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
