/* resp_route.c - STUB written by the lead so the module links; its owner replaces it. */
#include "resp_int.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

int resp_rule_put(resp_ctx *ctx, const auth_principal *p, store_resp_rule *rule, const char *request_id, kn_err *err)
{
    return KN_EINTERNAL;
}

int resp_rule_delete(resp_ctx *ctx, const auth_principal *p, const char *municipality, const char *id, const char *request_id, kn_err *err)
{
    return KN_EINTERNAL;
}

int resp_rule_list(resp_ctx *ctx, const auth_principal *p, const char *municipality, store_resp_rule **list, size_t *n, kn_err *err)
{
    return KN_EINTERNAL;
}

int resp_rule_from_json(const json_t *j, const char *municipality, store_resp_rule *out, kn_err *err)
{
    return KN_EINTERNAL;
}

json_t *resp_rule_to_json(const store_resp_rule *r)
{
    return NULL;
}

int resp_route_match(const store_resp_rule *rules, size_t n, const char *citizen_id, const char *alert_code, int64_t at, const store_resp_rule **out)
{
    return KN_EINTERNAL;
}

int resp_route_coverage(const store_resp_rule *rules, size_t n, resp_gap **gaps, size_t *ngaps, kn_err *err)
{
    return KN_EINTERNAL;
}

void resp_local_time(int64_t at_ms, int *weekday, int *minute, char month[8])
{
    
}

int resp_route_step(resp_ctx *ctx, const store_resp_alarm *a, int index, int64_t at, store_resp_step *step)
{
    return KN_EINTERNAL;
}
