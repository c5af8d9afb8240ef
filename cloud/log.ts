// Structured logs: one JSON object a line on stderr, so a person can read them and a tool can
// filter them. VSDK_LOG=silent turns them off (tests), VSDK_LOG=debug adds the chatty ones.
export type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(component: string, setting = process.env.VSDK_LOG ?? "info"): Logger {
  const min = setting === "silent" ? 99 : order[setting as Level] ?? 1;
  const emit = (level: Level) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (order[level] < min) return;
    process.stderr.write(JSON.stringify({ t: new Date().toISOString(), level, component, msg, ...fields }) + "\n");
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}
