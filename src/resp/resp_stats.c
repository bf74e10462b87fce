/* resp_stats.c - STUB written by the lead so the module links; its owner replaces it. */
#include "resp_int.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

int resp_stats_get(resp_ctx *ctx, const auth_principal *p, const char *const *municipalities, size_t n_munis, int64_t from, int64_t to, const char *request_id, resp_stats *out, kn_err *err)
{
    return KN_EINTERNAL;
}

int resp_stats_compute(const store_resp_stat_row *rows, size_t n, int64_t from, int64_t to, resp_stats *out, kn_err *err)
{
    return KN_EINTERNAL;
}

void resp_stats_free(resp_stats *s)
{
    
}

json_t *resp_stats_to_json(const resp_stats *s)
{
    return NULL;
}

int resp_stats_csv(const resp_stats *s, const char *table, kn_buf *out, kn_err *err)
{
    return KN_EINTERNAL;
}
