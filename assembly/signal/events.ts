// Kinds of the host_event import (assembly/abi/imports.ts): what the image tells the firmware,
// with the meaning of the two integer arguments. docs/abi.md lists the same table.
export const EVENT_LINK: i32 = 1;          // a: 1 the cloud is reachable, 0 it is not (retrying); b: last error
export const EVENT_REGISTERED: i32 = 2;    // a: OK or the error of registration (negated WeChat errcode passes through)
export const EVENT_RING: i32 = 3;          // a user calls the device; a: room type (0 voice, 1 video)
export const EVENT_CALL_STATE: i32 = 4;    // a: WeChat session state 0-9; b: hang-up reason
export const EVENT_MEDIA: i32 = 5;         // media parameters are known (vsdk_signal_media); a: relay port; b: payload type
export const EVENT_COMMAND: i32 = 6;       // a command finished; a: command (COMMAND_*); b: OK or its error
export const EVENT_BUSY_SENT: i32 = 7;     // a second caller was told the device is busy; b: OK or error
export const EVENT_OTA: i32 = 8;           // the cloud announced an update (ota.available)
// An update is verified and staged and no call is in progress: the host restarts the image into
// the staged slot right after the tick that raised it (docs/ota.md). a, b: 0.
export const EVENT_OTA_READY: i32 = 10;

// Commands, as reported by EVENT_COMMAND.
export const COMMAND_TIME: i32 = 1;
export const COMMAND_REGISTER: i32 = 2;
export const COMMAND_CALL: i32 = 3;
export const COMMAND_ANSWER: i32 = 4;
export const COMMAND_REJECT: i32 = 5;
export const COMMAND_HANGUP: i32 = 6;
export const COMMAND_CANCEL: i32 = 7;
export const COMMAND_BUSY: i32 = 8;
export const COMMAND_TICKET: i32 = 9;
