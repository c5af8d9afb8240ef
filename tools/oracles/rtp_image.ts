// The image's RTP/RTCP exports (assembly/rtp/api.ts) as the oracle tests drive them: field
// numbers mirrored from api.ts, and small helpers to move packets through the I/O buffer.
import { Image } from "../../host-node/image.js";

export const RTP_FIELD = {
  payloadType: 0, marker: 1, sequence: 2, timestamp: 3, ssrc: 4, csrcCount: 5, csrcPtr: 6,
  extProfile: 7, extPtr: 8, extLength: 9, payloadPtr: 10, payloadLength: 11, paddingLength: 12,
  headerLength: 13,
} as const;
export const RTP_FIELD_COUNT = 14;

export const RX_FIELD = {
  sequence: 0, extendedSequence: 1, timestamp: 2, arrival: 3, marker: 4, payloadPtr: 5,
  payloadLength: 6, received: 7, expected: 8, lost: 9, jitter: 10, extendedMax: 11, ssrc: 12,
  probation: 13,
} as const;

// The words of RtcpSummary (assembly/rtp/rtcp_parse.ts), in declaration order.
export const RTCP_FIELD = {
  parts: 0, reportType: 1, senderSsrc: 2, ntpMsw: 3, ntpLsw: 4, rtpTimestamp: 5, packetCount: 6,
  octetCount: 7, blockCount: 8, blocksPtr: 9, ourBlock: 10, cnameSsrc: 11, cnamePtr: 12,
  cnameLength: 13, byeCount: 14, byeSsrc: 15, reasonPtr: 16, reasonLength: 17,
} as const;
export const RTCP_FIELD_COUNT = 18;

/** A report block as the RTCP writers take it: 7 little-endian words. */
export interface ReportBlock {
  ssrc: number; fractionLost: number; cumulativeLost: number; extHighestSeq: number;
  jitter: number; lsr: number; dlsr: number;
}
export const REPORT_BLOCK_BYTES = 28;

export function reportBlockBytes(blocks: ReportBlock[]): Uint8Array {
  const out = new Uint8Array(blocks.length * REPORT_BLOCK_BYTES);
  const view = new DataView(out.buffer);
  blocks.forEach((b, i) => {
    [b.ssrc, b.fractionLost, b.cumulativeLost, b.extHighestSeq, b.jitter, b.lsr, b.dlsr]
      .forEach((v, k) => view.setUint32(i * REPORT_BLOCK_BYTES + k * 4, v >>> 0, true));
  });
  return out;
}

export function loadImage(): Image { return Image.load(); }

/** All words of the image's RTP header record, unsigned. */
export function rtpRecord(image: Image): number[] {
  return Array.from({ length: RTP_FIELD_COUNT }, (_, f) => image.exports.vsdk_rtp_get(f) >>> 0);
}

export function rtcpRecord(image: Image): number[] {
  return Array.from({ length: RTCP_FIELD_COUNT }, (_, f) => image.exports.vsdk_rtcp_get(f) >>> 0);
}
