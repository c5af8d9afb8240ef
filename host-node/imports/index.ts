// The Node host's I/O imports for the image, in one bundle: byte streams (node:tls/net), UDP
// (node:dgram), key-value files, crypto (node:crypto) and the event sink. Image.load links them.
import type { HostImports } from "../image.js";
import { MemoryView } from "./memory.js";
import { StreamImports, type StreamOptions } from "./stream.js";
import { UdpImports } from "./udp.js";
import { KvFiles, KvImports } from "./kv.js";
import { CryptoImports } from "./crypto.js";

export { MemoryView, StreamImports, UdpImports, KvFiles, KvImports, CryptoImports };
export type { StreamOptions };

export interface IoImportOptions {
  kv: KvFiles;
  stream?: StreamOptions;
  onEvent?: (kind: number, a: number, b: number) => void;
}

export interface IoImports {
  mem: MemoryView;
  streams: StreamImports;
  udp: UdpImports;
  kv: KvImports;
  crypto: CryptoImports;
  imports: HostImports;
}

export function ioImports(options: IoImportOptions): IoImports {
  const mem = new MemoryView();
  const streams = new StreamImports(mem, options.stream);
  const udp = new UdpImports(mem);
  const kv = new KvImports(mem, options.kv);
  const crypto = new CryptoImports(mem);
  const imports: HostImports = {
    tls_connect: (h, hl, port, flags) => streams.connect(h, hl, port, flags),
    tls_send: (handle, p, n) => streams.send(handle, p, n),
    tls_recv: (handle, p, n) => streams.recv(handle, p, n),
    tls_close: (handle) => streams.close(handle),
    udp_open: (h, hl, port) => udp.open(h, hl, port),
    udp_send: (handle, p, n) => udp.send(handle, p, n),
    udp_recv: (handle, p, n) => udp.recv(handle, p, n),
    udp_close: (handle) => udp.close(handle),
    kv_get: (k, kl, out, cap) => kv.get(k, kl, out, cap),
    kv_set: (k, kl, v, vl) => kv.set(k, kl, v, vl),
    kv_delete: (k, kl) => kv.delete(k, kl),
    sha256: (p, n, out) => crypto.sha256(p, n, out),
    hmac_sha256: (k, kl, m, ml, out) => crypto.hmacSha256(k, kl, m, ml, out),
    event: (kind, a, b) => { options.onEvent?.(kind, a, b); },
  };
  return { mem, streams, udp, kv, crypto, imports };
}
