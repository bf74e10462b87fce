/* fhir_json.c - the strict JSON parser under the FHIR layer (see fhir_json.h).
 *
 * One pass of recursive descent (depth is capped at FJ_MAX_DEPTH, so the C
 * stack is bounded) into an arena: the doc, the first block of nodes and the
 * string area are one malloc. Strings and number lexemes are copied into the
 * string area, which never needs to grow: a decoded string plus its NUL is
 * never longer than its quoted source, and a number is always followed by a
 * byte that is not part of it (or by the extra byte at the end). Nodes come
 * from blocks that double in size when the first estimate is short.
 *
 * Duplicate keys: small objects compare each new key with the earlier ones;
 * an object that grows past DUP_LINEAR_MAX members moves to a hash set shared
 * by the whole parse, so a hostile object with many keys stays linear.
 * Accessors (fj_get, fj_at, ...) live here too; output and comparison are in
 * fhir_json_write.c.
 */
#include "fhir_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUP_LINEAR_MAX 16       /* members compared one by one before hashing */
#define FJ_MAX_TEXT 0xFFFFFFF0u /* offsets and lengths are 32-bit */

typedef struct fj_block {
    struct fj_block *next;
    fj_node nodes[];
} fj_block;

struct fj_doc {
    fj_node *root;
    fj_block *blocks;           /* node blocks after the first, each its own malloc */
};

typedef struct key_slot {
    const fj_node *obj;         /* the object the member belongs to; NULL: empty slot */
    const fj_node *member;
} key_slot;

typedef struct parser {
    const unsigned char *s;
    size_t n, pos;
    fj_doc *doc;
    char *sp;                   /* next free byte of the string area */
    fj_node *nfree, *nend;      /* the current node block */
    size_t next_block;          /* nodes in the next block */
    key_slot *keys;             /* hash set for large objects */
    size_t keys_cap, keys_used;
    kn_err *err;
} parser;

/* ---- UTF-8 ---- */

size_t fj_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;          /* overlong */
        else if (c == 0xED)
            hi = 0x9F;          /* surrogates U+D800..DFFF */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;          /* overlong */
        else if (c == 0xF4)
            hi = 0x8F;          /* above U+10FFFF */
    } else {
        return 0;               /* continuation byte, C0/C1 overlong, F5..FF */
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

static char *utf8_put(char *d, unsigned long cp)
{
    if (cp < 0x80) {
        *d++ = (char)cp;
    } else if (cp < 0x800) {
        *d++ = (char)(0xC0 | cp >> 6);
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *d++ = (char)(0xE0 | cp >> 12);
        *d++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *d++ = (char)(0xF0 | cp >> 18);
        *d++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *d++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    }
    return d;
}

/* ---- errors ---- */

/* The first failure wins: "what at byte N". */
static int fail(parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(parser *p, size_t at, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return kn_err_set(p->err, KN_EINVAL, "%s at byte %zu", what, at);
}

/* "unexpected character 'x'" or, for a byte that is not printable ASCII, its value. */
static int fail_unexpected(parser *p, const char *expected)
{
    if (p->pos >= p->n)
        return fail(p, p->pos, "unexpected end of input, expected %s", expected);
    unsigned char c = p->s[p->pos];
    if (c > 0x20 && c < 0x7F)
        return fail(p, p->pos, "unexpected character '%c', expected %s", c, expected);
    return fail(p, p->pos, "unexpected byte 0x%02X, expected %s", c, expected);
}

/* ---- arena ---- */

static fj_node *new_node(parser *p)
{
    if (p->nfree == p->nend) {
        fj_block *b = malloc(sizeof *b + p->next_block * sizeof(fj_node));
        if (!b)
            return NULL;
        b->next = p->doc->blocks;
        p->doc->blocks = b;
        p->nfree = b->nodes;
        p->nend = b->nodes + p->next_block;
        p->next_block *= 2;
    }
    fj_node *node = p->nfree++;
    *node = (fj_node){.kind = FJ_NULL};
    return node;
}

static int no_memory(parser *p)
{
    return kn_err_set(p->err, KN_ENOMEM, "out of memory parsing JSON at byte %zu", p->pos);
}

/* ---- duplicate keys ---- */

static int same_key(const fj_node *a, const fj_node *b)
{
    return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

static size_t key_hash(const fj_node *obj, const fj_node *member)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)obj;
    for (uint32_t i = 0; i < member->key_len; i++)
        h = (h ^ (unsigned char)member->key[i]) * 1099511628211ull;
    return (size_t)(h ^ h >> 29);
}

/* Insert member of obj; *dup receives an earlier member with the same key. */
static void keys_insert(parser *p, const fj_node *obj, const fj_node *member, const fj_node **dup)
{
    size_t mask = p->keys_cap - 1;
    for (size_t i = key_hash(obj, member) & mask;; i = (i + 1) & mask) {
        key_slot *k = &p->keys[i];
        if (!k->obj) {
            *k = (key_slot){obj, member};
            p->keys_used++;
            return;
        }
        if (k->obj == obj && same_key(k->member, member)) {
            *dup = k->member;
            return;
        }
    }
}

static int keys_grow(parser *p)
{
    size_t old_cap = p->keys_cap;
    key_slot *old = p->keys;
    size_t cap = old_cap ? old_cap * 2 : 256;
    p->keys = calloc(cap, sizeof *p->keys);
    if (!p->keys) {
        p->keys = old;
        return KN_ENOMEM;
    }
    p->keys_cap = cap;
    p->keys_used = 0;
    const fj_node *ignored = NULL;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].obj)
            keys_insert(p, old[i].obj, old[i].member, &ignored);
    free(old);
    return KN_OK;
}

