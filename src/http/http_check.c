/* http_check.c - pure request checks used by the dispatcher: media type of a
 * JSON body, the request id, JSON nesting depth, and which paths belong to the
 * static file handler. No I/O; unit-tested in test_http_routes.c.
 */
#include "http_int.h"

#include "../core/core_util.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

int http_content_type_is_json(const char *content_type)
{
    static const char prefix[] = "application/";
    if (!content_type)
        return 0;
    const char *s = skip_space(content_type);
    if (strncasecmp(s, prefix, sizeof prefix - 1) != 0)
        return 0;
    s += sizeof prefix - 1;
    size_t sub = strcspn(s, "; \t");
    const char *rest = skip_space(s + sub);
    if (*rest != '\0' && *rest != ';')
        return 0;
    if (sub == 4 && strncasecmp(s, "json", 4) == 0)
        return 1;
    return sub > 5 && strncasecmp(s + sub - 5, "+json", 5) == 0;
}

void http_request_id(const char *client_value, char out[HTTP_REQUEST_ID_MAX + 1])
{
    size_t n = client_value ? strlen(client_value) : 0;
    int ok = n >= 1 && n <= HTTP_REQUEST_ID_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)client_value[i]) || client_value[i] == '-';
    if (ok)
        memcpy(out, client_value, n + 1);
    else
        kn_id_new(out);
}

int http_json_depth_ok(const char *text, size_t len, int max_depth)
{
    int depth = 0, in_string = 0, escaped = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (escaped)
                escaped = 0;
            else if (c == '\\')
                escaped = 1;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth)
                return 0;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return 1;
}

int http_path_is_static(const char *path)
{
    static const char *const reserved[] = {"/api", "/fhir", "/epj", "/healthz", "/readyz", "/metrics"};
    /* API namespaces: the JSON API, FHIR operations and the hub's EPJ interface */
    if (strncmp(path, "/api/", 5) == 0 || strncmp(path, "/fhir/", 6) == 0 ||
        strncmp(path, "/epj/", 5) == 0)
        return 0;
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(path, reserved[i]) == 0)
            return 0;
    return 1;
}
