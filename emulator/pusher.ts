// Encrypted pushes from the emulated WeChat to the vendor cloud's push address, resent when no
// answer comes in time (WeChat's behaviour), so the cloud must handle a message once however
// often it arrives. A test can make the emulator ignore answers to force resends.
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { encryptMessage, messageSignature } from "../cloud/wechat/message-crypto.js";

export interface PushTarget { url: string; ca?: Buffer; token: string; encodingAesKey: string; appid: string; toUser: string }
export interface PushOutcome { errcode: number; attempts: number; answered: boolean }

export const PUSH_RESENDS = 3;
const MAX_ANSWER_BYTES = 64 * 1024; // an answer is {"errcode":0,"errmsg":"ok"}; more is not an answer

function postOnce(target: PushTarget, path: string, body: string, timeoutMs: number): Promise<Record<string, unknown> | null> {
  const url = new URL(path, target.url);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    // The whole exchange has `timeoutMs`: a receiver that dribbles its answer, or sends an
    // endless one, counts as not answering (and gets the message again), as with WeChat.
    let done = false;
    const finish = (answer: Record<string, unknown> | null) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      req.destroy();
      resolve(answer);
    };
    const deadline = setTimeout(() => finish(null), timeoutMs);
    const req = request(url, { method: "POST", ca: target.ca,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER_BYTES) finish(null);
        else chunks.push(c);
      });
      res.on("end", () => {
        let answer: unknown = null;
        try { answer = JSON.parse(Buffer.concat(chunks).toString("utf8")); } catch { /* not an answer */ }
        finish(typeof answer === "object" && answer !== null && !Array.isArray(answer) ? answer as Record<string, unknown> : null);
      });
      res.on("error", () => finish(null));
    });
    req.on("error", () => finish(null));
    req.end(body);
  });
}

export class Pusher {
  ignoreAnswers = 0; // fault injection: treat this many answers as lost
  sent = 0;
  constructor(private target: () => PushTarget | null, private answerTimeoutMs: number) {}

  async push(message: Record<string, unknown>): Promise<PushOutcome> {
    const target = this.target();
    if (!target) return { errcode: -1, attempts: 0, answered: false };
    const encrypted = encryptMessage(target.encodingAesKey, target.appid, JSON.stringify(message));
    const timestamp = String(Math.floor(Date.now() / 1000)), nonce = randomBytes(8).toString("hex");
    const signature = messageSignature(target.token, timestamp, nonce);
    const msgSignature = messageSignature(target.token, timestamp, nonce, encrypted);
    const path = `${new URL(target.url).pathname}?signature=${signature}&timestamp=${timestamp}&nonce=${nonce}&encrypt_type=aes&msg_signature=${msgSignature}`;
    const body = JSON.stringify({ ToUserName: target.toUser, Encrypt: encrypted });
    for (let attempt = 1; attempt <= 1 + PUSH_RESENDS; attempt++) {
      this.sent++;
      const answer = await postOnce(target, path, body, this.answerTimeoutMs);
      if (answer && this.ignoreAnswers > 0) { this.ignoreAnswers--; continue; }
      if (answer && typeof answer.errcode === "number") return { errcode: answer.errcode, attempts: attempt, answered: true };
    }
    return { errcode: -1, attempts: 1 + PUSH_RESENDS, answered: false };
  }
}
