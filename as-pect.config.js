// as-pect runs the image's modules' unit tests (tests/as/**/*.spec.ts) on the desktop.
export default {
  entries: ["tests/as/**/*.spec.ts"],
  include: ["tests/as/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    // Host imports the modules under test may reach; tests that need richer behaviour use the
    // Node host (tests/node) instead.
    const vsdk = {
      log: () => {},
      clock_ms: () => 0,
      random: () => -1004,
      opus_encode: () => -1004,
      opus_decode: () => -1004,
    };
    return instantiate(binary, createImports({ env: { memory }, vsdk }));
  },
  outputBinary: false,
};
