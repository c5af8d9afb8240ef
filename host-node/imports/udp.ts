// The image's UDP imports (udp_open/send/recv/close) over node:dgram: one socket per handle,
// connected to one peer, datagrams queued until the image asks (bounded, oldest dropped first,
// as a full receive buffer would).
import { createSocket, type Socket } from "node:dgram";
import { E_AGAIN, E_ARG, E_IO, E_NOSPACE, OK } from "../errors.js";
import type { MemoryView } from "./memory.js";
import { recordRead } from "../rx-record.js";

const MAX_SOCKETS = 4;
const MAX_QUEUED = 256;

class Udp {
  ready = false;
  failed = false;
  queue: Buffer[] = [];
  dropped = 0;
  constructor(readonly socket: Socket) {}
}

export class UdpImports {
  private sockets = new Map<number, Udp>();
  private nextHandle = 0;
  constructor(private readonly mem: MemoryView) {}

  open(hostPtr: number, hostLen: number, port: number): number {
    const host = this.mem.text(hostPtr, hostLen);
    if (!host || port < 1 || port > 65535) return E_ARG;
    if (this.sockets.size >= MAX_SOCKETS) return E_NOSPACE;
    const socket = createSocket("udp4");
    const u = new Udp(socket);
    socket.on("message", (msg) => {
      if (u.queue.length >= MAX_QUEUED) { u.queue.shift(); u.dropped++; }
      u.queue.push(msg);
    });
    socket.on("error", () => { u.failed = true; });
    socket.connect(port, host, () => { u.ready = true; });
    const handle = this.nextHandle++;
    this.sockets.set(handle, u);
    return handle;
  }

  send(handle: number, ptr: number, len: number): number {
    const u = this.sockets.get(handle);
    const data = this.mem.range(ptr, len);
    if (!u || !data || len <= 0 || len > 65507) return E_ARG;
    if (u.failed) return E_IO;
    if (!u.ready) return E_AGAIN;
    u.socket.send(Buffer.from(data));
    return len;
  }

  recv(handle: number, ptr: number, cap: number): number {
    const u = this.sockets.get(handle);
    const out = this.mem.range(ptr, cap);
    if (!u || !out || cap <= 0) return E_ARG;
    const msg = u.queue.shift();
    if (!msg) return u.failed ? E_IO : E_AGAIN;
    const n = Math.min(cap, msg.length);
    out.set(msg.subarray(0, n));
    recordRead(msg.subarray(0, n));
    return n;
  }

  close(handle: number): number {
    const u = this.sockets.get(handle);
    if (!u) return E_ARG;
    this.sockets.delete(handle);
    try { u.socket.close(); } catch { /* already closed */ }
    return OK;
  }

  closeAll(): void { for (const h of [...this.sockets.keys()]) this.close(h); }
}
