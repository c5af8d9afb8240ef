// A room worker: one process per call. It stands where WeChat's closed server room SDK would:
// it joins the room with the keys from WeChat's push, reports the room's session states to the
// cloud, passes the device's decisions to the room, and relays RTP between the device and the
// room (device SSRC checked and source address latched; the room's audio re-stamped with the
// SSRC the device expects).
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { request } from "node:http";
import { createInterface } from "node:readline";
import type { Socket as NetSocket } from "node:net";
import { TERMINAL_STATES, type WorkerCommand, type WorkerEvent } from "./protocol.js";

function bind(socket: Socket, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, host, () => resolve(socket.address().port));
  });
}

/** Connects to the room's signalling (an HTTP upgrade to a JSON-lines stream on WeChat's API host). */
function connectRoom(apiBase: string): Promise<NetSocket> {
  const url = new URL("/room/connect", apiBase);
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { connection: "upgrade", upgrade: "vsdk-room" } });
    req.on("upgrade", (_res, socket) => resolve(socket));
    req.on("response", (res) => reject(new Error(`room signalling refused: HTTP ${res.statusCode}`)));
    req.on("error", reject);
    req.end();
  });
}

export async function runRoomWorker(): Promise<number> {
  const send = (e: WorkerEvent) => process.stdout.write(JSON.stringify(e) + "\n");
  const deviceSide = createSocket("udp4");
  const roomSide = createSocket("udp4");
  let ssrc = 0, peerSsrc = 0;
  let device: RemoteInfo | null = null;
  let room: { host: string; port: number } | null = null;
  let roomLink: NetSocket | null = null;
  const stats = { from_device: 0, to_device: 0, dropped: 0 };
  let finished = false;
  const pending: string[] = []; // decisions that came before the room's keys did
  const toRoom = (line: string) => { if (roomLink && roomLink.writable) roomLink.write(line); };

  const finish = (code: number) => {
    if (finished) return;
    finished = true;
    send({ ev: "stats", ...stats });
    roomLink?.end();
    deviceSide.close();
    roomSide.close();
    setTimeout(() => process.exit(code), 20);
  };

  deviceSide.on("message", (packet, from) => {
    // RTP version 2 with the SSRC this call was given; the first such packet fixes the address.
    if (packet.length < 12 || packet[0] >> 6 !== 2 || packet.readUInt32BE(8) !== ssrc) { stats.dropped++; return; }
    if (!device) device = from;
    else if (device.address !== from.address || device.port !== from.port) { stats.dropped++; return; }
    stats.from_device++;
    if (room && room.port > 0) roomSide.send(packet, room.port, room.host);
  });
  roomSide.on("message", (packet) => {
    if (!device || packet.length < 12) return;
    const out = Buffer.from(packet);
    out.writeUInt32BE(peerSsrc, 8);
    stats.to_device++;
    deviceSide.send(out, device.port, device.address);
  });

  // readline re-emits its input's errors; a link torn down mid-write must not crash the worker.
  const lines = createInterface({ input: process.stdin });
  lines.on("error", () => finish(1));
  // The cloud went away (or stopped us): hang up rather than leave the user in a silent call.
  lines.on("close", () => { if (!finished) toRoom(JSON.stringify({ op: "hangup" }) + "\n"); finish(0); });
  for await (const line of lines) {
    let cmd: WorkerCommand;
    try { cmd = JSON.parse(line); } catch { send({ ev: "error", message: "unreadable command" }); continue; }
    try {
      if (cmd.op === "init") {
        ssrc = cmd.ssrc >>> 0; peerSsrc = cmd.peer_ssrc >>> 0;
        const port = await bind(deviceSide, cmd.bind_host);
        await bind(roomSide, cmd.bind_host);
        send({ ev: "ready", media_port: port });
      } else if (cmd.op === "join") {
        roomLink = await connectRoom(cmd.api_base);
        const link = roomLink;
        const roomLines = createInterface({ input: link });
        roomLines.on("error", () => undefined); // the link's own close handler reports the loss
        roomLines.on("line", (text) => {
          let m: Record<string, any>;
          try { m = JSON.parse(text); } catch { return; }
          if (typeof m !== "object" || m === null) return; // not a message of the room's; a throw here would end the call
          if (m.joined === true) {
            const port = Number.isInteger(m.media_port) && m.media_port > 0 && m.media_port < 65536 ? m.media_port as number : 0;
            room = { host: new URL(cmd.api_base).hostname, port };
            // Tell the room where our media comes from before any device audio arrives.
            if (port > 0) roomSide.send(Buffer.alloc(0), room.port, room.host);
            send({ ev: "joined", state: m.state });
            if (m.state !== 1) send({ ev: "state", state: m.state, reason: m.reason ?? 0 }); // the user was quicker than us
            if (TERMINAL_STATES.has(m.state)) finish(0);
          } else if (m.joined === false) {
            send({ ev: "error", message: String(m.errmsg ?? "join refused"), errcode: m.errcode });
            send({ ev: "state", state: 7, reason: 0 });
            finish(1);
          } else if (typeof m.state === "number") {
            send({ ev: "state", state: m.state, reason: m.reason ?? 0 });
            if (TERMINAL_STATES.has(m.state)) finish(0);
          }
        });
        link.on("close", () => { if (!finished) { send({ ev: "state", state: 7, reason: 0 }); finish(1); } });
        link.on("error", () => undefined);
        link.write(JSON.stringify({ join: cmd.room_id, session_key: cmd.session_key, server_token: cmd.server_token, role: cmd.role }) + "\n");
        pending.splice(0).forEach((op) => link.write(op));
      } else {
        const op = JSON.stringify({ op: cmd.op }) + "\n";
        if (roomLink) toRoom(op);
        else pending.push(op);
      }
    } catch (err) {
      send({ ev: "error", message: err instanceof Error ? err.message : String(err) });
      if (cmd.op !== "init") { send({ ev: "state", state: 7, reason: 0 }); }
      finish(1);
    }
  }
  return 0;
}
