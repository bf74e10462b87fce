/* resp_profile.c - the operator's record of a citizen (tjenestemottaker) in
 * the response service: key safe and e-lock, access notes, home-care team,
 * relatives with phone and call order, and per-citizen priority rules that
 * resp_priority applies. Read and written with access control and audit;
 * resp_profile_load is the unaudited internal read used by intake and the
 * alarm detail. The service-lifecycle work keeps its own tables beside this
 * record, keyed by the same citizen id.
 */
#include "resp_int.h"

#include "../audit/audit.h"
#include "../core/core_util.h"

#include <stdio.h>
#include <string.h>

#define PROFILE_ROLES_WRITE (RESP_ROLES_ADMIN | AUTH_ROLE_CASE_WORKER | AUTH_ROLE_NURSE)
#define PHONE_DIGITS_MIN 3
#define PHONE_DIGITS_MAX 15

/* ---- validation ---- */

/* "+47 99 99 99 99", "(+47) 22-33-44-55": digits with spaces, '-', '(', ')',
 * one optional '+' before the first digit; 3..15 digits. */
static int phone_valid(const char *s)
{
    int digits = 0, plus = 0;
    for (const char *c = s; *c; c++) {
        if (*c >= '0' && *c <= '9')
            digits++;
        else if (*c == '+' && !plus && digits == 0)
            plus = 1;
        else if (!strchr(" -()", *c))
            return 0;
    }
    return digits >= PHONE_DIGITS_MIN && digits <= PHONE_DIGITS_MAX;
}

static int relative_valid(const store_resp_relative *r, int i, unsigned *orders, kn_err *err)
{
    if (!r->name[0])
        return kn_err_set(err, KN_EINVAL, "field 'relatives[%d].name' is required", i);
    if (!phone_valid(r->phone))
        return kn_err_set(err, KN_EINVAL, "field 'relatives[%d].phone': not a phone number", i);
    if (r->call_order < 1 || r->call_order > STORE_RESP_MAX_RELATIVES)
        return kn_err_set(err, KN_EINVAL, "field 'relatives[%d].call_order': must be 1..%d", i,
                          STORE_RESP_MAX_RELATIVES);
    if (*orders & (1u << r->call_order))
        return kn_err_set(err, KN_EINVAL, "field 'relatives[%d].call_order': %d is used twice", i,
                          r->call_order);
    *orders |= 1u << r->call_order;
    return KN_OK;
}

static int prio_valid(const store_resp_profile *p, int i, kn_err *err)
{
    const store_resp_prio_rule *r = &p->prio[i];
    if (!resp_alert_lookup(r->alert_code))
        return kn_err_set(err, KN_EINVAL,
                          "field 'priority_rules[%d].alert_code': not a VKP alert code", i);
    if (r->priority < 1 || r->priority > 5)
        return kn_err_set(err, KN_EINVAL, "field 'priority_rules[%d].priority': must be 1..5", i);
    for (int k = 0; k < i; k++)
        if (strcmp(p->prio[k].alert_code, r->alert_code) == 0)
            return kn_err_set(err, KN_EINVAL,
                              "field 'priority_rules[%d].alert_code': %s appears twice", i,
                              r->alert_code);
    return KN_OK;
}

static int profile_valid(const store_resp_profile *p, kn_err *err)
{
    if (p->care_team_phone[0] && !phone_valid(p->care_team_phone))
        return kn_err_set(err, KN_EINVAL, "field 'care_team_phone': not a phone number");
    if (p->nrelatives < 0 || p->nrelatives > STORE_RESP_MAX_RELATIVES)
        return kn_err_set(err, KN_EINVAL, "field 'relatives': at most %d",
                          STORE_RESP_MAX_RELATIVES);
    if (p->nprio < 0 || p->nprio > STORE_RESP_MAX_PRIO_RULES)
        return kn_err_set(err, KN_EINVAL, "field 'priority_rules': at most %d",
                          STORE_RESP_MAX_PRIO_RULES);
    unsigned orders = 0;
    int rc = KN_OK;
    for (int i = 0; rc == KN_OK && i < p->nrelatives; i++)
        rc = relative_valid(&p->relatives[i], i, &orders, err);
    for (int i = 0; rc == KN_OK && i < p->nprio; i++)
        rc = prio_valid(p, i, err);
    return rc;
}

/* ---- JSON ---- */

