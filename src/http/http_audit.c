/* http_audit.c - GET /api/v1/audit?municipality=&actor=&action=&after=&limit=
 * for auditors. The route table requires the auditor role somewhere; an
 * auditor reads only municipalities where they hold the role (a named one, or
 * all of theirs merged by seq) plus events outside any municipality. Query
 * values are checked strictly (400 naming the parameter). Page on with
 * after=<last_seq>.
 */
#include "http_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_PAGE_MAX 1000
#define AUDIT_PAGE_DEFAULT 100
#define AUDIT_SOURCES (STORE_MAX_GRANTS + 1)

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

static int audit_filter(const http_req *req, store_audit_filter *f, kn_err *err)
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

/* The municipalities one request may read: the one asked for (auditor
 * required there), or every municipality where the principal is auditor plus
 * "" (events outside any municipality, such as logins). */
static int audit_sources(const http_req *req, const char *asked, const char **out, size_t *n,
                         kn_err *err)
{
    const auth_principal *p = &req->principal;
    const char *scope = req->match.route->scope;
    *n = 0;
    if (asked) {
        out[(*n)++] = asked;
        return auth_require(p, AUTH_ROLE_AUDITOR, asked, scope, err);
    }
    for (size_t i = 0; i < p->ngrants && i < STORE_MAX_GRANTS; i++)
        if (auth_require(p, AUTH_ROLE_AUDITOR, p->grants[i].orgnr, scope, NULL) == KN_OK)
            out[(*n)++] = p->grants[i].orgnr;
    out[(*n)++] = "";
    return KN_OK;
}

typedef struct audit_lists {
    size_t k;
    store_audit *list[AUDIT_SOURCES];
    size_t n[AUDIT_SOURCES];
    size_t pos[AUDIT_SOURCES];
} audit_lists;

static void lists_free(audit_lists *l)
{
    for (size_t i = 0; i < l->k; i++)
        free(l->list[i]);
}

static int lists_fetch(store *st, store_audit_filter f, const char **sources, size_t k,
                       audit_lists *out, kn_err *err)
{
    int rc = KN_OK;
    for (out->k = 0; out->k < k && rc == KN_OK; out->k++) {
        f.municipality = sources[out->k];
        rc = st->ops->audit_list(st, &f, &out->list[out->k], &out->n[out->k], err);
    }
    return rc;
}

/* The next event by seq across all lists, or NULL. */
static const store_audit *lists_next(audit_lists *l)
{
    size_t best = l->k;
    for (size_t i = 0; i < l->k; i++)
        if (l->pos[i] < l->n[i] &&
            (best == l->k || l->list[i][l->pos[i]].seq < l->list[best][l->pos[best]].seq))
            best = i;
    return best == l->k ? NULL : &l->list[best][l->pos[best]++];
}

/* {"items":[...],"last_seq":N}: the first `limit` events of the merged lists. */
static json_t *events_json(audit_lists *l, size_t limit)
{
    json_t *items = json_array();
    json_int_t last = 0;
    const store_audit *e;
    for (size_t i = 0; items && i < limit && (e = lists_next(l)); i++) {
        json_array_append_new(items, event_json(e));
        last = (json_int_t)e->seq;
    }
    return json_pack("{s:o, s:I}", "items", items, "last_seq", last);
}

int http_h_audit(http_req *req, kn_err *err)
{
    store_audit_filter filter = {0};
    const char *sources[AUDIT_SOURCES];
    size_t k = 0;
    audit_lists lists = {0};
    int rc = audit_filter(req, &filter, err);
    if (rc == KN_OK)
        rc = audit_sources(req, filter.municipality, sources, &k, err);
    if (rc == KN_OK)
        rc = lists_fetch(req->env->app->st, filter, sources, k, &lists, err);
    json_t *body = rc == KN_OK ? events_json(&lists, filter.limit) : NULL;
    lists_free(&lists);
    if (rc != KN_OK)
        return rc;
    if (!body)
        return kn_err_set(err, KN_EINTERNAL, "cannot encode the audit events");
    return http_reply_json(req, 200, body, err);
}
