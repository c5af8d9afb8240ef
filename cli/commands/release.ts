// `vsdk release keygen|pack|verify|show`: signed over-the-air packages of build/sdk.wasm
// (docs/ota.md). The private key stays outside the repository; devices hold only the public key.
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { Command } from "../command.js";
import { parseOptions } from "../command.js";
import { repoRoot } from "../../host-node/paths.js";
import { DEFAULT_IMAGE, Image } from "../../host-node/image.js";
import { DEFAULT_MAX_IMAGE_BYTES, pack, unpack } from "../../ota/package.js";
import { OtaRefusal } from "../../ota/refusal.js";
import { acceptPackage, type DevicePolicy } from "../../ota/rules.js";
import { generateKeyPair, keyId, loadPrivateKey, loadPublicKey, signBytes } from "../../ota/sign.js";
import { formatAbi, packVersion, parseAbi, unpackVersion } from "../../ota/version.js";

export const PRIVATE_KEY_FILE = "release-key.pem";
export const PUBLIC_KEY_FILE = "release-key.pub.pem";

const HELP = `usage: vsdk release <verb> ...   signed OTA packages of the image (docs/ota.md)

  keygen --out DIR [--force]
      Writes an ECDSA P-256 key pair: DIR/${PRIVATE_KEY_FILE} (mode 0600) and
      DIR/${PUBLIC_KEY_FILE} (built into device runtimes). Refuses a DIR inside the
      repository (private keys never go into git) unless --force, and never overwrites a key.
  pack --version V --key KEY --out FILE [--image build/sdk.wasm] [--abi A]
       [--min-runtime V] [--max-size BYTES]
      Packs and signs the image. V is MAJOR.MINOR.PATCH (MAJOR, MINOR <= 255, PATCH <= 65535).
      The ABI version is read from the image (vsdk_abi_version) unless --abi MAJOR.MINOR.
  verify FILE --pub PUB [--running-abi MAJOR.MINOR] [--runtime-version V]
         [--last-confirmed V] [--max-size BYTES]
      Runs the device's acceptance checks. Exit 0 and "accepted", or exit 1 and
      "refused <code> <name>: <reason>". Checks whose option is absent are skipped.
  show FILE
      Prints the header and manifest as JSON (does not check the signature).

Sizes default to a ${DEFAULT_MAX_IMAGE_BYTES}-byte slot.`;

