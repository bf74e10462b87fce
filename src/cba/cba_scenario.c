/* cba_scenario.c - a JSON scenario (docs/r109.md, examples/r109/) into a
 * validated cba_scenario. Every error names the field, with its position:
 * "alternatives[1].flows[0].years: year 2031 is outside the analysis period
 * 2023-2030". Nothing is computed here; sensitivities are checked by
 * applying their overrides to a scratch copy of the parameters.
 */
#include "cba_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENARIO_TEXT_MAX (4u << 20)

static const char *const top_fields[] = {"title",
                                         "unit",
                                         "unit_value",
                                         "first_year",
                                         "last_year",
                                         "discount_year",
                                         "price_year",
                                         "timing",
                                         "discount_rate",
                                         "tax_cost_rate",
                                         "tax_gain_rate",
                                         "tax_cost_categories",
                                         "tax_gain_categories",
                                         "municipalities",
                                         "break_even",
                                         "scales",
                                         "nonpriced_effects",
                                         "alternatives",
                                         "sensitivities",
                                         "note",
                                         "source",
                                         NULL};
static const char *const alt_fields[] = {"id",    "name",      "affected_share", "overall_rank",
                                         "flows", "nonpriced", "note",           NULL};
static const char *const flow_fields[] = {"id",          "name", "category", "years",
                                          "from",        "to",   "amount",   "profile",
                                          "real_growth", "tags", "note",     NULL};

/* The analysis period as parsed so far, for year checks. */
typedef struct period {
    int first, last;
} period;

static int year_in(const period *per, const char *where, int year, kn_err *err)
{
    if (year < per->first || year > per->last)
        return kn_err_set(err, KN_EINVAL, "%s: year %d is outside the analysis period %d-%d", where,
                          year, per->first, per->last);
    return KN_OK;
}

static int amount_set(cba_flow *f, const period *per, const char *where, int year, double v,
                      kn_err *err)
{
    int rc = year_in(per, where, year, err);
    if (rc == KN_OK && !isfinite(v))
        rc = kn_err_set(err, KN_EINVAL, "%s: amount for %d is not a number", where, year);
    if (rc == KN_OK)
        f->amount[year - per->first] = v;
    return rc;
}

/* "years": {"2023": 13.5, ...} */
static int flow_years(cba_flow *f, const json_t *years, const period *per, const char *where,
                      kn_err *err)
{
    char at[CBA_WHERE_LEN];
    cba_where(at, sizeof at, "%syears", where);
    if (!json_is_object(years))
        return kn_err_set(err, KN_EINVAL, "%s: must be an object of year: amount", at);
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)years, key, value)
    {
        char *end = NULL;
        long y = strtol(key, &end, 10);
        if (!*key || *end || y < CBA_YEAR_MIN || y > CBA_YEAR_MAX)
            return kn_err_set(err, KN_EINVAL, "%s: '%s' is not a year", at, key);
        if (!json_is_number(value))
            return kn_err_set(err, KN_EINVAL, "%s.%s: must be a number", at, key);
        int rc = amount_set(f, per, at, (int)y, json_number_value(value), err);
        if (rc != KN_OK)
            return rc;
    }
    return KN_OK;
}

