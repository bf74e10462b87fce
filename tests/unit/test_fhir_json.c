/* test_fhir_json.c - the strict JSON reader and writer under the FHIR layer
 * (fhir_json.h): what RFC 8259 allows and what it does not, with the byte
 * offset in each message; duplicate keys; exact number lexemes and key order
 * on the way back out; \u escapes; deep equality and FHIR pattern matching;
 * and a large generated document. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fhir/fhir_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse text (len bytes) and expect success; the caller frees the doc. */
static fj_doc *parse_ok_n(const char *text, size_t len)
{
    fj_doc *doc = NULL;
    kn_err err = {0};
    int rc = fj_parse(text, len, &doc, &err);
    if (rc != KN_OK)
        fail_msg("'%s' rejected: %s", text, err.msg);
    assert_non_null(doc);
    assert_non_null(fj_root(doc));
    return doc;
}

static fj_doc *parse_ok(const char *text)
{
    return parse_ok_n(text, strlen(text));
}

/* Serialise n compactly; the caller frees the result. */
static char *write_str(const fj_node *n)
{
    kn_buf b;
    kn_buf_init(&b, 1 << 24);
    assert_int_equal(fj_write(n, &b), KN_OK);
    return kn_buf_detach(&b, NULL);
}

static void test_valid_corpus(void **state)
{
    (void)state;
    static const char *valid[] = {
        "{}", "[]", "0", "-0", "-0.0", "1.50", "1E+2", "1e-7", "123456789012345678901234567890",
        "\"\"", "true", "false", "null", " \t\r\n[ 1 , 2 ]\n ", "{\"a\":{\"b\":[null,true,{}]}}",
        "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\xC3\xA6\xC3\xB8\xC3\xA5\"", "\"\xF4\x8F\xBF\xBF\"",
        "\"\xEF\xBB\xBF\"", /* U+FEFF inside a string is text, not a BOM */
        "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "[\"\x7F\"]", "{\"\":0}",
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        fj_doc_free(parse_ok(valid[i]));
}

static const struct bad_case {
    const char *text;
    size_t len;                 /* 0: strlen(text) */
    const char *expect;         /* substring of err.msg, with the offset */
} bad_cases[] = {
    {"", 0, "unexpected end of input, expected a value at byte 0"},
    {"   ", 0, "unexpected end of input, expected a value at byte 3"},
    {"\xEF\xBB\xBF{}", 0, "byte-order mark is not allowed at byte 0"},
    {"[1,]", 0, "trailing comma at byte 2"},
    {"{\"a\":1,}", 0, "trailing comma at byte 6"},
    {"[1,,2]", 0, "unexpected character ',', expected a value at byte 3"},
    {"01", 0, "leading zero at byte 0"},
    {"[-01]", 0, "leading zero at byte 1"},
    {"00.5", 0, "leading zero at byte 0"},
    {"1.", 0, "digit expected after '.' at byte 2"},
    {"1.e5", 0, "digit expected after '.' at byte 2"},
    {"1e", 0, "digit expected in exponent at byte 2"},
    {"[1e+]", 0, "digit expected in exponent at byte 4"},
    {"-", 0, "invalid number: digit expected at byte 0"},
    {"-a", 0, "invalid number: digit expected at byte 0"},
    {"+1", 0, "unexpected character '+', expected a value at byte 0"},
    {".5", 0, "unexpected character '.', expected a value at byte 0"},
    {"NaN", 0, "unexpected character 'N', expected a value at byte 0"},
    {"[Infinity]", 0, "unexpected character 'I', expected a value at byte 1"},
    {"tru", 0, "unexpected character 't', expected a value at byte 0"},
    {"nulll", 0, "trailing content after the JSON value at byte 4"},
    {"[1] x", 0, "trailing content after the JSON value at byte 4"},
    {"{\"a\":1}}", 0, "trailing content after the JSON value at byte 7"},
    {"\"a\"\0", 4, "trailing content after the JSON value at byte 3"},
    {"{\"a\":1,\"a\":2}", 0, "duplicate key 'a' at byte 7"},
    {"{\"a\":1,\"\\u0061\":2}", 0, "duplicate key 'a' at byte 7"},
    {"{\"x\":{\"id\":1,\"b\":2,\"id\":3}}", 0, "duplicate key 'id' at byte 19"},
    {"\"\\x\"", 0, "invalid escape '\\x' at byte 1"},
    {"\"\\\x01\"", 0, "invalid escape: byte 0x01 after '\\' at byte 1"},
    {"\"\\", 0, "unterminated escape at byte 1"},
    {"\"\\u12G4\"", 0, "invalid \\u escape: four hex digits expected at byte 1"},
    {"\"\\u12\"", 0, "invalid \\u escape: four hex digits expected at byte 1"},
    {"\"\\ud800\"", 0, "lone high surrogate \\uD800 at byte 1"},
    {"\"ab\\ud800\\u0041\"", 0, "lone high surrogate \\uD800 at byte 3"},
    {"\"\\udbff\\udbff\"", 0, "lone high surrogate \\uDBFF at byte 1"},
    {"\"\\udc00\"", 0, "lone low surrogate \\uDC00 at byte 1"},
    {"\"a\x01\"", 0, "unescaped control character 0x01 in string at byte 2"},
    {"\"\t\"", 0, "unescaped control character 0x09 in string at byte 1"},
    {"\"a\nb\"", 0, "unescaped control character 0x0A in string at byte 2"},
    {"\"\0\"", 3, "unescaped control character 0x00 in string at byte 1"},
    {"\"\xC0\xAF\"", 0, "invalid UTF-8 at byte 1"},          /* overlong '/' */
    {"\"\xC1\xBF\"", 0, "invalid UTF-8 at byte 1"},          /* overlong */
    {"\"x\xE0\x80\xAF\"", 0, "invalid UTF-8 at byte 2"},     /* overlong, 3 bytes */
    {"\"\xF0\x80\x80\xAF\"", 0, "invalid UTF-8 at byte 1"},  /* overlong, 4 bytes */
    {"\"\xED\xA0\x80\"", 0, "invalid UTF-8 at byte 1"},      /* surrogate U+D800 */
    {"\"\xED\xBF\xBF\"", 0, "invalid UTF-8 at byte 1"},      /* surrogate U+DFFF */
    {"\"\xF4\x90\x80\x80\"", 0, "invalid UTF-8 at byte 1"},  /* U+110000 */
    {"\"\xF5\x80\x80\x80\"", 0, "invalid UTF-8 at byte 1"},
    {"\"\xFF\"", 0, "invalid UTF-8 at byte 1"},
    {"\"\x80\"", 0, "invalid UTF-8 at byte 1"},              /* stray continuation */
    {"\"\xC3\"", 0, "invalid UTF-8 at byte 1"},              /* truncated */
    {"\"\xE2\x82x\"", 0, "invalid UTF-8 at byte 1"},         /* bad continuation */
    {"\"abc", 0, "unterminated string at byte 0"},
    {"{\"a\":\"b", 0, "unterminated string at byte 5"},
    {"[1 2]", 0, "unexpected character '2', expected ',' or ']' at byte 3"},
    {"{\"a\" 1}", 0, "unexpected character '1', expected ':' at byte 5"},
    {"{\"a\":1 \"b\":2}", 0, "expected ',' or '}' at byte 7"},
    {"{1:2}", 0, "unexpected character '1', expected a member name at byte 1"},
    {"{'a':2}", 0, "unexpected character ''', expected a member name at byte 1"},
    {"[\xC3\xA9]", 0, "unexpected byte 0xC3, expected a value at byte 1"},
    {"[1,", 0, "unexpected end of input, expected a value at byte 3"},
    {"{\"a\":", 0, "unexpected end of input, expected a value at byte 5"},
    {"{", 0, "unexpected end of input, expected a member name at byte 1"},
    {"[\x0C]", 0, "unexpected byte 0x0C, expected a value at byte 1"}, /* form feed is no whitespace */
};

static void test_invalid_corpus(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        size_t len = c->len ? c->len : strlen(c->text);
        fj_doc *doc = (fj_doc *)1;
        kn_err err = {0};
        int rc = fj_parse(c->text, len, &doc, &err);
        if (rc != KN_EINVAL || !strstr(err.msg, c->expect))
            fail_msg("case %zu: rc %d, message '%s', expected '%s'", i, rc, err.msg, c->expect);
        assert_null(doc);
        assert_int_equal(err.status, KN_EINVAL);
    }
}

/* Arrays nested `depth` deep: "[[...]]". */
static char *nested(int depth)
{
    char *s = malloc((size_t)depth * 2 + 1);
    memset(s, '[', (size_t)depth);
    memset(s + depth, ']', (size_t)depth);
    s[depth * 2] = '\0';
    return s;
}

static void test_depth_limit(void **state)
{
    (void)state;
    char *ok = nested(FJ_MAX_DEPTH);
    fj_doc *doc = parse_ok(ok);
    const fj_node *n = fj_root(doc);
    int depth = 0;
    for (; n; n = n->child)
        depth++;
    assert_int_equal(depth, FJ_MAX_DEPTH);
    fj_doc_free(doc);
    free(ok);

    char *deep = nested(FJ_MAX_DEPTH + 1);
    kn_err err;
    assert_int_equal(fj_parse(deep, strlen(deep), &doc, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "nesting deeper than 64 levels at byte 64"));
    free(deep);
    /* objects count too */
    char obj[FJ_MAX_DEPTH * 8 + 8] = "";
    for (int i = 0; i <= FJ_MAX_DEPTH; i++)
        strcat(obj, "{\"a\":");
    assert_int_equal(fj_parse(obj, strlen(obj), &doc, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "nesting deeper"));
}

static void test_round_trip(void **state)
{
    (void)state;
    static const char *compact[] = {
        ("{\"resourceType\":\"Observation\",\"valueQuantity\":{\"value\":1.50,\"unit\":\"mmHg\"},"
         "\"z\":-0.0,\"a\":1E+2,\"b\":[true,false,null,{},[]],\"c\":\"\xC3\xA6/\\\"\\\\\\n\\t\\u0001\"}"),
        "[0,-0,1e-7,12345678901234567890,3.14159265358979323846264338327950288]",
        "\"\"",
        "{\"\":{\"\":\"\"}}",
        "\"\xF0\x9F\x98\x80\"",
    };
    for (size_t i = 0; i < sizeof compact / sizeof compact[0]; i++) {
        fj_doc *doc = parse_ok(compact[i]);
        char *out = write_str(fj_root(doc));
        assert_string_equal(out, compact[i]);
        free(out);
        fj_doc_free(doc);
    }
    /* Whitespace goes, key order and lexemes stay. */
    fj_doc *doc = parse_ok("{ \"b\" : 1.50 ,\n \"a\" : [ -0.0 , 1E+2 ] }");
    char *out = write_str(fj_root(doc));
    assert_string_equal(out, "{\"b\":1.50,\"a\":[-0.0,1E+2]}");
    free(out);
    const fj_node *b = fj_get(fj_root(doc), "b");
    assert_int_equal(b->kind, FJ_NUMBER);
    assert_string_equal(b->str, "1.50");
    assert_int_equal(b->len, 4);
    assert_string_equal(fj_at(fj_get(fj_root(doc), "a"), 0)->str, "-0.0");
    assert_string_equal(fj_at(fj_get(fj_root(doc), "a"), 1)->str, "1E+2");
    fj_doc_free(doc);
}

static void test_unicode_escapes(void **state)
{
    (void)state;
    fj_doc *doc = parse_ok("\"\\u00e6\\u00F8\\u20AC\\ud83d\\ude00\\u0000x\\/\"");
    const fj_node *s = fj_root(doc);
    assert_int_equal(s->kind, FJ_STRING);
    static const char expect[] = "\xC3\xA6\xC3\xB8\xE2\x82\xAC\xF0\x9F\x98\x80\0x/";
    assert_int_equal(s->len, sizeof expect - 1);
    assert_memory_equal(s->str, expect, sizeof expect - 1);
    assert_int_equal(s->str[s->len], '\0');
    /* Written back: UTF-8 as it is, the NUL escaped, '/' plain. */
    char *out = write_str(s);
    assert_string_equal(out, "\"\xC3\xA6\xC3\xB8\xE2\x82\xAC\xF0\x9F\x98\x80\\u0000x/\"");
    free(out);
    fj_doc_free(doc);
    /* Keys are decoded the same way, and a key holding NUL is found by length. */
    doc = parse_ok("{\"\\u00e6\":1,\"a\\u0000b\":2}");
    assert_string_equal(fj_get(fj_root(doc), "\xC3\xA6")->str, "1");
    assert_null(fj_get(fj_root(doc), "a"));
    assert_string_equal(fj_get_n(fj_root(doc), "a\0b", 3)->str, "2");
    fj_doc_free(doc);
}

static void test_offsets_and_access(void **state)
{
    (void)state;
    const char *text = "{\"id\": \"x1\", \"list\": [10, \"y\", {\"k\": null}], \"t\": true}";
    fj_doc *doc = parse_ok(text);
    const fj_node *root = fj_root(doc);
    assert_int_equal(root->kind, FJ_OBJECT);
    assert_int_equal(root->len, 3);
    assert_int_equal(root->offset, 0);
    const fj_node *id = fj_get(root, "id");
    assert_int_equal(id->offset, (uint32_t)(strstr(text, "\"x1\"") - text));
    assert_string_equal(id->key, "id");
    assert_int_equal(id->key_len, 2);
    assert_string_equal(fj_get_str(root, "id"), "x1");
    assert_true(fj_str_eq(id, "x1"));
    assert_false(fj_str_eq(id, "x"));
    assert_false(fj_str_eq(id, "x12"));
    const fj_node *list = fj_get(root, "list");
    assert_int_equal(list->kind, FJ_ARRAY);
    assert_int_equal(list->len, 3);
    assert_int_equal(list->offset, (uint32_t)(strchr(text, '[') - text));
    assert_string_equal(fj_at(list, 0)->str, "10");
    assert_int_equal(fj_at(list, 1)->offset, (uint32_t)(strstr(text, "\"y\"") - text));
    assert_null(fj_at(list, 0)->key);
    assert_int_equal(fj_at(list, 2)->kind, FJ_OBJECT);
    assert_int_equal(fj_get(fj_at(list, 2), "k")->kind, FJ_NULL);
    assert_null(fj_at(list, 3));
    assert_null(fj_get_str(root, "list"));
    assert_null(fj_get_str(root, "missing"));
    assert_int_equal(fj_get(root, "t")->kind, FJ_TRUE);
    assert_null(fj_get(list, "id"));    /* not an object */
    assert_null(fj_at(root, 0));        /* not an array */
    assert_null(fj_get(NULL, "id"));
    assert_null(fj_at(NULL, 0));
    assert_false(fj_str_eq(NULL, "x"));
    fj_doc_free(doc);
    fj_doc_free(NULL);
    assert_null(fj_root(NULL));
}

/* Equality and pattern cases: {a, b, equal?, b matches pattern a?} */
static const struct cmp_case {
    const char *a, *b;
    int equal;
    int matches;
} cmp_cases[] = {
    {"{\"a\":1,\"b\":[1,2]}", "{\"b\":[1,2],\"a\":1}", 1, 1},
    {"1.0", "1", 0, 0},                            /* numbers compare by lexeme */
    {"1.50", "1.50", 1, 1},
    {"[1,2]", "[2,1]", 0, 1},                      /* order matters for equality, not pattern */
    {"[1,2]", "[1,2,3]", 0, 1},
    {"[1,2,3]", "[1,2]", 0, 0},
    {"\"a\"", "\"a\"", 1, 1},
    {"\"a\"", "\"A\"", 0, 0},
    {"\"a\\u0000b\"", "\"a\\u0000c\"", 0, 0},      /* compared by length, not up to NUL */
    {"null", "false", 0, 0},
    {"true", "true", 1, 1},
    {"{}", "{\"x\":1}", 0, 1},
    {"{\"x\":1}", "{}", 0, 0},
    {"{\"x\":1}", "{\"x\":1,\"y\":2}", 0, 1},
    {"{\"x\":{\"y\":1}}", "{\"x\":{\"y\":1,\"z\":2}}", 0, 1},
    {"{\"x\":{\"y\":1}}", "{\"x\":{\"y\":2}}", 0, 0},
    {"{\"x\":1}", "[{\"x\":1}]", 0, 0},
    {"{\"a\":1,\"b\":2}", "{\"a\":1,\"c\":2}", 0, 0},
    {"[\"a\"]", "\"a\"", 0, 0},
    /* FHIR: a CodeableConcept pattern matches an instance with more codings and fields. */
    {"{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]}",
     "{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"364075005\"},"
     "{\"system\":\"http://loinc.org\",\"code\":\"8867-4\",\"display\":\"Heart rate\"}],"
     "\"text\":\"Puls\"}",
     0, 1},
    {"{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]}",
     "{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8480-6\"},"
     "{\"system\":\"http://other\",\"code\":\"8867-4\"}]}",
     0, 0},
    {"{\"coding\":[{\"code\":\"a\"},{\"code\":\"b\"}]}", "{\"coding\":[{\"code\":\"b\"},{\"code\":\"a\"}]}",
     0, 1},
    {"{\"coding\":[{\"code\":\"a\"},{\"code\":\"b\"}]}", "{\"coding\":[{\"code\":\"a\"}]}", 0, 0},
};

static void test_equal_and_pattern(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cmp_cases / sizeof cmp_cases[0]; i++) {
        const struct cmp_case *c = &cmp_cases[i];
        fj_doc *a = parse_ok(c->a), *b = parse_ok(c->b);
        if (fj_equal(fj_root(a), fj_root(b)) != c->equal ||
            fj_equal(fj_root(b), fj_root(a)) != c->equal)
            fail_msg("case %zu: equal should be %d", i, c->equal);
        if (!!fj_matches_pattern(fj_root(b), fj_root(a)) != c->matches)
            fail_msg("case %zu: match should be %d", i, c->matches);
        assert_true(fj_equal(fj_root(a), fj_root(a)));
        assert_true(fj_matches_pattern(fj_root(a), fj_root(a)));
        fj_doc_free(a);
        fj_doc_free(b);
    }
    assert_false(fj_equal(NULL, NULL));
    assert_false(fj_matches_pattern(NULL, NULL));
}

