// The exports every image must have (runtime/src/engine.c), for the small test images here.
// Each test image re-exports these and changes one thing.
import { lastTrapLine, lastTrapColumn } from "../../../assembly/abi/abort";

const io: usize = memory.data(256, 16);
export function vsdk_io_buffer(): usize { return io; }
export function vsdk_io_capacity(): i32 { return 256; }
export function vsdk_last_trap_line(): u32 { return lastTrapLine(); }
export function vsdk_last_trap_column(): u32 { return lastTrapColumn(); }
export function vsdk_memory_used(): usize { return __heap_base; }
