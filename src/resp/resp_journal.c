/* resp_journal.c - STUB written by the lead so the module links; its owner replaces it. */
#include "resp_int.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

int resp_journal_build(const store_resp_alarm *a, const store_citizen *c, const store_resp_event *events, size_t nevents, const char *sender_herid, char **json, size_t *len, kn_err *err)
{
    return KN_EINTERNAL;
}

int resp_journal_run(resp_ctx *ctx, size_t *sent, size_t *failed, kn_err *err)
{
    return KN_EINTERNAL;
}
