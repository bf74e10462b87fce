/* gain_json.c - benefit scenarios as JSON: scenario files in (examples/gevinst/,
 * `knute gevinst calc`, POST /api/v1/gevinst/calc) and results out (the CLI's
 * --json and the API). A file is one municipality with its parameters, plans
 * and per-subject measurements (format in docs/gevinst.md); it is checked by
 * the same rules as stored data, so a file that computes here could be
 * entered through the API. Unknown fields are errors naming their place.
 */
#include "gain_int.h"

#include "../core/core_util.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GAIN_JSON_MAX_DEPTH 16
#define GAIN_FILE_UNITS_MAX 99

/* ---- reading ---- */

/* Prefix err's message with the place: "plans[0].measurements[2]: ...". */
static int at(const char *where, int rc, kn_err *err)
{
    if (rc == KN_OK || !err)
        return rc;
    char msg[KN_ERR_MSG_MAX];
    kn_strcpy(msg, sizeof msg, err->msg);
    return kn_err_set(err, rc, "%s: %s", where, msg);
}

static int check_keys(const json_t *obj, const char *const *allowed, kn_err *err)
{
    if (!json_is_object(obj))
        return kn_err_set(err, KN_EINVAL, "must be a JSON object");
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)obj, key, value)
    {
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i])
            return kn_err_set(err, KN_EINVAL, "unknown field '%.40s'", key);
    }
    return KN_OK;
}

static int get_text(const json_t *obj, const char *key, char *dst, size_t size, kn_err *err)
{
    const json_t *v = json_object_get(obj, key);
    dst[0] = '\0';
    if (!v || json_is_null(v))
        return KN_OK;
    if (!json_is_string(v))
        return kn_err_set(err, KN_EINVAL, "field '%s' must be a string", key);
    if (json_string_length(v) >= size || strlen(json_string_value(v)) != json_string_length(v))
        return kn_err_set(err, KN_EINVAL, "field '%s' must be at most %zu bytes, without NUL", key,
                          size - 1);
    return kn_strcpy(dst, size, json_string_value(v));
}

static int get_int(const json_t *obj, const char *key, int64_t *out, kn_err *err)
{
    const json_t *v = json_object_get(obj, key);
    *out = 0;
    if (!v || json_is_null(v))
        return KN_OK;
    if (!json_is_integer(v))
        return kn_err_set(err, KN_EINVAL, "field '%s' must be a whole number", key);
    *out = json_integer_value(v);
    return KN_OK;
}

static int get_small(const json_t *obj, const char *key, int *out, kn_err *err)
{
    int64_t v;
    int rc = get_int(obj, key, &v, err);
    if (rc == KN_OK && (v < -1000000 || v > 1000000))
        return kn_err_set(err, KN_EINVAL, "field '%s' is out of range", key);
    *out = (int)v;
    return rc;
}

static int params_parse(const json_t *obj, gain_params *p, kn_err *err)
{
    gain_params_default(p);
    if (!obj)
        return KN_OK;
    if (!json_is_object(obj))
        return kn_err_set(err, KN_EINVAL, "must be a JSON object");
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value)
    {
        if (!json_is_number(value))
            return kn_err_set(err, KN_EINVAL, "parameter '%.40s' must be a number", key);
        char text[64];
        snprintf(text, sizeof text, "%.17g", json_number_value(value));
        int rc = gain_params_set(p, key, text, err);
        if (rc != KN_OK)
            return rc;
    }
    return KN_OK;
}

static const char *const measure_keys[] = {
    "subject", "citizen_id", "kind", "period_start", "period_unit", "period_count", "visits",
    "minutes_per_visit", "km", "alarms_received", "alarms_forwarded", "minutes_per_alarm",
    "night_checks", "quality_user", "quality_staff", "quality_relatives", "plan_id", "note", NULL};

