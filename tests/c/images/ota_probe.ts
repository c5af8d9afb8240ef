// Drives the five OTA imports with raw arguments, so tests/c/test_ota.c can download, stage,
// switch, confirm and read the status through real wasm3 exactly as the image would; and traps
// or raises EVENT_OTA_READY on demand. Packed as a release, it is also the image on trial.
export * from "./base";
export function vsdk_abi_version(): u32 { return 1 << 16 | 1; }
import {
  host_kv_get, host_kv_set, host_kv_delete, host_event, host_ota_begin, host_ota_write, host_ota_finish, host_ota_confirm, host_ota_status,
} from "../../../assembly/abi/imports";
export function probe_ota_begin(id: usize, idLen: i32, size: i32): i32 { return host_ota_begin(id, idLen, size); }
export function probe_ota_write(offset: i32, p: usize, n: i32): i32 { return host_ota_write(offset, p, n); }
export function probe_ota_finish(): i32 { return host_ota_finish(); }
export function probe_ota_confirm(): i32 { return host_ota_confirm(); }
export function probe_ota_status(p: usize, cap: i32): i32 { return host_ota_status(p, cap); }
export function probe_kv_get(k: usize, kl: i32, p: usize, n: i32): i32 { return host_kv_get(k, kl, p, n); }
export function probe_kv_set(k: usize, kl: i32, p: usize, n: i32): i32 { return host_kv_set(k, kl, p, n); }
export function probe_kv_delete(k: usize, kl: i32): i32 { return host_kv_delete(k, kl); }
export function probe_ota_ready(): void { host_event(10, 0, 0); }
export function probe_trap(): void { unreachable(); }
let calls: i32 = 0;
export function test_count(): i32 { return ++calls; }
// What ota_status said while this instance started (its start function runs inside the host's
// switch): the host must already report the new version and the trial then.
const bootStatus = memory.data(16, 4);
host_ota_status(bootStatus, 16);
export function probe_boot_running(): u32 { return load<u32>(bootStatus); }
export function probe_boot_flags(): u32 { return load<u32>(bootStatus, 8); }
