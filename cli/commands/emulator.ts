import { readFileSync } from "node:fs";
import type { Command } from "../command.js";
import { parseOptions } from "../command.js";

const HELP = `usage: vsdk emulator [options]
Starts the WeChat platform emulator: access tokens, getSnTicket, users' authorisations, the
call API, encrypted pushes to the vendor cloud, rooms with a scripted phone user, and the
/emulator/* controls (docs/emulator.md). Logs are JSON lines on stderr.

  --port N              listen port (default 8480, VSDK_EMULATOR_PORT)
  --push-url URL        the vendor cloud's push address (default https://127.0.0.1:8443/wechat/push)
  --push-ca FILE        CA certificate to trust for it (the cloud's .vsdk/cloud/tls/dev-ca.pem)
  --models A,B          registered device model ids (default vsdk-model-1, VSDK_MODEL_IDS)
  --ring-timeout-ms N   how long a call rings before "not answered" (default 30000)`;

export const emulator: Command = {
  summary: "run the WeChat platform emulator (tokens, tickets, call API, pushes, rooms)",
  async run(argv) {
    const o = parseOptions(argv, ["help"]);
    if (o.help) { console.log(HELP); return 0; }
    const { Emulator } = await import("../../emulator/server.js");
    const started = await Emulator.start({
      ...(typeof o.port === "string" ? { port: Number(o.port) } : {}),
      ...(typeof o["push-url"] === "string" ? { pushUrl: o["push-url"] } : {}),
      ...(typeof o["push-ca"] === "string" ? { pushCa: readFileSync(o["push-ca"]) } : {}),
      ...(typeof o.models === "string" ? { models: o.models.split(",") } : {}),
      ...(typeof o["ring-timeout-ms"] === "string" ? { ringTimeoutMs: Number(o["ring-timeout-ms"]) } : {}),
    });
    console.log(JSON.stringify({ url: started.url }));
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await started.stop();
    return 0;
  },
};
