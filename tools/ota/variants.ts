// Variants of a real image for exercising updates: one whose first tick traps, one that never
// confirms its trial, one padded to a given size. Each starts from build/sdk.wasm so the path
// that fails (or succeeds) is the real one, not a toy image's.
import binaryen from "binaryen";

/** The image with one export's body replaced by `unreachable`; by default vsdk_signal_tick, so it
 * boots, then traps on its first tick. */
export function trappingImage(image: Uint8Array, exported = "vsdk_signal_tick"): Uint8Array {
  const m = binaryen.readBinary(image);
  try {
    m.setFeatures(binaryen.Features.All);
    const fn = binaryen.getExportInfo(m.getExport(exported)).value;
    const info = binaryen.getFunctionInfo(m.getFunction(fn));
    m.removeFunction(fn);
    m.addFunction(fn, info.params, info.results, [], m.unreachable());
    if (!m.validate()) throw new Error("the trapping variant does not validate");
    return m.emitBinary();
  } finally { m.dispose(); }
}

/** The image whose ota_confirm import is renamed ota_confirX, which no host provides: it never confirms. */
export function unconfirmingImage(image: Uint8Array): Uint8Array {
  const out = Buffer.from(image);
  const name = Buffer.from("\x0bota_confirm", "latin1");
  const at = out.indexOf(name);
  if (at <= 0 || out.indexOf(name, at + 1) >= 0) throw new Error("expected exactly one ota_confirm import");
  out[at + name.length - 1] = 0x58; // "X"
  return new Uint8Array(out);
}

/** The image with a custom section appended so it is exactly `bytes` long (engines ignore custom sections). */
export function paddedImage(image: Uint8Array, bytes: number): Uint8Array {
  const name = Buffer.from("vsdk.pad", "ascii");
  // Section: id 0, LEB128 size, then name length, name, filler. Solve for the filler length.
  for (let sizeBytes = 1; sizeBytes <= 5; sizeBytes++) {
    const content = bytes - image.length - 1 - sizeBytes;
    const filler = content - 1 - name.length;
    if (filler < 0) break;
    const leb = uleb(content);
    if (leb.length !== sizeBytes) continue;
    return new Uint8Array(Buffer.concat([Buffer.from(image), Buffer.from([0]), leb, Buffer.from([name.length]), name, Buffer.alloc(filler)]));
  }
  throw new Error(`cannot pad a ${image.length}-byte image to ${bytes} bytes`);
}

function uleb(n: number): Buffer {
  const out: number[] = [];
  do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n);
  return Buffer.from(out);
}
