// The image's HTTP/1.1 client (assembly/net/http.ts) against a raw TCP server that writes
// responses byte by byte as each test scripts them: framing by length, chunks (extensions,
// trailers), or close; answers split into single bytes; keep-alive reuse after the server closed
// an idle connection; and malformed, oversized or missing answers, each with its error code and
// the device's state left as it was. Plain TCP (the image's loopback flag) so every byte is ours.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Device, nowMs } from "../../host-node/device.js";
import { OK, E_PROTOCOL, E_NOSPACE } from "../../host-node/errors.js";

type Reply = (socket: Socket, request: { method: string; path: string; headers: string; body: string }) => void;

interface RawServer { server: Server; port: number; connections: number; requests: string[]; reply: Reply }

const servers: RawServer[] = [];
after(() => { for (const s of servers) s.server.close(); });

const json = (status: number, body: unknown, extra = "") => {
  const text = JSON.stringify(body);
  return `HTTP/1.1 ${status} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${extra}\r\n${text}`;
};
const REGISTERED = { device_id: "SN_HTTP", model_id: "M", wxa_appid: "wxa", registered_at: 1764000000 };
const TIME = () => ({ server_time: Math.floor(Date.now() / 1000) });

async function rawServer(reply: Reply): Promise<RawServer> {
  const rs: RawServer = { server: createServer(), port: 0, connections: 0, requests: [], reply };
  rs.server.on("connection", (socket) => {
    rs.connections++;
    let buf = Buffer.alloc(0);
    socket.on("error", () => {});
    socket.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        const body = buf.subarray(end + 4, end + 4 + len).toString();
        buf = buf.subarray(end + 4 + len);
        const [method, path] = head.split(" ");
        rs.requests.push(`${method} ${path}`);
        rs.reply(socket, { method, path, headers: head, body });
      }
    });
  });
  await new Promise<void>((r) => rs.server.listen(0, "127.0.0.1", r));
  rs.port = (rs.server.address() as { port: number }).port;
  servers.push(rs);
  return rs;
}

/** Answers /v1/time normally and register with `register`. */
function timeThen(register: Reply): Reply {
  return (socket, req) => {
    if (req.path === "/v1/time") socket.write(json(200, TIME()));
    else register(socket, req);
  };
}

async function device(rs: RawServer, requestTimeoutMs = 10000) {
  const d = new Device({ storage: mkdtempSync(join(tmpdir(), "vsdk-http-")) });
  assert.equal(d.provision({ sn: "SN_HTTP", secret: "11".repeat(32), cloud: `http://127.0.0.1:${rs.port}` }), OK);
  assert.equal(d.init(), OK);
  assert.equal(d.setTimeouts(1, 60000, 60000, requestTimeoutMs), OK);
  d.start();
  return d;
}

async function registerWith(reply: Reply, requestTimeoutMs = 10000) {
  const rs = await rawServer(timeThen(reply));
  const d = await device(rs, requestTimeoutMs);
  const result = await d.register(30000);
  d.stop();
  return { result, rs, d };
}

test("the request is well-formed HTTP/1.1 with Host, length and the signing headers", async () => {
  let seen = "";
  const { result } = await registerWith((s, req) => { seen = `${req.headers}\r\n\r\n${req.body}`; s.write(json(200, REGISTERED)); });
  assert.equal(result, OK);
  const lines = seen.split("\r\n");
  assert.equal(lines[0], "POST /v1/device/register HTTP/1.1");
  const h = Object.fromEntries(lines.slice(1).filter((l) => l.includes(": ")).map((l) => [l.split(": ")[0].toLowerCase(), l.split(": ")[1]]));
  assert.equal(h.host, "127.0.0.1");
  assert.equal(h["content-length"], "2");
  assert.equal(h["x-vsdk-device"], "SN_HTTP");
  assert.match(h["x-vsdk-nonce"], /^[0-9a-f]{32}$/);
  assert.match(h["x-vsdk-signature"], /^[0-9a-f]{64}$/);
  assert.ok(Math.abs(Number(h["x-vsdk-timestamp"]) - Date.now() / 1000) < 5);
  assert.ok(seen.endsWith("\r\n\r\n{}"));
});

test("an answer written one byte at a time is reassembled", async () => {
  const { result, d } = await registerWith((s) => {
    const bytes = Buffer.from(json(200, REGISTERED));
    let i = 0;
    const next = () => { if (i < bytes.length) { s.write(bytes.subarray(i, ++i)); setTimeout(next, 0); } };
    next();
  });
  assert.equal(result, OK);
  assert.equal(d.isRegistered(), 1);
});

