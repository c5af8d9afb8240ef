// The Node host's I/O imports on their own (host-node/imports/), against the contract in
// assembly/abi/imports.ts that the C shims implement too: the non-blocking stream (E_AGAIN while
// connecting, 0 at the peer's orderly close, E_IO on failure, certificates verified), UDP, the
// key-value files (bounds, absence, atomic replace, power cut), and the crypto primitives against
// the standard vectors (FIPS 180-2 for SHA-256, RFC 4231 for HMAC-SHA256).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryView, StreamImports, UdpImports, KvFiles, KvImports, CryptoImports } from "../../host-node/imports/index.js";
import { E_AGAIN, E_ARG, E_IO, E_NOSPACE, OK } from "../../host-node/errors.js";
import { selfSignedCert } from "./device-test-cloud.js";

const memory = new WebAssembly.Memory({ initial: 1 });
const mem = new MemoryView();
mem.attach(memory);
const bytes = () => new Uint8Array(memory.buffer);
const put = (at: number, data: string | Uint8Array) => {
  const b = typeof data === "string" ? Buffer.from(data) : data;
  bytes().set(b, at);
  return b.length;
};
const hex = (at: number, n: number) => Buffer.from(bytes().subarray(at, at + n)).toString("hex");
const cleanups: Array<() => void> = [];
after(() => cleanups.forEach((c) => c()));

