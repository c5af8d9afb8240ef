// Our own abort: wasm3 hosts do not have to link `env.abort`, so a failed assertion or bounds
// check records where it happened and traps. The host reads the place back through
// `vsdk_last_trap_line`/`_column` after the trap. Nothing on the hot path is meant to reach it:
// bad input returns an error code instead.
let trapLine: u32 = 0;
let trapColumn: u32 = 0;

// eslint-disable-next-line @typescript-eslint/no-unused-vars
export function onAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  trapLine = line;
  trapColumn = column;
  unreachable();
}

export function lastTrapLine(): u32 { return trapLine; }
export function lastTrapColumn(): u32 { return trapColumn; }
