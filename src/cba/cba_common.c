/* cba_common.c - the vocabulary of the cost-benefit engine: category names,
 * the 11-step scale of non-priced effects, ids, default parameters, and the
 * strict JSON field readers the scenario parser and the overrides share.
 */
#include "cba_int.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const category_names[CBA_NCAT] = {
    "investment",        "operations",         "grant",
    "public_efficiency", "private_efficiency", "purchase_terms",
};

const char *cba_category_name(int category)
{
    return category >= 0 && category < CBA_NCAT ? category_names[category] : "unknown";
}

int cba_category_parse(const char *name, int *out, kn_err *err)
{
    for (int c = 0; name && c < CBA_NCAT; c++)
        if (strcmp(name, category_names[c]) == 0) {
            *out = c;
            return KN_OK;
        }
    return kn_err_set(err, KN_EINVAL,
                      "unknown category '%s' (investment, operations, grant, public_efficiency, "
                      "private_efficiency or purchase_terms)",
                      name ? name : "");
}

int cba_category_is_cost(int category)
{
    return category == CBA_INVESTMENT || category == CBA_OPERATIONS || category == CBA_GRANT;
}

/* ---- the 11-step scale ---- */

static const char *const score_labels[] = {
    "svært stor negativ",  "stor negativ",        "negativ",
    "liten negativ",       "svært liten negativ", "ingen virkning",
    "svært liten positiv", "liten positiv",       "positiv",
    "stor positiv",        "svært stor positiv",
};

/* One step: label, "ingen", integer, or a run of '+' / '-'. */
static int score_one(const char *s, size_t len, int *out)
{
    while (len && isspace((unsigned char)*s))
        s++, len--;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    for (int i = 0; i <= CBA_SCORE_MAX - CBA_SCORE_MIN; i++)
        if (strlen(score_labels[i]) == len && strncasecmp(s, score_labels[i], len) == 0) {
            *out = i + CBA_SCORE_MIN;
            return 1;
        }
    if ((len == 5 && strncasecmp(s, "ingen", 5) == 0) || (len == 1 && *s == '0')) {
        *out = 0;
        return 1;
    }
    if (len >= 1 && len <= CBA_SCORE_MAX && strspn(s, "+") >= len) {
        *out = (int)len;
        return 1;
    }
    if (len >= 1 && len <= CBA_SCORE_MAX && strspn(s, "-") >= len) {
        *out = -(int)len;
        return 1;
    }
    char buf[8];
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end = NULL;
    long v = strtol(buf, &end, 10);
    if (*end || v < CBA_SCORE_MIN || v > CBA_SCORE_MAX)
        return 0;
    *out = (int)v;
    return 1;
}

int cba_score_parse(const char *text, cba_score *out, kn_err *err)
{
    const char *slash = text ? strchr(text, '/') : NULL;
    int lo = 0, hi = 0;
    int ok = text && (slash ? score_one(text, (size_t)(slash - text), &lo) &&
                                  score_one(slash + 1, strlen(slash + 1), &hi)
                            : score_one(text, strlen(text), &lo));
    if (!slash)
        hi = lo;
    if (!ok)
        return kn_err_set(err, KN_EINVAL,
                          "'%s' is not on the 11-step scale (svært stor negativ .. ingen virkning "
                          ".. svært stor positiv, -5..5, or +/- signs; a range as 'a/b')",
                          text ? text : "");
    out->set = 1;
    out->lo = lo < hi ? lo : hi;
    out->hi = lo < hi ? hi : lo;
    return KN_OK;
}

void cba_score_label(const cba_score *score, char *out, size_t size)
{
    if (!score->set) {
        snprintf(out, size, "%s", "");
        return;
    }
    const char *lo = score_labels[score->lo - CBA_SCORE_MIN];
    if (score->lo == score->hi)
        snprintf(out, size, "%s", lo);
    else
        snprintf(out, size, "%s/%s", lo, score_labels[score->hi - CBA_SCORE_MIN]);
}

/* ---- ids and lookups ---- */

void cba_where(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, size, fmt, ap);
    va_end(ap);
}

