// The whole platform side on one machine: the WeChat emulator and a vendor cloud wired to each
// other (the cloud calls the emulator's API; the emulator pushes to the cloud, trusting its
// development CA). Used by the tests, the benchmark and local runs.
import { readFileSync } from "node:fs";
import { Emulator, type EmulatorOptions } from "../emulator/server.js";
import type { CloudConfig } from "./config.js";
import { provisionDevice, type DeviceIdentity } from "./provision.js";
import { Cloud } from "./server.js";

export interface LocalSystem {
  cloud: Cloud;
  emulator: Emulator;
  ca: Buffer;
  provision(sn: string, modelId?: string): Promise<DeviceIdentity>;
  /** A second cloud instance on the same database (PostgreSQL), for scale-out tests. */
  addInstance(overrides?: Partial<CloudConfig>): Promise<Cloud>;
  /** Restarts the (first) cloud instance on the same data folder and database. */
  restartCloud(): Promise<Cloud>;
  emulatorCall(path: string, body?: unknown, method?: string): Promise<any>;
  stop(): Promise<void>;
}

export const DEFAULT_MODEL = "vsdk-model-1";

export async function startLocalSystem(o: { cloud?: Partial<CloudConfig>; emulator?: Partial<EmulatorOptions> } = {}): Promise<LocalSystem> {
  const emulator = await Emulator.start({ port: 0, pushUrl: null, ...o.emulator });
  const cloudOverrides = (extra: Partial<CloudConfig> = {}): Partial<CloudConfig> => ({
    port: 0, ...o.cloud, ...extra,
    wechat: { apiBase: emulator.url, appid: emulator.options.appid, secret: emulator.options.secret,
      pushToken: emulator.options.pushToken, encodingAesKey: emulator.options.encodingAesKey },
  });
  let cloud = await Cloud.start(cloudOverrides());
  const ca = cloud.caFile ? readFileSync(cloud.caFile) : Buffer.alloc(0);
  const pointEmulatorAt = (c: Cloud) => { emulator.options.pushUrl = `${c.url}/wechat/push`; emulator.options.pushCa = ca; };
  pointEmulatorAt(cloud);
  const extra: Cloud[] = [];
  const system: LocalSystem = {
    get cloud() { return cloud; },
    emulator,
    ca,
    provision: (sn, modelId = DEFAULT_MODEL) => provisionDevice(cloud.store, { sn, model_id: modelId }),
    async addInstance(overrides = {}) {
      const c = await Cloud.start(cloudOverrides({ dataDir: cloud.config.dataDir, databaseUrl: cloud.config.databaseUrl, ...overrides }));
      extra.push(c);
      return c;
    },
    async restartCloud() {
      const { dataDir, databaseUrl, instanceId } = cloud.config;
      await cloud.stop();
      cloud = await Cloud.start(cloudOverrides({ dataDir, databaseUrl, instanceId }));
      pointEmulatorAt(cloud);
      return cloud;
    },
    async emulatorCall(path, body, method = body === undefined ? "GET" : "POST") {
      const res = await fetch(`${emulator.url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body),
        headers: body === undefined ? {} : { "content-type": "application/json" } });
      return res.json();
    },
    async stop() {
      for (const c of extra) await c.stop();
      await cloud.stop();
      await emulator.stop();
    },
  };
  return system;
}
