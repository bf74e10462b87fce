/* resp_ctx.c - STUB written by the lead so the module links; its owner replaces it. */
#include "resp_int.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

int resp_ctx_new(const resp_opts *o, resp_ctx **out, kn_err *err)
{
    return KN_EINTERNAL;
}

void resp_ctx_free(resp_ctx *ctx)
{
    
}

int64_t resp_now(const resp_ctx *ctx)
{
    return 0;
}

resp_bus *resp_ctx_bus(resp_ctx *ctx)
{
    return NULL;
}

store *resp_ctx_store(resp_ctx *ctx)
{
    return NULL;
}

int resp_start(resp_ctx *ctx, kn_err *err)
{
    return KN_EINTERNAL;
}

void resp_stop(resp_ctx *ctx)
{
    
}

void resp_wake(resp_ctx *ctx)
{
    
}

int resp_update(resp_ctx *ctx, store_resp_alarm *a, int64_t expected_version, store_resp_event *events, size_t nevents, const store_audit *audit, kn_err *err)
{
    return KN_EINTERNAL;
}
