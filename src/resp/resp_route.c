/* resp_route.c - routing of alarms: who is notified at which hour. Rules
 * (weekday + time-of-day windows per municipality, service and citizen, each
 * with up to six steps) are validated here, stored through st->ops->resp,
 * matched against an alarm at a moment of Norwegian local time (Europe/Oslo,
 * with the EU summer-time rule computed in pure code, so it is thread-safe and
 * independent of the process's TZ), and checked to cover every hour of the
 * week. resp_route_step is what intake (resp_alarm.c) and the escalation
 * timers (resp_timer.c) ask: "which recipient is step i now?".
 */
#include "resp_int.h"

#include "../audit/audit.h"
#include "../core/core_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_PER_DAY 1440
#define MIN_STEP_TIMEOUT_S 10
#define MAX_STEP_TIMEOUT_S 86400

/* ---- calendar and Europe/Oslo local time ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
int64_t resp_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int resp_days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

int resp_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Weekday 0 Monday .. 6 Sunday of a day number (1970-01-01 was a Thursday). */
static int weekday_of(int64_t days)
{
    int64_t w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* UTC seconds of 01:00 UTC on the last Sunday of (year, month 3 or 10):
 * the EU switch moment. */
static int64_t last_sunday_0100(int year, int month)
{
    int64_t last = resp_days_from_civil(year, month, 31);
    int64_t sunday = last - (weekday_of(last) + 1) % 7;
    return sunday * 86400 + 3600;
}

/* Broken-down Europe/Oslo time of a UTC ms instant. */
typedef struct oslo_tm {
    int year, month, day, weekday, minute;
} oslo_tm;

static void oslo_time(int64_t at_ms, oslo_tm *t)
{
    int64_t s = floor_div(at_ms, 1000);
    int y, m, d;
    civil_from_days(floor_div(s, 86400), &y, &m, &d);
    int summer = s >= last_sunday_0100(y, 3) && s < last_sunday_0100(y, 10);
    int64_t local = s + (summer ? 7200 : 3600);
    int64_t days = floor_div(local, 86400);
    civil_from_days(days, &t->year, &t->month, &t->day);
    t->weekday = weekday_of(days);
    t->minute = (int)((local - days * 86400) / 60);
}

void resp_local_time(int64_t at_ms, int *weekday, int *minute, char month[8])
{
    oslo_tm t;
    oslo_time(at_ms, &t);
    if (weekday)
        *weekday = t.weekday;
    if (minute)
        *minute = t.minute;
    if (month)
        snprintf(month, 8, "%04u-%02u", (unsigned)t.year % 10000u, (unsigned)t.month % 100u);
}

/* "22.11.2026 kl. 10:15" in Norwegian local time (out >= 24 bytes). Used by
 * the timers for texts operators read. */
void resp_local_format(int64_t at_ms, char *out, size_t size)
{
    oslo_tm t;
    oslo_time(at_ms, &t);
    snprintf(out, size, "%02u.%02u.%04u kl. %02u:%02u", (unsigned)t.day % 100u,
             (unsigned)t.month % 100u, (unsigned)t.year % 10000u, (unsigned)t.minute / 60 % 100u,
             (unsigned)t.minute % 60u);
}

/* ---- rule fields ---- */

static const char *const day_names[7] = {"man", "tir",        "ons",       "tor",
                                         "fre", "l\xc3\xb8r", "s\xc3\xb8n"};
static const char *const step_kinds[] = {"", "centre", "homecare", "oncall", "relatives"};
#define NSTEP_KINDS ((int)(sizeof step_kinds / sizeof step_kinds[0]))

static int step_kind_parse(const char *s)
{
    for (int k = 1; s && k < NSTEP_KINDS; k++)
        if (strcmp(s, step_kinds[k]) == 0)
            return k;
    return 0;
}

static int day_parse(const char *s)
{
    for (int d = 0; s && d < 7; d++)
        if (strcmp(s, day_names[d]) == 0)
            return d;
    return -1;
}

/* "HH:MM" -> minute of the day; "24:00" only when allow_end. -1 when bad. */
static int hhmm_parse(const char *s, int allow_end)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_end)))
        return -1;
    return h * 60 + m;
}

