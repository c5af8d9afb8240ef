// Runs the `vsdk` command from sources (tsx), for child processes started while developing and
// testing; the bundled dist/vsdk.mjs is the normal way in.
import { main } from "../cli/main.js";
process.exitCode = await main(process.argv.slice(2));
