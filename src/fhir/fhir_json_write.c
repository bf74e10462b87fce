/* fhir_json_write.c - output and comparison of parsed JSON (see fhir_json.h):
 * the compact serialiser that gives a resource back as it came (key order,
 * number lexemes), the string escaper other FHIR output shares, and the deep
 * equality and pattern matching behind FHIR fixed[x]/pattern[x].
 */
#include "fhir_json.h"

#include <string.h>

/* 1 for bytes that cannot be copied into a JSON string as they are. */
static int needs_care(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

/* One byte (or sequence) at s that needs_care(); *used receives its length. */
static int write_special(const unsigned char *s, size_t n, size_t *used, kn_buf *out)
{
    static const char named[] = "\b\f\n\r\t\"\\", letter[] = "bfnrt\"\\";
    unsigned char c = s[0];
    *used = 1;
    const char *hit = memchr(named, c, sizeof named - 1);
    if (hit) {
        char esc[2] = {'\\', letter[hit - named]};
        return kn_buf_append(out, esc, 2);
    }
    if (c < 0x20)
        return kn_buf_printf(out, "\\u%04x", c);
    size_t k = fj_utf8_seq(s, n);
    if (!k)
        return kn_buf_append(out, "\xEF\xBF\xBD", 3); /* U+FFFD for a byte that is not UTF-8 */
    *used = k;
    return kn_buf_append(out, s, k);
}

int fj_write_string(const char *str, size_t len, kn_buf *out)
{
    const unsigned char *s = (const unsigned char *)str;
    int rc = kn_buf_append(out, "\"", 1);
    size_t i = 0;
    while (rc == KN_OK && i < len) {
        size_t run = i;
        while (run < len && !needs_care(s[run]))
            run++;
        rc = kn_buf_append(out, s + i, run - i);
        i = run;
        if (rc == KN_OK && i < len) {
            size_t used;
            rc = write_special(s + i, len - i, &used, out);
            i += used;
        }
    }
    return rc == KN_OK ? kn_buf_append(out, "\"", 1) : rc;
}

static int write_children(const fj_node *n, kn_buf *out)
{
    int object = n->kind == FJ_OBJECT;
    int rc = kn_buf_append(out, object ? "{" : "[", 1);
    for (const fj_node *c = n->child; c && rc == KN_OK; c = c->next) {
        if (c != n->child)
            rc = kn_buf_append(out, ",", 1);
        if (rc == KN_OK && object)
            rc = fj_write_string(c->key, c->key_len, out);
        if (rc == KN_OK && object)
            rc = kn_buf_append(out, ":", 1);
        if (rc == KN_OK)
            rc = fj_write(c, out);
    }
    return rc == KN_OK ? kn_buf_append(out, object ? "}" : "]", 1) : rc;
}

int fj_write(const fj_node *n, kn_buf *out)
{
    if (!n)
        return KN_EINVAL;
    switch (n->kind) {
    case FJ_NULL:
        return kn_buf_append(out, "null", 4);
    case FJ_FALSE:
        return kn_buf_append(out, "false", 5);
    case FJ_TRUE:
        return kn_buf_append(out, "true", 4);
    case FJ_NUMBER:
        return kn_buf_append(out, n->str, n->len);
    case FJ_STRING:
        return fj_write_string(n->str, n->len, out);
    case FJ_ARRAY:
    case FJ_OBJECT:
        return write_children(n, out);
    }
    return KN_EINVAL;
}

static int same_text(const fj_node *a, const fj_node *b)
{
    return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

int fj_equal(const fj_node *a, const fj_node *b)
{
    if (!a || !b || a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case FJ_NUMBER:
    case FJ_STRING:
        return same_text(a, b);
    case FJ_ARRAY: {
        const fj_node *x = a->child, *y = b->child;
        for (; x && y; x = x->next, y = y->next)
            if (!fj_equal(x, y))
                return 0;
        return !x && !y;
    }
    case FJ_OBJECT:
        if (a->len != b->len)
            return 0;
        /* keys are unique in a parsed object, so same count + all found = same set */
        for (const fj_node *m = a->child; m; m = m->next)
            if (!fj_equal(m, fj_get_n(b, m->key, m->key_len)))
                return 0;
        return 1;
    default:
        return 1;
    }
}

/* Some element of arr matches pattern element p. */
static int some_element_matches(const fj_node *arr, const fj_node *p)
{
    for (const fj_node *e = arr->child; e; e = e->next)
        if (fj_matches_pattern(e, p))
            return 1;
    return 0;
}

int fj_matches_pattern(const fj_node *n, const fj_node *pattern)
{
    if (!n || !pattern)
        return 0;
    if (pattern->kind == FJ_OBJECT) {
        if (n->kind != FJ_OBJECT)
            return 0;
        for (const fj_node *m = pattern->child; m; m = m->next)
            if (!fj_matches_pattern(fj_get_n(n, m->key, m->key_len), m))
                return 0;
        return 1;
    }
    if (pattern->kind == FJ_ARRAY) {
        if (n->kind != FJ_ARRAY)
            return 0;
        for (const fj_node *p = pattern->child; p; p = p->next)
            if (!some_element_matches(n, p))
                return 0;
        return 1;
    }
    return fj_equal(n, pattern);
}