int gain_measure_from_json(const json_t *obj, store_gain_measure *m, kn_err *err)
{
    memset(m, 0, sizeof *m);
    char kind[16];
    int rc = check_keys(obj, measure_keys, err);
    if (rc == KN_OK)
        rc = get_text(obj, json_object_get(obj, "subject") ? "subject" : "citizen_id",
                      m->citizen_id, sizeof m->citizen_id, err);
    if (rc == KN_OK)
        rc = get_text(obj, "plan_id", m->plan_id, sizeof m->plan_id, err);
    if (rc == KN_OK)
        rc = get_text(obj, "kind", kind, sizeof kind, err);
    if (rc == KN_OK && !(m->kind = gain_kind_parse(kind)))
        rc = gain_code_check(GAIN_CODE_KIND, "kind", kind, err);
    if (rc == KN_OK)
        rc = get_text(obj, "period_start", m->period_start, sizeof m->period_start, err);
    if (rc == KN_OK)
        rc = get_text(obj, "period_unit", m->period_unit, sizeof m->period_unit, err);
    if (rc == KN_OK)
        rc = get_small(obj, "period_count", &m->period_count, err);
    int64_t *counts[] = {&m->visits,           &m->minutes_per_visit, &m->km,
                         &m->alarms_received,  &m->alarms_forwarded,  &m->minutes_per_alarm,
                         &m->night_checks};
    for (size_t i = 0; rc == KN_OK && i < sizeof counts / sizeof counts[0]; i++)
        rc = get_int(obj, measure_keys[6 + i], counts[i], err);
    int *quality[] = {&m->quality_user, &m->quality_staff, &m->quality_relatives};
    for (size_t i = 0; rc == KN_OK && i < GAIN_QUALITY_DIMS; i++)
        rc = get_small(obj, measure_keys[13 + i], quality[i], err);
    return rc;
}

static const char *const plan_keys[] = {
    "id", "name", "technology", "gain_type", "interval", "owner", "indicator", "prerequisites",
    "redeployment", "region", "start", "end", "licence_per_year", "operating_per_year", "startup",
    "replaced_per_year", "measurements", "note", NULL};

int gain_plan_from_json(const json_t *obj, store_gain_plan *plan, kn_err *err)
{
    memset(plan, 0, sizeof *plan);
    int rc = check_keys(obj, plan_keys, err);
    struct {
        const char *key;
        char *dst;
        size_t size;
    } texts[] = {
        {"name", plan->name, sizeof plan->name},
        {"technology", plan->technology, sizeof plan->technology},
        {"gain_type", plan->gain_type, sizeof plan->gain_type},
        {"interval", plan->interval, sizeof plan->interval},
        {"owner", plan->owner, sizeof plan->owner},
        {"indicator", plan->indicator, sizeof plan->indicator},
        {"prerequisites", plan->prerequisites, sizeof plan->prerequisites},
        {"redeployment", plan->redeployment, sizeof plan->redeployment},
        {"region", plan->region, sizeof plan->region},
        {"start", plan->start_date, sizeof plan->start_date},
        {"end", plan->end_date, sizeof plan->end_date},
    };
    for (size_t i = 0; rc == KN_OK && i < sizeof texts / sizeof texts[0]; i++)
        rc = get_text(obj, texts[i].key, texts[i].dst, texts[i].size, err);
    int64_t *costs[] = {&plan->licence_per_year, &plan->operating_per_year, &plan->startup_cost,
                        &plan->replaced_per_year};
    for (size_t i = 0; rc == KN_OK && i < 4; i++)
        rc = get_int(obj, plan_keys[12 + i], costs[i], err);
    return rc;
}

static int grow(void **array, size_t n, size_t size, kn_err *err)
{
    void *bigger = realloc(*array, (n + 1) * size);
    if (!bigger)
        return kn_err_set(err, KN_ENOMEM, "gain: out of memory");
    *array = bigger;
    return KN_OK;
}

/* Measurements of plan p (index in s), in file order, each checked against
 * the plan and the ones before it (the baseline rule). */
