/* store_sqlite_hubread.c - the hub's read interfaces: the index of resources
 * carried by hub messages (hub_resources, hub_resource_tokens, the cursor in
 * hub_read_state) and patient search on the citizen register.
 *
 * The index trails hub_messages by seq: `pending` reads the messages after
 * the cursor, `index_put` upserts the extracted resources with their tokens
 * and moves the cursor in one group-commit job, so a crash leaves either both
 * or neither. An upsert keeps the row's seq (its place in search pages) and
 * only replaces the version when it comes from a later message, so two
 * indexers racing over the same messages write the same result.
 * Search SQL is static (cached statements): absent criteria bind NULL.
 */
#include "store_sqlite_int.h"

#include <stdlib.h>
#include <string.h>

#define RES_COLS                                                                                   \
    "seq, receiver, type, res_id, patient_system, patient_value, date, message_id, msg_seq"

static const char SQL_PENDING[] =
    "SELECT m.seq, m.id, m.receiver, m.body FROM hub_messages m, hub_read_state s"
    " WHERE s.id = 1 AND m.seq > s.last_seq ORDER BY m.seq LIMIT ?1";
static const char SQL_UPSERT[] =
    "INSERT INTO hub_resources(receiver, type, res_id, patient_system, patient_value, date,"
    " message_id, msg_seq, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT(receiver, type, res_id) DO UPDATE SET patient_system = excluded.patient_system,"
    " patient_value = excluded.patient_value, date = excluded.date,"
    " message_id = excluded.message_id, msg_seq = excluded.msg_seq, body = excluded.body"
    " WHERE excluded.msg_seq > hub_resources.msg_seq";
static const char SQL_ROW_SEQ[] =
    "SELECT seq FROM hub_resources WHERE receiver = ?1 AND type = ?2 AND res_id = ?3"
    " AND msg_seq = ?4";
static const char SQL_TOKENS_DELETE[] = "DELETE FROM hub_resource_tokens WHERE res_seq = ?1";
static const char SQL_TOKEN_INSERT[] =
    "INSERT INTO hub_resource_tokens(res_seq, param, system, code) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_CURSOR[] =
    "UPDATE hub_read_state SET last_seq = max(last_seq, ?1) WHERE id = 1";

#define TOKEN_MATCH(p, s, c)                                                                       \
    " AND (" p " IS NULL OR EXISTS (SELECT 1 FROM hub_resource_tokens t WHERE t.res_seq = r.seq"   \
    " AND t.param = " p " AND t.code = " c " AND (" s " IS NULL OR t.system = " s ")))"
#define DATE_BOUND(p, op) " AND (" p " IS NULL OR (r.date <> '' AND substr(r.date, 1, length(" p    \
    ")) " op " " p "))"

static const char SQL_SEARCH[] =
    "SELECT " RES_COLS ", body FROM hub_resources r"
    " WHERE r.receiver = ?1 AND r.type = ?2 AND r.seq > ?3"
    " AND (?4 IS NULL OR r.res_id = ?4)"
    " AND (?5 IS NULL OR r.patient_system = ?5)"
    " AND (?6 IS NULL OR r.patient_value = ?6)"
    TOKEN_MATCH("?7", "?8", "?9") TOKEN_MATCH("?10", "?11", "?12")
    DATE_BOUND("?13", ">=") DATE_BOUND("?14", ">") DATE_BOUND("?15", "<=") DATE_BOUND("?16", "<")
    " ORDER BY r.seq LIMIT ?17";

#define CITIZEN_COLS "id, municipality, nin, given_name, family_name, address, phone, created_at"
static const char SQL_PATIENTS[] =
    "SELECT " CITIZEN_COLS " FROM citizens WHERE municipality = ?1"
    " AND (?2 IS NULL OR id = ?2) AND (?3 IS NULL OR nin = ?3)"
    " AND (?4 IS NULL OR lower(given_name) LIKE ?4 ESCAPE '\\'"
    "  OR lower(family_name) LIKE ?4 ESCAPE '\\'"
    "  OR lower(given_name || ' ' || family_name) LIKE ?4 ESCAPE '\\')"
    " AND id > ?5 ORDER BY id LIMIT ?6";

