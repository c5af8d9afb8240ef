// Imports a host function no host implements: linked to an E_UNSUPPORTED answer, as in Node.
export * from "./base";
export function vsdk_abi_version(): u32 { return 1 << 16; }
@external("vsdk", "future_thing")
declare function future_thing(a: i32): i32;
export function test_future(): i32 { return future_thing(1); }
