// The call record and the rules that move it (assembly/signal/call.ts): media parameters from
// the cloud's JSON and WeChat states to device phases. (Backoff needs the random import, which
// as-pect cannot link yet; reconnects are tested in tests/node/signal.test.ts.)
import { callPlace, callTakeMedia, callTakeId, callIdIs, phaseForState, PHASE_CALLING, PHASE_TALKING, PHASE_ENDED, PHASE_RINGING } from "../../assembly/signal/call";
import { OK, E_MALFORMED } from "../../assembly/abi/errors";

const text = memory.data(512);
let end: usize = 0;
function put(s: string): usize {
  const b = String.UTF8.encode(s);
  memory.copy(text, changetype<usize>(b), <usize>b.byteLength);
  end = text + <usize>b.byteLength;
  return text;
}

describe("call media", () => {
  it("takes every field of the device API's media object", () => {
    const c = callPlace()!;
    const p = put('{"relay_host":"10.0.0.2","relay_port":40002,"ssrc":4294967295,"peer_ssrc":7,"codec":"PCMA","payload_type":8,"clock_rate":8000,"ptime_ms":20,"token":"ff"}');
    expect(callTakeMedia(c, p, end)).toBe(OK);
    expect(c.hasMedia).toBe(true);
    expect(String.UTF8.decodeUnsafe(c.relayHost, <usize>c.relayHostLen)).toBe("10.0.0.2");
    expect(c.relayPort).toBe(40002);
    expect(c.ssrc).toBe(0xffffffff);
    expect(c.peerSsrc).toBe(7);
    expect(c.payloadType).toBe(8);
    expect(c.clockRate).toBe(8000);
    expect(c.ptimeMs).toBe(20);
  });
  it("refuses out-of-range fields and keeps the media it had", () => {
    const c = callPlace()!;
    expect(callTakeMedia(c, put('{"relay_host":"h","relay_port":40000,"ssrc":1,"peer_ssrc":2,"payload_type":0,"clock_rate":8000}'), end)).toBe(OK);
    expect(callTakeMedia(c, put('{"relay_host":"h","relay_port":70000,"ssrc":1,"peer_ssrc":2,"payload_type":0,"clock_rate":8000}'), end)).toBe(E_MALFORMED);
    expect(callTakeMedia(c, put('{"relay_host":"h","relay_port":1,"ssrc":-1,"peer_ssrc":2,"payload_type":0,"clock_rate":8000}'), end)).toBe(E_MALFORMED);
    expect(callTakeMedia(c, put('{"relay_host":"","relay_port":1,"ssrc":1,"peer_ssrc":2,"payload_type":0,"clock_rate":8000}'), end)).toBe(E_MALFORMED);
    expect(c.relayPort).toBe(40000);
    expect(callTakeMedia(c, put("null"), end)).toBe(OK);
    expect(c.hasMedia).toBe(true);
  });
  it("matches call ids exactly", () => {
    const c = callPlace()!;
    expect(callTakeId(c, put('"c_12"'), end)).toBe(OK);
    expect(callIdIs(c, put('"c_12"'), end)).toBe(true);
    expect(callIdIs(c, put('"c_1"'), end)).toBe(false);
    expect(callIdIs(c, put('"c_123"'), end)).toBe(false);
    expect(callTakeId(c, put('""'), end)).toBe(E_MALFORMED);
  });
});

describe("states to phases", () => {
  it("talks on 2, ends on 0 and 3..9, stays otherwise", () => {
    expect(phaseForState(2, PHASE_CALLING)).toBe(PHASE_TALKING);
    expect(phaseForState(1, PHASE_RINGING)).toBe(PHASE_RINGING);
    for (let s = 3; s <= 9; s++) expect(phaseForState(s, PHASE_TALKING)).toBe(PHASE_ENDED);
    expect(phaseForState(0, PHASE_CALLING)).toBe(PHASE_ENDED);
  });
});
