// Loads and starts, then traps in vsdk_device_init (which the host calls right after the start):
// packed as a release, a trial image that fails as it initialises.
export * from "./base";
export function vsdk_abi_version(): u32 { return 1 << 16 | 1; }
export function vsdk_device_init(now: u32): i32 {
  if (now != 0xffffffff) unreachable();
  return 0;
}
