/* store_sqlite_resp_rule.c - routing rules and the operator-facing citizen
 * profile of the response service (store_resp.h).
 *
 * Both are fixed-size records with arrays (steps; relatives and priority
 * rules) stored as child rows numbered n = 0.. in array order. A put is one
 * write job: upsert the parent, replace its children, write the audit event;
 * a get reads parent and children in one snapshot. A rule keeps its
 * municipality: putting an existing id with another one is KN_ENOTFOUND.
 */
#include "store_sqlite_int.h"

#include "../core/core_util.h"

#include <stdlib.h>
#include <string.h>

#define RULE_COLS                                                                                  \
    "id, municipality, name, service, citizen_id, weekdays, start_min, end_min, nsteps, "          \
    "created_at"
#define PROFILE_COLS                                                                               \
    "citizen_id, municipality, key_safe, elock, access_note, care_team, care_team_phone, notes, "  \
    "nrelatives, nprio, updated_at"

static const char SQL_RULE_PUT[] =
    "INSERT INTO resp_rules(" RULE_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(id) DO UPDATE SET name = excluded.name, service = excluded.service,"
    " citizen_id = excluded.citizen_id, weekdays = excluded.weekdays,"
    " start_min = excluded.start_min, end_min = excluded.end_min, nsteps = excluded.nsteps"
    " WHERE municipality = excluded.municipality";
static const char SQL_RULE_LIST[] =
    "SELECT " RULE_COLS " FROM resp_rules WHERE municipality = ?1 ORDER BY created_at, id LIMIT ?2";
static const char SQL_RULE_CREATED[] = "SELECT created_at FROM resp_rules WHERE id = ?1";
static const char SQL_RULE_DELETE[] = "DELETE FROM resp_rules WHERE id = ?1 AND municipality = ?2";
static const char SQL_STEPS_DELETE[] = "DELETE FROM resp_rule_steps WHERE rule_id = ?1";
static const char SQL_STEP_INSERT[] =
    "INSERT INTO resp_rule_steps(rule_id, n, kind, target, timeout_s) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_STEPS[] =
    "SELECT kind, target, timeout_s FROM resp_rule_steps WHERE rule_id = ?1 ORDER BY n LIMIT ?2";
static const char SQL_PROFILE_PUT[] =
    "INSERT INTO resp_profiles(" PROFILE_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT(citizen_id) DO UPDATE SET municipality = excluded.municipality,"
    " key_safe = excluded.key_safe, elock = excluded.elock, access_note = excluded.access_note,"
    " care_team = excluded.care_team, care_team_phone = excluded.care_team_phone,"
    " notes = excluded.notes, nrelatives = excluded.nrelatives, nprio = excluded.nprio,"
    " updated_at = excluded.updated_at";
static const char SQL_PROFILE_GET[] =
    "SELECT " PROFILE_COLS " FROM resp_profiles WHERE citizen_id = ?1";
static const char SQL_RELATIVES_DELETE[] = "DELETE FROM resp_relatives WHERE citizen_id = ?1";
static const char SQL_RELATIVE_INSERT[] =
    "INSERT INTO resp_relatives(citizen_id, n, name, relation, phone, call_order)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_RELATIVES[] =
    "SELECT name, relation, phone, call_order FROM resp_relatives WHERE citizen_id = ?1"
    " ORDER BY n LIMIT ?2";
static const char SQL_PRIO_DELETE[] = "DELETE FROM resp_prio_rules WHERE citizen_id = ?1";
static const char SQL_PRIO_INSERT[] =
    "INSERT INTO resp_prio_rules(citizen_id, n, alert_code, priority) VALUES (?1, ?2, ?3, ?4)";
static const char SQL_PRIOS[] =
    "SELECT alert_code, priority FROM resp_prio_rules WHERE citizen_id = ?1 ORDER BY n LIMIT ?2";

