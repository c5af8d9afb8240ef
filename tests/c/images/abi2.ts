// Well-formed, but from a future major ABI version: a host of ABI 1 must refuse it.
export * from "./base";
export function vsdk_abi_version(): u32 { return 2 << 16; }
