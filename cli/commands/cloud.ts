import type { Command } from "../command.js";
import { parseOptions } from "../command.js";

const HELP = `usage: vsdk cloud [options]
       vsdk cloud release <verb> ...   OTA releases of a running cloud (vsdk cloud release --help)
Starts the reference vendor cloud: the signed device API (HTTPS), WeChat's push address,
the back-office API and GET /healthz. Logs are JSON lines on stderr (VSDK_LOG=debug|info|silent).

  --port N          listen port (default 8443, VSDK_CLOUD_PORT; 0 = any free port)
  --host ADDR       listen address (default 127.0.0.1)
  --data DIR        data folder: development CA and server certificate, SQLite file (default .vsdk/cloud)
  --database URL    sqlite:PATH or postgres://... (default VSDK_DATABASE_URL, else SQLite in --data)
  --cert F --key F  a real certificate instead of the development one (VSDK_TLS_CERT, VSDK_TLS_KEY)
  --wechat URL      WeChat's API base (default VSDK_WECHAT_API, else the emulator on http://127.0.0.1:8480)
  --instance ID     this instance's name in logs, /healthz and its calls' records (keep it stable)
  --relay-host ADDR the address devices send RTP to, where this instance's room workers listen
                    (default 127.0.0.1, VSDK_RELAY_HOST)
  --release-pub F   release public key (PEM): uploaded OTA packages must be signed with it

WeChat settings come from VSDK_WXA_APPID, VSDK_WXA_SECRET, VSDK_PUSH_TOKEN, VSDK_ENCODING_AES_KEY;
the back-office token from VSDK_ADMIN_TOKEN; the release public key uploaded OTA packages must
verify with from VSDK_RELEASE_PUBLIC_KEY or --release-pub FILE (none: structure and hash only).
See docs/cloud.md.`;

export const cloud: Command = {
  summary: "run the reference vendor cloud (device API, WeChat push receiver, room workers)",
  async run(argv) {
    if (argv[0] === "release") return (await import("../../cloud/ota/cli.js")).releaseCommand(argv.slice(1));
    const o = parseOptions(argv, ["help"]);
    if (o.help) { console.log(HELP); return 0; }
    const { Cloud } = await import("../../cloud/server.js");
    const { defaultConfig } = await import("../../cloud/config.js");
    const base = defaultConfig(typeof o.data === "string" ? { dataDir: o.data } : {});
    const started = await Cloud.start({
      ...(typeof o.data === "string" ? { dataDir: o.data } : {}),
      ...(typeof o.port === "string" ? { port: Number(o.port) } : {}),
      ...(typeof o.host === "string" ? { host: o.host } : {}),
      ...(typeof o.database === "string" ? { databaseUrl: o.database } : {}),
      ...(typeof o.cert === "string" && typeof o.key === "string" ? { tls: { cert: o.cert, key: o.key } } : {}),
      ...(typeof o.instance === "string" ? { instanceId: o.instance } : {}),
      ...(typeof o["relay-host"] === "string" ? { relayHost: o["relay-host"] } : {}),
      ...(typeof o.wechat === "string" ? { wechat: { ...base.wechat, apiBase: o.wechat } } : {}),
      ...(typeof o["release-pub"] === "string" ? { releasePublicKey: o["release-pub"] } : {}),
    });
    console.log(JSON.stringify({ url: started.url, ca: started.caFile, database: started.store.db.kind }));
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await started.stop();
    return 0;
  },
};
