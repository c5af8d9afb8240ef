// The vendor cloud's client for WeChat's server API: an access-token cache refreshed before it
// expires (one refresh at a time), getSnTicket, and the server-initiated call API. WeChat answers
// HTTP 200 with an errcode; non-zero errcodes come back as WechatError, never as exceptions
// from deep inside.
export class WechatError extends Error {
  constructor(readonly errcode: number, readonly errmsg: string) { super(`wechat errcode ${errcode}: ${errmsg}`); }
}

const TOKEN_INVALID = new Set([40001, 40014, 42001]);
const REFRESH_MARGIN_MS = 300_000; // renew 5 minutes early: never hand out a token about to lapse

export interface WechatClientOptions { apiBase: string; appid: string; secret: string; now?: () => number }

export class WechatClient {
  private token: { value: string; expiresAt: number } | null = null;
  private refreshing: Promise<string> | null = null;
  tokenFetches = 0;
  constructor(private readonly o: WechatClientOptions) {}

  private now() { return (this.o.now ?? Date.now)(); }

  async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt - REFRESH_MARGIN_MS > this.now()) return this.token.value;
    this.refreshing ??= this.fetchToken().finally(() => { this.refreshing = null; });
    return this.refreshing;
  }

  private async fetchToken(): Promise<string> {
    this.tokenFetches++;
    const url = `${this.o.apiBase}/cgi-bin/token?grant_type=client_credential&appid=${encodeURIComponent(this.o.appid)}&secret=${encodeURIComponent(this.o.secret)}`;
    const body = await this.request("GET", url);
    if (typeof body.access_token !== "string" || typeof body.expires_in !== "number") throw new WechatError(-1, "token answer without access_token");
    this.token = { value: body.access_token, expiresAt: this.now() + body.expires_in * 1000 };
    return body.access_token;
  }

  private async request(method: string, url: string, json?: unknown): Promise<Record<string, any>> {
    let body: Record<string, any>;
    try {
      const res = await fetch(url, {
        method,
        headers: json === undefined ? {} : { "content-type": "application/json" },
        body: json === undefined ? undefined : JSON.stringify(json),
        signal: AbortSignal.timeout(5000),
      });
      if (!res.ok) throw new WechatError(-1, `HTTP ${res.status}`);
      body = await res.json() as Record<string, any>;
      if (typeof body !== "object" || body === null || Array.isArray(body)) throw new WechatError(-1, "answer is not a JSON object");
    } catch (err) {
      // Unreachable, slow or garbled: to the caller that is WeChat's own "busy, try later" (-1).
      if (err instanceof WechatError) throw err;
      throw new WechatError(-1, `WeChat unreachable: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof body.errcode === "number" && body.errcode !== 0) throw new WechatError(body.errcode, String(body.errmsg ?? ""));
    return body;
  }

  /** POSTs with the access token; a token WeChat calls invalid is dropped and fetched once more. */
  private async post(path: string, json: unknown): Promise<Record<string, any>> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.accessToken();
      try {
        return await this.request("POST", `${this.o.apiBase}${path}?access_token=${encodeURIComponent(token)}`, json);
      } catch (err) {
        if (attempt === 0 && err instanceof WechatError && TOKEN_INVALID.has(err.errcode)) { this.token = null; continue; }
        throw err;
      }
    }
  }

  async getSnTicket(sn: string, modelId: string): Promise<string> {
    const body = await this.post("/wxa/getsnticket", { sn, model_id: modelId });
    if (typeof body.sn_ticket !== "string" || body.sn_ticket === "") throw new WechatError(-1, "getsnticket answer without sn_ticket");
    return body.sn_ticket;
  }

  /** Server-initiated call from a device to a user; resolves with WeChat's room id. */
  async call(req: { sn: string; model_id: string; openid: string; room_type: string; payload: string; custom_query: string }): Promise<string> {
    const body = await this.post("/wxa/business/iot/voip/call", req);
    if (typeof body.roomid !== "string" || body.roomid === "") throw new WechatError(-1, "call answer without roomid");
    return body.roomid;
  }
}
