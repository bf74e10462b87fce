/* resp_alarm.c - STUB written by the lead so the module links; its owner replaces it. */
#include "resp_int.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

int resp_alarm_prepare(resp_ctx *ctx, const auth_principal *p, const char *municipality, const resp_alarm_in *in, const char *request_id, resp_alarm_op *op, kn_err *err)
{
    return KN_EINTERNAL;
}

int resp_alarm_submit(resp_ctx *ctx, resp_alarm_op *op, store_done_fn done, void *cls, kn_err *err)
{
    return KN_EINTERNAL;
}

int resp_alarm_create(resp_ctx *ctx, const auth_principal *p, const char *municipality, const resp_alarm_in *in, const char *request_id, resp_alarm_op *op, kn_err *err)
{
    return KN_EINTERNAL;
}

int resp_alarm_create_system(resp_ctx *ctx, resp_alarm_op *op, kn_err *err)
{
    return KN_EINTERNAL;
}

int resp_parse_time(const char *s, int64_t *ms_out, kn_err *err)
{
    return KN_EINTERNAL;
}

int resp_access(const auth_principal *p, uint32_t roles, const char *municipality, const char *scope, kn_err *err)
{
    return KN_EINTERNAL;
}
