// Every benchmark part, in the order `vsdk bench` runs them; one line each.
import type { BenchPart } from "./part.js";
import { imageSize } from "./image-size.js";
import { jitter, jitterListening, plcQuality } from "./jitter.js";
import { cloudThroughput } from "./cloud.js";
import { wasm3Runtime } from "./wasm3.js";
import { rtpSize } from "./rtp.js";
import { otaCloudDownload } from "../cloud/ota/bench.js";
import { otaUpdate } from "./ota-update.js";

export const benchParts: BenchPart[] = [
  imageSize,
  jitter,
  jitterListening,
  plcQuality,
  cloudThroughput,
  wasm3Runtime,
  rtpSize,
  otaCloudDownload,
  otaUpdate,
];
