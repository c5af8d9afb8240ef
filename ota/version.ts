// Image and runtime versions: "MAJOR.MINOR.PATCH", packed into one u32 so a C verifier compares
// them with `<` (MAJOR and MINOR 0..255, PATCH 0..65535; numeric order of the packed value is
// the component-by-component order). No pre-release tags: a device must order versions without
// a string library.
export const MAX_MAJOR = 255;
export const MAX_MINOR = 255;
export const MAX_PATCH = 65535;

const COMPONENT = /^(0|[1-9][0-9]{0,4})$/;

/** Packs "MAJOR.MINOR.PATCH"; throws on anything else (leading zeros, signs and spaces too). */
export function packVersion(text: string): number {
  const parts = text.split(".");
  if (parts.length !== 3 || !parts.every((p) => COMPONENT.test(p))) {
    throw new Error(`version '${text}' is not MAJOR.MINOR.PATCH (decimal, no leading zeros)`);
  }
  const [major, minor, patch] = parts.map(Number);
  if (major > MAX_MAJOR || minor > MAX_MINOR || patch > MAX_PATCH) {
    throw new Error(`version '${text}' out of range (MAJOR and MINOR <= 255, PATCH <= 65535)`);
  }
  return ((major << 24) | (minor << 16) | patch) >>> 0;
}

export function unpackVersion(packed: number): string {
  return `${packed >>> 24}.${(packed >>> 16) & 0xff}.${packed & 0xffff}`;
}

/** The ABI version as assembly/abi/version.ts packs it: major << 16 | minor. */
export function formatAbi(abi: number): string {
  return `${abi >>> 16}.${abi & 0xffff}`;
}

/** Accepts "MAJOR.MINOR" or the packed integer (decimal or 0x hex). */
export function parseAbi(text: string): number {
  const dotted = /^(0|[1-9][0-9]{0,4})\.(0|[1-9][0-9]{0,4})$/.exec(text);
  if (dotted) {
    const major = Number(dotted[1]), minor = Number(dotted[2]);
    if (major <= 0xffff && minor <= 0xffff) return ((major << 16) | minor) >>> 0;
  }
  if (/^(0x[0-9a-fA-F]{1,8}|[0-9]{1,10})$/.test(text)) {
    const n = Number(text);
    if (n <= 0xffffffff) return n;
  }
  throw new Error(`ABI version '${text}' is neither MAJOR.MINOR nor a u32 (major << 16 | minor)`);
}
