/* store_sqlite_hub.c - the hub's messages and authorisation register
 * (struct store_hub_ops in store_hub.h).
 *
 * Intake is one group-commit job: look the idempotency key
 * (sender_client, receiver, kind, idem_key) up on the writer connection; when
 * it is there, answer with the original (id, seq, status) and write only a
 * "hub.intake.duplicate" audit event; otherwise insert the message (routed =
 * 0, seq from AUTOINCREMENT so it never goes back) and its audit event. The
 * lookup runs inside the writer's transaction, so two equal messages in one
 * batch still make one row. Bodies are stored as TEXT, exactly as posted.
 *
 * Status changes check the lifecycle inside their job: registered ->
 * delivered | journaled | failed; delivered -> journaled | failed |
 * registered; failed -> registered | delivered | journaled; journaled is
 * final. Pull reads mark messages delivered without moving updated_at.
 */
#include "store_sqlite_int.h"

#include "../core/core_util.h"

#include <stdlib.h>
#include <string.h>

#define MSG_COLS                                                                                   \
    "id, seq, receiver, sender_client, kind, event, idem_key, patient_key, status, routed, "       \
    "created_at, updated_at"
#define MSG_LIST_WHERE                                                                             \
    " FROM hub_messages WHERE receiver = ?1 AND (?2 IS NULL OR kind = ?2)"                         \
    " AND (?3 = 0 OR status = ?3) AND (?4 = 0 OR status <> ?4)"                                    \
    " AND (updated_at, seq) > (?5, ?6) ORDER BY updated_at, seq LIMIT ?7"
#define HUB_LIST_MAX 1000

static const char SQL_INSERT[] =
    "INSERT INTO hub_messages(id, receiver, sender_client, kind, event, idem_key, patient_key,"
    " status, routed, created_at, updated_at, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0,"
    " ?9, ?9, ?10)";
static const char SQL_FIND_KEY[] =
    "SELECT " MSG_COLS " FROM hub_messages WHERE sender_client = ?1 AND receiver = ?2"
    " AND kind = ?3 AND idem_key = ?4";
static const char SQL_GET[] = "SELECT " MSG_COLS " FROM hub_messages WHERE id = ?1";
static const char SQL_GET_BODY[] = "SELECT " MSG_COLS ", body FROM hub_messages WHERE id = ?1";
static const char SQL_LIST[] = "SELECT " MSG_COLS MSG_LIST_WHERE;
static const char SQL_LIST_BODY[] = "SELECT " MSG_COLS ", body" MSG_LIST_WHERE;
static const char SQL_SET_STATUS[] =
    "UPDATE hub_messages SET status = ?2, updated_at = ?3 WHERE id = ?1";
static const char SQL_PULLED[] =
    "UPDATE hub_messages SET status = 2 WHERE id = ?1 AND status = 1";
static const char SQL_GRANT_PUT[] =
    "INSERT INTO hub_grants(client_id, receiver, resource, access, created_at)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
static const char SQL_GRANT_DELETE[] =
    "DELETE FROM hub_grants WHERE client_id = ?1 AND receiver = ?2 AND resource = ?3"
    " AND access = ?4";
static const char SQL_GRANT_LIST[] =
    "SELECT client_id, receiver, resource, access, created_at FROM hub_grants"
    " WHERE ?1 IS NULL OR receiver = ?1 ORDER BY receiver, client_id, resource, access LIMIT ?2";
static const char SQL_GRANT_CHECK[] =
    "SELECT client_id, receiver, resource, access, created_at FROM hub_grants"
    " WHERE client_id = ?1 AND receiver = ?2 AND resource IN (?3, '*') AND access = ?4 LIMIT 1";