static void hhmm_format(int minute, char out[6])
{
    unsigned m = minute < 0 ? 0u : (unsigned)minute;
    snprintf(out, 6, "%02u:%02u", (m / 60) % 100u, m % 60);
}

/* The alert-code category ("4" of "4.1"): the code table's, else the prefix. */
static int alert_category(const char *code)
{
    const resp_alert_info *info = code ? resp_alert_lookup(code) : NULL;
    if (info)
        return info->category;
    return code ? atoi(code) : 0;
}

/* "*" or a category number that is itself a known alert code. */
static int service_valid(const char *service)
{
    if (strcmp(service, "*") == 0)
        return 1;
    if (!*service || strspn(service, "0123456789") != strlen(service))
        return 0;
    const resp_alert_info *info = resp_alert_lookup(service);
    return info && info->category == atoi(service);
}

static int step_valid(const store_resp_step *s, int i, kn_err *err)
{
    if (s->kind < RESP_STEP_CENTRE || s->kind > RESP_STEP_RELATIVES)
        return kn_err_set(err, KN_EINVAL,
                          "field 'steps[%d].kind': must be centre, homecare, oncall or relatives",
                          i);
    if (s->kind != RESP_STEP_RELATIVES && !s->target[0])
        return kn_err_set(err, KN_EINVAL, "field 'steps[%d].target' is required", i);
    if (s->timeout_s < MIN_STEP_TIMEOUT_S || s->timeout_s > MAX_STEP_TIMEOUT_S)
        return kn_err_set(err, KN_EINVAL, "field 'steps[%d].timeout_s': must be %d..%d seconds", i,
                          MIN_STEP_TIMEOUT_S, MAX_STEP_TIMEOUT_S);
    return KN_OK;
}

/* Structural checks shared by JSON input and direct callers (CLI, tests). */
static int rule_valid(const store_resp_rule *r, kn_err *err)
{
    if (!r->name[0])
        return kn_err_set(err, KN_EINVAL, "field 'name' is required");
    if (!service_valid(r->service))
        return kn_err_set(err, KN_EINVAL,
                          "field 'service': must be \"*\" or an alert-code category (\"3\")");
    if ((r->weekdays & 0x7f) == 0 || (r->weekdays & ~0x7f))
        return kn_err_set(err, KN_EINVAL, "field 'days': at least one of man..søn");
    if (r->start_min < 0 || r->start_min >= MIN_PER_DAY)
        return kn_err_set(err, KN_EINVAL, "field 'from': must be 00:00..23:59");
    if (r->end_min <= r->start_min || r->end_min > MIN_PER_DAY)
        return kn_err_set(err, KN_EINVAL,
                          "field 'to': must be after 'from' and at most 24:00 (a night "
                          "over midnight is two rules)");
    if (r->nsteps < 1 || r->nsteps > STORE_RESP_MAX_STEPS)
        return kn_err_set(err, KN_EINVAL, "field 'steps': 1..%d steps", STORE_RESP_MAX_STEPS);
    int rc = KN_OK;
    for (int i = 0; rc == KN_OK && i < r->nsteps; i++)
        rc = step_valid(&r->steps[i], i, err);
    return rc;
}

/* ---- JSON ---- */

static int step_from_json(const json_t *j, int i, store_resp_step *s, kn_err *err)
{
    char field[32];
    if (!json_is_object(j))
        return kn_err_set(err, KN_EINVAL, "field 'steps[%d]': must be an object", i);
    char kind[16];
    snprintf(field, sizeof field, "steps[%d].kind", i);
    int rc = resp_json_str(j, "kind", field, kind, sizeof kind, err);
    if (rc != KN_OK)
        return rc;
    s->kind = step_kind_parse(kind);
    snprintf(field, sizeof field, "steps[%d].target", i);
    rc = resp_json_str(j, "target", field, s->target, sizeof s->target, err);
    if (rc != KN_OK)
        return rc;
    const json_t *t = json_object_get(j, "timeout_s");
    if (!json_is_integer(t))
        return kn_err_set(err, KN_EINVAL, "field 'steps[%d].timeout_s': must be an integer", i);
    json_int_t v = json_integer_value(t);
    s->timeout_s = v < 0 || v > MAX_STEP_TIMEOUT_S ? -1 : (int)v;
    return step_valid(s, i, err);
}

