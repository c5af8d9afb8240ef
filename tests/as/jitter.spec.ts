// The jitter buffer through its API (assembly/jitter/api.ts): order, reorder, duplicates, wrap,
// loss, talkspurt gaps, sender restart, Opus FEC, and bad input that must change nothing.
import { jitterInit, jitterSourceOf, jitterPutPacket, jitterGetFrame, jitterStats } from "../../assembly/jitter/api";
import { PLAY_SILENCE, PLAY_FRAME, PLAY_CONCEAL, PLAY_FEC, PLAY_MERGE, CODEC_G711, CODEC_OPUS } from "../../assembly/jitter/buffer";
import { OK, E_ARG, E_DUPLICATE, E_LATE, E_NOSPACE } from "../../assembly/abi/errors";

const pkt = memory.data(256, 8);
const out = memory.data(512, 8);   // room for a merge (two G.711 frames)
const stats = memory.data(64, 4);
const G711_BYTES = 160;

// A G.711 packet whose bytes all carry `mark`, so what comes out tells what went in.
function put(seq: u32, ts: u32, arrival: u32, mark: u8 = 0, len: i32 = G711_BYTES): i32 {
  memory.fill(pkt, mark != 0 ? mark : <u8>seq, <usize>len);
  return jitterPutPacket(seq, ts, arrival, pkt, len);
}
function kindOf(r: i32): i32 { return r & 0xff; }
function bytesOf(r: i32): i32 { return r >> 8; }
function stat(i: i32): i32 { jitterStats(stats, 64); return load<i32>(stats + <usize>(i * 4)); }
const RECEIVED = 0, PLAYED = 1, LATE = 2, DUPLICATES = 3, LOST = 4, REJECTED = 9, RESETS = 10, BUFFERED = 11;

// Ticks every 20 ms from `from` until a frame comes out; returns its mark (or -1 after `max` ticks).
let clock: u32 = 0;
function nextFrame(max: i32 = 20): i32 {
  for (let i = 0; i < max; i++) {
    clock += 20;
    const r = jitterGetFrame(clock, out, 256);
    if (kindOf(r) == PLAY_FRAME) return <i32>load<u8>(out);
  }
  return -1;
}

describe("jitter buffer: set-up", () => {
  it("takes its memory once, at the first init, and refuses bad or larger configurations", () => {
    const bytes = jitterInit(CODEC_OPUS, 20, 16);
    expect(bytes).toBeGreaterThan(16 * 240);
    expect(bytes).toBeLessThan(16 * (240 + 8) + 1024 + 256 + 256); // slots, delay window, state
    expect(jitterInit(CODEC_G711, 20, 16)).toBeLessThanOrEqual(bytes);
    expect(jitterInit(CODEC_OPUS, 20, 32)).toBe(E_NOSPACE);
    expect(jitterInit(7, 20, 16)).toBe(E_ARG);
    expect(jitterInit(CODEC_G711, 25, 16)).toBe(E_ARG);
    expect(jitterInit(CODEC_G711, 20, 2)).toBe(E_ARG);
    expect(jitterInit(CODEC_G711, 20, 1000)).toBe(E_ARG);
  });
});

