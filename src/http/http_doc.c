/* http_doc.c - the API reference, rendered from the route table itself, so
 * the documentation (docs/api.md, `knute routes`) cannot drift from what the
 * dispatcher enforces. */
#include "http_int.h"

#include <stdio.h>
#include <string.h>

static void access_text(const http_route *r, char *out, size_t size)
{
    char roles[200];
    if (r->auth == HTTP_AUTH_NONE) {
        snprintf(out, size, "none");
        return;
    }
    if (r->roles == 0 || r->roles == AUTH_ROLE_ANY) {
        snprintf(out, size, "%s", r->roles ? "any role" : "any authenticated caller");
    } else {
        auth_roles_format(r->roles, roles, sizeof roles);
        snprintf(out, size, "%s", roles);
    }
    if (r->org_param) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, " at {%s}", r->org_param);
    }
}

static int route_row(kn_buf *out, const http_route *r)
{
    char access[256];
    access_text(r, access, sizeof access);
    const char *body = r->body == HTTP_BODY_JSON ? "JSON" : "-";
    return kn_buf_printf(out, "| %s | `%s` | %s | %s | %s | %s |\n", r->method, r->pattern, access,
                         r->scope ? r->scope : "-", body, r->summary ? r->summary : "");
}

int http_routes_markdown(kn_buf *out)
{
    size_t n;
    const http_route *table = http_routes(&n);
    int rc = kn_buf_puts(out, "| method | path | roles (users) | scope (clients) | body | what |\n"
                              "|---|---|---|---|---|---|\n");
    for (size_t i = 0; rc == KN_OK && i < n; i++)
        rc = route_row(out, &table[i]);
    return rc;
}
