// The Node host's side of over-the-air updates (docs/ota.md, "Imports"): the five imports the
// image downloads through, the verification of a finished package with ota/rules.ts against the
// public key this host was given (the root of trust no update replaces), and the boot decision:
// a staged image boots on trial with a durable trial counter, and a trial image that traps, runs
// out of trial boots or does not confirm within the health timeout is rolled back.
import { createHash, type KeyObject } from "node:crypto";
import { HEADER_BYTES, parseHeader } from "../../ota/package.js";
import { acceptPackage } from "../../ota/rules.js";
import { OtaRefusal } from "../../ota/refusal.js";
import { loadPublicKey } from "../../ota/sign.js";
import { packVersion } from "../../ota/version.js";
import { E_AGAIN, E_ARG, E_AUTH, E_IO, E_NOSPACE, E_STATE, E_STORAGE_CORRUPT, E_TIMEOUT, E_TRUNCATED, OK } from "../errors.js";
import type { HostImports } from "../image.js";
import type { MemoryView } from "../imports/memory.js";
import { SlotStore, type BootRecord, type SlotName } from "./slots.js";

/** The image ABI the Node host speaks: 1.1, the first with the OTA imports. */
export const NODE_HOST_ABI = (1 << 16) | 1;
/** The Node host's own version, for a package's min_runtime_version. */
export const NODE_HOST_VERSION = packVersion("1.1.0");
export const DEFAULT_SLOT_BYTES = 256 * 1024;
export const DEFAULT_TRIAL_BOOTS = 3;
export const DEFAULT_HEALTH_TIMEOUT_MS = 120_000;

export interface OtaHostOptions {
  /** The release public key (a KeyObject or SPKI PEM); without one every package is refused with E_AUTH. */
  publicKey?: KeyObject | string;
  /** Folder of the slots and boot record (default: "ota-slots" in the device's storage). */
  dir?: string;
  /** Largest package a slot holds (default 256 KiB). */
  slotBytes?: number;
  /** Boots a staged image gets to confirm (default 3). */
  trialBoots?: number;
  /** How long a trial image has to confirm (default 120 s). */
  healthTimeoutMs?: number;
  runtimeAbi?: number;
  runtimeVersion?: number;
}

/** What a boot decided: the image file to run and whether it is on trial. */
export interface Boot { slot: SlotName; path: string; trial: boolean; version: number }

export class OtaHost {
  readonly slots: SlotStore;
  private readonly publicKey: KeyObject | null;
  /** Log of boot decisions, for timelines (the demo, tests). */
  readonly history: { at: number; what: string; slot: SlotName; version: number; reason?: number }[] = [];

  constructor(dir: string, private readonly factoryImage: string, private readonly options: OtaHostOptions = {}) {
    this.slots = new SlotStore(dir);
    const key = options.publicKey;
    this.publicKey = key === undefined ? null : typeof key === "string" ? loadPublicKey(key) : key;
  }

  get slotBytes(): number { return this.options.slotBytes ?? DEFAULT_SLOT_BYTES; }
  get healthTimeoutMs(): number { return this.options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS; }
  get record(): BootRecord { return this.slots.boot; }

  private path(slot: SlotName): string { return slot === "factory" ? this.factoryImage : this.slots.imagePath(slot); }

  /** The slot's image still is the one verified when it was staged (flash can change under it). */
  private intact(slot: SlotName, sha: string): boolean {
    return slot === "factory" || this.slots.imageSha(slot) === sha;
  }

