// Everything the cloud can be told, with defaults that run on one machine against the emulator.
// Environment variables first, command-line options over them (cli/commands/cloud.ts).
import { join } from "node:path";
import { repoRoot } from "../host-node/paths.js";

export interface CloudConfig {
  host: string;
  port: number;                 // 0 picks a free port
  dataDir: string;              // dev certificates, SQLite file
  databaseUrl: string;          // sqlite:PATH or postgres://...
  tls: { cert?: string; key?: string } | "none";
  instanceId: string;
  adminToken: string;           // the vendor's own back-office (Mini Program backend, tests)
  wechat: {
    apiBase: string;            // https://api.weixin.qq.com, or the emulator
    appid: string;
    secret: string;
    pushToken: string;          // the console's message-push Token
    encodingAesKey: string;     // the console's EncodingAESKey, 43 characters
  };
  replayWindowSeconds: number;
  maxBodyBytes: number;
  headersTimeoutMs: number;     // a request's headers must all arrive within this (slow-loris)
  requestTimeoutMs: number;     // and its whole body within this
  relayHost: string;            // the address devices send RTP to
  roomWorker: string[] | null;  // command for a room worker; null = this program's `room-worker`
  roomOpTimeoutMs: number;
  releasePublicKey: string | null; // PEM file of the release key: uploaded packages must verify with it (cloud/ota/)
}

const env = process.env;

export function defaultConfig(overrides: Partial<CloudConfig> = {}): CloudConfig {
  const dataDir = overrides.dataDir ?? env.VSDK_CLOUD_DATA ?? join(repoRoot, ".vsdk", "cloud");
  return {
    host: env.VSDK_CLOUD_HOST ?? "127.0.0.1",
    port: Number(env.VSDK_CLOUD_PORT ?? 8443),
    dataDir,
    databaseUrl: env.VSDK_DATABASE_URL ?? `sqlite:${join(dataDir, "vsdk.db")}`,
    tls: env.VSDK_TLS_CERT && env.VSDK_TLS_KEY ? { cert: env.VSDK_TLS_CERT, key: env.VSDK_TLS_KEY } : {},
    instanceId: env.VSDK_INSTANCE_ID ?? `cloud-${process.pid}`,
    adminToken: env.VSDK_ADMIN_TOKEN ?? "dev-admin-token",
    wechat: {
      apiBase: env.VSDK_WECHAT_API ?? "http://127.0.0.1:8480",
      appid: env.VSDK_WXA_APPID ?? "wx0123456789abcdef",
      secret: env.VSDK_WXA_SECRET ?? "dev-app-secret",
      pushToken: env.VSDK_PUSH_TOKEN ?? "devpushtoken",
      encodingAesKey: env.VSDK_ENCODING_AES_KEY ?? "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    },
    replayWindowSeconds: 300,
    maxBodyBytes: 8192,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    relayHost: env.VSDK_RELAY_HOST ?? "127.0.0.1",
    roomWorker: null,
    roomOpTimeoutMs: 5000,
    releasePublicKey: env.VSDK_RELEASE_PUBLIC_KEY ?? null,
    ...overrides,
  };
}
