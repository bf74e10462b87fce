/* core_buf.h - the one growable byte buffer, always with a hard limit.
 *
 * Every place that accumulates input of unknown size (request bodies, JSON
 * output, file contents) uses a kn_buf with an explicit limit, so no input can
 * grow memory without bound. The data is always NUL-terminated (the terminator
 * is not counted in len and not counted against the limit).
 *
 * Ownership: the kn_buf owns `data`; kn_buf_release() frees it. A buffer can be
 * handed over with kn_buf_detach(), after which the caller frees with free().
 * Not thread-safe: one owner at a time.
 */
#ifndef KN_CORE_BUF_H
#define KN_CORE_BUF_H

#include <stddef.h>

typedef struct kn_buf {
    char *data;     /* NULL until the first append */
    size_t len;     /* bytes used, excluding the terminating NUL */
    size_t cap;     /* bytes allocated */
    size_t limit;   /* maximum len; appends beyond it fail with KN_ETOOLARGE */
} kn_buf;

/* Prepare an empty buffer that may hold at most `limit` bytes. Allocates nothing. */
void kn_buf_init(kn_buf *buf, size_t limit);

/* Append n bytes. Returns KN_OK, KN_ETOOLARGE (buffer unchanged) or KN_ENOMEM. */
int kn_buf_append(kn_buf *buf, const void *bytes, size_t n);

/* Append a NUL-terminated string. Same returns as kn_buf_append. */
int kn_buf_puts(kn_buf *buf, const char *s);

/* Append printf-formatted text. Same returns as kn_buf_append. */
int kn_buf_printf(kn_buf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Forget the contents but keep the allocation. */
void kn_buf_reset(kn_buf *buf);

/* Free the allocation; the buffer is empty afterwards and may be reused. NULL-safe. */
void kn_buf_release(kn_buf *buf);

/* Hand the data to the caller (who frees it with free()) and empty the buffer.
 * Returns an allocated empty string when nothing was appended; NULL on ENOMEM. */
char *kn_buf_detach(kn_buf *buf, size_t *len_out);

#endif