/* clang-format off */
static const sq_field msg_fields[] = {
    SQ_F(store_hub_message, id, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_message, seq, SQ_I64, 0),
    SQ_F(store_hub_message, receiver, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_message, sender_client, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_message, kind, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_message, event, SQ_TEXT, 0),
    SQ_F(store_hub_message, idem_key, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_message, patient_key, SQ_TEXT, 0),
    SQ_F(store_hub_message, status, SQ_INT, 0),
    SQ_F(store_hub_message, routed, SQ_INT, 0),
    SQ_F(store_hub_message, created_at, SQ_I64, 0),
    SQ_F(store_hub_message, updated_at, SQ_I64, 0),
};
static const sq_field grant_fields[] = {
    SQ_F(store_hub_grant, client_id, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_grant, receiver, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_grant, resource, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_grant, access, SQ_TEXT, SQ_REQ),
    SQ_F(store_hub_grant, created_at, SQ_I64, 0),
};
/* clang-format on */
static const sq_table msg_table = SQ_TABLE("hub message", store_hub_message, msg_fields);
static const sq_table grant_table = SQ_TABLE("hub grant", store_hub_grant, grant_fields);

void store_hub_message_free(store_hub_message *msg)
{
    if (!msg)
        return;
    free(msg->body);
    msg->body = NULL;
    msg->body_len = 0;
}

void store_hub_message_list_free(store_hub_message *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        store_hub_message_free(&list[i]);
    free(list);
}

/* ---- reading messages ---- */

/* One row (the fixed columns, then body when with_body) into m. */
static int read_message(sqlite3_stmt *st, int with_body, store_hub_message *m)
{
    memset(m, 0, sizeof *m);
    sq_read_row(st, &msg_table, m);
    if (!with_body)
        return KN_OK;
    int col = (int)msg_table.nfields;
    size_t len = (size_t)sqlite3_column_bytes(st, col);
    const unsigned char *text = sqlite3_column_text(st, col);
    m->body = malloc(len + 1);
    if (!m->body)
        return KN_ENOMEM;
    if (len)
        memcpy(m->body, text, len);
    m->body[len] = '\0';
    m->body_len = len;
    return KN_OK;
}

int sq_hub_message_row(sqlite3_stmt *st, store_hub_message *m)
{
    return read_message(st, 1, m);
}

typedef struct msg_read {
    const char *sql;
    const sq_arg *args;
    size_t nargs;
    int with_body;
    size_t max;
    store_hub_message *list; /* grown here; one record for get */
    size_t n;
} msg_read;

static int msg_grow(msg_read *r, size_t *cap)
{
    size_t ncap = *cap ? *cap * 2 : 16;
    if (ncap > r->max)
        ncap = r->max;
    store_hub_message *p = realloc(r->list, ncap * sizeof *p);
    if (!p)
        return KN_ENOMEM;
    r->list = p;
    *cap = ncap;
    return KN_OK;
}

static int msg_collect(sq_conn *c, sqlite3_stmt *st, msg_read *r, kn_err *err)
{
    size_t cap = 0;
    int rc;
    while (r->n < r->max && (rc = sqlite3_step(st)) != SQLITE_DONE) {
        if (rc != SQLITE_ROW)
            return sq_error(c, rc, "hub message", err);
        if (r->n == cap && msg_grow(r, &cap) != KN_OK)
            return kn_err_set(err, KN_ENOMEM, "hub message: out of memory");
        if (read_message(st, r->with_body, &r->list[r->n]) != KN_OK)
            return kn_err_set(err, KN_ENOMEM, "hub message: out of memory");
        r->n++;
    }
    return KN_OK;
}

static int msg_read_fn(sq_conn *c, void *arg, kn_err *err)
{
    msg_read *r = arg;
    sqlite3_stmt *st = NULL;
    int status = sq_stmt(c, r->sql, r->args, r->nargs, &st, err);
    if (status != KN_OK)
        return status;
    status = msg_collect(c, st, r, err);
    sq_done(st);
    return status;
}

static int msg_read_run(sq_store *s, msg_read *r, kn_err *err)
{
    int status = sq_read(s, msg_read_fn, r, 0, err);
    if (status != KN_OK) {
        store_hub_message_list_free(r->list, r->n);
        r->list = NULL;
        r->n = 0;
    }
    return status;
}

