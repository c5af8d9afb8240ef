import type { Command } from "../command.js";
import { parseOptions } from "../command.js";

const HELP = `usage: vsdk provision --sn SN --model MODEL_ID [--name NAME] [--database URL] [--data DIR]
Creates a device identity: a 32-byte secret for the serial number SN, recorded in the cloud's
database (the same one \`vsdk cloud\` uses) and printed once as JSON for the factory to write
into the device. SN is 1 to 128 of [0-9A-Za-z_-].`;

export const provision: Command = {
  summary: "create a device identity (serial number + secret) in the cloud's database",
  async run(argv) {
    const o = parseOptions(argv, ["help"]);
    if (o.help) { console.log(HELP); return 0; }
    if (typeof o.sn !== "string" || typeof o.model !== "string") { console.error(HELP); return 2; }
    const { defaultConfig } = await import("../../cloud/config.js");
    const { openDatabase } = await import("../../cloud/store/db.js");
    const { migrate } = await import("../../cloud/store/migrations.js");
    const { Store } = await import("../../cloud/store/store.js");
    const { provisionDevice } = await import("../../cloud/provision.js");
    const config = defaultConfig(typeof o.data === "string" ? { dataDir: o.data } : {});
    const db = await openDatabase(typeof o.database === "string" ? o.database : config.databaseUrl);
    try {
      await migrate(db);
      const identity = await provisionDevice(new Store(db), { sn: o.sn, model_id: o.model, name: typeof o.name === "string" ? o.name : "" });
      console.log(JSON.stringify({ ...identity, wxa_appid: config.wechat.appid }, null, 2));
    } finally {
      await db.close();
    }
    return 0;
  },
};
