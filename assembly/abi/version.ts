// The wasm ABI between sdk.wasm and every host (C runtime, Node host).
// Major changes break hosts (an import or export changed meaning or signature); minor changes
// only add. A host refuses an image whose major differs from its own or whose minor is older
// than the newest export it calls.
export const ABI_VERSION_MAJOR: u32 = 1;
export const ABI_VERSION_MINOR: u32 = 1;
export const ABI_VERSION: u32 = (ABI_VERSION_MAJOR << 16) | ABI_VERSION_MINOR;
