import { E_ARG, E_UNSUPPORTED } from "../../assembly/abi/errors";
import { CODEC_G711, CODEC_OPUS, JitterBuffer, PLAY_FRAME, jitterCreate, jitterGet } from "../../assembly/jitter/buffer";
import { RtpDepacketiser, depacketiserInit, depacketiserNew } from "../../assembly/rtp/depacketiser";
import { RtpPacketiser, packetiserInit, packetiserNew } from "../../assembly/rtp/packetiser";
import { PT_PCMU, g711Send } from "../../assembly/rtp/payload_g711";
import { PT_OPUS_DEFAULT, opusSend } from "../../assembly/rtp/payload_opus";
import { receiveIntoJitter } from "../../assembly/rtp/receive";

const pkt = memory.data(600);
const media = memory.data(200);
const out = memory.data(400);
const tx: RtpPacketiser = packetiserNew();
const rx: RtpDepacketiser = depacketiserNew();

describe("RTP receive into the jitter buffer", () => {
  it("passes a G.711 stream's packets on, after probation, and they play", () => {
    const jb = changetype<JitterBuffer>(jitterCreate(0, CODEC_G711, 20, 16));
    depacketiserInit(rx, PT_PCMU, 8000, 0x42);
    packetiserInit(tx, PT_PCMU, 0x42, 65530, 1000);
    // one packet every 20 ms, and the player asks for a frame every 20 ms (its answer: bytes << 8 | PLAY_*)
    let results = 0;
    let got = -1;
    for (let i = 0; i < 30; i++) {
      const now = <u32>(100 + i * 20);
      if (i < 12) {
        memory.fill(media, <u8>i, 160);
        const n = g711Send(tx, pkt, 600, media, 160);
        const r = receiveIntoJitter(rx, jb, pkt, n, now);
        if (i == 0) expect(r).toBe(0); else expect(r).toBe(1);
        results += r;
      }
      if (got < 0 && (jitterGet(jb, now, out, 400) & 0xff) == PLAY_FRAME) got = <i32>load<u8>(out);
    }
    expect(results).toBe(11);
    // the first packet played is the one that ended probation: its bytes are all 1
    expect(got).toBe(1);
  });
  it("refuses other payload types and sizes the buffer does not take", () => {
    const jb = changetype<JitterBuffer>(jitterCreate(0, CODEC_G711, 20, 16));
    depacketiserInit(rx, PT_PCMU, 8000, 0x42);
    packetiserInit(tx, 8, 0x42, 0, 0);
    expect(receiveIntoJitter(rx, jb, pkt, g711Send(tx, pkt, 600, media, 160), 0)).toBe(E_UNSUPPORTED);
    packetiserInit(tx, PT_PCMU, 0x42, 0, 0);
    receiveIntoJitter(rx, jb, pkt, g711Send(tx, pkt, 600, media, 160), 0);
    // a 10 ms packet where the buffer holds 20 ms frames
    expect(receiveIntoJitter(rx, jb, pkt, g711Send(tx, pkt, 600, media, 80), 20)).toBe(E_ARG);
  });
  it("passes Opus packets on with their 48 kHz timestamps", () => {
    const jb = changetype<JitterBuffer>(jitterCreate(0, CODEC_OPUS, 20, 16));
    depacketiserInit(rx, PT_OPUS_DEFAULT, 48000, 0);
    packetiserInit(tx, PT_OPUS_DEFAULT, 0x99, 10, 0);
    store<u8>(media, 1 << 3); // SILK NB 20 ms, one frame
    let sum = 0;
    for (let i = 0; i < 5; i++) sum += receiveIntoJitter(rx, jb, pkt, opusSend(tx, pkt, 600, media, 40), i * 20);
    expect(sum).toBe(4);
    expect(rx.timestamp).toBe(4 * 960);
  });
});