/* "from" with "to" + "amount" (the same every year) or "profile" (one per year). */
static int flow_range(cba_flow *f, const json_t *obj, const period *per, const char *where,
                      kn_err *err)
{
    int from = 0, to = 0;
    double amount = 0;
    const json_t *profile = json_object_get(obj, "profile");
    int rc = cba_json_int(obj, where, "from", 1, CBA_YEAR_MIN, CBA_YEAR_MAX, &from, err);
    if (rc == KN_OK && profile) {
        if (!json_is_array(profile) || json_array_size(profile) == 0 ||
            json_object_get(obj, "to") || json_object_get(obj, "amount"))
            return kn_err_set(err, KN_EINVAL,
                              "%sprofile: must be a non-empty array of amounts, without to/amount",
                              where);
        for (size_t i = 0; rc == KN_OK && i < json_array_size(profile); i++) {
            const json_t *v = json_array_get(profile, i);
            if (!json_is_number(v))
                return kn_err_set(err, KN_EINVAL, "%sprofile[%zu]: must be a number", where, i);
            char at[CBA_WHERE_LEN];
            cba_where(at, sizeof at, "%sprofile[%zu]", where, i);
            rc = amount_set(f, per, at, from + (int)i, json_number_value(v), err);
        }
        return rc;
    }
    if (rc == KN_OK)
        rc = cba_json_int(obj, where, "to", 1, CBA_YEAR_MIN, CBA_YEAR_MAX, &to, err);
    if (rc == KN_OK)
        rc = cba_json_number(obj, where, "amount", 1, -1e15, 1e15, &amount, err);
    if (rc == KN_OK && to < from)
        rc = kn_err_set(err, KN_EINVAL, "%sto: negative duration (from %d to %d)", where, from, to);
    char at[CBA_WHERE_LEN];
    cba_where(at, sizeof at, "%sfrom/to", where);
    for (int y = from; rc == KN_OK && y <= to; y++)
        rc = amount_set(f, per, at, y, amount, err);
    return rc;
}

static int tag_add(cba_scenario *sc, const char *tag, const char *where, int *index, kn_err *err)
{
    int i = cba_tag_index(sc, tag);
    if (i < 0) {
        if (!cba_id_valid(tag))
            return kn_err_set(err, KN_EINVAL, "%s: '%s' is not an id ([A-Za-z0-9_-]{1,32})", where,
                              tag);
        if (sc->ntags >= CBA_MAX_TAGS)
            return kn_err_set(err, KN_EINVAL, "%s: more than %d tags", where, CBA_MAX_TAGS);
        snprintf(sc->tags[sc->ntags], CBA_ID_LEN, "%s", tag);
        i = (int)sc->ntags++;
    }
    *index = i;
    return KN_OK;
}

static int flow_tags(cba_scenario *sc, cba_flow *f, const json_t *tags, const char *where,
                     kn_err *err)
{
    char at[CBA_WHERE_LEN];
    cba_where(at, sizeof at, "%stags", where);
    if (!tags)
        return KN_OK;
    if (!json_is_array(tags))
        return kn_err_set(err, KN_EINVAL, "%s: must be an array of tag names", at);
    for (size_t i = 0; i < json_array_size(tags); i++) {
        const char *tag = json_string_value(json_array_get(tags, i));
        int index = 0;
        int rc = tag ? tag_add(sc, tag, at, &index, err)
                     : kn_err_set(err, KN_EINVAL, "%s[%zu]: must be a string", at, i);
        if (rc != KN_OK)
            return rc;
        f->tags |= 1u << index;
    }
    return KN_OK;
}

static int id_field(const json_t *obj, const char *where, char *out, kn_err *err)
{
    int rc = cba_json_string(obj, where, "id", 1, out, CBA_ID_LEN, err);
    if (rc == KN_OK && !cba_id_valid(out))
        rc =
            kn_err_set(err, KN_EINVAL, "%sid: '%s' is not an id ([A-Za-z0-9_-]{1,32})", where, out);
    return rc;
}

/* The common head of an alternative or a flow: an object of known fields
 * with an id (unique: taken is the index of that id so far, or -1) and an
 * optional name, which defaults to the id. */
static int entity_head(const json_t *obj, const char *where, const char *const *fields, char *id,
                       char *name, size_t name_size, int (*taken)(const void *, const char *),
                       const void *ctx, kn_err *err)
{
    if (!json_is_object(obj))
        return kn_err_set(err, KN_EINVAL, "%s: must be an object", where);
    int rc = cba_json_known(obj, where, fields, err);
    if (rc == KN_OK)
        rc = id_field(obj, where, id, err);
    if (rc == KN_OK && taken(ctx, id) >= 0)
        rc = kn_err_set(err, KN_EINVAL, "%sid: '%s' is used twice", where, id);
    if (rc == KN_OK)
        rc = cba_json_string(obj, where, "name", 0, name, name_size, err);
    if (rc == KN_OK && !name[0])
        memcpy(name, id, strlen(id) + 1);
    return rc;
}