async function until<T>(f: () => T, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`still ${String(v)}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

test("sha256 and hmac_sha256 match FIPS 180-2 and RFC 4231 vectors", () => {
  const c = new CryptoImports(mem);
  assert.equal(c.sha256(0, put(0, "abc"), 100), 32);
  assert.equal(hex(100, 32), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.equal(c.sha256(0, 0, 100), 32);
  assert.equal(hex(100, 32), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  const k = put(200, "Jefe");
  const m = put(300, "what do ya want for nothing?");
  assert.equal(c.hmacSha256(200, k, 300, m, 400), 32);
  assert.equal(hex(400, 32), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231 test case 1: key 20 x 0x0b, data "Hi There".
  put(200, new Uint8Array(20).fill(0x0b));
  assert.equal(c.hmacSha256(200, 20, 300, put(300, "Hi There"), 400), 32);
  assert.equal(hex(400, 32), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  assert.equal(c.sha256(65530, 100, 0), E_ARG, "a range outside memory");
});

test("key-value: absence reads 0, values round-trip, bounds give E_ARG/E_NOSPACE", () => {
  const dir = mkdtempSync(join(tmpdir(), "vsdk-kvi-"));
  const kv = new KvImports(mem, new KvFiles(dir));
  const key = (k: string) => [1000, put(1000, k)] as const;
  assert.equal(kv.get(...key("registration"), 2000, 512), 0);
  const n = put(1100, "hello");
  assert.equal(kv.set(...key("registration"), 1100, n), n);
  assert.equal(kv.get(...key("registration"), 2000, 512), 5);
  assert.equal(Buffer.from(bytes().subarray(2000, 2005)).toString(), "hello");
  assert.equal(kv.get(...key("registration"), 2000, 4), E_NOSPACE);
  assert.equal(kv.set(...key("Bad-Key"), 1100, n), E_ARG);
  assert.equal(kv.set(...key("k".repeat(33)), 1100, n), E_ARG);
  assert.equal(kv.set(...key("big"), 1100, 513), E_ARG);
  assert.equal(kv.set(...key("empty"), 1100, 0), E_ARG);
  assert.equal(kv.delete(...key("registration")), OK);
  assert.equal(kv.get(...key("registration"), 2000, 512), 0);
  assert.equal(kv.delete(...key("never")), OK);
});

test("key-value: after a power cut nothing more is written, and a reboot sees the old value", () => {
  const dir = mkdtempSync(join(tmpdir(), "vsdk-kvp-"));
  const files = new KvFiles(dir);
  files.set("k", Buffer.from("old"));
  const cut = new KvFiles(dir, { powerCutAfterWrites: 1 }); // the temp file is written, the rename is lost
  const kv = new KvImports(mem, cut);
  assert.equal(kv.set(1000, put(1000, "k"), 1100, put(1100, "new")), E_IO);
  assert.equal(cut.powerLost, true);
  assert.equal(kv.set(1000, put(1000, "j"), 1100, put(1100, "x")), E_IO, "no power, no writes");
  assert.equal(readFileSync(join(dir, "k"), "utf8"), "old");
  new KvFiles(dir); // reboot
  assert.deepEqual(readdirSync(dir), ["k"], "the torn temporary file is gone");
});

test("stream: E_AGAIN while connecting, data both ways, 0 at the peer's close, E_ARG for bad handles", async () => {
  const server = createServer((s) => { s.once("data", (d) => { s.write(Buffer.concat([Buffer.from("echo:"), d])); s.end(); }); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => server.close());
  const port = (server.address() as { port: number }).port;
  const st = new StreamImports(mem);
  const h = st.connect(0, put(0, "127.0.0.1"), port, 1);
  assert.ok(h >= 0);
  assert.equal(st.recv(h, 100, 100), E_AGAIN);
  const n = put(50, "ping");
  await until(() => st.send(h, 50, n), (r) => r !== E_AGAIN);
  const got = await until(() => st.recv(h, 100, 3), (r) => r !== E_AGAIN);
  assert.equal(got, 3, "at most cap bytes");
  const rest = await until(() => st.recv(h, 103, 100), (r) => r !== E_AGAIN);
  assert.equal(Buffer.from(bytes().subarray(100, 103 + rest)).toString(), "echo:ping");
  assert.equal(await until(() => st.recv(h, 100, 100), (r) => r !== E_AGAIN), 0, "orderly close");
  assert.equal(st.close(h), OK);
  assert.equal(st.send(h, 50, n), E_ARG);
  assert.equal(st.connect(0, put(0, "127.0.0.1"), 0, 1), E_ARG);
  assert.equal(st.connect(0, put(0, "127.0.0.1"), port, 2), E_ARG, "unknown flag bits");
});

test("stream: a refused connection and an untrusted certificate both end in E_IO", async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const deadPort = (closed.address() as { port: number }).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const st = new StreamImports(mem);
  const h = st.connect(0, put(0, "127.0.0.1"), deadPort, 1);
  assert.equal(await until(() => st.recv(h, 100, 10), (r) => r !== E_AGAIN), E_IO);
  st.close(h);
  // TLS: a server whose certificate the device does not trust.
  const cert = selfSignedCert();
  const tls = createTlsServer({ cert: cert.cert, key: cert.key }, (s) => s.end("secret"));
  await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
  cleanups.push(() => tls.close());
  const tlsPort = (tls.address() as { port: number }).port;
  const untrusting = st.connect(0, put(0, "127.0.0.1"), tlsPort, 0);
  assert.equal(await until(() => st.recv(untrusting, 100, 10), (r) => r !== E_AGAIN), E_IO);
  // The same server, trusted: its bytes arrive.
  const trusting = new StreamImports(mem, { ca: cert.cert });
  const t = trusting.connect(0, put(0, "127.0.0.1"), tlsPort, 0);
  assert.equal(await until(() => trusting.recv(t, 100, 10), (r) => r !== E_AGAIN), 6);
  assert.equal(Buffer.from(bytes().subarray(100, 106)).toString(), "secret");
  trusting.closeAll();
});

test("udp: one peer, datagrams both ways, truncated to cap, E_AGAIN when none waits", async () => {
  const peer = createSocket("udp4");
  await new Promise<void>((r) => peer.bind(0, "127.0.0.1", r));
  cleanups.push(() => peer.close());
  peer.on("message", (msg, from) => peer.send(Buffer.concat([msg, msg]), from.port, from.address));
  const udp = new UdpImports(mem);
  const h = udp.open(0, put(0, "127.0.0.1"), peer.address().port);
  assert.ok(h >= 0);
  assert.equal(udp.recv(h, 100, 100), E_AGAIN);
  const n = put(50, "rtp!");
  await until(() => udp.send(h, 50, n), (r) => r !== E_AGAIN);
  assert.equal(await until(() => udp.recv(h, 100, 6), (r) => r !== E_AGAIN), 6, "8 bytes truncated to cap 6");
  assert.equal(Buffer.from(bytes().subarray(100, 106)).toString(), "rtp!rt");
  assert.equal(udp.close(h), OK);
  assert.equal(udp.close(h), E_ARG);
});
