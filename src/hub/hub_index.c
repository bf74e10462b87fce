/* hub_index.c - the index behind the hub's read interfaces: the Composition,
 * Observation, EpisodeOfCare and CarePlan resources inside stored hub
 * messages, with what their searches need (patient identifier, date, codes).
 *
 * hub_index_catch_up() is called at the start of every read of those types:
 * it takes the messages stored after the index cursor (store
 * hubread.pending), extracts their resources and writes them with the new
 * cursor in one durable transaction (hubread.index_put), until none are
 * left. A mutex keeps one indexer per process; the store's upsert makes a
 * second process harmless. A message that does not parse (it was validated
 * at intake, so this should not happen) is skipped, never retried forever.
 */
#include "hub_read.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/core_util.h"
#include "../fhir/fhir_json.h"

#define INDEX_BATCH 100
#define ROWS_MAX 65536 /* resources in one batch (a message holds a few) */

static pthread_mutex_t index_mu = PTHREAD_MUTEX_INITIALIZER;

typedef struct row_list {
    store_hubread_res *rows;
    size_t n, cap;
} row_list;

static int indexed_type(const char *type)
{
    static const char *const types[] = {"Composition", "Observation", "EpisodeOfCare", "CarePlan"};
    for (size_t i = 0; type && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(type, types[i]) == 0)
            return 1;
    return 0;
}

/* FHIR id: [A-Za-z0-9.-]{1,64}. */
static int fhir_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n >= 1 && n <= 64 &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-") == n;
}

static void resource_id(const fj_node *entry, const fj_node *res, const store_hubread_msg *m,
                        size_t i, char out[STORE_HUBREAD_ID_LEN])
{
    const char *id = fj_get_str(res, "id");
    const char *full = fj_get_str(entry, "fullUrl");
    if (!fhir_id_ok(id) && full && strncmp(full, "urn:uuid:", 9) == 0)
        id = full + 9;
    if (fhir_id_ok(id))
        kn_strcpy(out, STORE_HUBREAD_ID_LEN, id);
    else
        snprintf(out, STORE_HUBREAD_ID_LEN, "%s-%zu", m->id, i);
}

static void patient_of(const fj_node *res, const char *type, store_hubread_res *r)
{
    const fj_node *ref = fj_get(res, strcmp(type, "EpisodeOfCare") == 0 ? "patient" : "subject");
    const fj_node *ident = fj_get(ref, "identifier");
    const char *value = fj_get_str(ident, "value");
    if (value) {
        const char *system = fj_get_str(ident, "system");
        kn_strcpy(r->patient_system, sizeof r->patient_system, system ? system : "");
        kn_strcpy(r->patient_value, sizeof r->patient_value, value);
    } else if ((value = fj_get_str(ref, "reference")) != NULL) {
        kn_strcpy(r->patient_value, sizeof r->patient_value, value);
    }
}

static void date_of(const fj_node *res, const char *type, store_hubread_res *r)
{
    const char *d = NULL;
    if (strcmp(type, "Observation") == 0) {
        d = fj_get_str(res, "effectiveDateTime");
        if (!d)
            d = fj_get_str(res, "effectiveInstant");
        if (!d)
            d = fj_get_str(fj_get(res, "effectivePeriod"), "start");
        if (!d)
            d = fj_get_str(res, "issued");
    } else if (strcmp(type, "Composition") == 0) {
        d = fj_get_str(res, "date");
    } else {
        d = fj_get_str(fj_get(res, "period"), "start");
        if (!d)
            d = fj_get_str(res, "created");
    }
    if (d)
        kn_strcpy(r->date, sizeof r->date, d);
}

static void token_add(store_hubread_res *r, const char *param, const char *system,
                      const char *code)
{
    if (!code || !*code || r->ntokens >= STORE_HUBREAD_TOKENS)
        return;
    store_hubread_token *t = &r->tokens[r->ntokens];
    if (kn_strcpy(t->code, sizeof t->code, code) != KN_OK)
        return;
    kn_strcpy(t->param, sizeof t->param, param);
    kn_strcpy(t->system, sizeof t->system, system ? system : "");
    r->ntokens++;
}

/* Every coding of a CodeableConcept (or of each in an array of them). */
static void concept_tokens(store_hubread_res *r, const char *param, const fj_node *cc, int text)
{
    if (cc && cc->kind == FJ_ARRAY) {
        for (const fj_node *e = cc->child; e; e = e->next)
            concept_tokens(r, param, e, text);
        return;
    }
    const fj_node *codings = fj_get(cc, "coding");
    for (const fj_node *c = codings ? codings->child : NULL; c; c = c->next)
        token_add(r, param, fj_get_str(c, "system"), fj_get_str(c, "code"));
    if (text)
        token_add(r, param, "", fj_get_str(cc, "text"));
}

static void tokens_of(const fj_node *res, const char *type, store_hubread_res *r)
{
    if (strcmp(type, "Observation") == 0)
        concept_tokens(r, "code", fj_get(res, "code"), 0);
    if (strcmp(type, "Composition") == 0 || strcmp(type, "EpisodeOfCare") == 0)
        concept_tokens(r, "type", fj_get(res, "type"), strcmp(type, "EpisodeOfCare") == 0);
    if (strcmp(type, "EpisodeOfCare") != 0)
        concept_tokens(r, "category", fj_get(res, "category"), 0);
}

