// The room worker's stdio protocol: one JSON object a line each way. The cloud starts one worker
// process per call (WeChat's server room SDK serves one call per process), sends `init`, then
// `join` once WeChat's push has given the room's keys, then the device's decisions.
export type WorkerCommand =
  | { op: "init"; bind_host: string; ssrc: number; peer_ssrc: number }
  | { op: "join"; api_base: string; room_id: string; session_key: string; server_token: string; role: "caller" | "callee" }
  | { op: "accept" | "reject" | "busy" | "hangup" | "cancel" };

export type WorkerEvent =
  | { ev: "ready"; media_port: number }
  | { ev: "joined"; state: number }
  | { ev: "state"; state: number; reason: number }
  | { ev: "stats"; from_device: number; to_device: number; dropped: number }
  | { ev: "error"; message: string; errcode?: number };

/** WeChat's session states that end a call (everything except idle, calling, talking). */
export const TERMINAL_STATES = new Set([3, 4, 5, 6, 7, 8, 9]);

export const STATE = { IDLE: 0, CALLING: 1, TALKING: 2, REJECTED: 3, CANCELLED: 4, CALLER_HUNG_UP: 5, CALLEE_HUNG_UP: 6, ABORTED: 7, BUSY: 8, NO_ANSWER: 9 } as const;
export const REASON = { UNKNOWN: 0, MANUAL: 1, SYSTEM_CALL: 6, OTHER_APP: 7, DEVICE_FAILED: 8, TIMEOUT: 10, REJECTED: 11 } as const;
