// The image's byte-stream imports (tls_connect/send/recv/close) over node:tls, or node:net for
// the plain-TCP flag. Node's sockets are asynchronous and the image's calls are not: received
// bytes queue here until the image asks for them, and sends are accepted while the socket's
// own buffer is small, so the image sees exactly the non-blocking contract of imports.ts.
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { connect as netConnect, isIP, type Socket } from "node:net";
import { E_AGAIN, E_ARG, E_IO, E_NOSPACE, E_UNSUPPORTED, OK } from "../errors.js";
import type { MemoryView } from "./memory.js";

const STREAM_PLAIN_TCP = 1;
const MAX_STREAMS = 8;
// Above this many unsent bytes in Node's socket buffer, send answers E_AGAIN.
const SEND_HIGH_WATER = 16 * 1024;

export interface StreamOptions {
  /** Trusted CA certificates (PEM) for the cloud; Node's defaults when absent. */
  ca?: string | Buffer;
  /** Accept plain TCP when the image asks for it (loopback tests). Default true. */
  allowPlain?: boolean;
  /** Called for every connect with the destination, e.g. to simulate a network cut by refusing. */
  gate?: () => boolean;
}

class Stream {
  connected = false;
  failed = false;
  ended = false;
  chunks: Buffer[] = [];
  constructor(readonly socket: Socket | TLSSocket) {}
}

export class StreamImports {
  private streams = new Map<number, Stream>();
  private nextHandle = 0;
  constructor(private readonly mem: MemoryView, private readonly options: StreamOptions = {}) {}

  connect(hostPtr: number, hostLen: number, port: number, flags: number): number {
    const host = this.mem.text(hostPtr, hostLen);
    if (!host || port < 1 || port > 65535 || (flags & ~STREAM_PLAIN_TCP) !== 0) return E_ARG;
    const plain = (flags & STREAM_PLAIN_TCP) !== 0;
    if (plain && this.options.allowPlain === false) return E_UNSUPPORTED;
    if (this.streams.size >= MAX_STREAMS) return E_NOSPACE;
    if (this.options.gate && !this.options.gate()) return E_IO;
    const socket = plain
      ? netConnect({ host, port })
      : tlsConnect({ host, port, ca: this.options.ca, servername: isIP(host) ? undefined : host, rejectUnauthorized: true });
    const stream = new Stream(socket);
    socket.setNoDelay(true);
    socket.on(plain ? "connect" : "secureConnect", () => { stream.connected = true; });
    socket.on("data", (chunk: Buffer) => { stream.chunks.push(chunk); });
    socket.on("end", () => { stream.ended = true; });
    socket.on("error", () => { stream.failed = true; });
    socket.on("close", () => { if (!stream.ended) stream.failed = true; });
    const handle = this.nextHandle;
    this.nextHandle = (this.nextHandle + 1) & 0x7fffffff;
    this.streams.set(handle, stream);
    return handle;
  }

  send(handle: number, ptr: number, len: number): number {
    const s = this.streams.get(handle);
    const data = this.mem.range(ptr, len);
    if (!s || !data || len <= 0) return E_ARG;
    if (s.failed || s.ended) return E_IO;
    if (!s.connected || s.socket.writableLength > SEND_HIGH_WATER) return E_AGAIN;
    s.socket.write(Buffer.from(data));
    return len;
  }

  recv(handle: number, ptr: number, cap: number): number {
    const s = this.streams.get(handle);
    const out = this.mem.range(ptr, cap);
    if (!s || !out || cap <= 0) return E_ARG;
    if (s.chunks.length === 0) {
      if (s.failed) return E_IO;
      if (s.ended) return 0;
      return E_AGAIN;
    }
    let n = 0;
    while (n < cap && s.chunks.length > 0) {
      const chunk = s.chunks[0];
      const take = Math.min(cap - n, chunk.length);
      out.set(chunk.subarray(0, take), n);
      n += take;
      if (take === chunk.length) s.chunks.shift();
      else s.chunks[0] = chunk.subarray(take);
    }
    return n;
  }

  close(handle: number): number {
    const s = this.streams.get(handle);
    if (!s) return E_ARG;
    this.streams.delete(handle);
    s.socket.destroy();
    return OK;
  }

  /** Destroys every open stream, as a network cut does. */
  dropAll(): void {
    for (const s of this.streams.values()) { s.failed = true; s.socket.destroy(); }
  }

  closeAll(): void {
    for (const h of [...this.streams.keys()]) this.close(h);
  }

  get open(): number { return this.streams.size; }
}
