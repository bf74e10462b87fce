/* resp_hubin.c - STUB written by the lead so the module links; its owner replaces it. */
#include "resp_int.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

int resp_hubin_run(resp_ctx *ctx, size_t *created, kn_err *err)
{
    return KN_EINTERNAL;
}
