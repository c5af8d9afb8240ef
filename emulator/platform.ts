// The emulated WeChat platform's rules and records: the Mini Program's credentials and access
// tokens, registered device models, device tickets (getSnTicket), users' authorisations of
// devices, and the call API's checks, each with WeChat's own error codes.
import { randomBytes } from "node:crypto";

/** WeChat answers its errors with HTTP 200 and an errcode; `status` is for paths that do not exist at all. */
export class WxError extends Error {
  constructor(readonly errcode: number, readonly errmsg: string, readonly status = 200) { super(errmsg); }
}

export interface PlatformOptions {
  appid: string;
  secret: string;
  models: string[];
  tokenTtlSeconds: number;
  ticketTtlSeconds: number;
}

const SN_CHARS = /^[0-9A-Za-z_-]+$/;

/** Keeps the maps of tokens and tickets bounded. */
function forgetExpired<V>(map: Map<string, V>, expiry: (v: V) => number): void {
  // An expired token must still answer 42001 (not 40001) for a while, so forget only old ones.
  const before = Date.now() - 3600_000;
  for (const [k, v] of map) if (expiry(v) < before) map.delete(k);
}
const OPENID = /^[0-9A-Za-z_-]{1,128}$/;

export class Platform {
  private tokens = new Map<string, number>(); // token -> expiry (ms)
  private tickets = new Map<string, { sn: string; model_id: string; expiresAt: number }>();
  private grants = new Map<string, Map<string, { model_id: string; device_name: string }>>(); // openid -> sn -> grant
  readonly models: Set<string>;
  tokensIssued = 0;
  busyTickets = 0; // fault injection: answer getSnTicket with -1 this many times

  constructor(readonly o: PlatformOptions) { this.models = new Set(o.models); }

  issueToken(appid: string | null, secret: string | null): { access_token: string; expires_in: number } {
    if (appid !== this.o.appid) throw new WxError(40013, "invalid appid");
    if (secret !== this.o.secret) throw new WxError(40125, "invalid appsecret");
    const token = randomBytes(24).toString("base64url");
    if (this.tokens.size > 1000) forgetExpired(this.tokens, (expiry) => expiry);
    this.tokens.set(token, Date.now() + this.o.tokenTtlSeconds * 1000);
    this.tokensIssued++;
    return { access_token: token, expires_in: this.o.tokenTtlSeconds };
  }

  checkToken(token: string | null): void {
    const expiry = token ? this.tokens.get(token) : undefined;
    if (expiry === undefined) throw new WxError(40001, "invalid credential, access_token is invalid or not latest");
    if (expiry <= Date.now()) throw new WxError(42001, "access_token expired");
  }

  /** Fault injection: every token issued so far lapses now. */
  expireTokens(): void { for (const t of this.tokens.keys()) this.tokens.set(t, 0); }

  getSnTicket(sn: unknown, modelId: unknown): string {
    if (this.busyTickets > 0) { this.busyTickets--; throw new WxError(-1, "system error"); }
    if (typeof sn !== "string" || sn.length === 0 || Buffer.byteLength(sn) > 128) throw new WxError(9800001, "sn length invalid");
    if (!SN_CHARS.test(sn)) throw new WxError(9800002, "sn contains illegal characters");
    if (typeof modelId !== "string" || !this.models.has(modelId)) throw new WxError(9800003, "model_id check failed");
    const ticket = randomBytes(24).toString("base64url");
    if (this.tickets.size > 1000) forgetExpired(this.tickets, (t) => t.expiresAt);
    this.tickets.set(ticket, { sn, model_id: modelId, expiresAt: Date.now() + this.o.ticketTtlSeconds * 1000 });
    return ticket;
  }

  /** wx.requestDeviceVoIP: the user grants the device, proven by a ticket the vendor cloud obtained. */
  grant(openid: unknown, sn: unknown, modelId: unknown, ticket: unknown, deviceName: unknown): void {
    if (typeof openid !== "string" || !OPENID.test(openid)) throw new WxError(20, "openid invalid");
    if (typeof deviceName !== "string" || [...deviceName].length > 13) throw new WxError(40097, "deviceName must be at most 13 characters");
    const t = typeof ticket === "string" ? this.tickets.get(ticket) : undefined;
    if (!t || t.sn !== sn || t.model_id !== modelId) throw new WxError(2, "device id wrong: the ticket is not this device's");
    if (t.expiresAt <= Date.now()) throw new WxError(10008, "sn_ticket expired");
    let mine = this.grants.get(openid);
    if (!mine) { mine = new Map(); this.grants.set(openid, mine); }
    mine.set(t.sn, { model_id: t.model_id, device_name: deviceName });
  }

  revoke(openid: string, sn: string): boolean {
    return this.grants.get(openid)?.delete(sn) ?? false;
  }

  /** The checks of a call between a user and a device, either way; WeChat's call error codes. */
  checkCall(openid: unknown, sn: unknown, modelId: unknown, roomType: unknown): void {
    if (typeof sn !== "string" || !SN_CHARS.test(sn) || sn.length > 128) throw new WxError(2, "device id wrong");
    if (typeof openid !== "string" || !OPENID.test(openid)) throw new WxError(20, "openid invalid");
    if (roomType !== "voice" && roomType !== "video") throw new WxError(5, "room creation failed: room_type must be voice or video");
    if (typeof modelId !== "string" || !this.models.has(modelId)) throw new WxError(17, "voipToken does not match model_id");
    const grant = this.grants.get(openid)?.get(sn);
    if (!grant) throw new WxError(9, "openid not bound to the device");
    if (grant.model_id !== modelId) throw new WxError(17, "voipToken does not match model_id");
  }
}
