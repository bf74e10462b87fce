/* hub_read_search.c - search parameters in, searchset Bundle out, for the
 * hub's read interfaces (hub_read.c does access, audit and the store calls).
 *
 * Parameters: those of hub_read_types() for the type, plus _count (1..100),
 * _page_token (the cursor of a `next` link) and _format (json only). Anything
 * else - an unknown name, a modifier, a comma-separated OR list - is refused
 * with KN_EINVAL naming the parameter, rather than silently ignored (which
 * would widen a search of personal data).
 */
#include "hub_read_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/core_util.h"
#include "../fhir/fhir_json.h"

#define OID_FNR "urn:oid:2.16.578.1.12.4.1.4.1"
#define OID_DNR "urn:oid:2.16.578.1.12.4.1.4.2"
#define NO_MATCH "-" /* a value no record holds */

static int param_known(const hub_read_type *t, const char *name)
{
    for (size_t i = 0; i < t->nparams; i++)
        if (strcmp(t->params[i].name, name) == 0)
            return 1;
    return 0;
}

static int bad(kn_err *err, const char *name, const char *why)
{
    return kn_err_set(err, KN_EINVAL, "search parameter '%s': %s", name, why);
}

/* Copy value into a text slot and split it at the first '|': *system is the
 * part before (NULL when there is no '|'), *code the part after. */
static int split_token(hub_search_q *s, const char *value, const char **system, const char **code)
{
    if (s->ntext >= sizeof s->text / sizeof s->text[0])
        return 0;
    char *slot = s->text[s->ntext++];
    kn_strcpy(slot, HUB_READ_VALUE_MAX, value);
    char *bar = strchr(slot, '|');
    *system = bar ? slot : NULL;
    if (bar)
        *bar = '\0';
    *code = bar ? bar + 1 : slot;
    return **code != '\0';
}

static int apply_identifier(hub_search_q *s, const char *value, kn_err *err)
{
    const char *system, *code;
    if (!split_token(s, value, &system, &code))
        return bad(err, "identifier", "expected [system]|[value]");
    if (system && *system && strcmp(system, OID_FNR) != 0 && strcmp(system, OID_DNR) != 0)
        code = NO_MATCH; /* the register holds only FNR and D-nummer */
    s->patient.nin = code;
    return KN_OK;
}

/* patient=Patient/{id}: the citizen's number, when the receiver has it. */
static const char *patient_by_id(hub_ctx *hub, const hub_read_req *req, hub_search_q *s,
                                 const char *id)
{
    store_citizen *list = NULL;
    size_t n = 0;
    store_hubread_patient_query q = {.municipality = req->receiver, .id = id, .limit = 1};
    if (hub->st->ops->hubread->patient_search(hub->st, &q, &list, &n, NULL) == KN_OK && n == 1)
        kn_strcpy(s->nin, sizeof s->nin, list[0].nin);
    free(list);
    return s->nin[0] ? s->nin : NULL;
}

static int apply_patient(hub_ctx *hub, const hub_read_req *req, hub_search_q *s, const char *name,
                         const char *value, kn_err *err)
{
    if (s->index.patient_value)
        return bad(err, name, "give patient or subject once");
    if (strncmp(value, "Patient/", 8) == 0) {
        const char *nin = patient_by_id(hub, req, s, value + 8);
        s->index.patient_value = nin ? nin : value; /* else: a literal reference */
        return KN_OK;
    }
    const char *system, *code;
    if (!split_token(s, value, &system, &code))
        return bad(err, name, "expected [system]|[value], [value] or Patient/[id]");
    s->index.patient_system = system;
    s->index.patient_value = code;
    return KN_OK;
}

static int apply_token(hub_search_q *s, const char *name, const char *value, kn_err *err)
{
    if (s->index.nmatch >= 2)
        return bad(err, name, "at most two code, type or category conditions");
    store_hubread_match *m = &s->index.match[s->index.nmatch];
    if (!split_token(s, value, &m->system, &m->code))
        return bad(err, name, "expected [system]|[code] or [code]");
    m->param = name;
    s->index.nmatch++;
    return KN_OK;
}

static int date_ok(const char *d)
{
    size_t n = strlen(d);
    return n >= 4 && n <= 35 && strspn(d, "0123456789-T:.+Z") == n && d[0] >= '0' && d[0] <= '9';
}