static int file_measures(gain_scenario *s, const json_t *list, size_t p, const char *where,
                         kn_err *err)
{
    size_t first = s->nmeasures, i;
    json_t *item;
    if (list && !json_is_array(list))
        return kn_err_set(err, KN_EINVAL, "%s: field 'measurements' must be an array", where);
    json_array_foreach(list, i, item)
    {
        char place[96];
        snprintf(place, sizeof place, "%s.measurements[%zu]", where, i);
        int rc = grow((void **)&s->measures, s->nmeasures, sizeof *s->measures, err);
        store_gain_measure *m = &s->measures[s->nmeasures];
        if (rc == KN_OK)
            rc = gain_measure_from_json(item, m, err);
        if (rc == KN_OK && (m->plan_id[0] || json_object_get(item, "citizen_id")))
            rc = kn_err_set(err, KN_EINVAL, "files name the subject ('subject'); a measurement "
                                            "belongs to the plan it is listed in");
        if (rc == KN_OK) {
            memcpy(m->plan_id, s->plans[p].id, sizeof m->plan_id);
            memcpy(m->municipality, s->plans[p].municipality, sizeof m->municipality);
            rc = gain_measure_check(m, &s->plans[p], err);
        }
        if (rc == KN_OK)
            rc = gain_baseline_rule(s->measures + first, s->nmeasures - first, m, err);
        if (rc != KN_OK)
            return at(place, rc, err);
        s->nmeasures++;
    }
    return KN_OK;
}

static int file_plan(gain_scenario *s, const json_t *obj, const gain_unit *u, const char *region,
                     size_t index, kn_err *err)
{
    char where[32];
    snprintf(where, sizeof where, "plans[%zu]", index);
    int rc = grow((void **)&s->plans, s->nplans, sizeof *s->plans, err);
    store_gain_plan *plan = &s->plans[s->nplans];
    if (rc == KN_OK)
        rc = gain_plan_from_json(obj, plan, err);
    if (rc == KN_OK)
        rc = get_text(obj, "id", plan->id, sizeof plan->id, err);
    if (rc == KN_OK && !plan->id[0]) {
        char id[64];
        snprintf(id, sizeof id, "%s-plan-%zu", u->key, index + 1);
        kn_strcpy(plan->id, sizeof plan->id, id);
    }
    if (rc == KN_OK && !plan->region[0])
        kn_strcpy(plan->region, sizeof plan->region, region);
    memcpy(plan->municipality, u->key, sizeof plan->municipality);
    if (rc == KN_OK)
        rc = gain_plan_check(plan, err);
    for (size_t i = 0; rc == KN_OK && i < s->nplans; i++)
        if (strcmp(s->plans[i].id, plan->id) == 0)
            rc = kn_err_set(err, KN_EINVAL, "plan id '%s' is used twice", plan->id);
    if (rc != KN_OK)
        return at(where, rc, err);
    s->nplans++;
    return file_measures(s, json_object_get(obj, "measurements"), s->nplans - 1, where, err);
}

static const char *const file_keys[] = {"title", "source", "note", "municipality", "params",
                                        "plans", NULL};
static const char *const muni_keys[] = {"name", "orgnr", "inhabitants", "region", NULL};

