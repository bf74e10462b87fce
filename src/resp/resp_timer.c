/* resp_timer.c - STUB written by the lead so the module links; its owner replaces it. */
#include "resp_int.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

int resp_heartbeat(resp_ctx *ctx, const auth_principal *p, const char *municipality, const char *device, const char *time, int battery, const char *request_id, kn_err *err)
{
    return KN_EINTERNAL;
}

int resp_tick(resp_ctx *ctx, int64_t now, resp_tick_report *out, kn_err *err)
{
    return KN_EINTERNAL;
}
