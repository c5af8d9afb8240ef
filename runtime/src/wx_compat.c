/* wx_* over vsdk_*: identity and data folder go to the port's platform (provisioning), the
 * verbs map one to one. */
#include <stddef.h>
#include "vsdk_wx.h"

int wx_init(const char *appid, const char *model_id, const char *device_id, const char *data_path,
            const vsdk_platform_t *platform, vsdk_event_cb event_cb, void *event_arg) {
  (void)appid; (void)model_id; (void)device_id; (void)data_path;
  /* The identity lives in the device's key-value store, written at provisioning; the image
   * reads it there. These arguments are accepted for source compatibility. */
  vsdk_config_t config = { 0 };
  config.platform = platform;
  config.on_event = event_cb;
  config.event_arg = event_arg;
  return vsdk_init(&config, NULL, 0);
}

int wx_device_register(const char *sn_ticket) {
  (void)sn_ticket;
  int rc = vsdk_register();
  return rc > 0 ? 0 : rc;
}

int wx_device_is_registered(wx_registration_t *out) {
  if (!out) return VSDK_E_ARG;
  int rc = vsdk_is_registered();
  if (rc == VSDK_E_STORAGE_CORRUPT) { *out = WX_DEVICE_REGISTRATION_CORRUPT; return 0; }
  if (rc < 0) return rc;
  *out = rc > (int)WX_DEVICE_REGISTRATION_CORRUPT ? WX_DEVICE_REGISTRATION_CORRUPT : (wx_registration_t)rc;
  return 0;
}

int wx_cloudvoip_client_call(wx_room_type_t room_type, const char *caller, const char *callee_openid,
                             const char *custom_query, const char *payload) {
  (void)caller; (void)custom_query; /* the cloud knows the caller: the signed device */
  int rc = vsdk_call(callee_openid, (int)room_type, payload);
  return rc > 0 ? 0 : rc;
}

int wx_cloudvoip_client_join(const char *roomid, const char *payload) {
  (void)roomid; (void)payload; /* the ringing call is the image's current call */
  int rc = vsdk_answer();
  return rc > 0 ? 0 : rc;
}

int wx_cloudvoip_client_hangup(void) {
  int rc = vsdk_hangup();
  return rc > 0 ? 0 : rc;
}
