// A local system (vendor cloud + WeChat emulator) in a temporary data folder, with one device
// provisioned and a signed client for it: the set-up of the cloud suites, and its tear-down.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalSystem, type LocalSystem } from "../../../cloud/local-system.js";
import type { EmulatorOptions } from "../../../emulator/server.js";
import { DeviceClient } from "./device-client.js";

export interface CloudWithDevice { sys: LocalSystem; dir: string; dev: DeviceClient }

export async function startCloudWithDevice(name: string, sn: string, emulator?: Partial<EmulatorOptions>): Promise<CloudWithDevice> {
  const dir = mkdtempSync(join(tmpdir(), `vsdk-${name}-`));
  const sys = await startLocalSystem({ cloud: { dataDir: dir }, emulator });
  const id = await sys.provision(sn);
  return { sys, dir, dev: new DeviceClient(sys.cloud.url, id.sn, id.secret, sys.ca) };
}

export async function stopCloudWithDevice(c: CloudWithDevice): Promise<void> {
  c.dev.close();
  await c.sys.stop();
  rmSync(c.dir, { recursive: true, force: true });
}