test("chunked answers with extensions and trailers are decoded", async () => {
  const { result, d } = await registerWith((s) => {
    const body = JSON.stringify(REGISTERED);
    const a = body.slice(0, 10), b = body.slice(10);
    s.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${a.length.toString(16)};note=x\r\n${a}\r\n` +
      `${b.length.toString(16).toUpperCase()}\r\n${b}\r\n0\r\nX-Trailer: 1\r\n\r\n`);
  });
  assert.equal(result, OK);
  assert.equal(d.deviceReport().model_id, "M");
});

test("an HTTP/1.0 answer framed by closing the connection is read to the end", async () => {
  const { result } = await registerWith((s) => { s.end(`HTTP/1.0 200 OK\r\n\r\n${JSON.stringify(REGISTERED)}`); });
  assert.equal(result, OK);
});

test("a keep-alive connection the server closed while idle is reopened transparently", async () => {
  const rs = await rawServer((s, req) => {
    if (req.path === "/v1/time") { s.write(json(200, TIME())); setTimeout(() => s.destroy(), 20); return; }
    s.write(json(200, REGISTERED));
  });
  const d = await device(rs);
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(await d.register(), OK);
  d.stop();
  assert.equal(rs.connections, 2);
  assert.deepEqual(rs.requests, ["GET /v1/time", "POST /v1/device/register"]);
});

test("two requests share one keep-alive connection", async () => {
  const rs = await rawServer(timeThen((s) => s.write(json(200, REGISTERED))));
  const d = await device(rs);
  assert.equal(await d.register(), OK);
  d.stop();
  assert.equal(rs.connections, 1);
});

const bad: Array<[string, string, number]> = [
  ["a status line that is not HTTP", "HTTX/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", E_PROTOCOL],
  ["both Content-Length and chunked", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", E_PROTOCOL],
  ["two different Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", E_PROTOCOL],
  ["a transfer coding other than chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", E_PROTOCOL],
  ["a bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", E_PROTOCOL],
  ["a chunk without its CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n", E_PROTOCOL],
  ["a header line without a colon", "HTTP/1.1 200 OK\r\nBroken\r\nContent-Length: 2\r\n\r\n{}", E_PROTOCOL],
  ["a body longer than the device's buffer", `HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n${"x".repeat(5000)}`, E_NOSPACE],
  ["headers longer than the device's buffer", `HTTP/1.1 200 OK\r\nX-Big: ${"y".repeat(5000)}\r\n\r\n`, E_NOSPACE],
  ["a 200 whose body is not JSON", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", E_PROTOCOL],
  ["a 200 without the registration's fields", json(200, { device_id: "SN_HTTP" }), E_PROTOCOL],
  ["a connection closed in the middle of the body", "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"dev", E_PROTOCOL],
  ["a 100 Continue the device never asked for", "HTTP/1.1 100 Continue\r\n\r\n", E_PROTOCOL],
];
for (const [what, answer, code] of bad) {
  test(`${what}: ${code}, and the device stays unregistered`, async () => {
    const { result, d } = await registerWith((s) => { if (what.includes("closed")) s.end(answer); else s.write(answer); });
    assert.equal(result, code);
    assert.equal(d.isRegistered(), 0);
  });
}

test("a server that never answers times out, and the retry succeeds", async () => {
  let silent = 1;
  const t0 = Date.now();
  const { result, rs } = await registerWith((s) => { if (silent-- > 0) return; s.write(json(200, REGISTERED)); }, 300);
  assert.equal(result, OK);
  assert.ok(Date.now() - t0 >= 300);
  assert.deepEqual(rs.requests.filter((r) => r.includes("register")).length, 2);
});

test("a server that is not there: the command gives up with E_IO after its retries", async () => {
  const rs = await rawServer(() => {});
  rs.server.close();
  const d = new Device({ storage: mkdtempSync(join(tmpdir(), "vsdk-http-")) });
  assert.equal(d.provision({ sn: "SN_HTTP", secret: "11".repeat(32), cloud: `http://127.0.0.1:${rs.port}` }), OK);
  assert.equal(d.init(), OK);
  // A virtual clock moving 100 ms per tick runs through the backoff schedule in real milliseconds.
  let clock = nowMs();
  assert.equal(d.image.exports.vsdk_device_register(clock), OK);
  let result: number | null = null;
  d.on("registered", (e) => { result = e.a; });
  const t0 = Date.now();
  while (result === null && Date.now() - t0 < 20000) { clock += 100; d.tick(clock); await new Promise((r) => setTimeout(r, 1)); }
  d.stop();
  assert.equal(result, -1010);
});

test("fuzz: 400 mutated register answers never trap, and a device registers only with all fields", async () => {
  // A deterministic generator (xorshift32), so a failure reproduces.
  let seed = 0x9e3779b9;
  const rnd = (n: number) => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed % n; };
  const good = [
    json(200, REGISTERED),
    `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"dev\r\n${(JSON.stringify(REGISTERED).length - 5).toString(16)}\r\n${JSON.stringify(REGISTERED).slice(5)}\r\n0\r\n\r\n`,
  ];
  const mutate = (text: string) => {
    const b = Buffer.from(text);
    const edits = 1 + rnd(4);
    for (let i = 0; i < edits; i++) {
      const at = rnd(b.length);
      const kind = rnd(4);
      if (kind === 0) b[at] = rnd(256);
      else if (kind === 1) b[at] = "{}[]\":,\\\r\n0-9".charCodeAt(rnd(14));
      else if (kind === 2) return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rnd(8))]);
      else return Buffer.concat([b.subarray(0, at), Buffer.from("\\u00".repeat(rnd(3)) + "[".repeat(rnd(40))), b.subarray(at)]);
    }
    return b;
  };
  let answer: Buffer = Buffer.alloc(0);
  const rs = await rawServer(timeThen((s) => { s.end(answer); }));
  const d = new Device({ storage: mkdtempSync(join(tmpdir(), "vsdk-fuzz-")) });
  assert.equal(d.provision({ sn: "SN_HTTP", secret: "11".repeat(32), cloud: `http://127.0.0.1:${rs.port}` }), OK);
  assert.equal(d.init(), OK);
  assert.equal(d.setTimeouts(1, 60000, 60000, 500), OK);
  let registered = 0;
  for (let i = 0; i < 400; i++) {
    answer = mutate(good[i % good.length]);
    assert.equal(d.image.exports.vsdk_device_register(nowMs()), OK);
    const t0 = Date.now();
    let result: number | null = null;
    d.once("registered", (e) => { result = e.a; });
    while (result === null && Date.now() - t0 < 20000) {
      d.tick(); // a trap would throw here and fail the test
      await new Promise((r) => setImmediate(r));
    }
    assert.notEqual(result, null, `answer ${i} got no result: ${JSON.stringify(answer.toString("latin1"))} events ${JSON.stringify(d.events.slice(-6))} phase ${d.phase}`);
    assert.equal(d.image.exports.vsdk_last_trap_line(), 0);
    if (result === OK) registered++;
  }
  d.stop();
  // Some mutations only touch bytes that do not matter (a header value); those register, and
  // each must then hold exactly the fields sent.
  if (registered > 0) assert.equal(d.deviceReport().device_id, "SN_HTTP");
  process.stdout.write(`# fuzz: 400 mutated answers, ${registered} still valid, no trap\n`);
});

