// Calls each host import with raw arguments, so tests/c/test_shims.c can drive the shims
// through real wasm3 with good and bad pointers.
export * from "./base";
export function vsdk_abi_version(): u32 { return 1 << 16; }
import {
  host_log, host_clock_ms, host_random, host_tls_connect, host_tls_send, host_tls_recv, host_tls_close,
  host_udp_open, host_udp_send, host_udp_recv, host_udp_close, host_kv_get, host_kv_set, host_kv_delete,
  host_sha256, host_hmac_sha256, host_event, host_opus_encode, host_opus_decode,
} from "../../../assembly/abi/imports";
export function probe_log(level: i32, p: usize, n: i32): void { host_log(level, p, n); }
export function probe_clock_ms(): u32 { return host_clock_ms(); }
export function probe_random(p: usize, n: i32): i32 { return host_random(p, n); }
export function probe_tls_connect(h: usize, hl: i32, port: i32, flags: i32): i32 { return host_tls_connect(h, hl, port, flags); }
export function probe_tls_send(s: i32, p: usize, n: i32): i32 { return host_tls_send(s, p, n); }
export function probe_tls_recv(s: i32, p: usize, n: i32): i32 { return host_tls_recv(s, p, n); }
export function probe_tls_close(s: i32): i32 { return host_tls_close(s); }
export function probe_udp_open(h: usize, hl: i32, port: i32): i32 { return host_udp_open(h, hl, port); }
export function probe_udp_send(s: i32, p: usize, n: i32): i32 { return host_udp_send(s, p, n); }
export function probe_udp_recv(s: i32, p: usize, n: i32): i32 { return host_udp_recv(s, p, n); }
export function probe_udp_close(s: i32): i32 { return host_udp_close(s); }
export function probe_kv_get(k: usize, kl: i32, p: usize, n: i32): i32 { return host_kv_get(k, kl, p, n); }
export function probe_kv_set(k: usize, kl: i32, p: usize, n: i32): i32 { return host_kv_set(k, kl, p, n); }
export function probe_kv_delete(k: usize, kl: i32): i32 { return host_kv_delete(k, kl); }
export function probe_sha256(p: usize, n: i32, out: usize): i32 { return host_sha256(p, n, out); }
export function probe_hmac_sha256(k: usize, kl: i32, p: usize, n: i32, out: usize): i32 { return host_hmac_sha256(k, kl, p, n, out); }
export function probe_event(kind: i32, a: i32, b: i32): void { host_event(kind, a, b); }
export function probe_opus_encode(p: usize, n: i32, rate: i32, out: usize, cap: i32): i32 { return host_opus_encode(p, n, rate, out, cap); }
export function probe_opus_decode(p: usize, n: i32, out: usize, max: i32, fec: i32): i32 { return host_opus_decode(p, n, out, max, fec); }
