/* resp_profile.c - STUB written by the lead so the module links; its owner replaces it. */
#include "resp_int.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

int resp_profile_get(resp_ctx *ctx, const auth_principal *p, const char *citizen_id, const char *request_id, store_resp_profile *out, kn_err *err)
{
    return KN_EINTERNAL;
}

int resp_profile_put(resp_ctx *ctx, const auth_principal *p, const char *citizen_id, const store_resp_profile *in, const char *request_id, kn_err *err)
{
    return KN_EINTERNAL;
}

int resp_profile_from_json(const json_t *j, store_resp_profile *out, kn_err *err)
{
    return KN_EINTERNAL;
}

json_t *resp_profile_to_json(const store_resp_profile *p)
{
    return NULL;
}

void resp_profile_load(resp_ctx *ctx, const char *citizen_id, store_resp_profile *out)
{
    
}
