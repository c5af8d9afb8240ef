// One benchmark part: measures and returns figures (merged into one JSON object by `vsdk bench`)
// plus readable lines. Benchmarks print; they never assert (tests do that).
export interface BenchResult {
  /** Keys merged into the `--json` object, e.g. {sdk_wasm_bytes: 12345}. */
  figures: Record<string, unknown>;
  /** Human-readable lines for the plain report. */
  lines: string[];
}

export interface BenchPart {
  name: string;
  run(options: { quick: boolean }): Promise<BenchResult>;
}