static int days_from_json(const json_t *days, int *mask, kn_err *err)
{
    *mask = 0;
    if (!json_is_array(days))
        return kn_err_set(err, KN_EINVAL, "field 'days': must be an array of man..søn");
    size_t i;
    const json_t *d;
    json_array_foreach(days, i, d)
    {
        int day = day_parse(json_string_value(d));
        if (day < 0)
            return kn_err_set(err, KN_EINVAL,
                              "field 'days[%zu]': must be one of man, tir, ons, tor, fre, lør, søn",
                              i);
        *mask |= 1 << day;
    }
    return KN_OK;
}

static int time_from_json(const json_t *j, const char *key, int allow_end, int *out, kn_err *err)
{
    *out = hhmm_parse(json_string_value(json_object_get(j, key)), allow_end);
    if (*out < 0)
        return kn_err_set(err, KN_EINVAL, "field '%s': must be \"HH:MM\"%s", key,
                          allow_end ? " (24:00 = end of day)" : "");
    return KN_OK;
}

int resp_rule_from_json(const json_t *j, const char *municipality, store_resp_rule *out,
                        kn_err *err)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(j))
        return kn_err_set(err, KN_EINVAL, "a rule must be a JSON object");
    if (kn_strcpy(out->municipality, sizeof out->municipality, municipality ? municipality : "") !=
        KN_OK)
        return kn_err_set(err, KN_EINVAL, "field 'municipality': too long");
    int rc = resp_json_str(j, "id", "id", out->id, sizeof out->id, err);
    if (rc == KN_OK)
        rc = resp_json_str(j, "name", "name", out->name, sizeof out->name, err);
    if (rc == KN_OK)
        rc = resp_json_str(j, "service", "service", out->service, sizeof out->service, err);
    if (rc == KN_OK)
        rc = resp_json_str(j, "citizen_id", "citizen_id", out->citizen_id, sizeof out->citizen_id,
                           err);
    if (rc == KN_OK)
        rc = days_from_json(json_object_get(j, "days"), &out->weekdays, err);
    if (rc == KN_OK)
        rc = time_from_json(j, "from", 0, &out->start_min, err);
    if (rc == KN_OK)
        rc = time_from_json(j, "to", 1, &out->end_min, err);
    const json_t *steps = json_object_get(j, "steps");
    if (rc == KN_OK && (!json_is_array(steps) || json_array_size(steps) < 1 ||
                        json_array_size(steps) > STORE_RESP_MAX_STEPS))
        rc = kn_err_set(err, KN_EINVAL, "field 'steps': an array of 1..%d steps",
                        STORE_RESP_MAX_STEPS);
    for (size_t i = 0; rc == KN_OK && i < json_array_size(steps); i++, out->nsteps++)
        rc = step_from_json(json_array_get(steps, i), (int)i, &out->steps[i], err);
    if (rc == KN_OK)
        rc = rule_valid(out, err);
    return rc;
}

json_t *resp_step_to_json(const store_resp_step *s)
{
    if (s->kind <= 0 || s->kind >= NSTEP_KINDS)
        return json_null();
    return json_pack("{s:s, s:s, s:i}", "kind", step_kinds[s->kind], "target", s->target,
                     "timeout_s", s->timeout_s);
}

json_t *resp_rule_to_json(const store_resp_rule *r)
{
    json_t *days = json_array(), *steps = json_array();
    for (int d = 0; d < 7; d++)
        if (r->weekdays & (1 << d))
            json_array_append_new(days, json_string(day_names[d]));
    for (int i = 0; i < r->nsteps && i < STORE_RESP_MAX_STEPS; i++)
        json_array_append_new(steps, resp_step_to_json(&r->steps[i]));
    char from[6], to[6];
    hhmm_format(r->start_min, from);
    hhmm_format(r->end_min, to);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:o}", "id", r->id, "municipality",
                          r->municipality, "name", r->name, "service", r->service, "citizen_id",
                          r->citizen_id[0] ? json_string(r->citizen_id) : json_null(), "from", from,
                          "to", to, "steps", steps);
    if (j)
        json_object_set_new(j, "days", days);
    else
        json_decref(days);
    return j;
}

