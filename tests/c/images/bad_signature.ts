// Imports a known host function with the wrong signature: refused (E_IMPORT).
export * from "./base";
export function vsdk_abi_version(): u32 { return 1 << 16; }
@external("vsdk", "random")
declare function random3(a: i32, b: i32, c: i32): i32;
export function test_random(): i32 { return random3(0, 0, 0); }
