// Signed OTA packages (docs/ota.md): a round trip of the real image, the signature checked by
// OpenSSL (an implementation independent of node:crypto's callers here, and the same DER/SHA-256
// convention mbedTLS takes), and every refusal giving its own code while the same package
// without that one fault is accepted. Then `vsdk release` as a process from the bundle.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash, type KeyObject } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../../host-node/paths.js";
import { DEFAULT_IMAGE, Image } from "../../host-node/image.js";
import { E_AUTH, E_MALFORMED, E_NOSPACE, E_STATE, E_STORAGE_CORRUPT, E_TRUNCATED, E_UNSUPPORTED } from "../../host-node/errors.js";
import { HEADER_BYTES, pack, unpack } from "../../ota/package.js";
import { OtaRefusal } from "../../ota/refusal.js";
import { acceptPackage, type DevicePolicy } from "../../ota/rules.js";
import { generateKeyPair, keyId, loadPrivateKey, loadPublicKey, signBytes } from "../../ota/sign.js";
import { packVersion } from "../../ota/version.js";
import { compileOracle } from "../../tools/oracles/oracles.js";

const dir = mkdtempSync(join(tmpdir(), "vsdk-ota-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const pairA = generateKeyPair();
const pairB = generateKeyPair();
const privA = loadPrivateKey(pairA.privatePem), pubA = loadPublicKey(pairA.publicPem);
const privB = loadPrivateKey(pairB.privatePem), pubB = loadPublicKey(pairB.publicPem);
const ABI_1_2 = (1 << 16) | 2;

function packWith(image: Uint8Array, opts: { key?: KeyObject; claimKey?: KeyObject; version?: string; abi?: number; minRuntime?: string } = {}): Uint8Array {
  const key = opts.key ?? privA;
  return pack({
    image,
    abiVersion: opts.abi ?? ABI_1_2,
    imageVersion: packVersion(opts.version ?? "1.4.0"),
    minRuntimeVersion: packVersion(opts.minRuntime ?? "0.0.0"),
    keyId: keyId(opts.claimKey ?? key),
    sign: (m) => signBytes(key, m),
  });
}

/** The refusal code of acceptPackage, or 0 when accepted; the input must come back untouched. */
function verdict(bytes: Uint8Array, policy: Partial<DevicePolicy> = {}): number {
  const before = Buffer.from(bytes);
  try {
    acceptPackage(bytes, { publicKey: pubA, ...policy });
    return 0;
  } catch (err) {
    if (!(err instanceof OtaRefusal)) throw err;
    return err.code;
  } finally {
    assert.ok(before.equals(bytes), "the verifier must not change its input");
  }
}

const small = Uint8Array.from({ length: 40 }, (_, i) => (i * 37 + 11) & 0xff);
const smallPkg = packWith(small);
const imageAt = smallPkg.length - small.length;

test("round trip of build/sdk.wasm: the image, its hash and the image's own ABI come back", () => {
  const image = new Uint8Array(readFileSync(DEFAULT_IMAGE));
  const abi = Image.load({}, DEFAULT_IMAGE).exports.vsdk_abi_version() >>> 0;
  const bytes = packWith(image, { abi, version: "2.10.7" });
  const pkg = acceptPackage(bytes, { publicKey: pubA, runningAbi: abi, maxImageBytes: image.length });
  assert.ok(Buffer.from(pkg.image).equals(image));
  assert.equal(pkg.header.abiVersion, abi);
  assert.equal(pkg.header.imageVersion, packVersion("2.10.7"));
  assert.equal(Buffer.from(pkg.header.sha256).toString("hex"), createHash("sha256").update(image).digest("hex"));
});

test("the manifest is canonical JSON: sorted keys, no whitespace, and says what the header says", () => {
  const pkg = unpack(smallPkg);
  const text = new TextDecoder().decode(pkg.manifest);
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const keys = Object.keys(parsed);
  assert.deepEqual(keys, [...keys].sort());
  assert.equal(JSON.stringify(parsed), text, "no whitespace, shortest form");
  assert.deepEqual(parsed, {
    abi_version: ABI_1_2, format: 1, image_version: "1.4.0", key_id: createHash("sha256").update(pubA.export({ type: "spki", format: "der" })).digest("hex").slice(0, 16),
    min_runtime_version: "0.0.0", sha256: createHash("sha256").update(small).digest("hex"), size: small.length,
  });
});

function openssl(args: string[]): { status: number | null; out: string } {
  const r = spawnSync("openssl", args, { encoding: "utf8" });
  if (r.error) throw r.error;
  return { status: r.status, out: r.stdout + r.stderr };
}

test("openssl verifies our signature over the canonical manifest, and rejects it over a changed one", () => {
  const pkg = unpack(smallPkg);
  writeFileSync(join(dir, "a.pub.pem"), pairA.publicPem);
  writeFileSync(join(dir, "manifest.json"), pkg.manifest);
  writeFileSync(join(dir, "sig.der"), pkg.signature);
  const ok = openssl(["dgst", "-sha256", "-verify", join(dir, "a.pub.pem"), "-signature", join(dir, "sig.der"), join(dir, "manifest.json")]);
  assert.equal(ok.status, 0, ok.out);
  assert.match(ok.out, /Verified OK/);
  const changed = Buffer.from(pkg.manifest);
  changed[changed.length - 2] ^= 1;
  writeFileSync(join(dir, "changed.json"), changed);
  const bad = openssl(["dgst", "-sha256", "-verify", join(dir, "a.pub.pem"), "-signature", join(dir, "sig.der"), join(dir, "changed.json")]);
  assert.notEqual(bad.status, 0, bad.out);
});

test("a package signed by openssl with a key openssl generated is accepted", () => {
  const priv = join(dir, "ossl.pem"), pub = join(dir, "ossl.pub.pem");
  assert.equal(openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", priv]).status, 0);
  assert.equal(openssl(["ec", "-in", priv, "-pubout", "-out", pub]).status, 0);
  const publicKey = loadPublicKey(readFileSync(pub, "utf8"));
  const bytes = pack({
    image: small, abiVersion: ABI_1_2, imageVersion: packVersion("1.0.0"), minRuntimeVersion: 0, keyId: keyId(publicKey),
    sign: (m) => {
      writeFileSync(join(dir, "m.json"), m);
      const r = openssl(["dgst", "-sha256", "-sign", priv, "-out", join(dir, "m.sig"), join(dir, "m.json")]);
      assert.equal(r.status, 0, r.out);
      return new Uint8Array(readFileSync(join(dir, "m.sig")));
    },
  });
  assert.ok(Buffer.from(acceptPackage(bytes, { publicKey }).image).equals(small));
});

test("bad signature: E_AUTH", () => {
  assert.equal(verdict(smallPkg), 0);
  const sigAt = HEADER_BYTES + unpack(smallPkg).header.manifestLength;
  const sigLen = unpack(smallPkg).header.signatureLength;
  const bad = smallPkg.slice();
  bad[sigAt + sigLen - 1] ^= 0x01; // still DER, wrong value
  assert.equal(verdict(bad), E_AUTH);
  const garbage = smallPkg.slice();
  garbage[sigAt] ^= 0xff; // not even DER
  assert.equal(verdict(garbage), E_AUTH);
});

test("wrong key: E_AUTH, whether or not the package claims the trusted key's id", () => {
  assert.equal(verdict(packWith(small, { key: privB })), E_AUTH);
  assert.equal(verdict(packWith(small, { key: privB }), { publicKey: pubB }), 0);
  assert.equal(verdict(packWith(small, { key: privB, claimKey: privA })), E_AUTH);
});

test("hash mismatch (image changed after signing): E_STORAGE_CORRUPT", () => {
  for (const at of [0, small.length >> 1, small.length - 1]) {
    const bad = smallPkg.slice();
    bad[imageAt + at] ^= 0x80;
    assert.equal(verdict(bad), E_STORAGE_CORRUPT, `byte ${at}`);
  }
});

test("ABI: same major with at least the runtime's minor is accepted, anything else E_UNSUPPORTED", () => {
  assert.equal(verdict(smallPkg, { runningAbi: (1 << 16) | 2 }), 0);
  assert.equal(verdict(smallPkg, { runningAbi: (1 << 16) | 0 }), 0);
  assert.equal(verdict(smallPkg, { runningAbi: (1 << 16) | 3 }), E_UNSUPPORTED);
  assert.equal(verdict(smallPkg, { runningAbi: (2 << 16) | 2 }), E_UNSUPPORTED);
  assert.equal(verdict(smallPkg, { runningAbi: 0 }), E_UNSUPPORTED);
  const needsNewRuntime = packWith(small, { minRuntime: "3.1.0" });
  assert.equal(verdict(needsNewRuntime, { runtimeVersion: packVersion("3.0.9") }), E_UNSUPPORTED);
  assert.equal(verdict(needsNewRuntime, { runtimeVersion: packVersion("3.1.0") }), 0);
});

test("downgrade below the last confirmed version: E_STATE; the same or newer is accepted", () => {
  const at = (v: string, last: string) => verdict(packWith(small, { version: v }), { lastConfirmedVersion: packVersion(last) });
  assert.equal(at("1.4.0", "1.4.1"), E_STATE);
  assert.equal(at("1.9.9", "1.10.0"), E_STATE, "numeric, not string, order");
  assert.equal(at("1.255.65535", "2.0.0"), E_STATE);
  assert.equal(at("1.4.0", "1.4.0"), 0);
  assert.equal(at("1.10.0", "1.9.65535"), 0);
  assert.equal(at("255.255.65535", "255.255.65534"), 0);
});

test("versions: only MAJOR.MINOR.PATCH in range packs", () => {
  for (const bad of ["1.2", "1.2.3.4", "01.2.3", "1.2.-3", "1.2.3-rc1", " 1.2.3", "256.0.0", "0.256.0", "0.0.65536", ""]) {
    assert.throws(() => packVersion(bad), /version/, bad);
  }
  assert.ok(packVersion("0.0.1") < packVersion("0.1.0") && packVersion("0.255.65535") < packVersion("1.0.0"));
});

test("truncated at every length: E_TRUNCATED", () => {
  for (let n = 0; n < smallPkg.length; n++) assert.equal(verdict(smallPkg.subarray(0, n)), E_TRUNCATED, `${n} bytes`);
});

test("oversize image: E_NOSPACE, already from the header alone", () => {
  assert.equal(verdict(smallPkg, { maxImageBytes: small.length }), 0);
  assert.equal(verdict(smallPkg, { maxImageBytes: small.length - 1 }), E_NOSPACE);
  assert.equal(verdict(smallPkg.subarray(0, HEADER_BYTES), { maxImageBytes: small.length - 1 }), E_NOSPACE);
});

test("structure: bad magic, a header field changed, trailing bytes, unknown format", () => {
  const badMagic = smallPkg.slice(); badMagic[0] ^= 1;
  assert.equal(verdict(badMagic), E_MALFORMED);
  const newerVersion = smallPkg.slice(); newerVersion[12] ^= 1; // image_version no longer matches the signed manifest
  assert.equal(verdict(newerVersion), E_MALFORMED);
  const reserved = smallPkg.slice(); reserved[70] = 1;
  assert.equal(verdict(reserved), E_MALFORMED);
  const trailing = new Uint8Array(smallPkg.length + 1); trailing.set(smallPkg);
  assert.equal(verdict(trailing), E_MALFORMED);
  const format2 = smallPkg.slice(); format2[4] = 2;
  assert.equal(verdict(format2), E_UNSUPPORTED);
});

test("a C verifier over mbedTLS (tools/oracles/ota_verify_mbedtls.c) reaches the same verdict on every case", () => {
  const exe = compileOracle("ota_verify_mbedtls.c", ["-lmbedcrypto"]);
  writeFileSync(join(dir, "a.pub.pem"), pairA.publicPem);
  const cVerdict = (bytes: Uint8Array): number => {
    writeFileSync(join(dir, "case.vota"), bytes);
    const r = spawnSync(exe, [join(dir, "a.pub.pem"), join(dir, "case.vota")], { encoding: "utf8" });
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    return r.stdout.trim() === "accepted" ? 0 : Number(/^refused (-\d+)$/.exec(r.stdout.trim())?.[1]);
  };
  const flip = (at: number, bit = 1) => { const b = smallPkg.slice(); b[at] ^= bit; return b; };
  const sigAt = HEADER_BYTES + unpack(smallPkg).header.manifestLength;
  const cases: [string, Uint8Array, number][] = [
    ["good", smallPkg, 0],
    ["real image", packWith(new Uint8Array(readFileSync(DEFAULT_IMAGE)), { version: "3.0.1" }), 0],
    ["bad signature", flip(sigAt + unpack(smallPkg).header.signatureLength - 1), E_AUTH],
    ["wrong key", packWith(small, { key: privB }), E_AUTH],
    ["wrong key claiming the trusted id", packWith(small, { key: privB, claimKey: privA }), E_AUTH],
    ["image changed", flip(imageAt + 3, 0x40), E_STORAGE_CORRUPT],
    ["header version changed", flip(12), E_MALFORMED],
    ["manifest changed", flip(HEADER_BYTES + 5), E_MALFORMED],
    ["bad magic", flip(1), E_MALFORMED],
    ["format 2", flip(4, 3), E_UNSUPPORTED],
    ["trailing byte", Uint8Array.from([...smallPkg, 0]), E_MALFORMED],
  ];
  for (let n = 0; n < smallPkg.length; n += 1) cases.push([`truncated to ${n}`, smallPkg.slice(0, n), E_TRUNCATED]);
  for (const [name, bytes, expected] of cases) {
    assert.equal(verdict(bytes, { maxImageBytes: 1 << 20 }), expected, `TypeScript: ${name}`);
    assert.equal(cVerdict(bytes), expected, `C/mbedTLS: ${name}`);
  }
});

// `vsdk release` as people run it, from the bundle `npm test` builds.
const bundle = pathToFileURL(join(repoRoot, "dist", "vsdk.mjs")).href;
function vsdk(args: string[]) {
  const code = `const m = await import(${JSON.stringify(bundle)}); process.exitCode = await m.main(${JSON.stringify(args)});`;
  return spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: repoRoot, encoding: "utf8" });
}

test("vsdk release keygen, pack, show, verify", () => {
  const keys = join(dir, "keys");
  const kg = vsdk(["release", "keygen", "--out", keys]);
  assert.equal(kg.status, 0, kg.stderr);
  assert.equal(statSync(join(keys, "release-key.pem")).mode & 0o777, 0o600);
  assert.notEqual(vsdk(["release", "keygen", "--out", keys]).status, 0, "never overwrites a key");
  const inRepo = vsdk(["release", "keygen", "--out", join(repoRoot, "ota-test-keys")]);
  assert.equal(inRepo.status, 2);
  assert.match(inRepo.stderr, /inside the repository/);
  symlinkSync(repoRoot, join(dir, "link-to-repo"));
  const viaLink = vsdk(["release", "keygen", "--out", join(dir, "link-to-repo", "keys")]);
  assert.equal(viaLink.status, 2, "a symlink into the repository is still the repository");
  assert.ok(!existsSync(join(repoRoot, "keys", "release-key.pem")));

  const out = join(dir, "r.vota");
  const p = vsdk(["release", "pack", "--version", "1.2.3", "--key", join(keys, "release-key.pem"), "--out", out]);
  assert.equal(p.status, 0, p.stderr);
  const shown = JSON.parse(vsdk(["release", "show", out]).stdout) as Record<string, unknown>;
  assert.equal(shown.image_version, "1.2.3");
  assert.equal(shown.sha256, createHash("sha256").update(readFileSync(DEFAULT_IMAGE)).digest("hex"));

  const pub = join(keys, "release-key.pub.pem");
  const ok = vsdk(["release", "verify", out, "--pub", pub, "--running-abi", "1.0", "--last-confirmed", "1.2.3"]);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^accepted /);
  const down = vsdk(["release", "verify", out, "--pub", pub, "--last-confirmed", "1.2.4"]);
  assert.equal(down.status, 1);
  assert.match(down.stdout, new RegExp(`^refused ${E_STATE} E_STATE`));
  writeFileSync(join(dir, "other.pub.pem"), pairB.publicPem);
  const wrong = vsdk(["release", "verify", out, "--pub", join(dir, "other.pub.pem")]);
  assert.match(wrong.stdout, new RegExp(`^refused ${E_AUTH} E_AUTH`));
  assert.match(vsdk(["release", "--help"]).stdout, /keygen --out DIR/);
});