static int sq_hub_message_get(store *st, const char *id, int with_body, store_hub_message *out,
                              kn_err *err)
{
    int status = sq_check_key(id, STORE_ID_LEN, "hub message", err);
    if (status != KN_OK)
        return status;
    if (!out)
        return kn_err_set(err, KN_EINVAL, "hub message: no output");
    sq_arg key = SQ_TXT(id);
    msg_read r = {with_body ? SQL_GET_BODY : SQL_GET, &key, 1, with_body, 1, NULL, 0};
    status = msg_read_run(SQ(st), &r, err);
    if (status == KN_OK && r.n == 0)
        status = kn_err_set(err, KN_ENOTFOUND, "hub message %s not found", id);
    if (status == KN_OK)
        *out = r.list[0];
    free(r.list);
    return status;
}

static int sq_hub_message_list(store *st, const store_hub_filter *f, int with_body,
                               store_hub_message **list, size_t *n, kn_err *err)
{
    if (!f || !list || !n || f->limit == 0)
        return kn_err_set(err, KN_EINVAL, "hub message: bad list arguments");
    int status = sq_check_key(f->receiver, STORE_ORGNR_LEN, "hub message receiver", err);
    if (status != KN_OK)
        return status;
    size_t limit = f->limit > HUB_LIST_MAX ? HUB_LIST_MAX : f->limit;
    sq_arg args[] = {SQ_TXT(f->receiver),        SQ_TXT(f->kind),          SQ_NUM(f->status),
                     SQ_NUM(f->not_status),      SQ_NUM(f->after_updated), SQ_NUM(f->after_seq),
                     SQ_NUM((int64_t)limit)};
    msg_read r = {with_body ? SQL_LIST_BODY : SQL_LIST, args, SQ_NARGS(args), with_body, limit,
                  NULL, 0};
    status = msg_read_run(SQ(st), &r, err);
    if (status == KN_OK && !r.list && !(r.list = calloc(1, sizeof *r.list)))
        status = kn_err_set(err, KN_ENOMEM, "hub message: out of memory");
    if (status != KN_OK)
        return status;
    *list = r.list;
    *n = r.n;
    return KN_OK;
}

/* ---- intake ---- */

/* One intake in flight: the job, the store's copy of the body and audit
 * event, and where the answer goes (the caller's msg and dup). */
typedef struct put_job {
    sq_job job;
    store_hub_message msg; /* copy; body points into text */
    store_audit audit;
    store_hub_message *out;
    int *dup;
    store_done_fn done;
    void *cls;
    char text[]; /* the body, NUL-terminated */
} put_job;

/* The original of a duplicate into out (body untouched) and its audit event. */
static int put_duplicate(sq_conn *c, put_job *j, const store_hub_message *orig, kn_err *err)
{
    char *body = j->out->body;
    size_t body_len = j->out->body_len;
    *j->out = *orig;
    j->out->body = body;
    j->out->body_len = body_len;
    *j->dup = 1;
    kn_strcpy(j->audit.action, sizeof j->audit.action, "hub.intake.duplicate");
    memcpy(j->audit.object_id, orig->id, sizeof j->audit.object_id);
    return sq_audit_insert(c, &j->audit, err);
}

static int put_insert(sq_conn *c, put_job *j, kn_err *err)
{
    const store_hub_message *m = &j->msg;
    sq_arg args[] = {SQ_TXT(m->id),        SQ_TXT(m->receiver),    SQ_TXT(m->sender_client),
                     SQ_TXT(m->kind),      SQ_TXT(m->event),       SQ_TXT(m->idem_key),
                     SQ_TXT(m->patient_key), SQ_NUM(HUB_REGISTERED), SQ_NUM(m->created_at),
                     SQ_TXT(j->text)};
    int status = sq_exec(c, SQL_INSERT, args, SQ_NARGS(args), "hub message", NULL, err);
    if (status != KN_OK)
        return status;
    int64_t seq = sqlite3_last_insert_rowid(c->db);
    status = sq_audit_insert(c, &j->audit, err);
    if (status != KN_OK)
        return status;
    char *body = j->out->body;
    size_t body_len = j->out->body_len;
    *j->out = *m;
    j->out->seq = seq;
    j->out->body = body;
    j->out->body_len = body_len;
    *j->dup = 0;
    return KN_OK;
}

