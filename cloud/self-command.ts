// How to start this program again as a child process (a room worker, a cloud for a benchmark):
// the bundled CLI when running from dist/vsdk.mjs, the TypeScript sources under tsx otherwise.
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { repoRoot } from "../host-node/paths.js";

export function selfCommand(args: string[]): string[] {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith(".mjs")) {
    const bundle = pathToFileURL(self).href;
    return [process.execPath, "--input-type=module", "-e",
      `const m = await import(${JSON.stringify(bundle)}); process.exitCode = await m.main(${JSON.stringify(args)});`];
  }
  return [process.execPath, "--import", "tsx", join(repoRoot, "cloud", "cli-entry.ts"), ...args];
}
