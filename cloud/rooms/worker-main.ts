// Entry for a room worker when the cloud runs from sources (tsx); the bundled CLI uses the hidden
// `vsdk room-worker` command instead.
import { runRoomWorker } from "./worker.js";
await runRoomWorker();