static int put_fn(sq_conn *c, void *arg, kn_err *err)
{
    put_job *j = arg;
    const store_hub_message *m = &j->msg;
    sq_arg key[] = {SQ_TXT(m->sender_client), SQ_TXT(m->receiver), SQ_TXT(m->kind),
                    SQ_TXT(m->idem_key)};
    store_hub_message orig;
    int status = sq_get(c, SQL_FIND_KEY, key, SQ_NARGS(key), &msg_table, &orig, err);
    if (status == KN_OK)
        return put_duplicate(c, j, &orig, err);
    if (status != KN_ENOTFOUND)
        return status;
    return put_insert(c, j, err);
}

static void put_done(void *cls, int status, const kn_err *err)
{
    put_job *j = cls;
    j->done(j->cls, status, err);
    free(j);
}

/* Check and copy msg and audit into a new job; id, status and times set. */
static int put_prepare(const store_hub_message *msg, const store_audit *audit, put_job **out,
                       kn_err *err)
{
    if (!msg->body || msg->body_len == 0 || memchr(msg->body, '\0', msg->body_len))
        return kn_err_set(err, KN_EINVAL, "hub message: body required (text without NUL)");
    put_job *j = malloc(sizeof *j + msg->body_len + 1);
    if (!j)
        return kn_err_set(err, KN_ENOMEM, "hub message: out of memory");
    j->msg = *msg;
    j->audit = *audit;
    memcpy(j->text, msg->body, msg->body_len);
    j->text[msg->body_len] = '\0';
    j->msg.body = j->text;
    if (!j->msg.id[0])
        kn_id_new(j->msg.id);
    j->msg.status = HUB_REGISTERED;
    j->msg.routed = 0;
    j->msg.created_at = j->msg.updated_at = kn_now_ms();
    int status = sq_check(&msg_table, &j->msg, err);
    if (status == KN_OK)
        status = sq_audit_prepare(&j->audit, err);
    if (status != KN_OK) {
        free(j);
        return status;
    }
    memcpy(j->audit.object_id, j->msg.id, sizeof j->audit.object_id);
    if (!j->audit.municipality[0])
        memcpy(j->audit.municipality, j->msg.receiver, sizeof j->audit.municipality);
    *out = j;
    return KN_OK;
}

static int sq_hub_message_put_async(store *st, store_hub_message *msg, int *dup,
                                    const store_audit *audit, store_done_fn done, void *cls,
                                    kn_err *err)
{
    if (!msg || !dup || !audit || !done)
        return kn_err_set(err, KN_EINVAL, "hub message: record, dup, audit and done required");
    put_job *j = NULL;
    int status = put_prepare(msg, audit, &j, err);
    if (status != KN_OK || !j)
        return status != KN_OK ? status : kn_err_set(err, KN_EINTERNAL, "hub message: no job");
    /* the caller's msg gets the new id now; the writer fills the rest */
    memcpy(msg->id, j->msg.id, sizeof msg->id);
    j->out = msg;
    j->dup = dup;
    j->done = done;
    j->cls = cls;
    j->job = (sq_job){.fn = put_fn, .arg = j, .done = put_done, .cls = j};
    status = sq_write_async(SQ(st), &j->job, err);
    if (status != KN_OK)
        free(j);
    return status;
}

/* ---- status changes ---- */

