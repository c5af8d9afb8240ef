// An HTTP/1.1 client over the host's non-blocking byte stream (assembly/abi/imports.ts, tls_*).
// One request at a time per client; the host drives it by calling poll() from tick. The request
// is written into the client's buffer, sent, and the response is received into the same buffer
// (a device cannot afford two), so its size bounds both. Connections are kept alive and reused;
// a reused connection that the server closed meanwhile is reopened once, transparently.
import { OK, E_AGAIN, E_IO, E_NOSPACE, E_PROTOCOL, E_TIMEOUT, E_STATE } from "../abi/errors";
import { host_tls_connect, host_tls_send, host_tls_recv, host_tls_close } from "../abi/imports";
import { arenaAlloc } from "../util/arena";
import { Writer, equalsAsciiNoCase } from "./writer";
import { dechunk } from "./chunked";

export const HTTP_IDLE: i32 = 0;
export const HTTP_SENDING: i32 = 1;
export const HTTP_RECEIVING: i32 = 2;
export const HTTP_DONE: i32 = 3;

// Framing of the response body.
const BODY_UNTIL_CLOSE: i32 = 0;
const BODY_LENGTH: i32 = 1;
const BODY_CHUNKED: i32 = 2;

@inline function passed(now: u32, deadline: u32): bool { return <i32>(now - deadline) >= 0; }

@unmanaged
export class HttpClient {
  // Where to connect (the host bytes belong to the caller and outlive the client).
  hostPtr: usize = 0;
  hostLen: i32 = 0;
  port: i32 = 0;
  flags: i32 = 0;
  handle: i32 = -1;

  buf: usize = 0;
  cap: i32 = 0;
  writer: Writer = changetype<Writer>(0);

  phase: i32 = HTTP_IDLE;
  result: i32 = 0;
  deadline: u32 = 0;
  reqLen: i32 = 0;
  sent: i32 = 0;
  got: i32 = 0;
  reused: bool = false;
  retried: bool = false;

  status: i32 = 0;
  headerEnd: i32 = 0;
  framing: i32 = BODY_UNTIL_CLOSE;
  contentLength: i32 = 0;
  closeAfter: bool = false;
  bodyOff: i32 = 0;
  bodyLen: i32 = 0;
  // Set when the answer was longer than the buffer: body/bodyLen then hold its first part.
  partial: bool = false;

  // A client with a buffer of cap bytes, from the arena; null when memory is exhausted.
  static place(cap: i32): HttpClient | null {
    const at = arenaAlloc(<i32>offsetof<HttpClient>());
    const buf = arenaAlloc(cap);
    if (at == 0 || buf == 0) return null;
    const c = changetype<HttpClient>(at);
    c.handle = -1;
    c.buf = buf;
    c.cap = cap;
    const w = Writer.place(buf, cap);
    if (w == null) return null;
    c.writer = w;
    return c;
  }

  setServer(hostPtr: usize, hostLen: i32, port: i32, flags: i32): void {
    this.close();
    this.hostPtr = hostPtr;
    this.hostLen = hostLen;
    this.port = port;
    this.flags = flags;
  }

  // The writer for the next request: write the whole request (line, headers, blank line, body),
  // then call start(). Null while a request is in flight.
  begin(): Writer | null {
    if (this.phase == HTTP_SENDING || this.phase == HTTP_RECEIVING) return null;
    this.writer.reset();
    this.phase = HTTP_IDLE;
    return this.writer;
  }

  // Sends what was written since begin(). Returns OK, E_NOSPACE when it overflowed the buffer.
  start(now: u32, timeoutMs: u32): i32 {
    if (this.phase == HTTP_SENDING || this.phase == HTTP_RECEIVING) return E_STATE;
    if (this.writer.overflow) return E_NOSPACE;
    this.reqLen = this.writer.len;
    this.sent = 0;
    this.got = 0;
    this.headerEnd = 0;
    this.status = 0;
    this.bodyOff = 0;
    this.bodyLen = 0;
    this.partial = false;
    this.retried = false;
    this.reused = this.handle >= 0;
    this.deadline = now + timeoutMs;
    this.phase = HTTP_SENDING;
    this.result = E_AGAIN;
    return OK;
  }

  get busy(): bool { return this.phase == HTTP_SENDING || this.phase == HTTP_RECEIVING; }

  // Drops the connection and any request in flight.
  close(): void {
    if (this.handle >= 0) host_tls_close(this.handle);
    this.handle = -1;
    if (this.busy) { this.phase = HTTP_DONE; this.result = E_IO; }
  }

