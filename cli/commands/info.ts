import type { Command } from "../command.js";
import { Image } from "../../host-node/image.js";
import { statSync } from "node:fs";
import { DEFAULT_IMAGE } from "../../host-node/image.js";

export const info: Command = {
  summary: "print the built image's ABI version, size and memory in use",
  async run() {
    const image = Image.load();
    const abi = image.exports.vsdk_abi_version();
    console.log(JSON.stringify({
      image: DEFAULT_IMAGE,
      abi: `${abi >>> 16}.${abi & 0xffff}`,
      bytes: statSync(DEFAULT_IMAGE).size,
      linear_memory_bytes: image.exports.vsdk_memory_used(),
      exports: WebAssembly.Module.exports(image.module).map((e) => e.name),
      imports: WebAssembly.Module.imports(image.module).map((e) => `${e.module}.${e.name}`),
    }, null, 2));
    return 0;
  },
};
