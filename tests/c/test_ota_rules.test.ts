// The C runtime's package verifier agrees with ota/rules.ts (the release tool's rules, in
// TypeScript over Node's crypto) on every one-bit change and every truncation of a real
// package: the same refusal code each time, and both accept the package itself. The C side is
// tests/c/test_ota_rules.c (runtime/src/ota_package.c with the key compiled in, mbedTLS).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../host-node/paths.js";
import { acceptPackage } from "../../ota/rules.js";
import { OtaRefusal } from "../../ota/refusal.js";
import { packVersion } from "../../ota/version.js";

const native = join(repoRoot, "build", "native");
const binary = process.env.VSDK_OTA_RULES ?? join(native, "tests", "c", "test_ota_rules");
const packageFile = process.env.VSDK_OTA_PACKAGE ?? join(native, "tests", "c", "ota-packages", "probe-1.1.0.vota");
const publicKey = createPublicKey(readFileSync(process.env.VSDK_OTA_DEV_PUB ?? join(native, "ota-dev-key", "release-key.pub.pem")));
const SLOT_BYTES = 256 * 1024 + 1024; // VSDK_POSIX_SLOT_BYTES

/** ota/rules.ts's code for bytes, as the C device is set up: runtime 1.1.0, ABI 1.0, nothing confirmed. */
function tsCode(bytes: Uint8Array): number {
  // The C device's slot holds header + manifest + signature + image; rules.ts bounds the image.
  const framing = bytes.length >= 68 ? 72 + (bytes[64] | (bytes[65] << 8)) + (bytes[66] | (bytes[67] << 8)) : 72;
  try {
    acceptPackage(bytes, { publicKey, maxImageBytes: SLOT_BYTES - framing, runningAbi: 1 << 16,
      runtimeVersion: packVersion("1.1.0"), lastConfirmedVersion: 0 });
    return 0;
  } catch (e) {
    if (e instanceof OtaRefusal) return e.code;
    throw e;
  }
}

test("the C runtime's verifier and ota/rules.ts give the same verdict on every bit flip and truncation", () => {
  const pkg = new Uint8Array(readFileSync(packageFile));
  const lines = execFileSync(binary, [packageFile], { encoding: "utf8", maxBuffer: 1 << 24 }).trim().split("\n");
  const mismatches: string[] = [];
  const seen = new Map<number, number>();
  let compared = 0;
  for (const line of lines) {
    const parts = line.split(" ");
    const c = Number(parts[parts.length - 1]);
    let variant: Uint8Array;
    if (parts[0] === "flip") {
      const i = Number(parts[1]);
      variant = pkg.slice();
      variant[i] ^= 1 << (i % 8);
    } else if (parts[0] === "cut") variant = pkg.slice(0, Number(parts[1]));
    else if (parts[0] === "extra") variant = Uint8Array.from([...pkg, 0]);
    else variant = pkg;
    const ts = tsCode(variant);
    compared++;
    seen.set(ts, (seen.get(ts) ?? 0) + 1);
    if (ts !== c) mismatches.push(`${line}: ota/rules.ts says ${ts}`);
  }
  assert.equal(compared, 2 * pkg.length + 2);
  assert.deepEqual(mismatches, []);
  assert.equal(lines[lines.length - 1], "whole 0", "the package itself is accepted");
  // Every kind of verdict the table can give here was reached at least once.
  for (const code of [0, -1002, -1003, -1004, -1005, -1011, -1012]) assert.ok(seen.has(code), `no variant gave ${code}`);
});