static int flow_taken(const void *alt, const char *id)
{
    return cba_flow_index(alt, id);
}

static int alt_taken(const void *sc, const char *id)
{
    return cba_alt_index(sc, id);
}

static int flow_parse(cba_scenario *sc, cba_alt *alt, const json_t *obj, const period *per,
                      const char *where, kn_err *err)
{
    cba_flow *f = &alt->flows[alt->nflows];
    memset(f, 0, sizeof *f);
    char category[40] = "";
    int rc =
        entity_head(obj, where, flow_fields, f->id, f->name, sizeof f->name, flow_taken, alt, err);
    if (rc == KN_OK)
        rc = cba_json_string(obj, where, "category", 1, category, sizeof category, err);
    if (rc == KN_OK && cba_category_parse(category, &f->category, err) != KN_OK)
        rc = kn_err_set(err, KN_EINVAL,
                        "%scategory: unknown category '%s' (investment, "
                        "operations, grant, public_efficiency, private_efficiency or "
                        "purchase_terms)",
                        where, category);
    if (rc == KN_OK)
        rc = cba_json_number(obj, where, "real_growth", 0, -0.5, 0.5, &f->real_growth, err);
    if (rc == KN_OK)
        rc = flow_tags(sc, f, json_object_get(obj, "tags"), where, err);
    const json_t *years = json_object_get(obj, "years");
    if (rc == KN_OK && years && json_object_get(obj, "from"))
        rc = kn_err_set(err, KN_EINVAL, "%syears: give either years or from/to, not both", where);
    if (rc == KN_OK)
        rc = years ? flow_years(f, years, per, where, err) : flow_range(f, obj, per, where, err);
    if (rc == KN_OK)
        alt->nflows++;
    return rc;
}

static int alt_flows(cba_scenario *sc, cba_alt *alt, const json_t *flows, const period *per,
                     const char *where, kn_err *err)
{
    if (!json_is_array(flows))
        return kn_err_set(err, KN_EINVAL, "%sflows: required, an array", where);
    if (json_array_size(flows) > CBA_MAX_FLOWS)
        return kn_err_set(err, KN_EINVAL, "%sflows: more than %d flows", where, CBA_MAX_FLOWS);
    int rc = KN_OK;
    for (size_t i = 0; rc == KN_OK && i < json_array_size(flows); i++) {
        char at[CBA_WHERE_LEN];
        cba_where(at, sizeof at, "%sflows[%zu].", where, i);
        rc = flow_parse(sc, alt, json_array_get(flows, i), per, at, err);
    }
    return rc;
}

/* "nonpriced": {"effect-id": "positiv" | 3 | ["liten positiv", "positiv"]} */
static int score_value(const json_t *v, const char *where, cba_score *out, kn_err *err)
{
    char text[64];
    if (json_is_integer(v))
        snprintf(text, sizeof text, "%lld", (long long)json_integer_value(v));
    else if (json_is_array(v) && json_array_size(v) == 2 && json_is_string(json_array_get(v, 0)) &&
             json_is_string(json_array_get(v, 1)))
        snprintf(text, sizeof text, "%s/%s", json_string_value(json_array_get(v, 0)),
                 json_string_value(json_array_get(v, 1)));
    else if (json_is_string(v))
        snprintf(text, sizeof text, "%s", json_string_value(v));
    else
        return kn_err_set(err, KN_EINVAL, "%s: must be a label, a number or [low, high]", where);
    kn_err inner;
    if (cba_score_parse(text, out, &inner) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "%s: %s", where, inner.msg);
    return KN_OK;
}