/* clang-format off */
static const sq_field rule_fields[] = {
    SQ_F(store_resp_rule, id, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_rule, municipality, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_rule, name, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_rule, service, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_rule, citizen_id, SQ_TEXT, SQ_NULL),
    SQ_F(store_resp_rule, weekdays, SQ_INT, 0),
    SQ_F(store_resp_rule, start_min, SQ_INT, 0),
    SQ_F(store_resp_rule, end_min, SQ_INT, 0),
    SQ_F(store_resp_rule, nsteps, SQ_INT, 0),
    SQ_F(store_resp_rule, created_at, SQ_I64, 0),
};
static const sq_field step_fields[] = {
    SQ_F(store_resp_step, kind, SQ_INT, 0),
    SQ_F(store_resp_step, target, SQ_TEXT, 0),
    SQ_F(store_resp_step, timeout_s, SQ_INT, 0),
};
static const sq_field profile_fields[] = {
    SQ_F(store_resp_profile, citizen_id, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_profile, municipality, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_profile, key_safe, SQ_TEXT, 0),
    SQ_F(store_resp_profile, elock, SQ_TEXT, 0),
    SQ_F(store_resp_profile, access_note, SQ_TEXT, 0),
    SQ_F(store_resp_profile, care_team, SQ_TEXT, 0),
    SQ_F(store_resp_profile, care_team_phone, SQ_TEXT, 0),
    SQ_F(store_resp_profile, notes, SQ_TEXT, 0),
    SQ_F(store_resp_profile, nrelatives, SQ_INT, 0),
    SQ_F(store_resp_profile, nprio, SQ_INT, 0),
    SQ_F(store_resp_profile, updated_at, SQ_I64, 0),
};
static const sq_field relative_fields[] = {
    SQ_F(store_resp_relative, name, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_relative, relation, SQ_TEXT, 0),
    SQ_F(store_resp_relative, phone, SQ_TEXT, 0),
    SQ_F(store_resp_relative, call_order, SQ_INT, 0),
};
static const sq_field prio_fields[] = {
    SQ_F(store_resp_prio_rule, alert_code, SQ_TEXT, SQ_REQ),
    SQ_F(store_resp_prio_rule, priority, SQ_INT, 0),
};
typedef struct created_row {
    int64_t created_at;
} created_row;
static const sq_field created_fields[] = {SQ_F(created_row, created_at, SQ_I64, 0)};
/* clang-format on */
static const sq_table created_table = SQ_TABLE("routing rule", created_row, created_fields);
static const sq_table rule_table = SQ_TABLE("routing rule", store_resp_rule, rule_fields);
static const sq_table step_table = SQ_TABLE("routing step", store_resp_step, step_fields);
static const sq_table profile_table = SQ_TABLE("profile", store_resp_profile, profile_fields);
static const sq_table relative_table = SQ_TABLE("relative", store_resp_relative, relative_fields);
static const sq_table prio_table = SQ_TABLE("priority rule", store_resp_prio_rule, prio_fields);

/* Check the n records of t in arr, min <= n <= max. */
static int check_array(const sq_table *t, const void *arr, int n, int min, int max, kn_err *err)
{
    if (n < min || n > max)
        return kn_err_set(err, KN_EINVAL, "%s: %d..%d expected, got %d", t->what, min, max, n);
    for (int i = 0; i < n; i++) {
        int status = sq_check(t, (const char *)arr + (size_t)i * t->size, err);
        if (status != KN_OK)
            return status;
    }
    return KN_OK;
}

/* Read up to max child rows of owner into arr; their count into *n. */
static int read_children(sq_conn *c, const char *sql, const char *owner, const sq_table *t,
                         void *arr, int max, int *n, kn_err *err)
{
    sq_arg args[] = {SQ_TXT(owner), SQ_NUM(max)};
    void *rows = NULL;
    size_t nrows = 0;
    int status = sq_list(c, sql, args, SQ_NARGS(args), t, (size_t)max, &rows, &nrows, err);
    if (status != KN_OK)
        return status;
    memcpy(arr, rows, nrows * t->size);
    *n = (int)nrows;
    free(rows);
    return KN_OK;
}

/* ---- routing rules ---- */

/* An audit event a write may carry (audit NULL: none). */
typedef struct opt_audit {
    int has;
    store_audit ev;
} opt_audit;

static int audit_prepare(opt_audit *a, const store_audit *audit, const char *type,
                         const char *object, const char *municipality, kn_err *err)
{
    if (!audit)
        return KN_OK;
    a->has = 1;
    a->ev = *audit;
    int status = sq_audit_prepare(&a->ev, err);
    if (status != KN_OK)
        return status;
    if (!a->ev.object_type[0])
        kn_strcpy(a->ev.object_type, sizeof a->ev.object_type, type);
    kn_strcpy(a->ev.object_id, sizeof a->ev.object_id, object);
    if (!a->ev.municipality[0])
        kn_strcpy(a->ev.municipality, sizeof a->ev.municipality, municipality);
    return KN_OK;
}

static int audit_write(sq_conn *c, const opt_audit *a, kn_err *err)
{
    return a->has ? sq_audit_insert(c, &a->ev, err) : KN_OK;
}

typedef struct rule_job {
    store_resp_rule rule;
    opt_audit audit;
} rule_job;