static int rows_grow(row_list *l)
{
    if (l->n < l->cap)
        return KN_OK;
    size_t cap = l->cap ? l->cap * 2 : 8;
    if (cap > ROWS_MAX)
        return KN_ETOOLARGE;
    store_hubread_res *grown = realloc(l->rows, cap * sizeof *grown);
    if (!grown)
        return KN_ENOMEM;
    l->rows = grown;
    l->cap = cap;
    return KN_OK;
}

static int add_resource(row_list *l, const store_hubread_msg *m, const fj_node *entry,
                        const fj_node *res, size_t i)
{
    const char *type = fj_get_str(res, "resourceType");
    if (!indexed_type(type))
        return KN_OK;
    int rc = rows_grow(l);
    if (rc != KN_OK)
        return rc;
    store_hubread_res *r = &l->rows[l->n];
    memset(r, 0, sizeof *r);
    kn_strcpy(r->receiver, sizeof r->receiver, m->receiver);
    kn_strcpy(r->type, sizeof r->type, type);
    kn_strcpy(r->message_id, sizeof r->message_id, m->id);
    r->msg_seq = m->seq;
    resource_id(entry, res, m, i, r->id);
    patient_of(res, type, r);
    date_of(res, type, r);
    tokens_of(res, type, r);
    kn_buf body;
    kn_buf_init(&body, 1u << 24);
    rc = fj_write(res, &body);
    if (rc != KN_OK) {
        kn_buf_release(&body);
        return rc;
    }
    r->body = kn_buf_detach(&body, &r->body_len);
    if (!r->body)
        return KN_ENOMEM;
    l->n++;
    return KN_OK;
}

static int extract_tree(const store_hubread_msg *m, const fj_node *root, row_list *l)
{
    if (!fj_str_eq(fj_get(root, "resourceType"), "Bundle"))
        return add_resource(l, m, NULL, root, 0);
    const fj_node *entries = fj_get(root, "entry");
    size_t i = 0;
    int rc = KN_OK;
    for (const fj_node *e = entries ? entries->child : NULL; e && rc == KN_OK; e = e->next, i++)
        rc = add_resource(l, m, e, fj_get(e, "resource"), i);
    return rc;
}

int hub_index_extract(const store_hubread_msg *msg, store_hubread_res **rows, size_t *n,
                      kn_err *err)
{
    fj_doc *doc = NULL;
    int rc = fj_parse(msg->body ? msg->body : "", msg->body_len, &doc, err);
    if (rc != KN_OK)
        return rc;
    row_list l = {0};
    rc = extract_tree(msg, fj_root(doc), &l);
    fj_doc_free(doc);
    if (rc != KN_OK) {
        store_hubread_list_free(l.rows, l.n);
        return kn_err_set(err, rc, "message %s: cannot index its resources", msg->id);
    }
    *rows = l.rows;
    *n = l.n;
    return KN_OK;
}

/* Append one message's rows to all (moving their bodies). */
static int gather(row_list *all, const store_hubread_msg *m)
{
    store_hubread_res *rows = NULL;
    size_t n = 0;
    if (hub_index_extract(m, &rows, &n, NULL) != KN_OK)
        return KN_OK; /* skipped: see the file comment */
    int rc = KN_OK;
    size_t i = 0;
    while (i < n && (rc = rows_grow(all)) == KN_OK)
        all->rows[all->n++] = rows[i++];
    for (; i < n; i++) /* not moved: only after a failure */
        free(rows[i].body);
    free(rows);
    return rc;
}

/* One batch: index what pending hands out. *more = 1 when it was a full batch. */
static int index_batch(store *st, int *more, kn_err *err)
{
    store_hubread_msg *msgs = NULL;
    size_t n = 0;
    int rc = st->ops->hubread->pending(st, INDEX_BATCH, &msgs, &n, err);
    if (rc != KN_OK)
        return rc;
    row_list all = {0};
    for (size_t i = 0; i < n && rc == KN_OK; i++)
        rc = gather(&all, &msgs[i]);
    if (rc != KN_OK)
        kn_err_set(err, rc, "hub index: cannot gather resources");
    if (rc == KN_OK && n > 0)
        rc = st->ops->hubread->index_put(st, all.rows, all.n, msgs[n - 1].seq, err);
    *more = rc == KN_OK && n == INDEX_BATCH;
    store_hubread_list_free(all.rows, all.n);
    store_hubread_msg_list_free(msgs, n);
    return rc;
}

int hub_index_catch_up(store *st, kn_err *err)
{
    if (!st || !st->ops->hubread)
        return kn_err_set(err, KN_EINTERNAL, "hub index: store has no read interfaces");
    pthread_mutex_lock(&index_mu);
    int more = 1, rc = KN_OK;
    while (rc == KN_OK && more)
        rc = index_batch(st, &more, err);
    pthread_mutex_unlock(&index_mu);
    return rc;
}
