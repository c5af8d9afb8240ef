// The exported verbs of device verification and signalling, as thin wrappers that exports.ts
// re-exports under their vsdk_device_* / vsdk_signal_* names.
import { E_STATE } from "../abi/errors";
import { identityProvision, identityLoaded } from "../device/identity";
import { registrationStatus } from "../device/registration";
import { signal, signalPlaced } from "./context";
import { agentTicket, agentTicketRead, agentInit, agentRegister, agentCall, agentAnswer, agentReject, agentCancel, agentEnd, agentTick, agentSetTimeouts } from "./agent";
import { callReport, deviceReport, mediaField, mediaHost } from "./report";

export function apiDeviceProvision(ptr: usize, len: i32): i32 { return identityProvision(ptr, len); }
export function apiDeviceInit(now: u32): i32 { return agentInit(now); }
export function apiDeviceRegister(now: u32): i32 { return agentRegister(now); }
export function apiDeviceIsRegistered(): i32 { return identityLoaded() ? registrationStatus() : E_STATE; }
export function apiDeviceReport(out: usize, cap: i32): i32 { return identityLoaded() ? deviceReport(out, cap) : E_STATE; }
export function apiDeviceTicket(now: u32): i32 { return agentTicket(now); }
export function apiDeviceTicketRead(out: usize, cap: i32): i32 { return agentTicketRead(out, cap); }
export function apiSignalTick(now: u32): i32 { return agentTick(now); }
export function apiSignalCall(now: u32, roomType: i32, ptr: usize, openidLen: i32, payloadLen: i32, queryLen: i32): i32 {
  return agentCall(now, roomType, ptr, openidLen, payloadLen, queryLen);
}
export function apiSignalAnswer(now: u32): i32 { return agentAnswer(now); }
export function apiSignalReject(now: u32): i32 { return agentReject(now); }
export function apiSignalCancel(now: u32): i32 { return agentCancel(now); }
export function apiSignalHangup(now: u32): i32 { return agentEnd(now); }
export function apiSignalState(): i32 { return signalPlaced() ? signal().call.state : E_STATE; }
export function apiSignalReason(): i32 { return signalPlaced() ? signal().call.reason : E_STATE; }
export function apiSignalPhase(): i32 { return signalPlaced() ? signal().call.phase : E_STATE; }
export function apiSignalError(): i32 { return signalPlaced() ? signal().call.error : E_STATE; }
export function apiSignalReport(out: usize, cap: i32): i32 { return callReport(out, cap); }
export function apiSignalMedia(field: i32): i32 { return mediaField(field); }
export function apiSignalMediaHost(out: usize, cap: i32): i32 { return mediaHost(out, cap); }
export function apiSignalSetTimeouts(waitSeconds: i32, callMs: i32, ringMs: i32, requestMs: i32): i32 { return agentSetTimeouts(waitSeconds, callMs, ringMs, requestMs); }