static void test_write_string_escaping(void **state)
{
    (void)state;
    kn_buf b;
    kn_buf_init(&b, 1024);
    /* Control characters, quote, backslash; invalid UTF-8 becomes U+FFFD. */
    static const char in[] = "a\"b\\c\x01\x1F\b\f\n\r\t\x7F\xC3\xA6\xFF\xED\xA0\x80z";
    assert_int_equal(fj_write_string(in, sizeof in - 1, &b), KN_OK);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\u0001\\u001f\\b\\f\\n\\r\\t\x7F\xC3\xA6"
                                "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDz\"");
    /* The result is itself strict JSON. */
    fj_doc *doc = parse_ok_n(b.data, b.len);
    fj_doc_free(doc);
    /* A full buffer is reported. */
    kn_buf small;
    kn_buf_init(&small, 4);
    assert_int_equal(fj_write_string("hello", 5, &small), KN_ETOOLARGE);
    kn_buf_release(&small);
    kn_buf_release(&b);
    assert_int_equal(fj_write(NULL, &b), KN_EINVAL);
}

static void test_utf8_seq(void **state)
{
    (void)state;
    const struct {
        const char *s;
        size_t expect;
    } cases[] = {
        {"a", 1},
        {"\xC2\x80", 2},
        {"\xDF\xBF", 2},
        {"\xE0\xA0\x80", 3},
        {"\xEF\xBF\xBF", 3},
        {"\xED\x9F\xBF", 3}, /* U+D7FF, just below the surrogates */
        {"\xEE\x80\x80", 3}, /* U+E000, just above */
        {"\xF0\x90\x80\x80", 4},
        {"\xF4\x8F\xBF\xBF", 4},
        {"\xC2", 0},
        {"\xE0\x9F\xBF", 0},
        {"\xF0\x8F\xBF\xBF", 0},
        {"\xF4\x90\x80\x80", 0},
        {"\xBF", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(fj_utf8_seq((const unsigned char *)cases[i].s, strlen(cases[i].s)),
                         cases[i].expect);
}

/* ---- a large generated document ---- */

typedef struct gen {
    kn_buf b;
    uint64_t state;
    int nodes;
} gen;

static unsigned rnd(gen *g, unsigned n)
{
    g->state = g->state * 6364136223846793005ull + 1442695040888963407ull;
    return (unsigned)(g->state >> 33) % n;
}

/* A string of random printable ASCII, escapes and UTF-8, in the writer's own form. */
static void gen_string(gen *g)
{
    static const char *pieces[] = {"a", "Z", "0", " ", "/", "\\\"", "\\\\", "\\n", "\\t",
                                   "\\u0001", "\xC3\xB8", "\xE2\x82\xAC", "\xF0\x9F\x92\x9A"};
    kn_buf_puts(&g->b, "\"");
    for (unsigned i = rnd(g, 12); i > 0; i--)
        kn_buf_puts(&g->b, pieces[rnd(g, sizeof pieces / sizeof pieces[0])]);
    kn_buf_puts(&g->b, "\"");
}

static void gen_value(gen *g, int depth)
{
    static const char *numbers[] = {"0", "-0", "1.50", "-12.25e-3", "1E+2", "42", "3.0"};
    g->nodes++;
    unsigned pick = depth >= 12 ? rnd(g, 4) : rnd(g, 6);
    if (pick == 0)
        kn_buf_puts(&g->b, numbers[rnd(g, 7)]);
    else if (pick == 1)
        gen_string(g);
    else if (pick == 2)
        kn_buf_puts(&g->b, rnd(g, 2) ? "true" : "null");
    else if (pick == 3)
        kn_buf_puts(&g->b, "false");
    else {
        int object = pick == 4;
        unsigned n = rnd(g, 8);
        kn_buf_puts(&g->b, object ? "{" : "[");
        for (unsigned i = 0; i < n; i++) {
            if (i)
                kn_buf_puts(&g->b, ",");
            if (object)
                kn_buf_printf(&g->b, "\"k%u\":", i); /* unique keys */
            gen_value(g, depth + 1);
        }
        kn_buf_puts(&g->b, object ? "}" : "]");
    }
}

static void test_large_generated(void **state)
{
    (void)state;
    gen g = {.state = 20240229};
    kn_buf_init(&g.b, 1 << 24);
    kn_buf_puts(&g.b, "[");
    for (int i = 0; g.b.len < 400000; i++) {
        if (i)
            kn_buf_puts(&g.b, ",");
        gen_value(&g, 1);
    }
    kn_buf_puts(&g.b, "]");
    fj_doc *doc = parse_ok_n(g.b.data, g.b.len);
    char *out = write_str(fj_root(doc));
    assert_int_equal(strlen(out), g.b.len);
    assert_memory_equal(out, g.b.data, g.b.len);
    free(out);
    fj_doc_free(doc);
    kn_buf_release(&g.b);
    assert_true(g.nodes > 20000);
}

/* An object with many members takes the hashed duplicate check. */
static void test_many_keys(void **state)
{
    (void)state;
    kn_buf b;
    kn_buf_init(&b, 1 << 22);
    kn_buf_puts(&b, "[{");
    for (int i = 0; i < 5000; i++)
        kn_buf_printf(&b, "%s\"key%d\":%d", i ? "," : "", i, i);
    kn_buf_puts(&b, "},{");
    for (int i = 0; i < 5000; i++) /* the same keys in another object are fine */
        kn_buf_printf(&b, "%s\"key%d\":%d", i ? "," : "", i, i);
    kn_buf_puts(&b, "}]");
    fj_doc *doc = parse_ok_n(b.data, b.len);
    const fj_node *second = fj_at(fj_root(doc), 1);
    assert_int_equal(second->len, 5000);
    assert_string_equal(fj_get(second, "key4999")->str, "4999");
    fj_doc_free(doc);

    /* A repeat far into a big object is found, at the repeated key. */
    b.len -= 2;
    size_t at = b.len + 1;
    kn_buf_puts(&b, ",\"key17\":0}]");
    kn_err err;
    assert_int_equal(fj_parse(b.data, b.len, &doc, &err), KN_EINVAL);
    char expect[64];
    snprintf(expect, sizeof expect, "duplicate key 'key17' at byte %zu", at);
    assert_string_equal(err.msg, expect);
    /* ... and one just past the linear threshold too. */
    kn_buf_reset(&b);
    kn_buf_puts(&b, "{");
    for (int i = 0; i < 17; i++)
        kn_buf_printf(&b, "\"k%d\":0,", i);
    kn_buf_puts(&b, "\"k0\":1}");
    assert_int_equal(fj_parse(b.data, b.len, &doc, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "duplicate key 'k0'"));
    kn_buf_release(&b);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    fj_doc *doc = (fj_doc *)1;
    kn_err err;
    assert_int_equal(fj_parse(NULL, 3, &doc, &err), KN_EINVAL);
    assert_null(doc);
    /* The text need not be NUL-terminated: only len bytes are read. */
    char text[3] = {'[', '1', ']'};
    doc = parse_ok_n(text, sizeof text);
    assert_int_equal(fj_root(doc)->len, 1);
    fj_doc_free(doc);
    /* Parsing stops at len even when more follows. */
    doc = parse_ok_n("[1]garbage", 3);
    fj_doc_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_corpus),       cmocka_unit_test(test_invalid_corpus),
        cmocka_unit_test(test_depth_limit),        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_unicode_escapes),    cmocka_unit_test(test_offsets_and_access),
        cmocka_unit_test(test_equal_and_pattern),  cmocka_unit_test(test_write_string_escaping),
        cmocka_unit_test(test_utf8_seq),           cmocka_unit_test(test_large_generated),
        cmocka_unit_test(test_many_keys),          cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