static int rule_put_fn(sq_conn *c, void *arg, kn_err *err)
{
    rule_job *j = arg;
    store_resp_rule *r = &j->rule;
    int status = sq_insert(c, SQL_RULE_PUT, &rule_table, r, err);
    if (status == KN_OK && sqlite3_changes64(c->db) == 0)
        return kn_err_set(err, KN_ENOTFOUND, "routing rule %s not found", r->id);
    sq_arg id = SQ_TXT(r->id);
    created_row created;
    if (status == KN_OK) /* an update keeps the first created_at */
        status = sq_get(c, SQL_RULE_CREATED, &id, 1, &created_table, &created, err);
    if (status == KN_OK)
        r->created_at = created.created_at;
    if (status == KN_OK)
        status = sq_exec(c, SQL_STEPS_DELETE, &id, 1, "routing step", NULL, err);
    for (int i = 0; i < r->nsteps && status == KN_OK; i++) {
        const store_resp_step *s = &r->steps[i];
        sq_arg args[] = {SQ_TXT(r->id), SQ_NUM(i), SQ_NUM(s->kind), SQ_TXT(s->target),
                         SQ_NUM(s->timeout_s)};
        status = sq_exec(c, SQL_STEP_INSERT, args, SQ_NARGS(args), "routing step", NULL, err);
    }
    return status != KN_OK ? status : audit_write(c, &j->audit, err);
}

int sq_resp_rule_put(store *st, store_resp_rule *rule, const store_audit *audit, kn_err *err)
{
    if (!rule)
        return kn_err_set(err, KN_EINVAL, "routing rule: missing");
    rule_job *j = calloc(1, sizeof *j);
    if (!j)
        return kn_err_set(err, KN_ENOMEM, "routing rule: out of memory");
    j->rule = *rule;
    if (!j->rule.id[0])
        kn_id_new(j->rule.id);
    if (!j->rule.created_at)
        j->rule.created_at = kn_now_ms();
    int status = sq_check(&rule_table, &j->rule, err);
    if (status == KN_OK)
        status =
            check_array(&step_table, j->rule.steps, j->rule.nsteps, 1, STORE_RESP_MAX_STEPS, err);
    if (status == KN_OK)
        status =
            audit_prepare(&j->audit, audit, "routing_rule", j->rule.id, j->rule.municipality, err);
    if (status == KN_OK)
        status = sq_write(SQ(st), rule_put_fn, j, err);
    if (status == KN_OK) {
        memcpy(rule->id, j->rule.id, sizeof rule->id);
        rule->created_at = j->rule.created_at;
    }
    free(j);
    return status;
}

static int rule_delete_fn(sq_conn *c, void *arg, kn_err *err)
{
    rule_job *j = arg;
    sq_arg args[] = {SQ_TXT(j->rule.id), SQ_TXT(j->rule.municipality)};
    int64_t changes = 0;
    int status = sq_exec(c, SQL_RULE_DELETE, args, SQ_NARGS(args), "routing rule", &changes, err);
    if (status == KN_OK && changes == 0)
        return kn_err_set(err, KN_ENOTFOUND, "routing rule %s not found", j->rule.id);
    return status != KN_OK ? status : audit_write(c, &j->audit, err);
}

int sq_resp_rule_delete(store *st, const char *municipality, const char *id,
                        const store_audit *audit, kn_err *err)
{
    int status = sq_check_key(municipality, STORE_ORGNR_LEN, "routing rule municipality", err);
    if (status == KN_OK)
        status = sq_check_key(id, STORE_ID_LEN, "routing rule", err);
    if (status != KN_OK)
        return status;
    rule_job j;
    memset(&j, 0, sizeof j);
    kn_strcpy(j.rule.id, sizeof j.rule.id, id);
    kn_strcpy(j.rule.municipality, sizeof j.rule.municipality, municipality);
    status = audit_prepare(&j.audit, audit, "routing_rule", id, municipality, err);
    return status != KN_OK ? status : sq_write(SQ(st), rule_delete_fn, &j, err);
}

typedef struct rule_read {
    const char *municipality;
    store_resp_rule *list;
    size_t n;
} rule_read;

static int rule_list_fn(sq_conn *c, void *arg, kn_err *err)
{
    rule_read *r = arg;
    sq_arg args[] = {SQ_TXT(r->municipality), SQ_NUM(SQ_LIST_MAX)};
    int status = sq_list(c, SQL_RULE_LIST, args, SQ_NARGS(args), &rule_table, SQ_LIST_MAX,
                         (void **)&r->list, &r->n, err);
    for (size_t i = 0; i < r->n && status == KN_OK; i++)
        status = read_children(c, SQL_STEPS, r->list[i].id, &step_table, r->list[i].steps,
                               STORE_RESP_MAX_STEPS, &r->list[i].nsteps, err);
    return status;
}

