// Which bytes of a package a download request asks for: the device API's signed query
// (`?offset=A&length=N`) or, for other clients, one standard `Range: bytes=...` (RFC 9110:
// `A-B`, `A-`, `-N`). At most MAX_CHUNK bytes a request, so a device's receive buffer and the
// cloud's answer stay small; a range that starts past the end is 416, one that runs past the end
// is cut at the end, as HTTP does.
import { ApiError } from "../http.js";
import { E_ARG } from "../../host-node/errors.js";

export const MAX_CHUNK = 4096;

export interface ByteRange { start: number; end: number } // inclusive, as Content-Range writes it

const badRange = (why: string) => new ApiError(400, "bad_range", E_ARG, { detail: why });
const unsatisfiable = (total: number) => new ApiError(416, "range_not_satisfiable", E_ARG, { size: total });

const WHOLE = /^(0|[1-9][0-9]{0,9})$/;

export function requestedRange(query: URLSearchParams, rangeHeader: string | undefined, total: number): ByteRange {
  const offset = query.get("offset"), length = query.get("length");
  if (offset !== null || length !== null) {
    if (offset === null || length === null || !WHOLE.test(offset) || !WHOLE.test(length)) {
      throw badRange("offset and length must both be given as whole numbers");
    }
    const start = Number(offset), n = Number(length);
    if (n < 1 || n > MAX_CHUNK) throw badRange(`length must be 1 to ${MAX_CHUNK}`);
    if (start >= total) throw unsatisfiable(total);
    return { start, end: Math.min(start + n, total) - 1 };
  }
  if (rangeHeader === undefined) throw badRange(`give ?offset=&length= (at most ${MAX_CHUNK}) or a Range header`);
  const m = /^bytes=(\d{0,10})-(\d{0,10})$/.exec(rangeHeader.trim());
  if (!m || (m[1] === "" && m[2] === "")) throw badRange("Range must be one range: bytes=A-B, bytes=A- or bytes=-N");
  if (m[1] === "") { // the last N bytes
    const n = Number(m[2]);
    if (n > MAX_CHUNK) throw badRange(`a range is at most ${MAX_CHUNK} bytes`);
    if (n === 0) throw unsatisfiable(total);
    return { start: Math.max(0, total - n), end: total - 1 };
  }
  const start = Number(m[1]);
  if (m[2] === "") { // from A on: the next chunk
    if (start >= total) throw unsatisfiable(total);
    return { start, end: Math.min(start + MAX_CHUNK, total) - 1 };
  }
  const last = Number(m[2]);
  if (last < start) throw badRange("Range ends before it starts");
  if (last - start + 1 > MAX_CHUNK) throw badRange(`a range is at most ${MAX_CHUNK} bytes`);
  if (start >= total) throw unsatisfiable(total);
  return { start, end: Math.min(last, total - 1) };
}
