// Every export of sdk.wasm, in one place: the image's whole surface for hosts. docs/abi.md
// documents each one; hosts check `vsdk_abi_version` before calling anything else.
// Naming: vsdk_<module>_<verb>. Results are counts (>= 0) or error codes (assembly/abi/errors.ts).
import { ABI_VERSION } from "./version";
import { IO_CAPACITY, ioBuffer } from "./io";
import { lastTrapLine, lastTrapColumn } from "./abort";
import { arenaTop } from "../util/arena";
import { g711EncodeChecked, g711DecodeChecked } from "../codec/g711";

export function vsdk_abi_version(): u32 { return ABI_VERSION; }
export function vsdk_io_buffer(): usize { return ioBuffer; }
export function vsdk_io_capacity(): i32 { return IO_CAPACITY; }
export function vsdk_last_trap_line(): u32 { return lastTrapLine(); }
export function vsdk_last_trap_column(): u32 { return lastTrapColumn(); }
// Bytes of linear memory in use: static data plus everything allocated at init (the stub
// runtime never frees, so this is also the high-water mark).
export function vsdk_memory_used(): usize { return arenaTop(); }

// --- media: G.711 (assembly/codec/g711.ts) ---
// law 0 = µ-law (PCMU), 1 = A-law (PCMA); pcm holds 16-bit samples. Returns the count or E_ARG.
export function vsdk_g711_encode(law: i32, pcmPtr: usize, samples: i32, outPtr: usize): i32 { return g711EncodeChecked(law, pcmPtr, samples, outPtr); }
export function vsdk_g711_decode(law: i32, inPtr: usize, count: i32, pcmPtr: usize): i32 { return g711DecodeChecked(law, inPtr, count, pcmPtr); }
// --- media: RTP/RTCP (assembly/rtp/) ---
// --- media: jitter buffer (assembly/jitter/) ---