static int alt_nonpriced(const cba_scenario *sc, size_t a, const json_t *np, const char *where,
                         cba_params *p, kn_err *err)
{
    if (!np)
        return KN_OK;
    if (!json_is_object(np))
        return kn_err_set(err, KN_EINVAL, "%snonpriced: must be an object of effect: score", where);
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)np, key, value)
    {
        char at[CBA_WHERE_LEN];
        cba_where(at, sizeof at, "%snonpriced.%s", where, key);
        int e = cba_effect_index(sc, key);
        if (e < 0)
            return kn_err_set(err, KN_EINVAL, "%s: unknown effect (not in nonpriced_effects)", at);
        int rc = score_value(value, at, &p->nonpriced[a][e], err);
        if (rc != KN_OK)
            return rc;
    }
    return KN_OK;
}

static int alt_parse(cba_scenario *sc, const json_t *obj, const period *per, const char *where,
                     kn_err *err)
{
    size_t a = sc->nalts;
    cba_alt *alt = &sc->alts[a];
    memset(alt, 0, sizeof *alt);
    int rc = entity_head(obj, where, alt_fields, alt->id, alt->name, sizeof alt->name, alt_taken,
                         sc, err);
    if (rc == KN_OK)
        rc = cba_json_number(obj, where, "affected_share", 0, 0, 1, &sc->base.affected_share[a],
                             err);
    if (rc == KN_OK)
        rc = cba_json_int(obj, where, "overall_rank", 0, 1, CBA_MAX_ALTS, &alt->overall_rank, err);
    if (rc == KN_OK)
        rc = alt_flows(sc, alt, json_object_get(obj, "flows"), per, where, err);
    if (rc == KN_OK)
        rc = alt_nonpriced(sc, a, json_object_get(obj, "nonpriced"), where, &sc->base, err);
    if (rc == KN_OK)
        sc->nalts++;
    return rc;
}

static int effects_parse(cba_scenario *sc, const json_t *list, kn_err *err)
{
    if (!list)
        return KN_OK;
    if (!json_is_array(list) || json_array_size(list) > CBA_MAX_EFFECTS)
        return kn_err_set(err, KN_EINVAL,
                          "nonpriced_effects: must be an array of at most %d "
                          "{id, name}",
                          CBA_MAX_EFFECTS);
    static const char *const fields[] = {"id", "name", "note", NULL};
    int rc = KN_OK;
    for (size_t i = 0; rc == KN_OK && i < json_array_size(list); i++) {
        const json_t *e = json_array_get(list, i);
        char at[CBA_WHERE_LEN];
        cba_where(at, sizeof at, "nonpriced_effects[%zu].", i);
        rc = json_is_object(e) ? cba_json_known(e, at, fields, err)
                               : kn_err_set(err, KN_EINVAL, "%s: must be an object", at);
        if (rc == KN_OK)
            rc = id_field(e, at, sc->effects[i].id, err);
        if (rc == KN_OK && cba_effect_index(sc, sc->effects[i].id) >= 0)
            rc = kn_err_set(err, KN_EINVAL, "%sid: '%s' is used twice", at, sc->effects[i].id);
        if (rc == KN_OK)
            rc = cba_json_string(e, at, "name", 1, sc->effects[i].name, sizeof sc->effects[i].name,
                                 err);
        if (rc == KN_OK)
            sc->neffects++;
    }
    return rc;
}

static int alts_parse(cba_scenario *sc, const json_t *list, const period *per, kn_err *err)
{
    if (!json_is_array(list) || json_array_size(list) == 0)
        return kn_err_set(err, KN_EINVAL, "alternatives: required, a non-empty array");
    if (json_array_size(list) > CBA_MAX_ALTS)
        return kn_err_set(err, KN_EINVAL, "alternatives: more than %d", CBA_MAX_ALTS);
    int rc = KN_OK;
    for (size_t i = 0; rc == KN_OK && i < json_array_size(list); i++) {
        char at[CBA_WHERE_LEN];
        cba_where(at, sizeof at, "alternatives[%zu].", i);
        rc = alt_parse(sc, json_array_get(list, i), per, at, err);
    }
    return rc;
}

