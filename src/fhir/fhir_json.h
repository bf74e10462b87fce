/* fhir_json.h - the JSON reader and writer under the FHIR layer.
 *
 * FHIR JSON needs things a general JSON library does not give: duplicate keys
 * must be an error, decimals must keep their exact lexeme ("1.50" stays
 * "1.50" on the way back out), key order is kept so a resource serialises back
 * as it came, and a 3 KB message must parse without a malloc per value. So the
 * hub's hot path parses into an arena-backed, read-only tree of fj_node.
 *
 * Ownership: fj_parse() returns an fj_doc that owns every node and string in
 * it; fj_doc_free() releases all of it at once. Nodes are never freed one by
 * one and must not outlive their doc. A doc is used by one thread at a time.
 */
#ifndef KN_FHIR_JSON_H
#define KN_FHIR_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "../core/core_buf.h"
#include "../core/core_err.h"

typedef enum fj_kind {
    FJ_NULL = 0,
    FJ_FALSE,
    FJ_TRUE,
    FJ_NUMBER,      /* str/len hold the lexeme exactly as written ("1.50", "-0", "1e3") */
    FJ_STRING,      /* str/len hold the decoded UTF-8 text, NUL-terminated; may contain NUL if \u0000 */
    FJ_ARRAY,       /* child .. next chain, count in len */
    FJ_OBJECT       /* child .. next chain of members (each has key), count in len */
} fj_kind;

typedef struct fj_node fj_node;
struct fj_node {
    fj_kind kind;
    uint32_t len;           /* STRING: bytes; NUMBER: lexeme bytes; ARRAY/OBJECT: children */
    const char *str;        /* STRING/NUMBER text, NUL-terminated; NULL otherwise */
    const char *key;        /* member name when the parent is an object, NUL-terminated; else NULL */
    uint32_t key_len;
    uint32_t offset;        /* byte offset of the value in the source text */
    fj_node *child;         /* first element / member */
    fj_node *next;          /* next sibling in the parent */
};

typedef struct fj_doc fj_doc;

/* Limits that keep hostile input bounded. */
#define FJ_MAX_DEPTH 64         /* nesting of arrays/objects */

/* Parse len bytes of UTF-8 JSON text (need not be NUL-terminated). Rejects:
 * invalid UTF-8, a byte-order mark, duplicate keys in one object, nesting
 * deeper than FJ_MAX_DEPTH, trailing content, numbers that are not JSON
 * numbers, unescaped control characters in strings. On failure returns
 * KN_EINVAL (KN_ENOMEM) and err->msg says what and at which byte offset
 * ("duplicate key 'id' at byte 120"); *out is set to NULL.
 * On success *out is a new doc the caller frees with fj_doc_free(). */
int fj_parse(const char *text, size_t len, fj_doc **out, kn_err *err);

/* The root value of a parsed doc. Never NULL for a doc from fj_parse(). */
const fj_node *fj_root(const fj_doc *doc);

/* Free a doc and every node in it. NULL-safe. */
void fj_doc_free(fj_doc *doc);

/* Member `key` of an object, or NULL (also when obj is NULL or not an object). */
const fj_node *fj_get(const fj_node *obj, const char *key);

/* Element i of an array, or NULL. O(i). */
const fj_node *fj_at(const fj_node *arr, size_t i);

/* Member whose name is the key_len bytes at key (names may hold NUL from
 * \u0000), or NULL. */
const fj_node *fj_get_n(const fj_node *obj, const char *key, size_t key_len);

/* String value of member `key` when it is a string, else NULL. */
const char *fj_get_str(const fj_node *obj, const char *key);

/* True when n is a string equal to s. */
int fj_str_eq(const fj_node *n, const char *s);

/* Serialise n (and everything under it) as compact JSON, keys in source order,
 * numbers as their original lexemes, strings re-escaped minimally (", \\,
 * control characters; non-ASCII written as UTF-8). KN_OK or the kn_buf error. */
int fj_write(const fj_node *n, kn_buf *out);

/* Append s (len bytes) as a JSON string literal with the escaping of
 * fj_write(). Bytes that are not valid UTF-8 are written as U+FFFD, so the
 * output is always valid JSON text. KN_OK or the kn_buf error. */
int fj_write_string(const char *s, size_t len, kn_buf *out);

/* Length (1-4) of the well-formed UTF-8 sequence at s, of which n bytes are
 * available; 0 when it is not one (stray continuation byte, overlong form,
 * surrogate, above U+10FFFF, truncated). */
size_t fj_utf8_seq(const unsigned char *s, size_t n);

/* Deep equality of two values: same kind, same strings, numbers equal by
 * lexeme, arrays in order, objects with the same members in any order. Used
 * for FHIR fixed[x]/pattern[x] checks. */
int fj_equal(const fj_node *a, const fj_node *b);

/* True when every member in `pattern` (recursively) is present with an equal
 * value in `n`; arrays in a pattern match when each pattern element matches
 * some element of n. FHIR pattern[x] semantics. */
int fj_matches_pattern(const fj_node *n, const fj_node *pattern);

#endif
