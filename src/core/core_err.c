/* core_err.c - filling kn_err values (see core_err.h). */
#include "core_err.h"

#include <stdarg.h>
#include <stdio.h>

void kn_err_clear(kn_err *err)
{
    if (!err)
        return;
    err->status = KN_OK;
    err->msg[0] = '\0';
}

int kn_err_set(kn_err *err, int status, const char *fmt, ...)
{
    if (!err)
        return status;
    err->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return status;
}