  /**
   * Decides which image boots now: a staged image becomes active on trial; a trial image uses
   * one of its trial boots (counted down durably before it runs) or, with none left, is rolled
   * back. The record is written before the image runs, so a power cut repeats the decision.
   */
  boot(): Boot {
    const r = this.slots.boot;
    const changed = r.staged !== null || r.trial;
    if (r.staged) {
      r.previous = r.active;
      r.previousVersion = r.activeVersion;
      r.previousSha = r.activeSha;
      r.active = r.staged;
      r.activeVersion = r.stagedVersion;
      r.activeSha = r.stagedSha;
      r.staged = null;
      r.stagedVersion = 0;
      r.stagedSha = "";
      r.trial = true;
      r.trialsLeft = this.options.trialBoots ?? DEFAULT_TRIAL_BOOTS;
    }
    if (r.trial && r.trialsLeft <= 0) return this.rollback(E_AGAIN, r);
    if (r.trial && !this.intact(r.active, r.activeSha)) return this.rollback(E_STORAGE_CORRUPT, r);
    if (r.trial) r.trialsLeft--;
    if (changed) this.slots.boot = r;
    if (!r.trial && !this.intact(r.active, r.activeSha)) {
      // The confirmed slot is damaged: run the built-in image and leave the record as it is.
      this.history.push({ at: Date.now(), what: "damaged slot, built-in image", slot: r.active, version: r.activeVersion });
      return { slot: "factory", path: this.factoryImage, trial: false, version: 0 };
    }
    this.history.push({ at: Date.now(), what: r.trial ? "trial boot" : "boot", slot: r.active, version: r.activeVersion });
    return { slot: r.active, path: this.path(r.active), trial: r.trial, version: r.activeVersion };
  }

  /**
   * Goes back to the previous image (reason: E_STATE trap, E_TIMEOUT no confirm, E_AGAIN trial
   * boots exhausted, E_STORAGE_CORRUPT the staged image changed in its slot).
   */
  rollback(reason: number, r: BootRecord = this.slots.boot): Boot {
    const failed = r.active;
    const failedVersion = r.activeVersion;
    r.active = r.previous;
    r.activeVersion = r.previousVersion;
    r.activeSha = r.previousSha;
    r.trial = false;
    r.trialsLeft = 0;
    r.rollbackReason = reason;
    this.slots.boot = r;
    this.history.push({ at: Date.now(), what: "rollback", slot: failed, version: failedVersion, reason });
    this.history.push({ at: Date.now(), what: "boot", slot: r.active, version: r.activeVersion });
    return { slot: r.active, path: this.path(r.active), trial: false, version: r.activeVersion };
  }

  get onTrial(): boolean { return this.slots.boot.trial; }

  // --- the imports ---

  begin(id: Uint8Array, size: number): number {
    if (id.length !== 32 || size <= 0) return E_ARG;
    if (size > this.slotBytes) return E_NOSPACE;
    try {
      const boot = this.slots.boot;
      // On trial the inactive slot holds the image a rollback returns to.
      if (boot.trial) return E_STATE;
      const slot = this.slots.inactive(boot);
      const hex = Buffer.from(id).toString("hex");
      const d = this.slots.download;
      if (d && d.slot === slot && d.id === hex && d.size === size) return Math.min(this.slots.stored(slot), size);
      if (boot.staged) {
        // A newer package replaces one staged but not yet booted (it lives in the same slot).
        boot.staged = null;
        boot.stagedVersion = 0;
        this.slots.boot = boot;
      }
      this.slots.download = null;
      this.slots.clear(slot);
      this.slots.download = { slot, id: hex, size };
      return 0;
    } catch { return E_IO; }
  }

  write(offset: number, bytes: Uint8Array): number {
    const d = this.slots.download;
    if (!d) return E_STATE;
    try {
      const have = this.slots.stored(d.slot);
      if (offset !== have) return E_STATE;
      if (offset + bytes.length > d.size) return E_NOSPACE;
      this.slots.append(d.slot, bytes);
      const now = have + bytes.length;
      if (have < HEADER_BYTES && now >= HEADER_BYTES) {
        // Checks 1 to 5 need only the header: a foreign, unknown-format or oversize package
        // costs 72 bytes, not a whole download.
        try { parseHeader(this.slots.readPackage(d.slot).subarray(0, HEADER_BYTES), this.slotBytes); } catch (e) {
          if (!(e instanceof OtaRefusal)) throw e;
          this.drop(d.slot, e.code);
          return e.code;
        }
      }
      return now;
    } catch { return E_IO; }
  }