/* ---- storage with access and audit ---- */

static void rule_audit(store_audit *a, const auth_principal *p, const char *action,
                       const char *municipality, const char *id, const char *request_id)
{
    audit_event_init(a, p, action, municipality, "resp_rule", id, request_id, "ok");
}

/* A citizen rule's citizen must belong to the rule's municipality. */
static int rule_citizen_check(resp_ctx *ctx, const store_resp_rule *r, kn_err *err)
{
    if (!r->citizen_id[0])
        return KN_OK;
    store_citizen c;
    int rc = ctx->st->ops->citizen_get(ctx->st, r->citizen_id, &c, err);
    if (rc == KN_ENOTFOUND || (rc == KN_OK && strcmp(c.municipality, r->municipality) != 0))
        return kn_err_set(err, KN_EINVAL, "field 'citizen_id': no such citizen in %s",
                          r->municipality);
    return rc;
}

int resp_rule_put(resp_ctx *ctx, const auth_principal *p, store_resp_rule *rule,
                  const char *request_id, kn_err *err)
{
    int rc = resp_access(p, RESP_ROLES_ADMIN, rule->municipality, RESP_SCOPE_WRITE, err);
    if (rc == KN_OK)
        rc = rule_valid(rule, err);
    if (rc == KN_OK)
        rc = rule_citizen_check(ctx, rule, err);
    if (rc != KN_OK)
        return rc;
    if (!rule->created_at)
        rule->created_at = resp_now(ctx);
    store_audit audit;
    rule_audit(&audit, p, "resp.rule.put", rule->municipality, rule->id, request_id);
    return ctx->st->ops->resp->rule_put(ctx->st, rule, &audit, err);
}

int resp_rule_delete(resp_ctx *ctx, const auth_principal *p, const char *municipality,
                     const char *id, const char *request_id, kn_err *err)
{
    int rc = resp_access(p, RESP_ROLES_ADMIN, municipality, RESP_SCOPE_WRITE, err);
    if (rc != KN_OK)
        return rc;
    store_audit audit;
    rule_audit(&audit, p, "resp.rule.delete", municipality, id, request_id);
    rc = ctx->st->ops->resp->rule_delete(ctx->st, municipality, id, &audit, err);
    if (rc == KN_ENOTFOUND)
        return kn_err_set(err, KN_ENOTFOUND, "no routing rule %s in %s", id, municipality);
    return rc;
}

int resp_rule_list(resp_ctx *ctx, const auth_principal *p, const char *municipality,
                   store_resp_rule **list, size_t *n, kn_err *err)
{
    *list = NULL;
    *n = 0;
    int rc = resp_access(p, RESP_ROLES_READ, municipality, RESP_SCOPE_READ, err);
    if (rc != KN_OK)
        return rc;
    return ctx->st->ops->resp->rule_list(ctx->st, municipality, list, n, err);
}

/* ---- matching ---- */

static int rule_covers(const store_resp_rule *r, int weekday, int minute)
{
    return (r->weekdays & (1 << weekday)) && minute >= r->start_min && minute < r->end_min;
}

/* How specific a rule is for this alarm: citizen + service 4, citizen 3,
 * service 2, "*" 1; 0 when it does not apply. */
static int rule_rank(const store_resp_rule *r, const char *citizen_id, int category)
{
    int any = strcmp(r->service, "*") == 0;
    if (!any && atoi(r->service) != category)
        return 0;
    if (r->citizen_id[0])
        return citizen_id && strcmp(r->citizen_id, citizen_id) == 0 ? (any ? 3 : 4) : 0;
    return any ? 1 : 2;
}

int resp_route_match(const store_resp_rule *rules, size_t n, const char *citizen_id,
                     const char *alert_code, int64_t at, const store_resp_rule **out)
{
    int weekday, minute;
    resp_local_time(at, &weekday, &minute, NULL);
    int category = alert_category(alert_code);
    const store_resp_rule *best = NULL;
    int best_rank = 0;
    for (size_t i = 0; i < n; i++) {
        int rank = rule_covers(&rules[i], weekday, minute)
                       ? rule_rank(&rules[i], citizen_id, category)
                       : 0;
        if (rank > best_rank) {
            best = &rules[i];
            best_rank = rank;
        }
    }
    *out = best;
    return best ? KN_OK : KN_ENOTFOUND;
}

