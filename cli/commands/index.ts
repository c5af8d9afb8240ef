// Every `vsdk` subcommand, one line each.
import type { Command } from "../command.js";
import { info } from "./info.js";
import { bench } from "./bench.js";
import { g711 } from "./g711.js";

export const commands: Record<string, Command> = {
  info,
  bench,
  g711,
};