static int apply_date(hub_search_q *s, const char *value, kn_err *err)
{
    static const char *const prefixes[] = {"eq", "ge", "gt", "le", "lt"};
    size_t p = 0;
    while (p < 5 && strncmp(value, prefixes[p], 2) != 0)
        p++;
    const char *d = p < 5 ? value + 2 : value;
    if (!date_ok(d))
        return bad(err, "date", "expected [eq|ge|gt|le|lt]YYYY[-MM[-DD[Thh:mm:ss]]]");
    const char **lo = p == 2 ? &s->index.date_gt : &s->index.date_ge;
    const char **hi = p == 4 ? &s->index.date_lt : &s->index.date_le;
    int want_lo = p == 5 || p == 0 || p == 1 || p == 2, want_hi = p == 5 || p == 0 || p >= 3;
    if ((want_lo && *lo) || (want_hi && *hi))
        return bad(err, "date", "one lower and one upper bound at most");
    if (want_lo)
        *lo = d;
    if (want_hi)
        *hi = d;
    return KN_OK;
}

static int apply(hub_ctx *hub, const hub_read_req *req, hub_search_q *s, const char *name,
                 const char *value, kn_err *err)
{
    int patient = strcmp(req->type, "Patient") == 0;
    if (strcmp(name, "_id") == 0) {
        if (patient)
            s->patient.id = value;
        else
            s->index.id = value;
        return KN_OK;
    }
    if (strcmp(name, "identifier") == 0)
        return apply_identifier(s, value, err);
    if (strcmp(name, "name") == 0) {
        s->patient.name = value;
        return KN_OK;
    }
    if (strcmp(name, "patient") == 0 || strcmp(name, "subject") == 0)
        return apply_patient(hub, req, s, name, value, err);
    if (strcmp(name, "date") == 0)
        return apply_date(s, value, err);
    return apply_token(s, name, value, err);
}

static int page_token(const hub_read_req *req, hub_search_q *s, const char *value, kn_err *err)
{
    size_t n = strlen(value);
    if (strcmp(req->type, "Patient") == 0) {
        if (n != 32 || strspn(value, "0123456789abcdef") != n)
            return bad(err, "_page_token", "not a cursor of this search");
        s->patient.after_id = value;
        return KN_OK;
    }
    long long seq = 0;
    if (n == 0 || n > 18 || strspn(value, "0123456789") != n || sscanf(value, "%lld", &seq) != 1)
        return bad(err, "_page_token", "not a cursor of this search");
    s->index.after_seq = seq;
    return KN_OK;
}

static int control(const hub_read_req *req, hub_search_q *s, const hub_read_param *p, kn_err *err)
{
    if (strcmp(p->name, "_count") == 0) {
        long count;
        if (kn_parse_long(p->value, 1, HUB_READ_COUNT_MAX, &count) != KN_OK)
            return bad(err, "_count", "must be a whole number 1..100");
        s->count = (size_t)count;
        return KN_OK;
    }
    if (strcmp(p->name, "_page_token") == 0)
        return page_token(req, s, p->value, err);
    if (strcmp(p->value, "json") != 0 && strcmp(p->value, "application/fhir+json") != 0 &&
        strcmp(p->value, "application/json") != 0)
        return bad(err, "_format", "only json is served");
    return KN_OK;
}

static int is_control(const char *name)
{
    return strcmp(name, "_count") == 0 || strcmp(name, "_page_token") == 0 ||
           strcmp(name, "_format") == 0;
}

int hub_search_parse(hub_ctx *hub, const hub_read_req *req, hub_search_q *s, kn_err *err)
{
    memset(s, 0, sizeof *s);
    s->count = HUB_READ_COUNT_DEFAULT;
    const hub_read_type *t = hub_read_type_find(req->type);
    int rc = KN_OK;
    for (size_t i = 0; rc == KN_OK && i < req->nparams; i++) {
        const hub_read_param *p = &req->params[i];
        if (strlen(p->value) >= HUB_READ_VALUE_MAX)
            rc = bad(err, p->name, "value too long");
        else if (is_control(p->name))
            rc = control(req, s, p, err);
        else if (!param_known(t, p->name))
            rc = kn_err_set(err, KN_EINVAL, "unknown search parameter '%s' for %s", p->name,
                            req->type);
        else if (strchr(p->value, ','))
            rc = bad(err, p->name, "lists of values (comma) are not supported");
        else if (!*p->value)
            rc = bad(err, p->name, "empty value");
        else
            rc = apply(hub, req, s, p->name, p->value, err);
    }
    return rc;
}

