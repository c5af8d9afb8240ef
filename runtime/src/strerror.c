#include "vsdk_errors.h"

const char *vsdk_strerror(int code) {
  switch (code) {
    case VSDK_OK: return "OK";
    case VSDK_E_ARG: return "E_ARG: an argument is out of range";
    case VSDK_E_TRUNCATED: return "E_TRUNCATED: input ends early";
    case VSDK_E_MALFORMED: return "E_MALFORMED: input violates its format";
    case VSDK_E_UNSUPPORTED: return "E_UNSUPPORTED: not supported by this image or host";
    case VSDK_E_NOSPACE: return "E_NOSPACE: a buffer or ring is too small";
    case VSDK_E_STATE: return "E_STATE: not allowed in the current state";
    case VSDK_E_DUPLICATE: return "E_DUPLICATE: already seen";
    case VSDK_E_LATE: return "E_LATE: arrived after its playout time";
    case VSDK_E_AGAIN: return "E_AGAIN: nothing yet, call again later";
    case VSDK_E_IO: return "E_IO: a host I/O function failed";
    case VSDK_E_STORAGE_CORRUPT: return "E_STORAGE_CORRUPT: stored data fails its checksum";
    case VSDK_E_AUTH: return "E_AUTH: the cloud refused our identity";
    case VSDK_E_TIMEOUT: return "E_TIMEOUT: a deadline passed";
    case VSDK_E_NOT_REGISTERED: return "E_NOT_REGISTERED: the device is not registered";
    case VSDK_E_PROTOCOL: return "E_PROTOCOL: the peer broke the protocol";
    case VSDK_E_BUSY: return "E_BUSY: a call is already in progress";
    case VSDK_E_CODEC: return "E_CODEC: the codec failed";
    case VSDK_E_IMAGE: return "E_IMAGE: not a valid vsdk image";
    case VSDK_E_ABI: return "E_ABI: the image speaks another ABI version";
    case VSDK_E_TRAP: return "E_TRAP: the image trapped";
    case VSDK_E_ENGINE: return "E_ENGINE: wasm3 refused the image or ran out of memory";
    case VSDK_E_NOT_INIT: return "E_NOT_INIT: vsdk_init has not succeeded";
    case VSDK_E_IMPORT: return "E_IMPORT: the image imports a function this host cannot link";
    default: break;
  }
  if (code < 0 && (code >= -20 || code == -10008)) return "wechat error (negated WeChat errcode)";
  return code >= 0 ? "OK" : "unknown error";
}
