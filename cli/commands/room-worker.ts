import type { Command } from "../command.js";

export const roomWorker: Command = {
  summary: "(internal) one call's room worker, started by the cloud; speaks JSON lines on stdio",
  async run() {
    const { runRoomWorker } = await import("../../cloud/rooms/worker.js");
    return runRoomWorker();
  },
};