/* A JSON override value as the text cba_params_set takes. */
static int override_text(const json_t *v, char *out, size_t size)
{
    if (json_is_string(v))
        return (size_t)snprintf(out, size, "%s", json_string_value(v)) < size;
    if (json_is_integer(v))
        return (size_t)snprintf(out, size, "%lld", (long long)json_integer_value(v)) < size;
    if (!json_is_real(v))
        return 0;
    /* the shortest text that reads back as the same number: 0.8, not 0.80000000000000004 */
    for (int prec = 1; prec <= 17; prec++) {
        if ((size_t)snprintf(out, size, "%.*g", prec, json_real_value(v)) >= size)
            return 0;
        if (strtod(out, NULL) == json_real_value(v))
            break;
    }
    return 1;
}

static int sens_sets(const cba_scenario *sc, cba_sensitivity *s, const json_t *set,
                     const char *where, kn_err *err)
{
    if (!json_is_object(set) || json_object_size(set) > CBA_MAX_SETS)
        return kn_err_set(err, KN_EINVAL, "%sset: must be an object of at most %d path: value",
                          where, CBA_MAX_SETS);
    cba_params scratch = sc->base;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)set, key, value)
    {
        cba_override *o = &s->sets[s->nsets];
        kn_err inner;
        if (strlen(key) >= sizeof o->path || !override_text(value, o->value, sizeof o->value))
            return kn_err_set(err, KN_EINVAL,
                              "%sset.%s: path or value too long, or not a "
                              "string/number",
                              where, key);
        memcpy(o->path, key, strlen(key) + 1);
        if (cba_params_set(sc, &scratch, o->path, o->value, &inner) != KN_OK)
            return kn_err_set(err, KN_EINVAL, "%sset: %s", where, inner.msg);
        s->nsets++;
    }
    kn_err inner;
    if (cba_params_check(sc, &scratch, &inner) != KN_OK)
        return kn_err_set(err, KN_EINVAL, "%sset: %s", where, inner.msg);
    return KN_OK;
}

static int sens_parse(cba_scenario *sc, const json_t *list, kn_err *err)
{
    if (!list)
        return KN_OK;
    if (!json_is_array(list) || json_array_size(list) > CBA_MAX_SENS)
        return kn_err_set(err, KN_EINVAL, "sensitivities: must be an array of at most %d",
                          CBA_MAX_SENS);
    static const char *const fields[] = {"id", "name", "set", "note", NULL};
    int rc = KN_OK;
    for (size_t i = 0; rc == KN_OK && i < json_array_size(list); i++) {
        const json_t *e = json_array_get(list, i);
        cba_sensitivity *s = &sc->sens[i];
        char at[CBA_WHERE_LEN];
        cba_where(at, sizeof at, "sensitivities[%zu].", i);
        memset(s, 0, sizeof *s);
        rc = json_is_object(e) ? cba_json_known(e, at, fields, err)
                               : kn_err_set(err, KN_EINVAL, "%s: must be an object", at);
        if (rc == KN_OK)
            rc = id_field(e, at, s->id, err);
        if (rc == KN_OK)
            rc = cba_json_string(e, at, "name", 0, s->name, sizeof s->name, err);
        if (rc == KN_OK)
            rc = sens_sets(sc, s, json_object_get(e, "set"), at, err);
        if (rc == KN_OK)
            sc->nsens++;
    }
    return rc;
}

/* "timing": "end" | "start" */
static int timing_parse(const json_t *doc, cba_params *p, kn_err *err)
{
    char timing[8] = "end";
    int rc = cba_json_string(doc, "", "timing", 0, timing, sizeof timing, err);
    if (rc == KN_OK && strcmp(timing, "end") != 0 && strcmp(timing, "start") != 0)
        rc = kn_err_set(err, KN_EINVAL, "timing: must be \"end\" or \"start\" of the year");
    p->timing_end = strcmp(timing, "end") == 0;
    return rc;
}