/* ---- coverage ---- */

typedef struct gap_list {
    resp_gap *v;
    size_t n, cap;
} gap_list;

static int gap_add(gap_list *g, const char *service, int weekday, int from, int to)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        resp_gap *v = realloc(g->v, cap * sizeof *v);
        if (!v)
            return KN_ENOMEM;
        g->v = v;
        g->cap = cap;
    }
    resp_gap *gap = &g->v[g->n++];
    memset(gap, 0, sizeof *gap);
    kn_strcpy(gap->service, sizeof gap->service, service);
    gap->weekday = weekday;
    gap->from_min = from;
    gap->to_min = to;
    return KN_OK;
}

/* Minutes of one day a service is covered at: rules of that service and "*"
 * rules (what resp_route_match would fall back to); citizen rules do not count. */
static void day_cover(const store_resp_rule *rules, size_t n, const char *service, int weekday,
                      unsigned char covered[MIN_PER_DAY])
{
    memset(covered, 0, MIN_PER_DAY);
    for (size_t i = 0; i < n; i++) {
        const store_resp_rule *r = &rules[i];
        if (r->citizen_id[0] || !(r->weekdays & (1 << weekday)))
            continue;
        if (strcmp(r->service, "*") != 0 && strcmp(r->service, service) != 0)
            continue;
        int from = r->start_min < 0 ? 0 : r->start_min;
        int to = r->end_min > MIN_PER_DAY ? MIN_PER_DAY : r->end_min;
        if (to > from)
            memset(covered + from, 1, (size_t)(to - from));
    }
}

static int service_gaps(const store_resp_rule *rules, size_t n, const char *service, gap_list *g)
{
    unsigned char covered[MIN_PER_DAY];
    int rc = KN_OK;
    for (int d = 0; rc == KN_OK && d < 7; d++) {
        day_cover(rules, n, service, d, covered);
        for (int m = 0; rc == KN_OK && m < MIN_PER_DAY;) {
            if (covered[m]) {
                m++;
                continue;
            }
            int from = m;
            while (m < MIN_PER_DAY && !covered[m])
                m++;
            rc = gap_add(g, service, d, from, m);
        }
    }
    return rc;
}

/* Services to check: "*" first, then each service of a non-citizen rule once. */
static int seen_before(const store_resp_rule *rules, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (!rules[k].citizen_id[0] && strcmp(rules[k].service, rules[i].service) == 0)
            return 1;
    return 0;
}

int resp_route_coverage(const store_resp_rule *rules, size_t n, resp_gap **gaps, size_t *ngaps,
                        kn_err *err)
{
    gap_list g = {0};
    int rc = service_gaps(rules, n, "*", &g);
    for (size_t i = 0; rc == KN_OK && i < n; i++)
        if (!rules[i].citizen_id[0] && strcmp(rules[i].service, "*") != 0 && !seen_before(rules, i))
            rc = service_gaps(rules, n, rules[i].service, &g);
    if (rc != KN_OK) {
        free(g.v);
        *gaps = NULL;
        *ngaps = 0;
        return kn_err_set(err, rc, "out of memory");
    }
    *gaps = g.v;
    *ngaps = g.n;
    return KN_OK;
}

/* ---- the step for an alarm ---- */

int resp_route_step(resp_ctx *ctx, const store_resp_alarm *a, int index, int64_t at,
                    store_resp_step *step)
{
    store_resp_rule *rules = NULL;
    size_t n = 0;
    const store_resp_rule *r = NULL;
    int found = 0;
    if (ctx->st->ops->resp->rule_list(ctx->st, a->municipality, &rules, &n, NULL) == KN_OK &&
        resp_route_match(rules, n, a->citizen_id, a->alert_code, at, &r) == KN_OK && index >= 0 &&
        index < r->nsteps) {
        *step = r->steps[index];
        found = 1;
    }
    free(rules);
    if (!found) {
        memset(step, 0, sizeof *step);
        step->kind = RESP_STEP_CENTRE;
        kn_strcpy(step->target, sizeof step->target, "Responssenter");
        step->timeout_s = ctx->o.default_step_timeout_s;
    }
    return found;
}