int cba_id_valid(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n < CBA_ID_LEN &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

_Static_assert(offsetof(cba_alt, id) == 0 && offsetof(cba_flow, id) == 0,
               "id_find needs the id first");

/* Index of id among n records of `stride` bytes whose first member is their id; -1 if none. */
static int id_find(const void *records, size_t stride, size_t n, const char *id)
{
    const char *p = records;
    for (size_t i = 0; i < n; i++)
        if (strcmp(p + i * stride, id) == 0)
            return (int)i;
    return -1;
}

int cba_alt_index(const cba_scenario *sc, const char *id)
{
    return id_find(sc->alts, sizeof sc->alts[0], sc->nalts, id);
}

int cba_flow_index(const cba_alt *alt, const char *id)
{
    return id_find(alt->flows, sizeof alt->flows[0], alt->nflows, id);
}

int cba_effect_index(const cba_scenario *sc, const char *id)
{
    return id_find(sc->effects, sizeof sc->effects[0], sc->neffects, id);
}

int cba_tag_index(const cba_scenario *sc, const char *id)
{
    return id_find(sc->tags, sizeof sc->tags[0], sc->ntags, id);
}

void cba_params_default(cba_params *p)
{
    memset(p, 0, sizeof *p);
    p->discount_rate = 0.04;
    p->tax_cost_rate = 0.2;
    p->tax_gain_rate = 0.2;
    p->tax_cost_mask = 1u << CBA_INVESTMENT | 1u << CBA_OPERATIONS | 1u << CBA_GRANT;
    p->tax_gain_mask = 1u << CBA_PUBLIC_EFFICIENCY | 1u << CBA_PURCHASE_TERMS;
    p->timing_end = 1;
    p->municipalities = 356;
    p->be_method = CBA_BE_ANNUITY;
    for (size_t t = 0; t < CBA_MAX_TAGS; t++)
        p->tag_scale[t] = 1.0;
    for (size_t a = 0; a < CBA_MAX_ALTS; a++) {
        p->affected_share[a] = 1.0;
        for (size_t f = 0; f < CBA_MAX_FLOWS; f++)
            p->flow_scale[a][f] = 1.0;
    }
}

/* ---- strict JSON fields ---- */

/* Field key of obj: KN_OK with *v NULL when absent and optional. */
static int field_get(const json_t *obj, const char *where, const char *key, int required,
                     const json_t **v, kn_err *err)
{
    *v = json_object_get(obj, key);
    if (!*v && required)
        return kn_err_set(err, KN_EINVAL, "%s%s: required", where, key);
    return KN_OK;
}

int cba_json_number(const json_t *obj, const char *where, const char *key, int required, double min,
                    double max, double *out, kn_err *err)
{
    const json_t *v = NULL;
    int rc = field_get(obj, where, key, required, &v, err);
    if (rc != KN_OK || !v)
        return rc;
    if (!json_is_number(v))
        return kn_err_set(err, KN_EINVAL, "%s%s: must be a number", where, key);
    double d = json_number_value(v);
    if (!isfinite(d) || d < min || d > max)
        return kn_err_set(err, KN_EINVAL, "%s%s: %g is out of range [%g, %g]", where, key, d, min,
                          max);
    *out = d;
    return KN_OK;
}

int cba_json_int(const json_t *obj, const char *where, const char *key, int required, long min,
                 long max, int *out, kn_err *err)
{
    const json_t *v = json_object_get(obj, key);
    if (v && !json_is_integer(v))
        return kn_err_set(err, KN_EINVAL, "%s%s: must be a whole number", where, key);
    double d = *out;
    int rc = cba_json_number(obj, where, key, required, (double)min, (double)max, &d, err);
    if (rc == KN_OK)
        *out = (int)d;
    return rc;
}

int cba_json_string(const json_t *obj, const char *where, const char *key, int required, char *out,
                    size_t size, kn_err *err)
{
    const json_t *v = NULL;
    int rc = field_get(obj, where, key, required, &v, err);
    if (rc != KN_OK || !v)
        return rc;
    if (!json_is_string(v))
        return kn_err_set(err, KN_EINVAL, "%s%s: must be a string", where, key);
    if (json_string_length(v) >= size || strlen(json_string_value(v)) != json_string_length(v))
        return kn_err_set(err, KN_EINVAL, "%s%s: longer than %zu bytes or holds NUL", where, key,
                          size - 1);
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return KN_OK;
}

int cba_json_known(const json_t *obj, const char *where, const char *const *allowed, kn_err *err)
{
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)obj, key, value)
    {
        (void)value;
        size_t i = 0;
        while (allowed[i] && strcmp(allowed[i], key) != 0)
            i++;
        if (!allowed[i])
            return kn_err_set(err, KN_EINVAL, "%s%s: unknown field", where, key);
    }
    return KN_OK;
}
