/* core_util.c - small shared helpers (see core_util.h). */
#include "core_util.h"

#include "core_status.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int kn_util_init(void)
{
    return sodium_init() < 0 ? KN_EINTERNAL : KN_OK;
}

int kn_strcpy(char *dst, size_t size, const char *src)
{
    if (size == 0)
        return KN_ETOOLARGE;
    size_t n = strlen(src);
    if (n >= size) {
        memcpy(dst, src, size - 1);
        dst[size - 1] = '\0';
        return KN_ETOOLARGE;
    }
    memcpy(dst, src, n + 1);
    return KN_OK;
}

int kn_parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s)
        return KN_EINVAL;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end != '\0' || v < min || v > max)
        return KN_EINVAL;
    *out = v;
    return KN_OK;
}

int64_t kn_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t kn_now_s(void)
{
    return kn_now_ms() / 1000;
}

int64_t kn_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void kn_time_format(int64_t unix_s, char *out, size_t size)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void kn_random(void *buf, size_t n)
{
    randombytes_buf(buf, n);
}

void kn_hex(const void *bytes, size_t n, char *out)
{
    sodium_bin2hex(out, n * 2 + 1, bytes, n);
}

/* Random bytes for ids, drawn from kn_random in blocks of ID_POOL_BYTES per
 * thread: one getrandom call per ~100 ids instead of one per id. The bytes
 * are as random as kn_random's; they only stay in memory a little longer,
 * which is fine for ids (unique, not secret). Secrets call kn_random. */
#define ID_POOL_BYTES 1024
static _Thread_local unsigned char id_pool[ID_POOL_BYTES];
static _Thread_local size_t id_pool_used = ID_POOL_BYTES;

static void id_random(unsigned char *out, size_t n)
{
    if (n > ID_POOL_BYTES - id_pool_used) {
        kn_random(id_pool, sizeof id_pool);
        id_pool_used = 0;
    }
    memcpy(out, id_pool + id_pool_used, n);
    sodium_memzero(id_pool + id_pool_used, n); /* each byte is handed out once */
    id_pool_used += n;
}

void kn_id_new(char out[33])
{
    unsigned char raw[16];
    uint64_t ms = (uint64_t)kn_now_ms();
    for (int i = 0; i < 6; i++)
        raw[i] = (unsigned char)(ms >> (8 * (5 - i)));
    id_random(raw + 6, sizeof raw - 6);
    kn_hex(raw, sizeof raw, out);
}

int kn_b64url_encode(const void *bytes, size_t n, char *out, size_t size)
{
    size_t need = sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    if (need > size)
        return KN_ETOOLARGE;
    sodium_bin2base64(out, size, bytes, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return KN_OK;
}

int kn_b64url_decode(const char *in, size_t len, unsigned char *out, size_t cap, size_t *out_len)
{
    const char *end = NULL;
    if (sodium_base642bin(out, cap, in, len, NULL, out_len, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return KN_EINVAL;
    if (end != in + len)
        return KN_EINVAL;
    return KN_OK;
}

int kn_ct_equal(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

int kn_file_read(const char *path, kn_buf *buf, kn_err *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return kn_err_set(err, KN_EIO, "cannot open %s: %s", path, strerror(errno));
    char chunk[16384];
    int rc = KN_OK;
    size_t n;
    while (rc == KN_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = kn_buf_append(buf, chunk, n);
    if (rc == KN_OK && ferror(f))
        rc = kn_err_set(err, KN_EIO, "cannot read %s: %s", path, strerror(errno));
    else if (rc == KN_ETOOLARGE)
        kn_err_set(err, rc, "%s is larger than %zu bytes", path, buf->limit);
    else if (rc != KN_OK)
        kn_err_set(err, rc, "out of memory reading %s", path);
    if (!is_stdin)
        fclose(f);
    return rc;
}