static int file_unit(gain_scenario *s, const json_t *root, gain_unit *u, char *region,
                     size_t region_size, kn_err *err)
{
    const json_t *muni = json_object_get(root, "municipality");
    memset(u, 0, sizeof *u);
    int rc = at("file", check_keys(root, file_keys, err), err);
    if (rc == KN_OK)
        rc = at("municipality", check_keys(muni, muni_keys, err), err);
    if (rc == KN_OK)
        rc = get_text(root, "title", u->title, sizeof u->title, err);
    if (rc == KN_OK)
        rc = get_text(root, "source", u->source, sizeof u->source, err);
    if (rc == KN_OK)
        rc = at("municipality", get_text(muni, "name", u->name, sizeof u->name, err), err);
    if (rc == KN_OK)
        rc = at("municipality", get_text(muni, "orgnr", u->key, sizeof u->key, err), err);
    if (rc == KN_OK)
        rc = at("municipality", get_int(muni, "inhabitants", &u->inhabitants, err), err);
    if (rc == KN_OK)
        rc = at("municipality", get_text(muni, "region", region, region_size, err), err);
    if (rc == KN_OK)
        rc = at("params", params_parse(json_object_get(root, "params"), &u->params, err), err);
    if (rc == KN_OK && !u->key[0])
        snprintf(u->key, sizeof u->key, "f%zu", s->nunits + 1);
    if (rc == KN_OK && gain_unit_index(s, u->key) != s->nunits)
        rc = kn_err_set(err, KN_EINVAL, "municipality '%s' appears in two files", u->key);
    if (rc == KN_OK && u->inhabitants < 0)
        rc = kn_err_set(err, KN_EINVAL, "municipality: field 'inhabitants' must be 0 or more");
    return rc;
}

static int file_parse(gain_scenario *s, const json_t *root, kn_err *err)
{
    gain_unit u;
    char region[64];
    if (s->nunits >= GAIN_FILE_UNITS_MAX)
        return kn_err_set(err, KN_EINVAL, "at most %d scenario files at once", GAIN_FILE_UNITS_MAX);
    int rc = file_unit(s, root, &u, region, sizeof region, err);
    if (rc == KN_OK)
        rc = grow((void **)&s->units, s->nunits, sizeof *s->units, err);
    if (rc != KN_OK)
        return rc;
    s->units[s->nunits++] = u;
    const json_t *plans = json_object_get(root, "plans");
    if (!json_is_array(plans) || json_array_size(plans) == 0)
        return kn_err_set(err, KN_EINVAL, "field 'plans' must be a non-empty array");
    size_t i;
    json_t *item;
    json_array_foreach(plans, i, item)
    {
        rc = file_plan(s, item, &s->units[s->nunits - 1], region, i, err);
        if (rc != KN_OK)
            return rc;
    }
    return KN_OK;
}

int gain_scenario_parse(gain_scenario *s, const char *text, size_t len, kn_err *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return kn_err_set(err, KN_EINVAL, "not valid JSON (line %d: %.120s)", jerr.line, jerr.text);
    s->subjects_public = 1;
    int rc = file_parse(s, root, err);
    json_decref(root);
    return rc;
}

/* ---- writing ---- */

static json_t *number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *figure_json(const gain_figure *f)
{
    json_t *inputs = json_object();
    for (size_t i = 0; i < f->ninputs; i++)
        json_object_set_new(inputs, f->inputs[i].name, number(f->inputs[i].value));
    return json_pack("{s:o, s:s, s:s, s:s, s:o}", "value", f->defined ? number(f->value) : json_null(),
                     "unit", f->unit ? f->unit : "", "label", f->label ? f->label : "", "formula",
                     f->formula, "inputs", inputs);
}

static json_t *figures_json(const gain_figure *figs)
{
    json_t *obj = json_object();
    for (int i = 0; i < GAIN_F_COUNT; i++)
        if (figs[i].key)
            json_object_set_new(obj, figs[i].key, figure_json(&figs[i]));
    return obj;
}

/* The indicators compared before and after (only those measured). */
static json_t *before_after_json(const gain_totals *t)
{
    static const struct {
        const char *key, *label, *unit;
        int before, after;
    } rows[] = {
        {"hours", "Tidsbruk", "timer/år", GAIN_F_HOURS_BEFORE, GAIN_F_HOURS_AFTER},
        {"visits", "Besøk", "besøk/år", GAIN_F_VISITS_BEFORE, GAIN_F_VISITS_AFTER},
        {"km", "Kjøring", "km/år", GAIN_F_KM_BEFORE, GAIN_F_KM_AFTER},
        {"alarms_to_service", "Alarmer til hjemmetjenesten", "alarmer/år", GAIN_F_ALARMS_BEFORE,
         GAIN_F_ALARMS_AFTER},
        {"night_checks", "Nattilsyn", "tilsyn/år", GAIN_F_NIGHT_BEFORE, GAIN_F_NIGHT_AFTER},
    };
    json_t *list = json_array();
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        double b = t->figs[rows[i].before].value, a = t->figs[rows[i].after].value;
        if (b == 0 && a == 0)
            continue;
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:o, s:o}", "indicator",
                                              rows[i].key, "label", rows[i].label, "unit",
                                              rows[i].unit, "before", number(b), "after", number(a)));
    }
    return list;
}

