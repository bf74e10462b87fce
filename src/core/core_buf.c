/* core_buf.c - bounded growable buffer (see core_buf.h). */
#include "core_buf.h"

#include "core_status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kn_buf_init(kn_buf *buf, size_t limit)
{
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    buf->limit = limit;
}

static int buf_reserve(kn_buf *buf, size_t extra)
{
    if (extra > buf->limit - buf->len)
        return KN_ETOOLARGE;
    size_t need = buf->len + extra + 1;
    if (need <= buf->cap)
        return KN_OK;
    size_t cap = buf->cap ? buf->cap : 64;
    while (cap < need)
        cap *= 2;
    char *grown = realloc(buf->data, cap);
    if (!grown)
        return KN_ENOMEM;
    buf->data = grown;
    buf->cap = cap;
    return KN_OK;
}

int kn_buf_append(kn_buf *buf, const void *bytes, size_t n)
{
    int rc = buf_reserve(buf, n);
    if (rc != KN_OK)
        return rc;
    if (n)
        memcpy(buf->data + buf->len, bytes, n);
    buf->len += n;
    buf->data[buf->len] = '\0';
    return KN_OK;
}

int kn_buf_puts(kn_buf *buf, const char *s)
{
    return kn_buf_append(buf, s, strlen(s));
}

int kn_buf_printf(kn_buf *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return KN_EINVAL;
    int rc = buf_reserve(buf, (size_t)n);
    if (rc != KN_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->len += (size_t)n;
    return KN_OK;
}

void kn_buf_reset(kn_buf *buf)
{
    buf->len = 0;
    if (buf->data)
        buf->data[0] = '\0';
}

void kn_buf_release(kn_buf *buf)
{
    if (!buf)
        return;
    free(buf->data);
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
}

char *kn_buf_detach(kn_buf *buf, size_t *len_out)
{
    char *out = buf->data ? buf->data : calloc(1, 1);
    if (len_out)
        *len_out = buf->data ? buf->len : 0;
    buf->data = NULL;
    buf->len = 0;
    buf->cap = 0;
    return out;
}