/* ---- the searchset Bundle ---- */

void hub_page_init(hub_page *page, const hub_read_req *req)
{
    memset(page, 0, sizeof *page);
    page->req = req;
    kn_buf_init(&page->entries, 64u << 20);
}

void hub_page_release(hub_page *page)
{
    kn_buf_release(&page->entries);
}

int hub_page_entry_begin(hub_page *page, const char *type, const char *id)
{
    int rc = kn_buf_puts(&page->entries, page->entries.len ? ",{\"fullUrl\":" : "{\"fullUrl\":");
    char url[1024];
    snprintf(url, sizeof url, "%s/%s/%s", page->req->base, type, id);
    if (rc == KN_OK)
        rc = fj_write_string(url, strlen(url), &page->entries);
    return rc == KN_OK ? kn_buf_puts(&page->entries, ",\"resource\":") : rc;
}

int hub_page_entry_end(hub_page *page)
{
    return kn_buf_puts(&page->entries, ",\"search\":{\"mode\":\"match\"}}");
}

/* Percent-encode all but the unreserved characters of RFC 3986. */
static int url_encode(const char *s, kn_buf *out)
{
    int rc = KN_OK;
    for (; *s && rc == KN_OK; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~')
            rc = kn_buf_append(out, s, 1);
        else
            rc = kn_buf_printf(out, "%%%02X", c);
    }
    return rc;
}

static int query_add(kn_buf *url, const char *name, const char *value)
{
    int rc = kn_buf_puts(url, url->data && strchr(url->data, '?') ? "&" : "?");
    if (rc == KN_OK)
        rc = url_encode(name, url);
    if (rc == KN_OK)
        rc = kn_buf_puts(url, "=");
    return rc == KN_OK ? url_encode(value, url) : rc;
}

/* {"relation":rel,"url":base/Type?query}; next: paging parameters replaced. */
static int link_json(const hub_page *page, const hub_search_q *s, int next, kn_buf *out)
{
    const hub_read_req *req = page->req;
    kn_buf url;
    kn_buf_init(&url, 16384);
    int rc = kn_buf_printf(&url, "%s/%s", req->base, req->type);
    for (size_t i = 0; rc == KN_OK && i < req->nparams; i++) {
        const char *name = req->params[i].name;
        if (!next || (strcmp(name, "_count") != 0 && strcmp(name, "_page_token") != 0))
            rc = query_add(&url, name, req->params[i].value);
    }
    char count[24];
    snprintf(count, sizeof count, "%zu", s->count);
    if (rc == KN_OK && next)
        rc = query_add(&url, "_count", count);
    if (rc == KN_OK && next)
        rc = query_add(&url, "_page_token", page->next_token);
    if (rc == KN_OK)
        rc = kn_buf_printf(out, "%s{\"relation\":\"%s\",\"url\":", next ? "," : "",
                           next ? "next" : "self");
    if (rc == KN_OK)
        rc = fj_write_string(url.data, url.len, out);
    kn_buf_release(&url);
    return rc == KN_OK ? kn_buf_puts(out, "}") : rc;
}

int hub_page_bundle(const hub_page *page, const hub_search_q *s, kn_buf *out)
{
    char id[33], now[32];
    kn_id_new(id);
    kn_time_format(kn_now_s(), now, sizeof now);
    int rc = kn_buf_printf(out,
                           "{\"resourceType\":\"Bundle\",\"id\":\"%s\",\"meta\":{\"lastUpdated\":"
                           "\"%s\"},\"type\":\"searchset\",\"link\":[",
                           id, now);
    if (rc == KN_OK)
        rc = link_json(page, s, 0, out);
    if (rc == KN_OK && page->more)
        rc = link_json(page, s, 1, out);
    if (rc == KN_OK)
        rc = kn_buf_puts(out, "]");
    if (rc == KN_OK && page->entries.len) {
        rc = kn_buf_puts(out, ",\"entry\":[");
        if (rc == KN_OK)
            rc = kn_buf_append(out, page->entries.data, page->entries.len);
        if (rc == KN_OK)
            rc = kn_buf_puts(out, "]");
    }
    return rc == KN_OK ? kn_buf_puts(out, "}") : rc;
}
