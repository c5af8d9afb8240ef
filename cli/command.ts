export interface Command {
  summary: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

/** Parses `--name value` and `--flag` options; positional arguments stay in `_`. */
export function parseOptions(argv: string[], flags: string[] = []): { _: string[]; [k: string]: string | boolean | string[] } {
  const out: { _: string[]; [k: string]: string | boolean | string[] } = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) out[key] = a.slice(eq + 1);
      else if (flags.includes(key) || i + 1 >= argv.length || argv[i + 1].startsWith("--")) out[key] = true;
      else out[key] = argv[++i];
    } else out._.push(a);
  }
  return out;
}