  private fail(code: i32): i32 {
    if (this.handle >= 0) host_tls_close(this.handle);
    this.handle = -1;
    this.phase = HTTP_DONE;
    this.result = code;
    return code;
  }

  private finish(): i32 {
    if (this.closeAfter || this.framing == BODY_UNTIL_CLOSE) {
      host_tls_close(this.handle);
      this.handle = -1;
    }
    this.phase = HTTP_DONE;
    this.result = this.status;
    return this.status;
  }

  // A reused keep-alive connection may have been closed by the server while idle: reopen it
  // once and send again, as long as no byte of the answer has arrived.
  private retryOrFail(code: i32): i32 {
    if (this.reused && !this.retried && this.got == 0) {
      host_tls_close(this.handle);
      this.handle = -1;
      this.retried = true;
      this.sent = 0;
      this.phase = HTTP_SENDING;
      return E_AGAIN;
    }
    return this.fail(code);
  }

  // Advances the exchange. Returns E_AGAIN while in flight, then the HTTP status (>= 100) or an
  // error (E_IO, E_TIMEOUT, E_NOSPACE, E_PROTOCOL) until the next begin().
  poll(now: u32): i32 {
    if (this.phase == HTTP_IDLE) return E_STATE;
    if (this.phase == HTTP_DONE) return this.result;
    if (passed(now, this.deadline)) return this.fail(E_TIMEOUT);
    if (this.phase == HTTP_SENDING) {
      if (this.handle < 0) {
        const h = host_tls_connect(this.hostPtr, this.hostLen, this.port, this.flags);
        if (h < 0) return this.fail(E_IO);
        this.handle = h;
      }
      while (this.sent < this.reqLen) {
        const r = host_tls_send(this.handle, this.buf + <usize>this.sent, this.reqLen - this.sent);
        if (r == E_AGAIN) return E_AGAIN;
        if (r <= 0) return this.retryOrFail(E_IO);
        this.sent += r;
      }
      this.phase = HTTP_RECEIVING;
    }
    // Receiving: drain whatever is there, bounded by the buffer.
    while (true) {
      const room = this.cap - this.got;
      if (room == 0) return this.parse() == E_AGAIN ? this.fail(E_NOSPACE) : this.result;
      const r = host_tls_recv(this.handle, this.buf + <usize>this.got, room);
      if (r == E_AGAIN) return E_AGAIN;
      if (r == 0) {
        if (this.headerEnd > 0 && this.framing == BODY_UNTIL_CLOSE) {
          this.bodyLen = this.got - this.headerEnd;
          return this.finish();
        }
        return this.retryOrFail(this.got == 0 ? E_IO : E_PROTOCOL);
      }
      if (r < 0) return this.retryOrFail(E_IO);
      this.got += r;
      const p = this.parse();
      if (p != E_AGAIN) return p;
    }
    return E_AGAIN;
  }

  // Checks what has been received: headers, then whether the body is complete.
  private parse(): i32 {
    if (this.headerEnd == 0) {
      const end = findHeaderEnd(this.buf, this.got);
      if (end == 0) return E_AGAIN;
      const r = this.parseHead(end);
      if (r != OK) return this.fail(r);
      this.headerEnd = end;
      this.bodyOff = end;
    }
    const body = this.buf + <usize>this.headerEnd;
    const have = this.got - this.headerEnd;
    if (this.framing == BODY_LENGTH) {
      if (this.headerEnd + this.contentLength > this.cap) {
        // Too long for the buffer: keep what fits as a partial body (a caller that can use a
        // prefix, like the event channel, reads it) and drop the connection with the rest.
        if (this.got < this.cap) return E_AGAIN;
        this.bodyLen = this.got - this.headerEnd;
        this.partial = true;
        return this.fail(E_NOSPACE);
      }
      if (have > this.contentLength) return this.fail(E_PROTOCOL);
      if (have < this.contentLength) return E_AGAIN;
      this.bodyLen = this.contentLength;
      return this.finish();
    }
    if (this.framing == BODY_CHUNKED) {
      const n = dechunk(body, have, false);
      if (n == E_AGAIN) return E_AGAIN;
      if (n < 0) return this.fail(E_PROTOCOL);
      this.bodyLen = dechunk(body, have, true);
      return this.finish();
    }
    return E_AGAIN;
  }

