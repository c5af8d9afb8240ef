// Uses floating point: a float-free wasm3 build cannot run it.
export * from "./base";
export function vsdk_abi_version(): u32 { return 1 << 16; }
export function test_half(x: i32): i32 { return <i32>(<f64>x * 0.5); }
