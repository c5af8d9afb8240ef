// Device identities: a serial number, the device model, and a 32-byte secret made here and
// written into the device at manufacture. The cloud keeps the secret to verify signatures.
import { randomBytes } from "node:crypto";
import { SN_PATTERN } from "./device-api/signing.js";
import { Store } from "./store/store.js";

export interface DeviceIdentity { sn: string; model_id: string; secret: string; name: string }

/** A serial number is provisioned once: its secret is already in a device. */
export class AlreadyProvisioned extends Error {}

export async function provisionDevice(store: Store, d: { sn: string; model_id: string; name?: string }): Promise<DeviceIdentity> {
  if (!SN_PATTERN.test(d.sn)) throw new Error("sn must be 1 to 128 of [0-9A-Za-z_-]");
  if (!/^[0-9A-Za-z_-]{1,64}$/.test(d.model_id)) throw new Error("model_id must be 1 to 64 of [0-9A-Za-z_-]");
  const taken = () => new AlreadyProvisioned(`device ${d.sn} is already provisioned`);
  if (await store.device(d.sn)) throw taken();
  const identity = { sn: d.sn, model_id: d.model_id, secret: randomBytes(32).toString("hex"), name: d.name ?? "" };
  try {
    await store.createDevice(identity);
  } catch (err) {
    if (Store.isUniqueViolation(err)) throw taken(); // a concurrent request for the same sn got there first
    throw err;
  }
  return identity;
}
