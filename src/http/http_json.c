/* http_json.c - decode and encode helpers shared by the handlers: strict
 * string fields of a JSON body, strict query parameters, and the JSON shapes
 * of grants and timestamps. Every failure is KN_EINVAL naming the field or
 * parameter, so handlers just return it.
 */
#include "http_int.h"

#include "../core/core_util.h"

#include <string.h>

static const http_field *field_named(const http_field *fields, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    return NULL;
}

int http_json_string(const char *name, const json_t *value, int required, size_t max_len,
                     const char **out, kn_err *err)
{
    if ((!value || json_is_null(value)) && !required)
        return KN_OK; /* null = absent, as answers write absent optional fields */
    if (!json_is_string(value))
        return kn_err_set(err, KN_EINVAL, "field '%s' must be a string", name);
    size_t len = json_string_length(value);
    const char *s = json_string_value(value);
    if (len > max_len)
        return kn_err_set(err, KN_EINVAL, "field '%s' is longer than %zu bytes", name, max_len);
    if (strlen(s) != len)
        return kn_err_set(err, KN_EINVAL, "field '%s' holds a NUL character", name);
    *out = s;
    return KN_OK;
}

static int field_take(const http_field *f, const json_t *value, kn_err *err)
{
    return http_json_string(f->name, value, f->required, f->max_len, f->out, err);
}

int http_body_fields(const http_req *req, const http_field *fields, size_t n, kn_err *err)
{
    if (!json_is_object(req->json))
        return kn_err_set(err, KN_EINVAL, "the body must be a JSON object");
    for (size_t i = 0; i < n; i++)
        *fields[i].out = NULL;
    const char *key;
    json_t *value;
    json_object_foreach(req->json, key, value)
    {
        const http_field *f = field_named(fields, n, key);
        if (!f)
            return kn_err_set(err, KN_EINVAL, "unknown field '%.64s'", key);
        int rc = field_take(f, value, err);
        if (rc != KN_OK)
            return rc;
    }
    for (size_t i = 0; i < n; i++)
        if (fields[i].required && !*fields[i].out)
            return kn_err_set(err, KN_EINVAL, "field '%s' is required", fields[i].name);
    return KN_OK;
}

/* Plain decimal digits with an optional leading '-' (no spaces, no '+'). */
static int plain_integer(const char *s)
{
    s += *s == '-';
    return *s && strspn(s, "0123456789") == strlen(s);
}

int http_parse_query_long(const char *name, const char *value, long min, long max, long dflt,
                          long *out, kn_err *err)
{
    if (!value) {
        *out = dflt;
        return KN_OK;
    }
    if (!plain_integer(value) || kn_parse_long(value, min, max, out) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "query parameter '%s' must be an integer in %ld..%ld",
                          name, min, max);
    return KN_OK;
}

int http_query_long(const http_req *req, const char *name, long min, long max, long dflt, long *out,
                    kn_err *err)
{
    return http_parse_query_long(name, http_req_query(req, name), min, max, dflt, out, err);
}

int http_query_str(const http_req *req, const char *name, int (*valid)(const char *),
                   const char *expected, const char **out, kn_err *err)
{
    const char *value = http_req_query(req, name);
    *out = NULL;
    if (!value)
        return KN_OK;
    if (!valid(value))
        return kn_err_set(err, KN_EINVAL, "query parameter '%s' must be %s", name, expected);
    *out = value;
    return KN_OK;
}

json_t *http_items_json(const void *list, size_t n, size_t size, http_encode_fn encode)
{
    json_t *items = json_array();
    for (size_t i = 0; items && i < n; i++) {
        json_t *item = encode((const char *)list + i * size);
        if (!item || json_array_append_new(items, item) != 0) {
            json_decref(items);
            return NULL;
        }
    }
    return items;
}

static const struct {
    uint32_t bit;
    const char *name;
} role_names[] = {
#define HTTP_ROLE_ROW(name, bit, text) {AUTH_ROLE_##name, text},
    AUTH_ROLE_LIST(HTTP_ROLE_ROW)
#undef HTTP_ROLE_ROW
};

static json_t *roles_json(uint32_t mask)
{
    json_t *roles = json_array();
    for (size_t i = 0; roles && i < sizeof role_names / sizeof role_names[0]; i++)
        if (mask & role_names[i].bit)
            json_array_append_new(roles, json_string(role_names[i].name));
    return roles;
}

json_t *http_grants_json(const store_grant *grants, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, json_pack("{s:s, s:o}", "orgnr", grants[i].orgnr, "roles",
                                              roles_json(grants[i].roles)));
    return list;
}

json_t *http_time_json(int64_t unix_s)
{
    char text[32];
    kn_time_format(unix_s, text, sizeof text);
    return json_string(text);
}
