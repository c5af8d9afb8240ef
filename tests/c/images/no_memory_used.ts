// Lacks one required export (vsdk_memory_used).
import { lastTrapLine, lastTrapColumn } from "../../../assembly/abi/abort";
const io: usize = memory.data(256, 16);
export function vsdk_abi_version(): u32 { return 1 << 16; }
export function vsdk_io_buffer(): usize { return io; }
export function vsdk_io_capacity(): i32 { return 256; }
export function vsdk_last_trap_line(): u32 { return lastTrapLine(); }
export function vsdk_last_trap_column(): u32 { return lastTrapColumn(); }
