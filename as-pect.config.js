// as-pect runs the image's modules' unit tests (tests/as/**/*.spec.ts) on the desktop.
export default {
  // tools/test.mjs passes a name filter through VSDK_AS_FILTER (as-pect has no file option).
  entries: [`tests/as/**/*${process.env.VSDK_AS_FILTER ?? ""}*.spec.ts`],
  include: ["tests/as/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    // Every vsdk.* host import the modules under test may reference: tests that need real host
    // behaviour use the Node host (tests/node) instead; here each import answers E_UNSUPPORTED,
    // except the few a unit test can use as they are.
    const fixed = { log: () => {}, clock_ms: () => 0 };
    const vsdk = new Proxy(fixed, { get: (t, name) => t[name] ?? (() => -1004) });
    return instantiate(binary, createImports({ env: { memory }, vsdk }));
  },
  outputBinary: false,
};