int sq_resp_rule_list(store *st, const char *municipality, store_resp_rule **list, size_t *n,
                      kn_err *err)
{
    int status = sq_check_key(municipality, STORE_ORGNR_LEN, "routing rule municipality", err);
    if (status != KN_OK)
        return status;
    if (!list || !n)
        return kn_err_set(err, KN_EINVAL, "routing rule: no output");
    rule_read r = {municipality, NULL, 0};
    status = sq_read(SQ(st), rule_list_fn, &r, 1, err);
    if (status != KN_OK) {
        free(r.list);
        return status;
    }
    *list = r.list;
    *n = r.n;
    return KN_OK;
}

/* ---- citizen profile ---- */

typedef struct profile_job {
    store_resp_profile p;
    opt_audit audit;
} profile_job;

static int profile_put_fn(sq_conn *c, void *arg, kn_err *err)
{
    profile_job *j = arg;
    const store_resp_profile *p = &j->p;
    sq_arg id = SQ_TXT(p->citizen_id);
    int status = sq_insert(c, SQL_PROFILE_PUT, &profile_table, p, err);
    if (status == KN_OK)
        status = sq_exec(c, SQL_RELATIVES_DELETE, &id, 1, "relative", NULL, err);
    if (status == KN_OK)
        status = sq_exec(c, SQL_PRIO_DELETE, &id, 1, "priority rule", NULL, err);
    for (int i = 0; i < p->nrelatives && status == KN_OK; i++) {
        const store_resp_relative *r = &p->relatives[i];
        sq_arg args[] = {SQ_TXT(p->citizen_id), SQ_NUM(i),        SQ_TXT(r->name),
                         SQ_TXT(r->relation),   SQ_TXT(r->phone), SQ_NUM(r->call_order)};
        status = sq_exec(c, SQL_RELATIVE_INSERT, args, SQ_NARGS(args), "relative", NULL, err);
    }
    for (int i = 0; i < p->nprio && status == KN_OK; i++) {
        const store_resp_prio_rule *r = &p->prio[i];
        sq_arg args[] = {SQ_TXT(p->citizen_id), SQ_NUM(i), SQ_TXT(r->alert_code),
                         SQ_NUM(r->priority)};
        status = sq_exec(c, SQL_PRIO_INSERT, args, SQ_NARGS(args), "priority rule", NULL, err);
    }
    return status != KN_OK ? status : audit_write(c, &j->audit, err);
}

int sq_resp_profile_put(store *st, store_resp_profile *p, const store_audit *audit, kn_err *err)
{
    if (!p)
        return kn_err_set(err, KN_EINVAL, "profile: missing");
    profile_job *j = calloc(1, sizeof *j);
    if (!j)
        return kn_err_set(err, KN_ENOMEM, "profile: out of memory");
    j->p = *p;
    j->p.updated_at = kn_now_ms();
    int status = sq_check(&profile_table, &j->p, err);
    if (status == KN_OK)
        status = check_array(&relative_table, j->p.relatives, j->p.nrelatives, 0,
                             STORE_RESP_MAX_RELATIVES, err);
    if (status == KN_OK)
        status = check_array(&prio_table, j->p.prio, j->p.nprio, 0, STORE_RESP_MAX_PRIO_RULES, err);
    if (status == KN_OK)
        status = audit_prepare(&j->audit, audit, "resp_profile", j->p.citizen_id, j->p.municipality,
                               err);
    if (status == KN_OK)
        status = sq_write(SQ(st), profile_put_fn, j, err);
    if (status == KN_OK)
        p->updated_at = j->p.updated_at;
    free(j);
    return status;
}

static int profile_get_fn(sq_conn *c, void *arg, kn_err *err)
{
    store_resp_profile *p = arg;
    sq_arg id = SQ_TXT(p->citizen_id);
    int status = sq_get(c, SQL_PROFILE_GET, &id, 1, &profile_table, p, err);
    if (status == KN_OK)
        status = read_children(c, SQL_RELATIVES, p->citizen_id, &relative_table, p->relatives,
                               STORE_RESP_MAX_RELATIVES, &p->nrelatives, err);
    if (status == KN_OK)
        status = read_children(c, SQL_PRIOS, p->citizen_id, &prio_table, p->prio,
                               STORE_RESP_MAX_PRIO_RULES, &p->nprio, err);
    return status;
}

int sq_resp_profile_get(store *st, const char *citizen_id, store_resp_profile *out, kn_err *err)
{
    int status = sq_check_key(citizen_id, STORE_ID_LEN, "profile", err);
    if (status != KN_OK)
        return status;
    if (!out)
        return kn_err_set(err, KN_EINVAL, "profile: no output");
    store_resp_profile *p = calloc(1, sizeof *p);
    if (!p)
        return kn_err_set(err, KN_ENOMEM, "profile: out of memory");
    kn_strcpy(p->citizen_id, sizeof p->citizen_id, citizen_id);
    status = sq_read(SQ(st), profile_get_fn, p, 1, err);
    if (status == KN_OK)
        *out = *p;
    free(p);
    return status;
}
