/* core_util.h - small helpers every module needs: bounded strings, strict
 * number parsing, clocks, random bytes, identifiers and base64url/hex codecs.
 * All functions are thread-safe. Randomness comes from libsodium
 * (kn_util_init() must have been called once, before threads start).
 */
#ifndef KN_CORE_UTIL_H
#define KN_CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "core_buf.h"
#include "core_err.h"

/* Initialise libsodium. Returns KN_OK or KN_EINTERNAL. Idempotent. */
int kn_util_init(void);

/* Copy src into dst (size bytes incl. NUL). Returns KN_OK, or KN_ETOOLARGE if
 * src did not fit (dst then holds a truncated, terminated copy). */
int kn_strcpy(char *dst, size_t size, const char *src);

/* Parse a whole string as a base-10 integer in [min, max]. Rejects empty
 * strings, trailing characters and overflow. Returns KN_OK or KN_EINVAL. */
int kn_parse_long(const char *s, long min, long max, long *out);

/* Wall clock in milliseconds / seconds since the Unix epoch. */
int64_t kn_now_ms(void);
int64_t kn_now_s(void);
/* Monotonic clock in nanoseconds, for durations. */
int64_t kn_mono_ns(void);

/* Format a Unix time (seconds) as RFC 3339 UTC "2026-11-22T08:00:00Z" into out (>= 21 bytes). */
void kn_time_format(int64_t unix_s, char *out, size_t size);

/* Fill buf with n cryptographically random bytes. */
void kn_random(void *buf, size_t n);

/* Write a new id of 32 lowercase hex characters + NUL into out (>= 33 bytes).
 * The first 12 characters are the millisecond clock, so ids sort by creation
 * time (index-friendly, like UUIDv7); the rest (80 bits) is random, from a
 * per-thread block of kn_random bytes (no system call per id). Ids are unique,
 * not secret: tokens and keys use kn_random directly. Not fork-safe: a forked
 * child must not create ids before exec. */
void kn_id_new(char out[33]);

/* Lowercase hex of n bytes into out (>= 2n+1 bytes). */
void kn_hex(const void *bytes, size_t n, char *out);

/* base64url without padding. kn_b64url_encode writes into out (size bytes) and
 * returns KN_OK or KN_ETOOLARGE. kn_b64url_decode decodes `in` (len bytes) into
 * out (capacity cap), sets *out_len, returns KN_OK or KN_EINVAL. */
int kn_b64url_encode(const void *bytes, size_t n, char *out, size_t size);
int kn_b64url_decode(const char *in, size_t len, unsigned char *out, size_t cap, size_t *out_len);

/* Constant-time comparison of two equal-length byte strings: 1 if equal. */
int kn_ct_equal(const void *a, const void *b, size_t n);

/* Read a whole file (path "-" reads standard input) into buf, which the
 * caller initialised with its limit. KN_OK; KN_EIO (cannot open or read, with
 * the reason); KN_ETOOLARGE past buf's limit. On failure buf may hold a
 * partial read; the caller releases it either way. */
int kn_file_read(const char *path, kn_buf *buf, kn_err *err);

#endif