/* Check the new last member of obj (its name at byte key_at) against the
 * earlier ones. KN_OK, KN_EINVAL naming the key, or KN_ENOMEM. */
static int check_duplicate(parser *p, fj_node *obj, const fj_node *member, size_t key_at)
{
    const fj_node *first = obj->child;
    const fj_node *dup = NULL;
    if (obj->len < DUP_LINEAR_MAX) {
        for (const fj_node *m = first; m != member && !dup; m = m->next)
            if (same_key(m, member))
                dup = m;
    } else {
        /* At the threshold every member goes into the set, later ones one by one. */
        const fj_node *from = obj->len == DUP_LINEAR_MAX ? first : member;
        for (const fj_node *m = from; m && !dup; m = m->next) {
            if ((p->keys_used + 1) * 2 > p->keys_cap && keys_grow(p) != KN_OK)
                return no_memory(p);
            keys_insert(p, obj, m, &dup);
        }
    }
    if (dup)
        return fail(p, key_at, "duplicate key '%.*s'",
                    member->key_len > 64 ? 64 : (int)member->key_len, member->key);
    return KN_OK;
}

/* ---- lexing ---- */

static void skip_ws(parser *p)
{
    while (p->pos < p->n) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            return;
        p->pos++;
    }
}

/* Byte classes inside a string: 0 plain, 1 quote, 2 backslash, 3 control, 4 non-ASCII. */
static const unsigned char str_class[256] = {
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

static int hex4(const unsigned char *s, unsigned long *out)
{
    unsigned long v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return 0;
        v = v << 4 | (unsigned long)d;
    }
    *out = v;
    return 1;
}

/* A \uXXXX escape at p->pos (the backslash), with its low surrogate when it is
 * a high one. Appends the UTF-8 at *d and moves past the escape(s). */
static int unicode_escape(parser *p, char **d)
{
    size_t at = p->pos;
    unsigned long cp, lo;
    if (p->n - at < 6 || !hex4(p->s + at + 2, &cp))
        return fail(p, at, "invalid \\u escape: four hex digits expected");
    p->pos += 6;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return fail(p, at, "lone low surrogate \\u%04lX", cp);
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        const unsigned char *s = p->s + p->pos;
        if (p->n - p->pos < 6 || s[0] != '\\' || s[1] != 'u' || !hex4(s + 2, &lo) || lo < 0xDC00 ||
            lo > 0xDFFF)
            return fail(p, at, "lone high surrogate \\u%04lX", cp);
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        p->pos += 6;
    }
    *d = utf8_put(*d, cp);
    return KN_OK;
}

/* The escape at p->pos (the backslash). */
static int escape(parser *p, char **d)
{
    if (p->pos + 1 >= p->n)
        return fail(p, p->pos, "unterminated escape");
    unsigned char c = p->s[p->pos + 1];
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit = c ? strchr(from, c) : NULL;
    if (hit) {
        *(*d)++ = to[hit - from];
        p->pos += 2;
        return KN_OK;
    }
    if (c == 'u')
        return unicode_escape(p, d);
    if (c > 0x20 && c < 0x7F)
        return fail(p, p->pos, "invalid escape '\\%c'", c);
    return fail(p, p->pos, "invalid escape: byte 0x%02X after '\\'", c);
}