  /** Discards a download after a refusal: the slot is emptied and further writes are E_STATE. */
  private drop(slot: SlotName, code: number): void {
    try {
      this.slots.download = null;
      this.slots.clear(slot);
    } catch { /* the refusal stands */ }
    this.history.push({ at: Date.now(), what: "refused", slot, version: 0, reason: code });
  }

  finish(): number {
    const d = this.slots.download;
    if (!d) return E_STATE;
    let code: number = OK;
    try {
      const bytes = this.slots.readPackage(d.slot);
      if (bytes.length < d.size) { this.drop(d.slot, E_TRUNCATED); return E_TRUNCATED; }
      const boot = this.slots.boot;
      if (!this.publicKey) code = E_AUTH;
      else if (createHash("sha256").update(bytes).digest("hex") !== d.id) code = E_STORAGE_CORRUPT;
      else {
        const pkg = acceptPackage(bytes, {
          publicKey: this.publicKey,
          maxImageBytes: this.slotBytes,
          runningAbi: this.options.runtimeAbi ?? NODE_HOST_ABI,
          runtimeVersion: this.options.runtimeVersion ?? NODE_HOST_VERSION,
          lastConfirmedVersion: boot.lastConfirmed,
        });
        this.slots.writeAtomic(`${d.slot}.wasm`, pkg.image);
        boot.staged = d.slot;
        boot.stagedVersion = pkg.header.imageVersion;
        boot.stagedSha = Buffer.from(pkg.header.sha256).toString("hex");
        boot.rollbackReason = 0;
        this.slots.boot = boot;
        this.slots.download = null;
        this.history.push({ at: Date.now(), what: "staged", slot: d.slot, version: pkg.header.imageVersion });
        return OK;
      }
    } catch (e) {
      if (!(e instanceof OtaRefusal)) return E_IO;
      code = e.code;
    }
    // Refused: the slot is discarded and nothing else changes.
    this.drop(d.slot, code);
    return code;
  }

  confirm(): number {
    const r = this.slots.boot;
    if (!r.trial) return E_STATE;
    r.trial = false;
    r.trialsLeft = 0;
    r.lastConfirmed = r.activeVersion;
    r.rollbackReason = 0;
    try { this.slots.boot = r; } catch { return E_IO; }
    this.history.push({ at: Date.now(), what: "confirmed", slot: r.active, version: r.activeVersion });
    return OK;
  }

  /** running version, last confirmed, flags (1 trial, 2 rolled back before this boot), reason. */
  status(): [number, number, number, number] {
    const r = this.slots.boot;
    const flags = (r.trial ? 1 : 0) | (r.rollbackReason !== 0 ? 2 : 0);
    return [r.activeVersion >>> 0, r.lastConfirmed >>> 0, flags, r.rollbackReason];
  }

  imports(mem: MemoryView): HostImports {
    return {
      ota_begin: (id, idLen, size) => {
        const bytes = mem.range(id, idLen);
        return bytes ? this.begin(bytes, size) : E_ARG;
      },
      ota_write: (offset, ptr, len) => {
        const bytes = mem.range(ptr, len);
        return bytes && len >= 0 ? this.write(offset, bytes) : E_ARG;
      },
      ota_finish: () => this.finish(),
      ota_confirm: () => this.confirm(),
      ota_status: (out, cap) => {
        const dst = mem.range(out, 16);
        if (!dst || cap < 16) return E_ARG;
        const v = new DataView(dst.buffer, dst.byteOffset, 16);
        this.status().forEach((x, i) => v.setInt32(i * 4, x | 0, true));
        return 16;
      },
    };
  }
}

export const ROLLBACK_TRAP = E_STATE;
export const ROLLBACK_TIMEOUT = E_TIMEOUT;
export const ROLLBACK_TRIALS = E_AGAIN;