static json_t *cumulative_json(const gain_totals *t)
{
    json_t *list = json_array();
    for (int y = 0; y <= t->years; y++)
        json_array_append_new(list, json_pack("{s:i, s:o, s:o, s:o}", "year", y, "without",
                                              number(t->without[y]), "with", number(t->with[y]),
                                              "gain", number(t->without[y] - t->with[y])));
    return list;
}

static json_t *quality_json(const gain_totals *t)
{
    json_t *list = json_array();
    for (int d = 0; d < GAIN_QUALITY_DIMS; d++) {
        const gain_quality *q = &t->quality[d];
        if (!q->n_before && !q->n_after)
            continue;
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:o, s:o, s:I, s:I}", "dimension", gain_quality_keys[d],
                            "label", gain_quality_labels[d], "before",
                            q->n_before ? number(q->before) : json_null(), "after",
                            q->n_after ? number(q->after) : json_null(), "n_before",
                            (json_int_t)q->n_before, "n_after", (json_int_t)q->n_after));
    }
    return list;
}

static json_t *totals_json(const gain_totals *t)
{
    return json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:o}", "plans", (json_int_t)t->plans, "users",
                     (json_int_t)t->users, "followed", (json_int_t)t->followed, "figures",
                     figures_json(t->figs), "before_after", before_after_json(t), "cumulative",
                     cumulative_json(t), "quality", quality_json(t));
}

static json_t *label_or(int kind, const char *code)
{
    const char *label = gain_code_label(kind, code);
    return json_string(label ? label : code);
}

static json_t *plan_json(const gain_result *r, const gain_plan_result *pr)
{
    const store_gain_plan *p = &r->scenario->plans[pr->plan];
    const gain_unit *u = &r->scenario->units[pr->unit];
    json_t *obj = totals_json(&pr->t);
    json_t *fields = json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
        p->id, "name", p->name, "municipality", p->municipality, "technology", p->technology,
        "technology_label", label_or(GAIN_CODE_TECHNOLOGY, p->technology), "gain_type",
        p->gain_type, "gain_type_label", label_or(GAIN_CODE_GAIN_TYPE, p->gain_type), "interval",
        p->interval, "interval_label", label_or(GAIN_CODE_INTERVAL, p->interval), "owner",
        p->owner, "indicator", p->indicator, "prerequisites", p->prerequisites, "redeployment",
        p->redeployment, "region", p->region, "start", p->start_date, "end", p->end_date);
    json_object_update(obj, fields);
    json_decref(fields);
    json_object_set_new(obj, "municipality_name", json_string(u->name));
    json_object_set_new(obj, "size_class", json_string(pr->size_class));
    return obj;
}

static json_t *params_json(const gain_params *p)
{
    size_t n;
    const gain_param_doc *docs = gain_param_docs(&n);
    json_t *obj = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(obj, docs[i].key, number(gain_param_value(p, docs[i].key)));
    return obj;
}

static json_t *param_docs_json(void)
{
    size_t n;
    const gain_param_doc *docs = gain_param_docs(&n);
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:s}", "key",
                                              docs[i].key, "label", docs[i].label, "unit",
                                              docs[i].unit, "default", docs[i].dflt, "min",
                                              docs[i].min, "max", docs[i].max, "source",
                                              docs[i].source));
    return list;
}

