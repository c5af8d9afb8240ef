#!/usr/bin/env node
// The `vsdk` command: builds what is stale (fast when nothing is), then runs the CLI.
import { buildImages, buildCli } from "../tools/build.mjs";
buildImages();
await buildCli();
const { main } = await import("../dist/vsdk.mjs");
process.exitCode = await main(process.argv.slice(2));
