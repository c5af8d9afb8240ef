// Splits an absolute http(s) URL into what a connection needs: TLS or not, host, port and the
// path prefix. No allocation: the parts are spans of the input. IPv6 literals and user info are
// refused (a device's cloud is a name or an IPv4 address).
import { OK, E_MALFORMED, E_UNSUPPORTED, E_ARG } from "../abi/errors";

@unmanaged
export class Url {
  tls: bool = false;
  hostPtr: usize = 0;
  hostLen: i32 = 0;
  port: i32 = 0;
  pathPtr: usize = 0;
  pathLen: i32 = 0;
}

function hasPrefix(p: usize, n: i32, s: string): bool {
  if (n < s.length) return false;
  for (let i = 0; i < s.length; i++) {
    let c = <i32>load<u8>(p + <usize>i);
    if (c >= 0x41 && c <= 0x5a) c += 32;
    if (c != s.charCodeAt(i)) return false;
  }
  return true;
}

@inline function isHostChar(c: i32): bool {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x2e || c == 0x5f;
}

// Parses the n bytes at p into url. Returns OK, E_ARG, E_UNSUPPORTED (a scheme other than http
// or https) or E_MALFORMED. A missing port is 443 for https and 80 for http; a missing path is "".
export function parseUrl(p: usize, n: i32, url: Url): i32 {
  if (n <= 0 || n > 512) return E_ARG;
  let i: i32 = 0;
  if (hasPrefix(p, n, "https://")) { url.tls = true; i = 8; }
  else if (hasPrefix(p, n, "http://")) { url.tls = false; i = 7; }
  else return E_UNSUPPORTED;
  const hostStart = i;
  while (i < n && isHostChar(load<u8>(p + <usize>i))) i++;
  const hostLen = i - hostStart;
  if (hostLen == 0 || hostLen > 253) return E_MALFORMED;
  let port: i32 = url.tls ? 443 : 80;
  if (i < n && load<u8>(p + <usize>i) == 0x3a) {
    i++;
    port = 0;
    let digits: i32 = 0;
    while (i < n) {
      const c = <i32>load<u8>(p + <usize>i);
      if (c < 0x30 || c > 0x39) break;
      port = port * 10 + (c - 0x30);
      if (++digits > 5) return E_MALFORMED;
      i++;
    }
    if (digits == 0 || port < 1 || port > 65535) return E_MALFORMED;
  }
  if (i < n && load<u8>(p + <usize>i) != 0x2f) return E_MALFORMED;
  // Trailing slashes are dropped so "base" + "/v1/..." never doubles them.
  let pathEnd = n;
  while (pathEnd > i && load<u8>(p + <usize>(pathEnd - 1)) == 0x2f) pathEnd--;
  for (let j = i; j < pathEnd; j++) {
    const c = <i32>load<u8>(p + <usize>j);
    if (c <= 0x20 || c >= 0x7f || c == 0x3f || c == 0x23) return E_MALFORMED;
  }
  url.hostPtr = p + <usize>hostStart;
  url.hostLen = hostLen;
  url.port = port;
  url.pathPtr = p + <usize>i;
  url.pathLen = pathEnd - i;
  return OK;
}
