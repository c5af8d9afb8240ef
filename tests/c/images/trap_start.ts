// Traps while starting (top-level code runs in the start function): refused at load.
export * from "./base";
export function vsdk_abi_version(): u32 { return 1 << 16; }
let ready: i32 = 0;
if (ready == 0) unreachable();
