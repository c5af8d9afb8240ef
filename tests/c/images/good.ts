// A valid image: ABI 1.0, and an export that traps through the image's own abort on demand.
export * from "./base";
export function vsdk_abi_version(): u32 { return 1 << 16; }
let calls: i32 = 0;
export function test_count(): i32 { return ++calls; }
export function test_trap(fail: i32): i32 {
  assert(fail == 0, "asked to fail");
  return 7;
}