static json_t *units_json(const gain_scenario *s)
{
    json_t *list = json_array();
    for (size_t i = 0; i < s->nunits; i++) {
        const gain_unit *u = &s->units[i];
        const char *size = gain_size_class(u->inhabitants);
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:o}", "key", u->key, "name",
                            u->name, "inhabitants", (json_int_t)u->inhabitants, "size_class", size,
                            "size_label", gain_size_label(size), "title", u->title, "source",
                            u->source, "params", params_json(&u->params)));
    }
    return list;
}

static json_t *group_json(const gain_group *g)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:o, s:o, s:o, s:o}", "key", g->key, "label", g->label,
                     "plans", (json_int_t)g->plans, "users", (json_int_t)g->users,
                     "hours_avoided", figure_json(&g->hours_avoided), "cost_avoided",
                     figure_json(&g->cost_avoided), "net_annual", figure_json(&g->net_annual),
                     "fte", figure_json(&g->fte));
}

static json_t *groups_json(const gain_result *r)
{
    json_t *obj = json_object();
    for (int d = 0; d < GAIN_DIMS; d++) {
        json_t *list = json_array();
        for (size_t i = 0; i < r->ngroups; i++)
            if (r->groups[i].dim == d)
                json_array_append_new(list, group_json(&r->groups[i]));
        json_object_set_new(obj, gain_dim_keys[d], list);
    }
    return obj;
}

static json_t *rates_json(const gain_rates *x)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "visits", number(x->visits), "hours",
                     number(x->hours), "km", number(x->km), "alarms_received",
                     number(x->alarms_received), "alarms_forwarded", number(x->alarms_forwarded),
                     "night_checks", number(x->night_checks), "visit_minutes",
                     number(x->visit_minutes));
}

static json_t *subjects_json(const gain_result *r)
{
    json_t *list = json_array();
    for (size_t i = 0; i < r->nsubjects; i++) {
        const gain_subject *sub = &r->subjects[i];
        json_array_append_new(
            list, json_pack("{s:s, s:s, s:b, s:s, s:s, s:o, s:o, s:o, s:o}", "plan",
                            r->scenario->plans[sub->plan].id, "subject", sub->subject, "followed",
                            sub->followed, "baseline_start", sub->baseline_start, "followup_start",
                            sub->followup_start, "factor_before", number(sub->factor_before),
                            "factor_after", number(sub->factor_after), "before",
                            rates_json(&sub->before), "after", rates_json(&sub->after)));
    }
    return list;
}

static json_t *book_json(const report_book *book)
{
    kn_buf buf;
    kn_buf_init(&buf, 64u << 20);
    json_t *out = NULL;
    if (report_write_json(book, &buf) == KN_OK)
        out = json_loadb(buf.data, buf.len, 0, NULL);
    kn_buf_release(&buf);
    return out ? out : json_null();
}

static json_t *result_json(const gain_result *r, const report_book *book)
{
    json_t *plans = json_array();
    for (size_t i = 0; i < r->nplans; i++)
        json_array_append_new(plans, plan_json(r, &r->plans[i]));
    json_t *root = json_pack("{s:o, s:o, s:o, s:o, s:o}", "municipalities", units_json(r->scenario),
                             "param_docs", param_docs_json(), "plans", plans, "total",
                             totals_json(&r->total), "groups", groups_json(r));
    if (root && r->scenario->subjects_public)
        json_object_set_new(root, "subjects", subjects_json(r));
    if (root && book)
        json_object_set_new(root, "book", book_json(book));
    return root;
}

int gain_result_write_json(const gain_result *r, const report_book *book, kn_buf *out)
{
    json_t *root = result_json(r, book);
    if (!root)
        return KN_ENOMEM;
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_REAL_PRECISION(15));
    json_decref(root);
    if (!text)
        return KN_ENOMEM;
    int rc = kn_buf_puts(out, text);
    free(text);
    return rc;
}