/* The string starting at p->pos (its opening quote), decoded into the string area. */
static int parse_string(parser *p, const char **out, uint32_t *out_len)
{
    size_t start = p->pos++;
    char *begin = p->sp, *d = p->sp;
    while (p->pos < p->n) {
        const unsigned char *s = p->s;
        size_t run = p->pos;
        while (run < p->n && str_class[s[run]] == 0)
            run++;
        memcpy(d, s + p->pos, run - p->pos);
        d += run - p->pos;
        p->pos = run;
        if (run == p->n)
            break;
        int rc = KN_OK;
        switch (str_class[s[run]]) {
        case 1:
            *d = '\0';
            *out = begin;
            *out_len = (uint32_t)(d - begin);
            p->sp = d + 1;
            p->pos++;
            return KN_OK;
        case 2:
            rc = escape(p, &d);
            break;
        case 3:
            return fail(p, run, "unescaped control character 0x%02X in string", s[run]);
        default: {
            size_t k = fj_utf8_seq(s + run, p->n - run);
            if (!k)
                return fail(p, run, "invalid UTF-8");
            memcpy(d, s + run, k);
            d += k;
            p->pos += k;
        }
        }
        if (rc != KN_OK)
            return rc;
    }
    return fail(p, start, "unterminated string");
}

static int digits(parser *p)
{
    size_t from = p->pos;
    while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
        p->pos++;
    return p->pos > from;
}