test("fuzz: 300 mutated event-channel answers never trap; a valid ring afterwards still rings", async () => {
  let seed = 0x1234567;
  const rnd = (n: number) => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed % n; };
  const events = JSON.stringify({ events: [
    { seq: 1, type: "call.ring", call_id: "c_f", from_openid: "o_f", room_type: "video",
      media: { relay_host: "127.0.0.1", relay_port: 9, ssrc: 1, peer_ssrc: 2, codec: "PCMU", payload_type: 0, clock_rate: 8000, ptime_ms: 20, token: "aa" } },
    { seq: 2, type: "call.state", call_id: "c_f", state: 4, reason: 1 },
  ] });
  let mutated = 0;
  let served = 0;
  let final = false;
  const rs = await rawServer((s, req) => {
    if (req.path === "/v1/time") { s.write(json(200, TIME())); return; }
    if (req.path.startsWith("/v1/device/register")) { s.write(json(200, REGISTERED)); return; }
    if (!req.path.startsWith("/v1/device/events")) { s.write(json(404, {})); return; }
    served++;
    if (final) {
      const after = Number(/after=(\d+)/.exec(req.path)![1]);
      const ring = { seq: after + 1, type: "call.ring", call_id: `c_ok_${after + 1}`, from_openid: "o_ok", room_type: "voice" };
      s.write(json(200, { events: after < 1000 ? [ring] : [] }));
      return;
    }
    const b = Buffer.from(events);
    for (let k = 1 + rnd(3); k > 0; k--) {
      const at = rnd(b.length);
      b[at] = rnd(3) === 0 ? rnd(256) : "{}[]\":,0123456789-".charCodeAt(rnd(18));
    }
    mutated++;
    s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${b.length}\r\n\r\n`);
    s.write(b);
  });
  const d = new Device({ storage: mkdtempSync(join(tmpdir(), "vsdk-fuzz-ev-")) });
  assert.equal(d.provision({ sn: "SN_HTTP", secret: "11".repeat(32), cloud: `http://127.0.0.1:${rs.port}` }), OK);
  assert.equal(d.init(), OK);
  assert.equal(d.setTimeouts(0, 600000, 600000, 600000), OK);
  // The image runs on a virtual clock that moves 250 ms per tick, so the backoff after each
  // malformed answer (up to 30 s) passes in a moment of real time.
  let clock = nowMs();
  assert.equal(d.image.exports.vsdk_device_register(clock), OK);
  const t0 = Date.now();
  while (mutated < 300 && Date.now() - t0 < 60000) {
    clock += 250;
    d.tick(clock);
    if (d.phase === 3) d.image.exports.vsdk_signal_reject(clock); // a mutated ring that parsed: end it
    await new Promise((r) => setImmediate(r));
  }
  assert.ok(mutated >= 300, `only ${mutated} mutated answers served`);
  assert.equal(d.image.exports.vsdk_last_trap_line(), 0);
  // Whatever the fuzz left behind, a well-formed ring is still handled.
  final = true;
  const t1 = Date.now();
  let rang = false;
  d.on("ring", () => { rang = true; });
  while (!rang && Date.now() - t1 < 20000) { clock += 250; d.tick(clock); await new Promise((r) => setImmediate(r)); }
  d.stop();
  assert.ok(rang, `no ring after the fuzz (phase ${d.phase}, served ${served})`);
  assert.match(d.callReport().call_id, /^c_ok_/);
});