/** Whether DIR (existing or not) lies in ROOT once symlinks are followed, so a link cannot smuggle a key in. */
function inside(dir: string, root: string): boolean {
  let existing = resolve(dir);
  const rest: string[] = [];
  while (!existsSync(existing)) {
    rest.unshift(basename(existing));
    existing = dirname(existing);
  }
  const rel = relative(realpathSync(root), join(realpathSync(existing), ...rest));
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

function str(o: Record<string, unknown>, key: string): string | undefined {
  return typeof o[key] === "string" ? (o[key] as string) : undefined;
}

function maxSize(o: Record<string, unknown>): number {
  const text = str(o, "max-size");
  if (text === undefined) return DEFAULT_MAX_IMAGE_BYTES;
  if (!/^[1-9][0-9]{0,9}$/.test(text)) throw new Error(`--max-size '${text}' is not a positive byte count`);
  return Number(text);
}

function keygen(o: Record<string, unknown>): number {
  const out = str(o, "out");
  if (!out) { console.error(HELP); return 2; }
  if (inside(out, repoRoot) && o.force !== true) {
    console.error(`vsdk release keygen: ${out} is inside the repository; private keys must not be committed (use a directory outside it, or --force)`);
    return 2;
  }
  const priv = join(out, PRIVATE_KEY_FILE), pub = join(out, PUBLIC_KEY_FILE);
  for (const f of [priv, pub]) {
    if (existsSync(f)) { console.error(`vsdk release keygen: ${f} exists; not overwriting a key`); return 2; }
  }
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const pair = generateKeyPair();
  writeFileSync(priv, pair.privatePem, { mode: 0o600, flag: "wx" });
  chmodSync(priv, 0o600); // the umask can only narrow the mode; this pins it whatever the umask
  writeFileSync(pub, pair.publicPem, { mode: 0o644, flag: "wx" });
  console.log(JSON.stringify({ private_key: priv, public_key: pub, key_id: Buffer.from(keyId(loadPublicKey(pair.publicPem))).toString("hex") }));
  return 0;
}

function packCommand(o: Record<string, unknown>): number {
  const version = str(o, "version"), key = str(o, "key"), out = str(o, "out");
  if (!version || !key || !out) { console.error(HELP); return 2; }
  const imagePath = str(o, "image") ?? DEFAULT_IMAGE;
  const image = new Uint8Array(readFileSync(imagePath));
  const limit = maxSize(o);
  if (image.length > limit) throw new Error(`${imagePath}: ${image.length} bytes exceed the ${limit}-byte slot`);
  const abiText = str(o, "abi");
  const abiVersion = abiText !== undefined ? parseAbi(abiText) : Image.load({}, imagePath).exports.vsdk_abi_version() >>> 0;
  const privateKey = loadPrivateKey(readFileSync(key, "utf8"));
  const bytes = pack({
    image,
    abiVersion,
    imageVersion: packVersion(version),
    minRuntimeVersion: packVersion(str(o, "min-runtime") ?? "0.0.0"),
    keyId: keyId(privateKey),
    sign: (manifest) => signBytes(privateKey, manifest),
  });
  writeFileSync(out, bytes);
  console.log(JSON.stringify({ out, bytes: bytes.length, image_bytes: image.length, image_version: version, abi_version: formatAbi(abiVersion) }));
  return 0;
}

function verifyCommand(o: Record<string, unknown> & { _: string[] }): number {
  const file = o._[1], pub = str(o, "pub");
  if (!file || !pub) { console.error(HELP); return 2; }
  const policy: DevicePolicy = { publicKey: loadPublicKey(readFileSync(pub, "utf8")), maxImageBytes: maxSize(o) };
  const running = str(o, "running-abi"), runtime = str(o, "runtime-version"), last = str(o, "last-confirmed");
  if (running !== undefined) policy.runningAbi = parseAbi(running);
  if (runtime !== undefined) policy.runtimeVersion = packVersion(runtime);
  if (last !== undefined) policy.lastConfirmedVersion = packVersion(last);
  try {
    const pkg = acceptPackage(new Uint8Array(readFileSync(file)), policy);
    console.log(`accepted ${file}: image ${unpackVersion(pkg.header.imageVersion)}, ABI ${formatAbi(pkg.header.abiVersion)}, ${pkg.header.imageSize} bytes`);
    return 0;
  } catch (err) {
    if (!(err instanceof OtaRefusal)) throw err;
    console.log(`refused ${err.code} ${err.message}`);
    return 1;
  }
}

function showCommand(o: { _: string[] }): number {
  const file = o._[1];
  if (!file) { console.error(HELP); return 2; }
  try {
    const pkg = unpack(new Uint8Array(readFileSync(file)), 0xffffffff);
    const h = pkg.header;
    console.log(JSON.stringify({
      image_version: unpackVersion(h.imageVersion),
      abi_version: formatAbi(h.abiVersion),
      min_runtime_version: unpackVersion(h.minRuntimeVersion),
      size: h.imageSize,
      sha256: Buffer.from(h.sha256).toString("hex"),
      key_id: Buffer.from(h.keyId).toString("hex"),
      signature_bytes: h.signatureLength,
      manifest: new TextDecoder().decode(pkg.manifest),
    }, null, 2));
    return 0;
  } catch (err) {
    if (!(err instanceof OtaRefusal)) throw err;
    console.error(`vsdk release show: ${file}: ${err.message}`);
    return 1;
  }
}

export const release: Command = {
  summary: "make, sign, verify and inspect over-the-air image packages (keygen|pack|verify|show)",
  async run(argv) {
    const o = parseOptions(argv, ["help", "force"]);
    if (o.help) { console.log(HELP); return 0; }
    switch (o._[0]) {
      case "keygen": return keygen(o);
      case "pack": return packCommand(o);
      case "verify": return verifyCommand(o);
      case "show": return showCommand(o);
      default: console.error(HELP); return 2;
    }
  },
};
