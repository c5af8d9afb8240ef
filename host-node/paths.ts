import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// The repository root, whether this runs from dist/vsdk.mjs or from sources under tsx.
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the vsdk repository root");
    dir = parent;
  }
  return dir;
}

export const repoRoot = findRoot();
