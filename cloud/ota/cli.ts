// `vsdk cloud release ...`: the back office's OTA verbs against a running cloud's admin API
// (bearer token from VSDK_ADMIN_TOKEN, like every /admin/v1 request). Prints the cloud's JSON
// answers; exit 1 with the cloud's error when it refuses.
import { existsSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { request as plainRequest } from "node:http";
import { join } from "node:path";
import { parseOptions } from "../../cli/command.js";
import { defaultConfig } from "../config.js";

export const RELEASE_HELP = `usage: vsdk cloud release <verb> ... [--url URL] [--ca FILE] [--data DIR]
The OTA back office of a running cloud (docs/cloud.md, "OTA"); the admin token is
VSDK_ADMIN_TOKEN (default: the development token).

  publish FILE [--percent P | --devices SN,SN,...]
      Uploads a signed .vota package (vsdk release pack), then optionally rolls it out.
  rollout ID (--percent P | --devices SN,SN,...)
      Sets release ID's rollout: P % of the fleet (0..100, whole; a device's place is fixed,
      so raising P only adds devices; 0 pauses) or exactly the listed devices. Devices newly
      reached get an ota.available event.
  status ID     the release, its rollout and how many devices are in each update state
  list          every release, newest first, with its rollout
  device SN     one device's update state per release, its history, and what it is offered

  --url URL     the cloud (default VSDK_CLOUD_URL, else https://127.0.0.1:VSDK_CLOUD_PORT|8443)
  --ca FILE     CA to trust (default DIR/tls/dev-ca.pem when it exists: the development CA)
  --data DIR    the cloud's data folder, for the default CA (default .vsdk/cloud, VSDK_CLOUD_DATA)`;

export interface Reply { status: number; json: unknown; text: string }

export function call(url: URL, method: string, token: string, ca: Buffer | undefined, body?: Buffer, type = "application/json"): Promise<Reply> {
  const send = url.protocol === "https:" ? request : plainRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method, ca, headers: { authorization: `Bearer ${token}`, "content-type": type, "content-length": body?.length ?? 0 } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, json, text });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** --percent P or --devices a,b as the rollout request's body; null when neither is given. */
function rolloutBody(o: ReturnType<typeof parseOptions>): Record<string, unknown> | null {
  const hasPercent = typeof o.percent === "string", hasDevices = typeof o.devices === "string";
  if (hasPercent && hasDevices) throw new Error("give --percent or --devices, not both");
  if (hasPercent) {
    if (!/^(0|[1-9][0-9]?|100)$/.test(o.percent as string)) throw new Error("--percent must be a whole number 0..100");
    return { percent: Number(o.percent) };
  }
  if (hasDevices) return { devices: (o.devices as string).split(",").map((s) => s.trim()).filter((s) => s.length > 0) };
  return null;
}

export async function releaseCommand(argv: string[]): Promise<number> {
  const o = parseOptions(argv, ["help"]);
  const [verb, arg] = o._;
  if (o.help || !verb) { console.log(RELEASE_HELP); return o.help ? 0 : 2; }
  const config = defaultConfig(typeof o.data === "string" ? { dataDir: o.data } : {});
  const base = typeof o.url === "string" ? o.url : process.env.VSDK_CLOUD_URL ?? `https://127.0.0.1:${config.port}`;
  const caFile = typeof o.ca === "string" ? o.ca : join(config.dataDir, "tls", "dev-ca.pem");
  const ca = existsSync(caFile) ? readFileSync(caFile) : undefined;
  if (typeof o.ca === "string" && !ca) { console.error(`no CA file ${o.ca}`); return 2; }
  const admin = (method: string, path: string, body?: Buffer, type?: string) => call(new URL(path, base), method, config.adminToken, ca, body, type);
  const show = (r: Reply): number => {
    if (r.status === 200) { console.log(JSON.stringify(r.json, null, 2)); return 0; }
    console.error(`cloud refused (${r.status}): ${r.text}`);
    return 1;
  };
  const needsArg = (what: string): boolean => {
    if (arg) return true;
    console.error(`vsdk cloud release ${verb} needs ${what}\n\n${RELEASE_HELP}`);
    return false;
  };
  let roll: Record<string, unknown> | null;
  try { roll = rolloutBody(o); } catch (err) { console.error((err as Error).message); return 2; }
  switch (verb) {
    case "publish": {
      if (!needsArg("a package FILE")) return 2;
      if (!existsSync(arg)) { console.error(`no file ${arg}`); return 2; }
      const published = await admin("POST", "/admin/v1/releases", readFileSync(arg), "application/octet-stream");
      if (published.status !== 200 || !roll) return show(published);
      const id = (published.json as { release: { id: string } }).release.id;
      const rolled = await admin("POST", `/admin/v1/releases/${id}/rollout`, Buffer.from(JSON.stringify(roll)));
      if (rolled.status !== 200) return show(rolled);
      console.log(JSON.stringify({ ...(published.json as object), ...(rolled.json as object) }, null, 2));
      return 0;
    }
    case "rollout":
      if (!needsArg("a release ID")) return 2;
      if (!roll) { console.error("vsdk cloud release rollout needs --percent P or --devices SN,..."); return 2; }
      return show(await admin("POST", `/admin/v1/releases/${encodeURIComponent(arg)}/rollout`, Buffer.from(JSON.stringify(roll))));
    case "status":
      if (!needsArg("a release ID")) return 2;
      return show(await admin("GET", `/admin/v1/releases/${encodeURIComponent(arg)}`));
    case "list":
      return show(await admin("GET", "/admin/v1/releases"));
    case "device":
      if (!needsArg("a device SN")) return 2;
      return show(await admin("GET", `/admin/v1/devices/${encodeURIComponent(arg)}/update`));
    default:
      console.error(`unknown verb ${verb}\n\n${RELEASE_HELP}`);
      return 2;
  }
}