/* clang-format off */
static const sq_field res_fields[] = {
    SQ_F(store_hubread_res, seq, SQ_I64, 0),
    SQ_F(store_hubread_res, receiver, SQ_TEXT, SQ_REQ),
    SQ_F(store_hubread_res, type, SQ_TEXT, SQ_REQ),
    SQ_F(store_hubread_res, id, SQ_TEXT, SQ_REQ),
    SQ_F(store_hubread_res, patient_system, SQ_TEXT, 0),
    SQ_F(store_hubread_res, patient_value, SQ_TEXT, 0),
    SQ_F(store_hubread_res, date, SQ_TEXT, 0),
    SQ_F(store_hubread_res, message_id, SQ_TEXT, SQ_REQ),
    SQ_F(store_hubread_res, msg_seq, SQ_I64, 0),
};
static const sq_field msg_fields[] = {
    SQ_F(store_hubread_msg, seq, SQ_I64, 0),
    SQ_F(store_hubread_msg, id, SQ_TEXT, 0),
    SQ_F(store_hubread_msg, receiver, SQ_TEXT, 0),
};
static const sq_field patient_fields[] = {
    SQ_F(store_citizen, id, SQ_TEXT, 0),
    SQ_F(store_citizen, municipality, SQ_TEXT, 0),
    SQ_F(store_citizen, nin, SQ_TEXT, 0),
    SQ_F(store_citizen, given_name, SQ_TEXT, 0),
    SQ_F(store_citizen, family_name, SQ_TEXT, 0),
    SQ_F(store_citizen, address, SQ_TEXT, 0),
    SQ_F(store_citizen, phone, SQ_TEXT, 0),
    SQ_F(store_citizen, created_at, SQ_I64, 0),
};
/* clang-format on */
static const sq_table res_table = SQ_TABLE("hub resource", store_hubread_res, res_fields);
static const sq_table msg_table = SQ_TABLE("hub message", store_hubread_msg, msg_fields);
static const sq_table patient_table = SQ_TABLE("patient", store_citizen, patient_fields);

void store_hubread_msg_list_free(store_hubread_msg *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free(list[i].body);
    free(list);
}

void store_hubread_list_free(store_hubread_res *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free(list[i].body);
    free(list);
}

/* ---- rows with a text body in the column after the table's fields ---- */

typedef struct body_rows {
    const char *sql;
    const sq_arg *args;
    size_t nargs;
    const sq_table *t;
    size_t body_off, len_off; /* offsets of the char *body and size_t len members */
    size_t max;
    char *arr;
    size_t n;
} body_rows;

static int copy_body(sqlite3_stmt *st, int col, char *rec, const body_rows *b)
{
    const unsigned char *text = sqlite3_column_text(st, col);
    size_t len = (size_t)sqlite3_column_bytes(st, col);
    char *copy = malloc(len + 1);
    if (!copy)
        return KN_ENOMEM;
    memcpy(copy, text ? (const char *)text : "", len);
    copy[len] = '\0';
    memcpy(rec + b->body_off, &copy, sizeof copy);
    memcpy(rec + b->len_off, &len, sizeof len);
    return KN_OK;
}