/* The name of member key of the i-th object of list, as errors show it:
 * "relatives[2].phone". */
static void item_field(char f[48], const char *list, int i, const char *key)
{
    snprintf(f, 48, "%s[%d].%s", list, i, key);
}

static int item_str(const json_t *j, const char *list, int i, const char *key, char *dst,
                    size_t size, kn_err *err)
{
    char f[48];
    item_field(f, list, i, key);
    return resp_json_str(j, key, f, dst, size, err);
}

static int item_int(const json_t *j, const char *list, int i, const char *key, int min, int max,
                    int *out, kn_err *err)
{
    char f[48];
    item_field(f, list, i, key);
    const json_t *v = json_object_get(j, key);
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return kn_err_set(err, KN_EINVAL, "field '%s': must be an integer %d..%d", f, min, max);
    *out = (int)json_integer_value(v);
    return KN_OK;
}

/* An optional array member of at most max objects. */
static int json_list(const json_t *j, const char *key, size_t max, const json_t **out, kn_err *err)
{
    *out = json_object_get(j, key);
    if (!*out || json_is_null(*out)) {
        *out = NULL;
        return KN_OK;
    }
    if (!json_is_array(*out) || json_array_size(*out) > max)
        return kn_err_set(err, KN_EINVAL, "field '%s': an array of at most %zu", key, max);
    for (size_t i = 0; i < json_array_size(*out); i++)
        if (!json_is_object(json_array_get(*out, i)))
            return kn_err_set(err, KN_EINVAL, "field '%s[%zu]': must be an object", key, i);
    return KN_OK;
}

static int relative_from_json(const json_t *j, int i, store_resp_relative *r, kn_err *err)
{
    int rc = item_str(j, "relatives", i, "name", r->name, sizeof r->name, err);
    if (rc == KN_OK)
        rc = item_str(j, "relatives", i, "relation", r->relation, sizeof r->relation, err);
    if (rc == KN_OK)
        rc = item_str(j, "relatives", i, "phone", r->phone, sizeof r->phone, err);
    if (rc == KN_OK)
        rc = item_int(j, "relatives", i, "call_order", 1, STORE_RESP_MAX_RELATIVES, &r->call_order,
                      err);
    return rc;
}

static int prio_from_json(const json_t *j, int i, store_resp_prio_rule *r, kn_err *err)
{
    int rc =
        item_str(j, "priority_rules", i, "alert_code", r->alert_code, sizeof r->alert_code, err);
    if (rc == KN_OK)
        rc = item_int(j, "priority_rules", i, "priority", 1, 5, &r->priority, err);
    return rc;
}

int resp_profile_from_json(const json_t *j, store_resp_profile *out, kn_err *err)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(j))
        return kn_err_set(err, KN_EINVAL, "a profile must be a JSON object");
    struct {
        const char *key;
        char *dst;
        size_t size;
    } fields[] = {
        {"key_safe", out->key_safe, sizeof out->key_safe},
        {"elock", out->elock, sizeof out->elock},
        {"access_note", out->access_note, sizeof out->access_note},
        {"care_team", out->care_team, sizeof out->care_team},
        {"care_team_phone", out->care_team_phone, sizeof out->care_team_phone},
        {"notes", out->notes, sizeof out->notes},
    };
    int rc = KN_OK;
    for (size_t i = 0; rc == KN_OK && i < sizeof fields / sizeof fields[0]; i++)
        rc = resp_json_str(j, fields[i].key, fields[i].key, fields[i].dst, fields[i].size, err);
    const json_t *rel = NULL, *prio = NULL;
    if (rc == KN_OK)
        rc = json_list(j, "relatives", STORE_RESP_MAX_RELATIVES, &rel, err);
    if (rc == KN_OK)
        rc = json_list(j, "priority_rules", STORE_RESP_MAX_PRIO_RULES, &prio, err);
    for (size_t i = 0; rc == KN_OK && i < json_array_size(rel); i++, out->nrelatives++)
        rc = relative_from_json(json_array_get(rel, i), (int)i, &out->relatives[i], err);
    for (size_t i = 0; rc == KN_OK && i < json_array_size(prio); i++, out->nprio++)
        rc = prio_from_json(json_array_get(prio, i), (int)i, &out->prio[i], err);
    if (rc == KN_OK)
        rc = profile_valid(out, err);
    return rc;
}