static int at_char(const parser *p, char c)
{
    return p->pos < p->n && p->s[p->pos] == (unsigned char)c;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, copied as the lexeme. */
static int parse_number(parser *p, fj_node *node)
{
    size_t start = p->pos;
    p->pos += at_char(p, '-');
    if (at_char(p, '0')) {
        p->pos++;
        if (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
            return fail(p, start, "number with a leading zero");
    } else if (!digits(p)) {
        return fail(p, start, "invalid number: digit expected");
    }
    if (at_char(p, '.')) {
        p->pos++;
        if (!digits(p))
            return fail(p, p->pos, "invalid number: digit expected after '.'");
    }
    if (at_char(p, 'e') || at_char(p, 'E')) {
        p->pos++;
        p->pos += at_char(p, '+') || at_char(p, '-');
        if (!digits(p))
            return fail(p, p->pos, "invalid number: digit expected in exponent");
    }
    size_t len = p->pos - start;
    memcpy(p->sp, p->s + start, len);
    p->sp[len] = '\0';
    node->kind = FJ_NUMBER;
    node->str = p->sp;
    node->len = (uint32_t)len;
    p->sp += len + 1;
    return KN_OK;
}

static int parse_literal(parser *p, fj_node *node)
{
    static const struct {
        const char *word;
        fj_kind kind;
    } words[] = {{"true", FJ_TRUE}, {"false", FJ_FALSE}, {"null", FJ_NULL}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t len = strlen(words[i].word);
        if (p->n - p->pos >= len && memcmp(p->s + p->pos, words[i].word, len) == 0) {
            node->kind = words[i].kind;
            p->pos += len;
            return KN_OK;
        }
    }
    return fail_unexpected(p, "a value");
}

static int parse_value(parser *p, fj_node *node, int depth);

/* Members or elements up to the closing bracket; p->pos is at the opening one. */
static int parse_container(parser *p, fj_node *node, int depth)
{
    int is_object = p->s[p->pos] == '{';
    char close = is_object ? '}' : ']';
    node->kind = is_object ? FJ_OBJECT : FJ_ARRAY;
    if (depth > FJ_MAX_DEPTH)
        return fail(p, p->pos, "nesting deeper than %d levels", FJ_MAX_DEPTH);
    p->pos++;
    skip_ws(p);
    if (at_char(p, close)) {
        p->pos++;
        return KN_OK;
    }
    fj_node *last = NULL;
    size_t comma = 0, key_at = 0;
    for (;;) {
        skip_ws(p);
        if (at_char(p, close) && last)
            return fail(p, comma, "trailing comma");
        fj_node *child = new_node(p);
        if (!child)
            return no_memory(p);
        if (is_object) {
            if (!at_char(p, '"'))
                return fail_unexpected(p, "a member name");
            key_at = p->pos;
            int rc = parse_string(p, &child->key, &child->key_len);
            if (rc != KN_OK)
                return rc;
            skip_ws(p);
            if (!at_char(p, ':'))
                return fail_unexpected(p, "':'");
            p->pos++;
        }
        int rc = parse_value(p, child, depth);
        if (rc != KN_OK)
            return rc;
        if (last)
            last->next = child;
        else
            node->child = child;
        last = child;
        if (is_object && (rc = check_duplicate(p, node, child, key_at)) != KN_OK)
            return rc;
        node->len++;
        skip_ws(p);
        if (at_char(p, close)) {
            p->pos++;
            return KN_OK;
        }
        if (!at_char(p, ','))
            return fail_unexpected(p, is_object ? "',' or '}'" : "',' or ']'");
        comma = p->pos++;
    }
}

/* Any value at p->pos (after whitespace), at nesting `depth` (containers around it). */
static int parse_value(parser *p, fj_node *node, int depth)
{
    skip_ws(p);
    if (p->pos >= p->n)
        return fail_unexpected(p, "a value");
    unsigned char c = p->s[p->pos];
    node->offset = (uint32_t)p->pos;
    if (c == '{' || c == '[')
        return parse_container(p, node, depth + 1);
    if (c == '"') {
        node->kind = FJ_STRING;
        return parse_string(p, &node->str, &node->len);
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return parse_number(p, node);
    return parse_literal(p, node);
}

/* ---- the doc ---- */

/* One malloc: the doc, the first node block and the string area (len + 1). */
static fj_doc *doc_new(size_t len, parser *p)
{
    size_t head = (sizeof(fj_doc) + _Alignof(fj_node) - 1) / _Alignof(fj_node) * _Alignof(fj_node);
    size_t nodes = len / 12 + 16;
    fj_doc *doc = malloc(head + nodes * sizeof(fj_node) + len + 1);
    if (!doc)
        return NULL;
    doc->root = NULL;
    doc->blocks = NULL;
    p->doc = doc;
    p->nfree = (fj_node *)((char *)doc + head);
    p->nend = p->nfree + nodes;
    p->sp = (char *)p->nend;
    p->next_block = nodes;
    return doc;
}

int fj_parse(const char *text, size_t len, fj_doc **out, kn_err *err)
{
    *out = NULL;
    if (!text && len)
        return kn_err_set(err, KN_EINVAL, "no JSON text");
    if (len > FJ_MAX_TEXT)
        return kn_err_set(err, KN_EINVAL, "JSON text longer than %u bytes", FJ_MAX_TEXT);
    parser p = {.s = (const unsigned char *)text, .n = len, .err = err};
    if (!doc_new(len, &p))
        return kn_err_set(err, KN_ENOMEM, "out of memory parsing JSON");
    int rc;
    fj_node *root = new_node(&p); /* never NULL: the first block has room */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        rc = fail(&p, 0, "byte-order mark is not allowed");
    else
        rc = parse_value(&p, root, 0);
    if (rc == KN_OK) {
        skip_ws(&p);
        if (p.pos < p.n)
            rc = fail(&p, p.pos, "trailing content after the JSON value");
    }
    free(p.keys);
    if (rc != KN_OK) {
        fj_doc_free(p.doc);
        return rc;
    }
    p.doc->root = root;
    *out = p.doc;
    return KN_OK;
}

const fj_node *fj_root(const fj_doc *doc)
{
    return doc ? doc->root : NULL;
}

void fj_doc_free(fj_doc *doc)
{
    if (!doc)
        return;
    fj_block *b = doc->blocks;
    while (b) {
        fj_block *next = b->next;
        free(b);
        b = next;
    }
    free(doc);
}

/* ---- access ---- */

const fj_node *fj_get_n(const fj_node *obj, const char *key, size_t key_len)
{
    if (!obj || obj->kind != FJ_OBJECT || !key)
        return NULL;
    for (const fj_node *m = obj->child; m; m = m->next)
        if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0)
            return m;
    return NULL;
}

const fj_node *fj_get(const fj_node *obj, const char *key)
{
    return key ? fj_get_n(obj, key, strlen(key)) : NULL;
}

const fj_node *fj_at(const fj_node *arr, size_t i)
{
    if (!arr || arr->kind != FJ_ARRAY)
        return NULL;
    const fj_node *e = arr->child;
    while (e && i--)
        e = e->next;
    return e;
}

const char *fj_get_str(const fj_node *obj, const char *key)
{
    const fj_node *n = fj_get(obj, key);
    return n && n->kind == FJ_STRING ? n->str : NULL;
}

int fj_str_eq(const fj_node *n, const char *s)
{
    return n && s && n->kind == FJ_STRING && strlen(s) == n->len && memcmp(n->str, s, n->len) == 0;
}