/* "tax_cost_categories" / "tax_gain_categories": ["investment", ...] */
static int mask_parse(const json_t *doc, const char *key, unsigned *mask, kn_err *err)
{
    const json_t *list = json_object_get(doc, key);
    if (!list)
        return KN_OK;
    if (!json_is_array(list))
        return kn_err_set(err, KN_EINVAL, "%s: must be an array of categories", key);
    *mask = 0;
    for (size_t i = 0; i < json_array_size(list); i++) {
        int c = 0;
        kn_err inner;
        if (cba_category_parse(json_string_value(json_array_get(list, i)), &c, &inner) != KN_OK)
            return kn_err_set(err, KN_EINVAL, "%s[%zu]: %s", key, i, inner.msg);
        *mask |= 1u << c;
    }
    return KN_OK;
}

static int scales_parse(cba_scenario *sc, const json_t *scales, kn_err *err)
{
    if (!scales)
        return KN_OK;
    if (!json_is_object(scales))
        return kn_err_set(err, KN_EINVAL, "scales: must be an object of tag: factor");
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)scales, key, value)
    {
        int t = 0;
        int rc = tag_add(sc, key, "scales", &t, err);
        if (rc == KN_OK)
            rc = cba_json_number(scales, "scales.", key, 1, 0, 100, &sc->base.tag_scale[t], err);
        if (rc != KN_OK)
            return rc;
    }
    return KN_OK;
}

static int break_even_parse(const json_t *doc, cba_params *p, kn_err *err)
{
    const json_t *be = json_object_get(doc, "break_even");
    static const char *const fields[] = {"method", "first_year", "last_year", "note", NULL};
    p->be_first = p->first_year;
    p->be_last = p->last_year;
    if (!be)
        return KN_OK;
    char method[16] = "annuity";
    int rc = json_is_object(be) ? cba_json_known(be, "break_even.", fields, err)
                                : kn_err_set(err, KN_EINVAL, "break_even: must be an object");
    if (rc == KN_OK)
        rc = cba_json_string(be, "break_even.", "method", 0, method, sizeof method, err);
    if (rc == KN_OK && strcmp(method, "annuity") != 0 && strcmp(method, "simple") != 0)
        rc = kn_err_set(err, KN_EINVAL, "break_even.method: must be \"annuity\" or \"simple\"");
    p->be_method = strcmp(method, "simple") == 0 ? CBA_BE_SIMPLE : CBA_BE_ANNUITY;
    if (rc == KN_OK)
        rc = cba_json_int(be, "break_even.", "first_year", 0, CBA_YEAR_MIN, CBA_YEAR_MAX,
                          &p->be_first, err);
    if (rc == KN_OK)
        rc = cba_json_int(be, "break_even.", "last_year", 0, CBA_YEAR_MIN, CBA_YEAR_MAX,
                          &p->be_last, err);
    return rc;
}

/* The parameters that are plain top-level numbers. */
static int numbers_parse(const json_t *doc, cba_scenario *sc, kn_err *err)
{
    cba_params *p = &sc->base;
    int rc = cba_json_number(doc, "", "discount_rate", 0, -1, 1e6, &p->discount_rate, err);
    if (rc == KN_OK)
        rc = cba_json_number(doc, "", "tax_cost_rate", 0, -1e6, 1e6, &p->tax_cost_rate, err);
    if (rc == KN_OK)
        rc = cba_json_number(doc, "", "tax_gain_rate", 0, -1e6, 1e6, &p->tax_gain_rate, err);
    if (rc == KN_OK)
        rc = cba_json_number(doc, "", "municipalities", 0, -1e9, 1e9, &p->municipalities, err);
    if (rc == KN_OK)
        rc = cba_json_number(doc, "", "unit_value", 0, 1e-9, 1e15, &sc->unit_value, err);
    if (rc == KN_OK)
        rc =
            cba_json_int(doc, "", "price_year", 0, CBA_YEAR_MIN, CBA_YEAR_MAX, &p->price_year, err);
    if (rc == KN_OK)
        rc = cba_json_int(doc, "", "discount_year", 0, CBA_YEAR_MIN, CBA_YEAR_MAX,
                          &p->discount_year, err);
    return rc;
}