static int body_rows_fn(sq_conn *c, void *arg, kn_err *err)
{
    body_rows *b = arg;
    sqlite3_stmt *st = NULL;
    int status = sq_stmt(c, b->sql, b->args, b->nargs, &st, err);
    if (status != KN_OK)
        return status;
    b->arr = calloc(b->max ? b->max : 1, b->t->size);
    if (!b->arr)
        status = kn_err_set(err, KN_ENOMEM, "%s: out of memory", b->t->what);
    int rc = SQLITE_DONE;
    while (status == KN_OK && b->n < b->max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *rec = b->arr + b->n * b->t->size;
        sq_read_row(st, b->t, rec);
        if (copy_body(st, (int)b->t->nfields, rec, b) != KN_OK)
            status = kn_err_set(err, KN_ENOMEM, "%s: out of memory", b->t->what);
        else
            b->n++;
    }
    if (status == KN_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        status = sq_error(c, rc, b->t->what, err);
    sq_done(st);
    return status;
}

/* Run b on a reader; on failure frees what was read (through free_fn). */
static int read_body_rows(store *st, body_rows *b, void (*free_fn)(void *, size_t), kn_err *err)
{
    int status = sq_read(SQ(st), body_rows_fn, b, 0, err);
    if (status != KN_OK) {
        free_fn(b->arr, b->n);
        b->arr = NULL;
        b->n = 0;
    }
    return status;
}

static void msg_list_free(void *list, size_t n)
{
    store_hubread_msg_list_free(list, n);
}

static void res_list_free(void *list, size_t n)
{
    store_hubread_list_free(list, n);
}

static int sq_hubread_pending(store *st, size_t limit, store_hubread_msg **list, size_t *n,
                              kn_err *err)
{
    if (!list || !n || limit == 0 || limit > SQ_LIST_MAX)
        return kn_err_set(err, KN_EINVAL, "hub index: bad pending arguments");
    sq_arg args[] = {SQ_NUM((int64_t)limit)};
    body_rows b = {SQL_PENDING, args, 1, &msg_table, offsetof(store_hubread_msg, body),
                   offsetof(store_hubread_msg, body_len), limit, NULL, 0};
    int status = read_body_rows(st, &b, msg_list_free, err);
    if (status == KN_OK) {
        *list = (store_hubread_msg *)(void *)b.arr;
        *n = b.n;
    }
    return status;
}

/* ---- index_put: one write job ---- */

typedef struct put_arg {
    const store_hubread_res *rows;
    size_t n;
    int64_t upto_seq;
} put_arg;

static int put_tokens(sq_conn *c, const store_hubread_res *r, int64_t seq, kn_err *err)
{
    sq_arg key[] = {SQ_NUM(seq)};
    int status = sq_exec(c, SQL_TOKENS_DELETE, key, 1, "hub index tokens", NULL, err);
    for (size_t i = 0; status == KN_OK && i < r->ntokens && i < STORE_HUBREAD_TOKENS; i++) {
        const store_hubread_token *t = &r->tokens[i];
        sq_arg args[] = {SQ_NUM(seq), SQ_TXT(t->param), SQ_TXT(t->system), SQ_TXT(t->code)};
        status = sq_exec(c, SQL_TOKEN_INSERT, args, 4, "hub index token", NULL, err);
    }
    return status;
}

/* The seq of r's row when this write made r's version current, else 0. */
static int row_seq(sq_conn *c, const store_hubread_res *r, int64_t *seq, kn_err *err)
{
    typedef struct seq_row {
        int64_t seq;
    } seq_row;
    static const sq_field fields[] = {SQ_F(seq_row, seq, SQ_I64, 0)};
    static const sq_table table = SQ_TABLE("hub index seq", seq_row, fields);
    sq_arg args[] = {SQ_TXT(r->receiver), SQ_TXT(r->type), SQ_TXT(r->id), SQ_NUM(r->msg_seq)};
    seq_row row = {0};
    int status = sq_get(c, SQL_ROW_SEQ, args, 4, &table, &row, err);
    *seq = status == KN_OK ? row.seq : 0;
    return status == KN_ENOTFOUND ? KN_OK : status;
}

static int put_one(sq_conn *c, const store_hubread_res *r, kn_err *err)
{
    int64_t changed = 0, seq = 0;
    sq_arg args[] = {SQ_TXT(r->receiver), SQ_TXT(r->type),         SQ_TXT(r->id),
                     SQ_TXT(r->patient_system), SQ_TXT(r->patient_value), SQ_TXT(r->date),
                     SQ_TXT(r->message_id), SQ_NUM(r->msg_seq),    SQ_TXT(r->body ? r->body : "")};
    int status = sq_exec(c, SQL_UPSERT, args, SQ_NARGS(args), "hub index", &changed, err);
    if (status == KN_OK && changed > 0)
        status = row_seq(c, r, &seq, err);
    if (status == KN_OK && seq > 0)
        status = put_tokens(c, r, seq, err);
    return status;
}

static int put_fn(sq_conn *c, void *arg, kn_err *err)
{
    put_arg *a = arg;
    int status = KN_OK;
    for (size_t i = 0; status == KN_OK && i < a->n; i++)
        status = put_one(c, &a->rows[i], err);
    sq_arg cursor[] = {SQ_NUM(a->upto_seq)};
    if (status == KN_OK)
        status = sq_exec(c, SQL_CURSOR, cursor, 1, "hub index cursor", NULL, err);
    return status;
}

static int sq_hubread_index_put(store *st, const store_hubread_res *rows, size_t n,
                                int64_t upto_seq, kn_err *err)
{
    if ((n && !rows) || upto_seq < 0)
        return kn_err_set(err, KN_EINVAL, "hub index: bad rows");
    for (size_t i = 0; i < n; i++) {
        int status = sq_check(&res_table, &rows[i], err);
        if (status != KN_OK)
            return status;
    }
    put_arg a = {rows, n, upto_seq};
    return sq_write(SQ(st), put_fn, &a, err);
}

/* ---- search ---- */

static int check_limit(size_t limit, kn_err *err)
{
    if (limit == 0 || limit > STORE_HUBREAD_PAGE_MAX)
        return kn_err_set(err, KN_EINVAL, "hub read: page size must be 1..%d",
                          STORE_HUBREAD_PAGE_MAX);
    return KN_OK;
}

static sq_arg match_arg(const store_hubread_query *q, size_t i, int which)
{
    if (i >= q->nmatch || i >= 2)
        return SQ_TXT(NULL);
    const store_hubread_match *m = &q->match[i];
    return SQ_TXT(which == 0 ? m->param : which == 1 ? m->system : m->code);
}

static int sq_hubread_search(store *st, const store_hubread_query *q, store_hubread_res **list,
                             size_t *n, kn_err *err)
{
    if (!q || !list || !n || !q->receiver || !q->type || q->after_seq < 0)
        return kn_err_set(err, KN_EINVAL, "hub read: bad search arguments");
    int status = check_limit(q->limit, err);
    if (status != KN_OK)
        return status;
    sq_arg args[] = {SQ_TXT(q->receiver),       SQ_TXT(q->type),          SQ_NUM(q->after_seq),
                     SQ_TXT(q->id),             SQ_TXT(q->patient_system), SQ_TXT(q->patient_value),
                     match_arg(q, 0, 0),        match_arg(q, 0, 1),        match_arg(q, 0, 2),
                     match_arg(q, 1, 0),        match_arg(q, 1, 1),        match_arg(q, 1, 2),
                     SQ_TXT(q->date_ge),        SQ_TXT(q->date_gt),        SQ_TXT(q->date_le),
                     SQ_TXT(q->date_lt),        SQ_NUM((int64_t)q->limit)};
    body_rows b = {SQL_SEARCH, args, SQ_NARGS(args), &res_table, offsetof(store_hubread_res, body),
                   offsetof(store_hubread_res, body_len), q->limit, NULL, 0};
    status = read_body_rows(st, &b, res_list_free, err);
    if (status == KN_OK) {
        *list = (store_hubread_res *)(void *)b.arr;
        *n = b.n;
    }
    return status;
}

/* "Kari" -> "kari%" with LIKE's wildcards escaped; ASCII case-folded. */
static int like_prefix(const char *name, char *out, size_t size)
{
    size_t j = 0;
    for (const char *p = name; *p; p++) {
        if (j + 3 >= size)
            return 0;
        if (*p == '%' || *p == '_' || *p == '\\')
            out[j++] = '\\';
        out[j++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
    }
    out[j++] = '%';
    out[j] = '\0';
    return 1;
}

static int sq_hubread_patient_search(store *st, const store_hubread_patient_query *q,
                                     store_citizen **list, size_t *n, kn_err *err)
{
    if (!q || !list || !n || !q->municipality)
        return kn_err_set(err, KN_EINVAL, "hub read: bad patient search arguments");
    int status = check_limit(q->limit, err);
    if (status != KN_OK)
        return status;
    char like[2 * STORE_NAME_LEN + 2];
    if (q->name && !like_prefix(q->name, like, sizeof like))
        return kn_err_set(err, KN_EINVAL, "search parameter 'name' is too long");
    sq_arg args[] = {SQ_TXT(q->municipality), SQ_TXT(q->id), SQ_TXT(q->nin),
                     SQ_TXT(q->name ? like : NULL), SQ_TXT(q->after_id ? q->after_id : ""),
                     SQ_NUM((int64_t)q->limit)};
    return sq_read_list(SQ(st), SQL_PATIENTS, args, SQ_NARGS(args), &patient_table, q->limit,
                        (void **)list, n, err);
}

const struct store_hubread_ops sq_hubread_ops = {
    .pending = sq_hubread_pending,
    .index_put = sq_hubread_index_put,
    .search = sq_hubread_search,
    .patient_search = sq_hubread_patient_search,
};