describe("jitter buffer: G.711 stream", () => {
  beforeEach(() => {
    jitterInit(CODEC_G711, 20, 16);
    clock = 10000;
  });

  it("plays packets in sequence order even when they arrive out of order", () => {
    expect(put(10, 1600, 10000)).toBe(OK);
    expect(put(12, 1920, 10010)).toBe(OK);
    expect(put(11, 1760, 10015)).toBe(OK);
    expect(put(13, 2080, 10020)).toBe(OK);
    expect(nextFrame()).toBe(10);
    expect(nextFrame()).toBe(11);
    expect(nextFrame()).toBe(12);
    expect(nextFrame()).toBe(13);
    expect(stat(PLAYED)).toBe(4);
  });

  it("refuses duplicates, held or already played, and late packets, keeping its state", () => {
    for (let i: u32 = 0; i < 6; i++) expect(put(100 + i, 160 * i, 10000 + 20 * i)).toBe(OK);
    expect(put(103, 480, 10100)).toBe(E_DUPLICATE);
    expect(nextFrame()).toBe(100);
    expect(nextFrame()).toBe(101);
    expect(put(100, 0, 10150)).toBe(E_DUPLICATE);
    expect(stat(DUPLICATES)).toBe(2);
    expect(nextFrame()).toBe(102);
    expect(nextFrame()).toBe(103);
    expect(stat(BUFFERED)).toBe(2);
  });

  it("counts a packet whose frame was already concealed as late", () => {
    for (let i: u32 = 0; i < 4; i++) put(200 + i, 160 * i, 10000 + 20 * i);
    put(205, 800, 10100);
    for (let i = 0; i < 4; i++) expect(nextFrame()).toBe(200 + i);
    // 204 is missing while 205 is here: concealed (or skipped), then 204 turns up too late.
    expect(nextFrame()).toBe(205);
    expect(put(204, 640, clock)).toBe(E_LATE);
    expect(stat(LATE)).toBe(1);
    expect(stat(LOST)).toBe(1);
  });

  it("crosses sequence number and timestamp wrap", () => {
    const ts0: u32 = 0xFFFFFFFF - 320;
    for (let i: u32 = 0; i < 6; i++) expect(put((65533 + i) & 0xffff, ts0 + 160 * i, 10000 + 20 * i, <u8>(i + 1))).toBe(OK);
    for (let i = 0; i < 6; i++) expect(nextFrame()).toBe(i + 1);
    expect(stat(LOST)).toBe(0);
  });

  it("conceals a lost packet and carries on", () => {
    put(1, 160, 10000);
    put(2, 320, 10020);
    put(4, 640, 10060);
    put(5, 800, 10080);
    expect(nextFrame()).toBe(1);
    expect(nextFrame()).toBe(2);
    clock += 20;
    expect(kindOf(jitterGetFrame(clock, out, 256))).toBe(PLAY_CONCEAL);
    expect(nextFrame()).toBe(4);
    expect(nextFrame()).toBe(5);
    expect(stat(LOST)).toBe(1);
  });

  it("waits once for a missing packet whose successor is here, where losses come often", () => {
    // Packets 30 ms after sending, every fourth lost, so free moments to give a raised delay back
    // come often and the delay settles tight; the buffer waits only with a few seconds of history.
    // Then packet 200 is held up 15 ms more while 201 comes early: at 200's tick it is missing and
    // 201 is here. The buffer conceals that one tick instead of giving 200 up, then plays 200 and
    // 201; nothing is late.
    let kinds: u32 = 0;   // the last three ticks' outcomes: 0xff = conceal, else the packet (low byte)
    let sawWait = false;
    for (let t: u32 = 1; t <= 220; t++) {
      clock = 10000 + 20 * t;
      for (let s: u32 = 1; s <= 210; s++) {
        if (s < 190 && s % 4 == 0) continue;
        const arrival: u32 = s == 200 ? 10000 + 20 * s + 45 : s == 201 ? 10000 + 20 * s + 10 : 10000 + 20 * s + 30;
        if (arrival <= clock && arrival > clock - 20) put(s, 160 * s, arrival);
      }
      const r = jitterGetFrame(clock, out, 512);
      const outcome: u32 = kindOf(r) == PLAY_FRAME || kindOf(r) == PLAY_MERGE ? <u32>load<u8>(out) : kindOf(r) == PLAY_CONCEAL ? 0xff : 0xfe;  // marks are seq & 0xff
      kinds = ((kinds << 8) | outcome) & 0xffffff;
      // A merge hands two packets at once (the second right after the first's payload).
      if (kindOf(r) == PLAY_MERGE) kinds = ((kinds << 8) | <u32>load<u8>(out + 160)) & 0xffffff;
      if (kinds == ((0xff << 16) | (200 << 8) | 201)) sawWait = true;
    }
    expect(sawWait).toBe(true);
    expect(stat(LATE)).toBe(0);
  });

  it("plays silence over a talkspurt gap without counting it lost", () => {
    put(1, 160, 10000);
    put(2, 320, 10020);
    // 2 s of silence: timestamps jump, sequence numbers do not.
    put(3, 320 + 160 * 101, 12020);
    put(4, 320 + 160 * 102, 12040);
    expect(nextFrame()).toBe(1);
    expect(nextFrame()).toBe(2);
    let silent = 0;
    let frame = -1;
    for (let i = 0; i < 200 && frame < 0; i++) {
      clock += 20;
      const r = jitterGetFrame(clock, out, 256);
      if (kindOf(r) == PLAY_SILENCE) silent++;
      if (kindOf(r) == PLAY_FRAME) frame = load<u8>(out);
    }
    expect(frame).toBe(3);
    expect(silent).toBeGreaterThan(90);
    expect(stat(LOST)).toBe(0);
  });

  it("resets cleanly when the sender restarts with a new SSRC", () => {
    expect(jitterSourceOf(0xAAAA)).toBe(OK);
    put(500, 99999, 10000, 50);
    put(501, 99999 + 160, 10020, 51);
    expect(nextFrame()).toBe(50);
    expect(jitterSourceOf(0xBBBB)).toBe(OK);
    expect(stat(RESETS)).toBe(1);
    expect(stat(BUFFERED)).toBe(0);
    expect(put(7, 5, clock, 77)).toBe(OK);
    expect(nextFrame()).toBe(77);
  });

  it("refuses bad input with an error code and keeps playing as before", () => {
    put(1, 160, 10000);
    put(2, 320, 10020);
    expect(put(3, 480, 10040, 0, 100)).toBe(E_ARG);                 // G.711 20 ms is 160 bytes
    expect(put(3, 480, 10040, 0, 0)).toBe(E_ARG);
    expect(jitterPutPacket(3, 480, 10040, 0, 160)).toBe(E_ARG);      // null payload
    expect(jitterPutPacket(70000, 480, 10040, pkt, 160)).toBe(E_ARG); // not a 16-bit sequence
    expect(put(9000, 480, 10040)).toBe(E_ARG);                       // far future sequence
    expect(put(3, 160 + 8000 * 3600, 10040)).toBe(E_ARG);            // an hour-long gap
    expect(put(3, 0xF0000000, 10040)).toBe(E_ARG);                   // far in the past
    expect(stat(REJECTED)).toBe(6);                                  // the API refused 70000 itself
    expect(stat(RECEIVED)).toBe(2);
    expect(jitterGetFrame(clock, out, 100)).toBe(E_NOSPACE);         // too small for a frame
    expect(jitterGetFrame(clock, 0, 256)).toBe(E_ARG);
    expect(nextFrame()).toBe(1);
    expect(nextFrame()).toBe(2);
  });

  it("restarts on a run of consistent far-away packets (a sender restart without SSRC change)", () => {
    put(1, 160, 10000);
    expect(nextFrame()).toBe(1);
    expect(put(30000, 7777, clock, 31)).toBe(E_ARG);
    expect(put(30001, 7777 + 160, clock + 20, 32)).toBe(E_ARG);
    expect(put(30002, 7777 + 320, clock + 40, 33)).toBe(OK);
    expect(stat(RESETS)).toBe(1);
    expect(nextFrame()).toBe(33);
  });

  it("bounds what it holds: a burst beyond capacity pushes the oldest out", () => {
    for (let i: u32 = 0; i < 40; i++) expect(put(i, 160 * i, 10000)).toBe(OK);
    expect(stat(BUFFERED)).toBe(16);
    expect(nextFrame()).toBe(24);
  });
});

describe("jitter buffer: Opus", () => {
  it("asks for FEC from the next packet when one is missing and the next is here", () => {
    jitterInit(CODEC_OPUS, 20, 16);
    clock = 10000;
    memory.fill(pkt, 1, 80);
    expect(jitterPutPacket(1, 960, 10000, pkt, 80)).toBe(OK);
    memory.fill(pkt, 3, 60);
    expect(jitterPutPacket(3, 2880, 10040, pkt, 60)).toBe(OK);
    expect(nextFrame()).toBe(1);
    clock += 20;
    const r = jitterGetFrame(clock, out, 256);
    expect(kindOf(r)).toBe(PLAY_FEC);
    expect(bytesOf(r)).toBe(60);
    expect(load<u8>(out)).toBe(3);
    expect(nextFrame()).toBe(3);
    expect(jitterPutPacket(4, 3840, clock, pkt, 241)).toBe(E_ARG);   // above the Opus slot cap
  });
});