json_t *resp_profile_to_json(const store_resp_profile *p)
{
    json_t *rel = json_array(), *prio = json_array();
    for (int i = 0; i < p->nrelatives && i < STORE_RESP_MAX_RELATIVES; i++) {
        const store_resp_relative *r = &p->relatives[i];
        json_array_append_new(rel, json_pack("{s:s, s:s, s:s, s:i}", "name", r->name, "relation",
                                             r->relation, "phone", r->phone, "call_order",
                                             r->call_order));
    }
    for (int i = 0; i < p->nprio && i < STORE_RESP_MAX_PRIO_RULES; i++)
        json_array_append_new(prio, json_pack("{s:s, s:i}", "alert_code", p->prio[i].alert_code,
                                              "priority", p->prio[i].priority));
    char updated[32];
    kn_time_format(p->updated_at / 1000, updated, sizeof updated);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "key_safe", p->key_safe,
                     "elock", p->elock, "access_note", p->access_note, "care_team", p->care_team,
                     "care_team_phone", p->care_team_phone, "notes", p->notes, "relatives", rel,
                     "priority_rules", prio, "updated_at",
                     p->updated_at ? json_string(updated) : json_null());
}

/* ---- reads and writes with access and audit ---- */

/* The citizen's municipality, for the access decision. */
static int citizen_municipality(resp_ctx *ctx, const char *citizen_id, char out[10], kn_err *err)
{
    store_citizen c;
    int rc = ctx->st->ops->citizen_get(ctx->st, citizen_id ? citizen_id : "", &c, err);
    if (rc == KN_ENOTFOUND)
        return kn_err_set(err, KN_ENOTFOUND, "no citizen with id %s", citizen_id ? citizen_id : "");
    if (rc == KN_OK)
        kn_strcpy(out, 10, c.municipality);
    return rc;
}

static void profile_audit(store_audit *a, const auth_principal *p, const char *action,
                          const char *municipality, const char *citizen_id, const char *request_id)
{
    audit_event_init(a, p, action, municipality, "citizen", citizen_id, request_id, "ok");
}

void resp_profile_load(resp_ctx *ctx, const char *citizen_id, store_resp_profile *out)
{
    if (ctx->st->ops->resp->profile_get(ctx->st, citizen_id, out, NULL) != KN_OK)
        memset(out, 0, sizeof *out);
}

int resp_profile_get(resp_ctx *ctx, const auth_principal *p, const char *citizen_id,
                     const char *request_id, store_resp_profile *out, kn_err *err)
{
    memset(out, 0, sizeof *out);
    char muni[10];
    int rc = citizen_municipality(ctx, citizen_id, muni, err);
    if (rc == KN_OK)
        rc = resp_access(p, RESP_ROLES_READ, muni, RESP_SCOPE_READ, err);
    if (rc != KN_OK)
        return rc;
    /* Audit first: nothing leaves the store without a durable record. */
    store_audit audit;
    profile_audit(&audit, p, "resp.profile.read", muni, citizen_id, request_id);
    rc = ctx->st->ops->audit_append(ctx->st, &audit, err);
    if (rc != KN_OK)
        return rc;
    rc = ctx->st->ops->resp->profile_get(ctx->st, citizen_id, out, err);
    if (rc == KN_ENOTFOUND) {
        memset(out, 0, sizeof *out);
        return KN_OK;
    }
    if (rc != KN_OK)
        memset(out, 0, sizeof *out);
    return rc;
}

int resp_profile_put(resp_ctx *ctx, const auth_principal *p, const char *citizen_id,
                     const store_resp_profile *in, const char *request_id, kn_err *err)
{
    char muni[10];
    int rc = citizen_municipality(ctx, citizen_id, muni, err);
    if (rc == KN_OK)
        rc = resp_access(p, PROFILE_ROLES_WRITE, muni, RESP_SCOPE_WRITE, err);
    if (rc == KN_OK)
        rc = profile_valid(in, err);
    if (rc != KN_OK)
        return rc;
    store_resp_profile prof = *in;
    kn_strcpy(prof.citizen_id, sizeof prof.citizen_id, citizen_id);
    kn_strcpy(prof.municipality, sizeof prof.municipality, muni);
    prof.updated_at = resp_now(ctx);
    store_audit audit;
    profile_audit(&audit, p, "resp.profile.write", muni, citizen_id, request_id);
    return ctx->st->ops->resp->profile_put(ctx->st, &prof, &audit, err);
}
