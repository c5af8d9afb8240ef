// WeChat's message push in security mode: check msg_signature, decrypt, answer at once, and
// handle each message once however often WeChat resends it (a slow or lost answer makes WeChat
// resend). The answer to a resend is the answer the first copy got.
import { createHash } from "node:crypto";
import type { CallControl, JoinRoomPush } from "../calls.js";
import type { Logger } from "../log.js";
import type { Store } from "../store/store.js";
import { decryptMessage, messageSignature, PushCryptoError } from "./message-crypto.js";

export interface PushSettings { appid: string; pushToken: string; encodingAesKey: string }
export interface PushAnswer { status: number; body: unknown }

const JOIN_FIELDS = ["RoomId", "SessionKey", "ServerToken", "ModelId", "Sn", "FromUserName"] as const;
const OPTIONAL_JOIN_FIELDS = ["Payload", "RoomType"] as const;

export class PushReceiver {
  handled = 0;
  duplicates = 0;
  constructor(private settings: PushSettings, private store: Store, private calls: CallControl, private log: Logger) {}

  /** WeChat's URL check when the push address is configured: echo `echostr` if the signature holds. */
  verifyUrl(q: URLSearchParams): PushAnswer {
    const ok = messageSignature(this.settings.pushToken, q.get("timestamp") ?? "", q.get("nonce") ?? "") === q.get("signature");
    return ok ? { status: 200, body: q.get("echostr") ?? "" } : { status: 401, body: { errcode: 40001, errmsg: "bad signature" } };
  }

  async receive(q: URLSearchParams, body: Record<string, unknown>): Promise<PushAnswer> {
    const encrypted = body.Encrypt;
    if (typeof encrypted !== "string") return { status: 400, body: { errcode: 40002, errmsg: "no Encrypt field" } };
    const expected = messageSignature(this.settings.pushToken, q.get("timestamp") ?? "", q.get("nonce") ?? "", encrypted);
    if (expected !== q.get("msg_signature")) return { status: 401, body: { errcode: 40001, errmsg: "bad msg_signature" } };
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(decryptMessage(this.settings.encodingAesKey, this.settings.appid, encrypted));
    } catch (err) {
      const why = err instanceof PushCryptoError ? err.message : "decrypted message is not JSON";
      return { status: 400, body: { errcode: 40002, errmsg: why } };
    }
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      return { status: 400, body: { errcode: 40002, errmsg: "decrypted message is not a JSON object" } };
    }
    const key = createHash("sha1").update(JSON.stringify(message)).digest("hex");
    if (message.MsgType !== "event" || message.Event !== "iot_voip_notify" || message.Action !== "join_voip_room") {
      await this.store.rememberPush(key, 0);
      return { status: 200, body: { errcode: 0, errmsg: "ok" } }; // not ours to act on; WeChat must not resend it
    }
    const malformed = [...JOIN_FIELDS.filter((k) => typeof message[k] !== "string"),
      ...OPTIONAL_JOIN_FIELDS.filter((k) => message[k] !== undefined && typeof message[k] !== "string")];
    if (malformed.length > 0) {
      // Answered, so WeChat does not resend it; non-zero, so the call it announced is cancelled.
      await this.store.rememberPush(key, 40002);
      return { status: 200, body: { errcode: 40002, errmsg: `join_voip_room needs string fields: ${malformed.join(", ")}` } };
    }
    const push = message as unknown as JoinRoomPush;
    const decision = await this.calls.decidePush(push);
    const before = await this.store.rememberPush(key, decision.errcode);
    if (before !== null) {
      this.duplicates++;
      this.log.info("push resent; answered as before", { room_id: push.RoomId, errcode: before });
      return { status: 200, body: { errcode: before, errmsg: before === 0 ? "ok" : "refused" } };
    }
    this.handled++;
    this.log.info("push join_voip_room", { room_id: push.RoomId, sn: push.Sn, errcode: decision.errcode });
    if (decision.errcode === 0) {
      // Answer first: the phone rings only once WeChat has our errcode 0.
      setImmediate(() => decision.start().catch((err) => this.log.error("handling a push failed", { room_id: push.RoomId, error: String(err) })));
    }
    return { status: 200, body: { errcode: decision.errcode, errmsg: decision.errcode === 0 ? "ok" : "refused" } };
  }
}
