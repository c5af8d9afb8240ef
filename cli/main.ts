// `vsdk` command dispatcher. Each subcommand lives in cli/commands/<name>.ts and is listed once
// in cli/commands/index.ts.
import { commands } from "./commands/index.js";

// Commands whose summary starts with "(internal)" are started by other commands, not by people.
function usage(): string {
  const listed = Object.entries(commands).filter(([, c]) => !c.summary.startsWith("(internal)"));
  const width = Math.max(...listed.map(([n]) => n.length));
  return [
    "usage: vsdk <command> [options]   (vsdk <command> --help for its options)",
    "",
    ...listed.map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`vsdk: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    console.error(`vsdk ${name}: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.VSDK_DEBUG) console.error(err);
    return 1;
  }
}