static int transition_ok(int from, int to)
{
    switch (from) {
    case HUB_REGISTERED:
        return to == HUB_DELIVERED || to == HUB_JOURNALED || to == HUB_FAILED;
    case HUB_DELIVERED:
        return to == HUB_JOURNALED || to == HUB_FAILED || to == HUB_REGISTERED;
    case HUB_FAILED:
        return to == HUB_REGISTERED || to == HUB_DELIVERED || to == HUB_JOURNALED;
    default:
        return 0;
    }
}

typedef struct status_job {
    const char *id;
    int status;
    store_audit audit;
} status_job;

static int status_fn(sq_conn *c, void *arg, kn_err *err)
{
    status_job *j = arg;
    sq_arg key = SQ_TXT(j->id);
    store_hub_message cur;
    int status = sq_get(c, SQL_GET, &key, 1, &msg_table, &cur, err);
    if (status == KN_ENOTFOUND)
        return kn_err_set(err, KN_ENOTFOUND, "hub message %s not found", j->id);
    if (status != KN_OK || cur.status == j->status)
        return status;
    if (!transition_ok(cur.status, j->status))
        return kn_err_set(err, KN_ECONFLICT, "hub message %s: status %d cannot become %d", j->id,
                          cur.status, j->status);
    sq_arg args[] = {SQ_TXT(j->id), SQ_NUM(j->status), SQ_NUM(kn_now_ms())};
    status = sq_exec(c, SQL_SET_STATUS, args, SQ_NARGS(args), "hub message", NULL, err);
    return status != KN_OK ? status : sq_audit_insert(c, &j->audit, err);
}

static int sq_hub_message_set_status(store *st, const char *id, int status,
                                     const store_audit *audit, kn_err *err)
{
    int rc = sq_check_key(id, STORE_ID_LEN, "hub message", err);
    if (rc != KN_OK)
        return rc;
    if (!audit || status < HUB_REGISTERED || status > HUB_FAILED)
        return kn_err_set(err, KN_EINVAL, "hub message: bad status or no audit event");
    status_job j = {.id = id, .status = status, .audit = *audit};
    rc = sq_audit_prepare(&j.audit, err);
    if (rc != KN_OK)
        return rc;
    kn_strcpy(j.audit.object_id, sizeof j.audit.object_id, id);
    return sq_write(SQ(st), status_fn, &j, err);
}

typedef struct pulled_job {
    const char *const *ids;
    size_t n;
    store_audit audit;
    size_t changed;
} pulled_job;

static int pulled_fn(sq_conn *c, void *arg, kn_err *err)
{
    pulled_job *j = arg;
    j->changed = 0;
    for (size_t i = 0; i < j->n; i++) {
        int64_t changes = 0;
        sq_arg key = SQ_TXT(j->ids[i]);
        int status = sq_exec(c, SQL_PULLED, &key, 1, "hub message", &changes, err);
        if (status != KN_OK)
            return status;
        if (changes == 0)
            continue;
        kn_strcpy(j->audit.object_id, sizeof j->audit.object_id, j->ids[i]);
        status = sq_audit_insert(c, &j->audit, err);
        if (status != KN_OK)
            return status;
        j->changed++;
    }
    return KN_OK;
}

static int sq_hub_message_pulled(store *st, const char *const *ids, size_t n,
                                 const store_audit *audit, size_t *changed, kn_err *err)
{
    if ((!ids && n) || !audit)
        return kn_err_set(err, KN_EINVAL, "hub message: ids and audit event required");
    for (size_t i = 0; i < n; i++) {
        int rc = sq_check_key(ids[i], STORE_ID_LEN, "hub message", err);
        if (rc != KN_OK)
            return rc;
    }
    pulled_job j = {.ids = ids, .n = n, .audit = *audit};
    int rc = sq_audit_prepare(&j.audit, err);
    if (rc == KN_OK && n)
        rc = sq_write(SQ(st), pulled_fn, &j, err);
    if (rc == KN_OK && changed)
        *changed = j.changed;
    return rc;
}

/* ---- the authorisation register ---- */

