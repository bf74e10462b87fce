/* http_audit.c - GET /api/v1/audit?municipality=&actor=&action=&after=&limit=
 * for auditors. Decodes the query strictly (400 naming the parameter), calls
 * audit_query() (which narrows the read to municipalities where the caller is
 * auditor, see audit.h) and encodes the page. Page on with after=<last_seq>.
 */
#include "http_int.h"

#include "../audit/audit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_PAGE_DEFAULT 100

static int all_chars(const char *s, size_t min, size_t max, int (*ok)(int c))
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (!ok((unsigned char)s[i]))
            return 0;
    return n >= min && n <= max;
}

static int is_lower_hex(int c)
{
    return isdigit(c) || (c >= 'a' && c <= 'f');
}

static int is_action_char(int c)
{
    return islower(c) || isdigit(c) || c == '.' || c == '_' || c == '-';
}

static int valid_orgnr(const char *s)
{
    return all_chars(s, 9, 9, isdigit);
}

static int valid_id(const char *s)
{
    return all_chars(s, STORE_ID_LEN - 1, STORE_ID_LEN - 1, is_lower_hex);
}

static int valid_action(const char *s)
{
    return all_chars(s, 1, sizeof((store_audit *)0)->action - 1, is_action_char);
}

static int audit_params(const http_req *req, audit_query_params *f, kn_err *err)
{
    long after = 0, limit = 0;
    int rc = http_query_str(req, "municipality", valid_orgnr, "9 digits", &f->municipality, err);
    if (rc == KN_OK)
        rc = http_query_str(req, "actor", valid_id, "a 32-character id", &f->actor_id, err);
    if (rc == KN_OK)
        rc = http_query_str(req, "action", valid_action, "an action name like citizen.read",
                            &f->action, err);
    if (rc == KN_OK)
        rc = http_query_long(req, "after", 0, LONG_MAX, 0, &after, err);
    if (rc == KN_OK)
        rc = http_query_long(req, "limit", 1, AUDIT_PAGE_MAX, AUDIT_PAGE_DEFAULT, &limit, err);
    f->after_seq = after;
    f->limit = (size_t)limit;
    return rc;
}

static json_t *event_json(const void *record)
{
    const store_audit *e = record;
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "seq",
                     (json_int_t)e->seq, "at_ms", (json_int_t)e->at_ms, "actor_kind", e->actor_kind,
                     "actor_id", e->actor_id, "action", e->action, "municipality", e->municipality,
                     "object_type", e->object_type, "object_id", e->object_id, "request_id",
                     e->request_id, "outcome", e->outcome);
}

/* {"items":[...],"last_seq":N} */
int http_h_audit(http_req *req, kn_err *err)
{
    audit_query_params q = {0};
    store_audit *list = NULL;
    size_t n = 0;
    int64_t last_seq = 0;
    int rc = audit_params(req, &q, err);
    if (rc == KN_OK)
        rc = audit_query(req->env->app->st, &req->principal, &q, &list, &n, &last_seq, err);
    if (rc != KN_OK)
        return rc;
    json_t *body =
        json_pack("{s:o, s:I}", "items", http_items_json(list, n, sizeof *list, event_json),
                  "last_seq", (json_int_t)last_seq);
    free(list);
    if (!body)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the audit events");
    return http_reply_json(req, 200, body, err);
}
