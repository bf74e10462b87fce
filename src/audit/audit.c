/* audit.c - building audit events and reading the trail back (see audit.h).
 * A query without a municipality becomes one store read per municipality
 * where the caller is auditor plus one for events outside any municipality;
 * the sorted results are merged by seq and cut to the page size.
 */
#include "audit.h"

#include "../core/core_util.h"

#include <stdlib.h>
#include <string.h>

#define AUDIT_SOURCES (STORE_MAX_GRANTS + 1)

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static const char *actor_kind(const auth_principal *actor)
{
    if (!actor)
        return "system";
    return actor->kind == AUTH_PRINCIPAL_USER ? "user" : "client";
}

void audit_event_init(store_audit *ev, const auth_principal *actor, const char *action,
                      const char *municipality, const char *object_type, const char *object_id,
                      const char *request_id, const char *outcome)
{
    memset(ev, 0, sizeof *ev);
    ev->at_ms = kn_now_ms();
    kn_strcpy(ev->actor_kind, sizeof ev->actor_kind, actor_kind(actor));
    kn_strcpy(ev->actor_id, sizeof ev->actor_id, actor ? actor->id : "");
    kn_strcpy(ev->action, sizeof ev->action, or_empty(action));
    kn_strcpy(ev->municipality, sizeof ev->municipality, or_empty(municipality));
    kn_strcpy(ev->object_type, sizeof ev->object_type, or_empty(object_type));
    kn_strcpy(ev->object_id, sizeof ev->object_id, or_empty(object_id));
    kn_strcpy(ev->request_id, sizeof ev->request_id, or_empty(request_id));
    kn_strcpy(ev->outcome, sizeof ev->outcome, or_empty(outcome));
}

/* The municipality values one query may read: the one asked for (auditor
 * required there), or every municipality where p is auditor plus "" (events
 * outside any municipality, such as logins). */
static int audit_sources(const auth_principal *p, const char *asked, const char **out, size_t *n,
                         kn_err *err)
{
    *n = 0;
    if (asked) {
        out[(*n)++] = asked;
        return auth_require(p, AUTH_ROLE_AUDITOR, asked, AUDIT_SCOPE_READ, err);
    }
    int rc = auth_require(p, AUTH_ROLE_AUDITOR, NULL, AUDIT_SCOPE_READ, err);
    if (rc != KN_OK)
        return rc;
    for (size_t i = 0; i < p->ngrants && i < STORE_MAX_GRANTS; i++)
        if (auth_require(p, AUTH_ROLE_AUDITOR, p->grants[i].orgnr, AUDIT_SCOPE_READ, NULL) == KN_OK)
            out[(*n)++] = p->grants[i].orgnr;
    out[(*n)++] = "";
    return KN_OK;
}

/* One sorted store list per source, with a read position each. */
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

/* The first `limit` events of the merged lists, in one new array. */
static int lists_merge(audit_lists *l, size_t limit, store_audit **list, size_t *n,
                       int64_t *last_seq, kn_err *err)
{
    size_t total = 0;
    for (size_t i = 0; i < l->k; i++)
        total += l->n[i];
    size_t count = total < limit ? total : limit;
    store_audit *out = count ? malloc(count * sizeof *out) : NULL;
    if (count && !out)
        return kn_err_set(err, KN_ENOMEM, "out of memory merging audit events");
    for (size_t i = 0; i < count; i++)
        out[i] = *lists_next(l);
    *list = out;
    *n = count;
    if (count)
        *last_seq = out[count - 1].seq;
    return KN_OK;
}

int audit_query(store *st, const auth_principal *p, const audit_query_params *q, store_audit **list,
                size_t *n, int64_t *last_seq, kn_err *err)
{
    *list = NULL;
    *n = 0;
    *last_seq = q->after_seq; /* an empty page keeps the cursor where it was */
    if (q->limit == 0 || q->limit > AUDIT_PAGE_MAX)
        return kn_err_set(err, KN_EINVAL, "limit must be 1..%d", AUDIT_PAGE_MAX);
    if (q->after_seq < 0)
        return kn_err_set(err, KN_EINVAL, "after must not be negative");
    const char *sources[AUDIT_SOURCES];
    size_t k = 0;
    audit_lists lists = {0};
    int rc = audit_sources(p, q->municipality, sources, &k, err);
    if (rc == KN_OK)
        rc = lists_fetch(st, *q, sources, k, &lists, err);
    if (rc == KN_OK)
        rc = lists_merge(&lists, q->limit, list, n, last_seq, err);
    lists_free(&lists);
    return rc;
}