typedef struct grant_job {
    const char *sql;
    store_hub_grant grant;
    store_audit audit;
    int must_change;
} grant_job;

static int grant_fn(sq_conn *c, void *arg, kn_err *err)
{
    grant_job *j = arg;
    const store_hub_grant *g = &j->grant;
    int64_t changes = 0;
    int status;
    if (j->must_change) {
        sq_arg args[] = {SQ_TXT(g->client_id), SQ_TXT(g->receiver), SQ_TXT(g->resource),
                         SQ_TXT(g->access)};
        status = sq_exec(c, j->sql, args, SQ_NARGS(args), "hub grant", &changes, err);
        if (status == KN_OK && changes == 0)
            return kn_err_set(err, KN_ENOTFOUND, "hub grant not found");
    } else {
        status = sq_insert(c, j->sql, &grant_table, g, err);
    }
    return status != KN_OK ? status : sq_audit_insert(c, &j->audit, err);
}

static int grant_write(store *st, const char *sql, int must_change, const store_hub_grant *g,
                       const store_audit *audit, kn_err *err)
{
    if (!g || !audit)
        return kn_err_set(err, KN_EINVAL, "hub grant: record and audit event required");
    grant_job j = {.sql = sql, .grant = *g, .audit = *audit, .must_change = must_change};
    if (!j.grant.created_at)
        j.grant.created_at = kn_now_s();
    int status = sq_check(&grant_table, &j.grant, err);
    if (status == KN_OK)
        status = sq_audit_prepare(&j.audit, err);
    return status != KN_OK ? status : sq_write(SQ(st), grant_fn, &j, err);
}

static int sq_hub_grant_put(store *st, const store_hub_grant *g, const store_audit *audit,
                            kn_err *err)
{
    return grant_write(st, SQL_GRANT_PUT, 0, g, audit, err);
}

static int sq_hub_grant_delete(store *st, const store_hub_grant *g, const store_audit *audit,
                               kn_err *err)
{
    return grant_write(st, SQL_GRANT_DELETE, 1, g, audit, err);
}

static int sq_hub_grant_list(store *st, const char *receiver, store_hub_grant **list, size_t *n,
                             kn_err *err)
{
    if (receiver && sq_check_key(receiver, STORE_ORGNR_LEN, "hub grant receiver", err) != KN_OK)
        return KN_EINVAL;
    sq_arg args[] = {SQ_TXT(receiver), SQ_NUM(SQ_LIST_MAX)};
    return sq_read_list(SQ(st), SQL_GRANT_LIST, args, SQ_NARGS(args), &grant_table, SQ_LIST_MAX,
                        (void **)list, n, err);
}

static int sq_hub_grant_check(store *st, const char *client_id, const char *receiver,
                              const char *resource, const char *access, int *allowed, kn_err *err)
{
    if (!client_id || !receiver || !resource || !access || !allowed)
        return kn_err_set(err, KN_EINVAL, "hub grant: client, receiver, resource and access required");
    sq_arg args[] = {SQ_TXT(client_id), SQ_TXT(receiver), SQ_TXT(resource), SQ_TXT(access)};
    store_hub_grant g;
    int status = sq_read_get(SQ(st), SQL_GRANT_CHECK, args, SQ_NARGS(args), &grant_table, &g, err);
    if (status == KN_ENOTFOUND) {
        kn_err_clear(err);
        status = KN_OK;
        *allowed = 0;
    } else if (status == KN_OK) {
        *allowed = 1;
    }
    return status;
}

const struct store_hub_ops sq_hub_ops = {
    .message_put_async = sq_hub_message_put_async,
    .message_get = sq_hub_message_get,
    .message_list = sq_hub_message_list,
    .message_set_status = sq_hub_message_set_status,
    .message_pulled = sq_hub_message_pulled,
    .grant_put = sq_hub_grant_put,
    .grant_delete = sq_hub_grant_delete,
    .grant_list = sq_hub_grant_list,
    .grant_check = sq_hub_grant_check,
};
