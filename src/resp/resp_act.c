/* resp_act.c - STUB written by the lead so the module links; its owner replaces it. */
#include "resp_int.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

int resp_alarm_act(resp_ctx *ctx, const auth_principal *p, const char *alarm_id, const resp_action_in *in, const char *request_id, store_resp_alarm *out, kn_err *err)
{
    return KN_EINTERNAL;
}

int resp_alarm_get(resp_ctx *ctx, const auth_principal *p, const char *alarm_id, const char *request_id, resp_alarm_detail *out, kn_err *err)
{
    return KN_EINTERNAL;
}

void resp_alarm_detail_free(resp_alarm_detail *d)
{
    
}

int resp_alarm_list(resp_ctx *ctx, const auth_principal *p, const store_resp_filter *f, const char *request_id, store_resp_alarm **list, size_t *n, int64_t *total, kn_err *err)
{
    return KN_EINTERNAL;
}
