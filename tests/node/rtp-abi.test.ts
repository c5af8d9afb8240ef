// The field numbers hosts use with vsdk_rtp_get/_set, vsdk_rtp_rx_get and vsdk_rtcp_get are
// mirrored in tools/oracles/rtp_image.ts; this keeps the mirror and the image's sources equal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../host-node/paths.js";
import { RTCP_FIELD, RTCP_FIELD_COUNT, RTP_FIELD, RTP_FIELD_COUNT, RX_FIELD } from "../../tools/oracles/rtp_image.js";

const source = (path: string) => readFileSync(join(repoRoot, path), "utf8");
const camel = (upper: string) => upper.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

// The words of an @unmanaged class, in declaration order.
function classFields(path: string, name: string): string[] {
  const body = new RegExp(`class ${name} \\{([^}]*)\\}`).exec(source(path))![1];
  return [...body.matchAll(/^\s*(\w+): (?:i32|u32|usize|RtpHeader|RtpReceiverStats|RtcpSourceReports);/gm)].map((m) => m[1]);
}

test("RTP header and receive-stream field numbers match assembly/rtp/api.ts", () => {
  const api = source("assembly/rtp/api.ts");
  const rtp = Object.fromEntries([...api.matchAll(/export const RTP_FIELD_(\w+): i32 = (\d+);/g)].map(([, n, v]) => [camel(n), Number(v)]));
  assert.deepEqual(rtp, { ...RTP_FIELD });
  assert.equal(Number(/const RTP_FIELDS: i32 = (\d+);/.exec(api)![1]), RTP_FIELD_COUNT);
  const rx = Object.fromEntries([...api.matchAll(/export const RX_FIELD_(\w+): i32 = (\d+);/g)].map(([, n, v]) => [camel(n), Number(v)]));
  assert.deepEqual(rx, { ...RX_FIELD });
  // vsdk_rtp_get reads the record's words in order: the field numbers are the declaration order
  assert.deepEqual(classFields("assembly/rtp/packet.ts", "RtpHeader"), Object.keys(RTP_FIELD));
});

test("RTCP summary field numbers follow RtcpSummary's declaration order", () => {
  assert.deepEqual(classFields("assembly/rtp/rtcp_parse.ts", "RtcpSummary"), Object.keys(RTCP_FIELD));
  assert.equal(Number(/const RTCP_FIELDS: i32 = (\d+);/.exec(source("assembly/rtp/api.ts"))![1]), RTCP_FIELD_COUNT);
});
