// The user authorises a device in the Mini Program (wx.requestDeviceVoIP): the device shows a
// fresh ticket from the vendor cloud, the user's phone hands it to WeChat with the device's name.
import type { LocalSystem } from "../../../cloud/local-system.js";
import { DeviceClient } from "./device-client.js";

export async function authoriseUser(sys: LocalSystem, sn: string, secret: string, openid: string, deviceName = "Doorbell"): Promise<void> {
  const client = new DeviceClient(sys.cloud.url, sn, secret, sys.ca);
  try {
    const ticket = await client.get("/v1/device/ticket");
    if (ticket.status !== 200) throw new Error(`device ticket: ${ticket.status} ${ticket.text}`);
    const grant = await sys.emulatorCall("/emulator/grant", { openid, sn, model_id: "vsdk-model-1", sn_ticket: ticket.json.sn_ticket, device_name: deviceName });
    if (grant.errcode !== 0) throw new Error(`authorisation refused: ${JSON.stringify(grant)}`);
  } finally {
    client.close();
  }
}
