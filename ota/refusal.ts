// Why a release package is refused: one of the SDK's error codes (host-node/errors.ts, which
// mirrors assembly/abi/errors.ts) plus a sentence for people. docs/ota.md lists which code
// means what.
import { E_AUTH, E_MALFORMED, E_NOSPACE, E_STATE, E_STORAGE_CORRUPT, E_TRUNCATED, E_UNSUPPORTED } from "../host-node/errors.js";

export const REFUSAL_NAMES: Record<number, string> = {
  [E_TRUNCATED]: "E_TRUNCATED",
  [E_MALFORMED]: "E_MALFORMED",
  [E_UNSUPPORTED]: "E_UNSUPPORTED",
  [E_NOSPACE]: "E_NOSPACE",
  [E_STATE]: "E_STATE",
  [E_STORAGE_CORRUPT]: "E_STORAGE_CORRUPT",
  [E_AUTH]: "E_AUTH",
};

export class OtaRefusal extends Error {
  constructor(readonly code: number, reason: string) {
    super(`${REFUSAL_NAMES[code] ?? code}: ${reason}`);
    this.name = "OtaRefusal";
  }
}