static int period_parse(const json_t *doc, cba_scenario *sc, period *per, kn_err *err)
{
    cba_params *p = &sc->base;
    int rc =
        cba_json_int(doc, "", "first_year", 1, CBA_YEAR_MIN, CBA_YEAR_MAX, &p->first_year, err);
    if (rc == KN_OK)
        rc = cba_json_int(doc, "", "last_year", 1, CBA_YEAR_MIN, CBA_YEAR_MAX, &p->last_year, err);
    if (rc == KN_OK && p->last_year < p->first_year)
        return kn_err_set(err, KN_EINVAL, "last_year: negative analysis period (%d-%d)",
                          p->first_year, p->last_year);
    if (rc == KN_OK && p->last_year - p->first_year + 1 > CBA_MAX_YEARS)
        return kn_err_set(err, KN_EINVAL, "last_year: analysis period longer than %d years",
                          CBA_MAX_YEARS);
    sc->year0 = per->first = p->first_year;
    per->last = p->last_year;
    sc->nyears = per->last - per->first + 1;
    p->discount_year = p->price_year = p->first_year;
    return rc;
}

static int scenario_fill(const json_t *doc, cba_scenario *sc, kn_err *err)
{
    period per = {0, 0};
    cba_params_default(&sc->base);
    sc->unit_value = 1;
    if (!json_is_object(doc))
        return kn_err_set(err, KN_EINVAL, "scenario: must be a JSON object");
    int rc = cba_json_known(doc, "", top_fields, err);
    if (rc == KN_OK)
        rc = cba_json_string(doc, "", "title", 1, sc->title, sizeof sc->title, err);
    if (rc == KN_OK)
        rc = cba_json_string(doc, "", "unit", 0, sc->unit, sizeof sc->unit, err);
    if (rc == KN_OK)
        rc = period_parse(doc, sc, &per, err);
    if (rc == KN_OK)
        rc = numbers_parse(doc, sc, err);
    if (rc == KN_OK)
        rc = timing_parse(doc, &sc->base, err);
    if (rc == KN_OK)
        rc = mask_parse(doc, "tax_cost_categories", &sc->base.tax_cost_mask, err);
    if (rc == KN_OK)
        rc = mask_parse(doc, "tax_gain_categories", &sc->base.tax_gain_mask, err);
    if (rc == KN_OK)
        rc = break_even_parse(doc, &sc->base, err);
    if (rc == KN_OK)
        rc = effects_parse(sc, json_object_get(doc, "nonpriced_effects"), err);
    if (rc == KN_OK)
        rc = alts_parse(sc, json_object_get(doc, "alternatives"), &per, err);
    if (rc == KN_OK)
        rc = scales_parse(sc, json_object_get(doc, "scales"), err);
    if (rc == KN_OK)
        rc = cba_params_check(sc, &sc->base, err);
    if (rc == KN_OK)
        rc = sens_parse(sc, json_object_get(doc, "sensitivities"), err);
    return rc;
}

int cba_scenario_parse(const json_t *doc, cba_scenario **out, kn_err *err)
{
    cba_scenario *sc = calloc(1, sizeof *sc);
    if (!sc)
        return kn_err_set(err, KN_ENOMEM, "out of memory for the scenario");
    int rc = scenario_fill(doc, sc, err);
    if (rc != KN_OK) {
        free(sc);
        return rc;
    }
    *out = sc;
    return KN_OK;
}

int cba_scenario_parse_text(const char *text, size_t len, cba_scenario **out, kn_err *err)
{
    if (len > SCENARIO_TEXT_MAX)
        return kn_err_set(err, KN_ETOOLARGE, "scenario larger than %u bytes", SCENARIO_TEXT_MAX);
    json_error_t jerr;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return kn_err_set(err, KN_EINVAL, "scenario is not JSON: %s (line %d, column %d)",
                          jerr.text, jerr.line, jerr.column);
    int rc = cba_scenario_parse(doc, out, err);
    json_decref(doc);
    return rc;
}

void cba_scenario_free(cba_scenario *sc)
{
    free(sc);
}
