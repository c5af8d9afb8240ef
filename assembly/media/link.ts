// Connects a call's media session to the network: while signalling says the call is talking and
// has media parameters, a UDP flow to the cloud's relay is open and the session runs on it.
// Hosts then only move PCM (audio_in/audio_out) and call tick; packets never leave the image.
import { OK, E_STATE, E_AGAIN, E_IO, E_NOSPACE } from "../abi/errors";
import { host_udp_open, host_udp_send, host_udp_recv, host_udp_close } from "../abi/imports";
import { arenaAlloc } from "../util/arena";
import { signal, signalPlaced } from "../signal/context";
import { PHASE_TALKING, CODEC_PCMU, CODEC_PCMA, CODEC_OPUS } from "../signal/call";
import { MEDIA_PCMU, MEDIA_PCMA, MEDIA_OPUS, mediaStart, mediaStop, mediaCapture, mediaReceive, mediaPlayout } from "./session";

// PCM rate of Opus calls on the device side: WeChat rooms carry 16 kHz speech.
export const OPUS_PCM_RATE: i32 = 16000;
const PACKET_BYTES: i32 = 1280;
// A tick drains at most this many packets, so one tick's work stays bounded under a flood.
const MAX_PACKETS_PER_TICK: i32 = 16;

let socket: i32 = -1;
let packet: usize = 0;
let pcmRate: i32 = 0;
let sendErrors: u32 = 0;

function talking(): bool {
  if (!signalPlaced()) return false;
  const c = signal().call;
  return c.phase == PHASE_TALKING && c.hasMedia;
}

function mediaCodecOf(payloadCodec: i32): i32 {
  if (payloadCodec == CODEC_PCMU) return MEDIA_PCMU;
  if (payloadCodec == CODEC_PCMA) return MEDIA_PCMA;
  if (payloadCodec == CODEC_OPUS) return MEDIA_OPUS;
  return -1;
}

function open(): i32 {
  if (packet == 0) {
    packet = arenaAlloc(PACKET_BYTES);
    if (packet == 0) return E_NOSPACE;
  }
  const c = signal().call;
  const codec = mediaCodecOf(c.codec);
  if (codec < 0) return E_STATE;
  const rate = codec == MEDIA_OPUS ? OPUS_PCM_RATE : 8000;
  const started = mediaStart(codec, c.payloadType, rate, c.ptimeMs > 0 ? c.ptimeMs : 20, c.ssrc, c.peerSsrc);
  if (started < 0) return started;
  const handle = host_udp_open(c.relayHost, c.relayHostLen, c.relayPort);
  if (handle < 0) { mediaStop(); return handle; }
  socket = handle;
  pcmRate = rate;
  sendErrors = 0;
  return OK;
}

function close(): void {
  if (socket >= 0) host_udp_close(socket);
  socket = -1;
  pcmRate = 0;
  mediaStop();
}

// Follows the call (opens or closes the flow) and hands every packet waiting to the session.
export function mediaLinkTick(now: u32): i32 {
  const want = talking();
  if (want && socket < 0) {
    const status = open();
    if (status < 0) return status;
  } else if (!want && socket >= 0) close();
  if (socket < 0) return 0;
  return receiveWaiting(now);
}

// Hands every packet waiting at the socket to the session (at most MAX_PACKETS_PER_TICK).
function receiveWaiting(now: u32): i32 {
  let received = 0;
  for (let i = 0; i < MAX_PACKETS_PER_TICK; i++) {
    const n = host_udp_recv(socket, packet, PACKET_BYTES);
    if (n == E_AGAIN || n == 0) break;
    if (n < 0) return E_IO;
    // A refused packet (garbage, other stream, late) is the network's problem, not the call's.
    if (mediaReceive(packet, n, now) > 0) received++;
  }
  return received;
}

// PCM rate of the call's audio, or E_STATE when no call is talking.
export function audioRate(): i32 { return socket >= 0 ? pcmRate : E_STATE; }

// One captured frame goes out as one RTP packet. Returns the samples taken or an error.
export function audioIn(pcm: usize, samples: i32): i32 {
  if (socket < 0) return E_STATE;
  const n = mediaCapture(pcm, samples, packet, PACKET_BYTES);
  if (n < 0) return n;
  // A lost datagram is like a lost packet on the network: counted, not fatal.
  if (host_udp_send(socket, packet, n) < 0) sendErrors++;
  return samples;
}

// The frame to play now. Returns the samples written or an error.
export function audioOut(now: u32, pcm: usize, maxSamples: i32): i32 {
  if (socket < 0) return E_STATE;
  // Packets that reached the socket since the last tick count for this frame: the host's
  // network tick may not have run in between (a packet read after the frame it carries was
  // due is a wait or a loss for nothing).
  receiveWaiting(now);
  return mediaPlayout(now, pcm, maxSamples);
}