  // Status line and the headers that frame the body. Returns OK or E_PROTOCOL.
  private parseHead(end: i32): i32 {
    const p = this.buf;
    // "HTTP/1.x SSS"
    if (end < 14 || load<u32>(p) != 0x50545448 || load<u8>(p + 4) != 0x2f || load<u8>(p + 8) != 0x20) return E_PROTOCOL;
    let status: i32 = 0;
    for (let i = 9; i < 12; i++) {
      const c = <i32>load<u8>(p + <usize>i);
      if (c < 0x30 || c > 0x39) return E_PROTOCOL;
      status = status * 10 + (c - 0x30);
    }
    if (status < 100) return E_PROTOCOL;
    this.status = status;
    this.framing = BODY_UNTIL_CLOSE;
    this.contentLength = 0;
    // HTTP/1.0 closes after each answer unless told otherwise; we never ask it to.
    this.closeAfter = load<u8>(p + 7) == 0x30;
    let line = skipLine(p, 0, end);
    while (line < end - 2) {
      const next = skipLine(p, line, end);
      const lineEnd = next - 2; // before CRLF
      let colon = line;
      while (colon < lineEnd && load<u8>(p + <usize>colon) != 0x3a) colon++;
      if (colon == lineEnd || colon == line) return E_PROTOCOL;
      let v = colon + 1;
      while (v < lineEnd && (load<u8>(p + <usize>v) == 0x20 || load<u8>(p + <usize>v) == 0x09)) v++;
      let ve = lineEnd;
      while (ve > v && (load<u8>(p + <usize>(ve - 1)) == 0x20 || load<u8>(p + <usize>(ve - 1)) == 0x09)) ve--;
      const name = p + <usize>line;
      const nameLen = colon - line;
      const value = p + <usize>v;
      const valueLen = ve - v;
      if (equalsAsciiNoCase(name, nameLen, "content-length")) {
        if (this.framing == BODY_CHUNKED) return E_PROTOCOL;
        const n = parseDecimal(value, valueLen);
        if (n < 0) return E_PROTOCOL;
        if (this.framing == BODY_LENGTH && n != this.contentLength) return E_PROTOCOL;
        this.framing = BODY_LENGTH;
        this.contentLength = n;
      } else if (equalsAsciiNoCase(name, nameLen, "transfer-encoding")) {
        if (!equalsAsciiNoCase(value, valueLen, "chunked")) return E_PROTOCOL;
        if (this.framing == BODY_LENGTH) return E_PROTOCOL;
        this.framing = BODY_CHUNKED;
      } else if (equalsAsciiNoCase(name, nameLen, "connection")) {
        if (equalsAsciiNoCase(value, valueLen, "close")) this.closeAfter = true;
        else if (equalsAsciiNoCase(value, valueLen, "keep-alive")) this.closeAfter = false;
      }
      line = next;
    }
    // 1xx, 204 and 304 carry no body.
    if (status < 200 || status == 204 || status == 304) {
      if (status < 200) return E_PROTOCOL; // we never send Expect: 100-continue
      this.framing = BODY_LENGTH;
      this.contentLength = 0;
    }
    return OK;
  }

  get body(): usize { return this.buf + <usize>this.bodyOff; }
  get bodyEnd(): usize { return this.buf + <usize>(this.bodyOff + this.bodyLen); }
}

// Offset just past "\r\n\r\n" in the first n bytes at p, or 0.
function findHeaderEnd(p: usize, n: i32): i32 {
  for (let i = 3; i < n; i++) {
    if (load<u8>(p + <usize>i) == 0x0a && load<u8>(p + <usize>(i - 1)) == 0x0d &&
        load<u8>(p + <usize>(i - 2)) == 0x0a && load<u8>(p + <usize>(i - 3)) == 0x0d) return i + 1;
  }
  return 0;
}

// Offset just past the next "\r\n" at or after `from` (headers end with one, so it exists).
function skipLine(p: usize, from: i32, end: i32): i32 {
  let i = from;
  while (i + 1 < end && !(load<u8>(p + <usize>i) == 0x0d && load<u8>(p + <usize>(i + 1)) == 0x0a)) i++;
  return i + 2;
}

// A non-negative decimal of at most 9 digits, or -1.
export function parseDecimal(p: usize, n: i32): i32 {
  if (n <= 0 || n > 9) return -1;
  let v: i32 = 0;
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v;
}

// Checks that a path (with query) is safe to put on a request line.
export function pathIsSafe(p: usize, n: i32): bool {
  if (n <= 0 || load<u8>(p) != 0x2f) return false;
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

