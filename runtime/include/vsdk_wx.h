/* The closed WeChat RTOS SDK's shape, over the vsdk API, so a team that wrote firmware against
 * it can migrate by relinking. Names, argument order and the negated WeChat call errors follow
 * that SDK's public description; the implementation is ours (runtime/src/wx_compat.c).
 * Results: 0 on success, a negated WeChat errcode (-1 .. -20, -10008) or a vsdk code. */
#ifndef VSDK_WX_H
#define VSDK_WX_H

#include <stdint.h>
#include "vsdk.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { WX_ROOM_TYPE_VOICE = 0, WX_ROOM_TYPE_VIDEO = 1 } wx_room_type_t;

/* What wx_device_is_registered reports. */
typedef enum {
  WX_DEVICE_NOT_REGISTERED = 0,
  WX_DEVICE_REGISTERED = 1,
  WX_DEVICE_REGISTERED_OTHER = 2, /* registered, but with another device_id or model_id */
  WX_DEVICE_REGISTRATION_CORRUPT = 3,
} wx_registration_t;

/* appid, model_id and device_id identify the device; data_path names the key-value namespace
 * (the posix port uses it as a folder). The platform replaces the SDK's TLS-socket and OS
 * callbacks; event_cb gets ring and state events. */
int wx_init(const char *appid, const char *model_id, const char *device_id, const char *data_path,
            const vsdk_platform_t *platform, vsdk_event_cb event_cb, void *event_arg);
/* sn_ticket: our vendor cloud obtains the ticket itself, so NULL is accepted; a ticket passed
 * here is ignored (kept for source compatibility). */
int wx_device_register(const char *sn_ticket);
int wx_device_is_registered(wx_registration_t *out);
int wx_cloudvoip_client_call(wx_room_type_t room_type, const char *caller, const char *callee_openid,
                             const char *custom_query, const char *payload);
/* Answers a phone-initiated call; roomid is the call id the ring event carried. */
int wx_cloudvoip_client_join(const char *roomid, const char *payload);
/* Not in the closed SDK (there the vendor cloud hangs up); offered for completeness. */
int wx_cloudvoip_client_hangup(void);

#ifdef __cplusplus
}
#endif
#endif
