// Every `vsdk` subcommand, one line each.
import type { Command } from "../command.js";
import { info } from "./info.js";
import { bench } from "./bench.js";
import { start } from "./start.js";
import { g711 } from "./g711.js";
import { cloud } from "./cloud.js";
import { emulator } from "./emulator.js";
import { provision } from "./provision.js";
import { roomWorker } from "./room-worker.js";
import { jitterSim } from "./jitter-sim.js";
import { device } from "./device.js";
import { release } from "./release.js";
import { otaDemo } from "./ota-demo.js";

export const commands: Record<string, Command> = {
  info,
  bench,
  start,
  g711,
  cloud,
  emulator,
  provision,
  "room-worker": roomWorker,
  "jitter-sim": jitterSim,
  device,
  release,
  "ota-demo": otaDemo,
};
