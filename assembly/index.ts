// sdk.wasm: the whole device image. Its surface is assembly/abi/exports.ts.
export * from "./abi/exports";
