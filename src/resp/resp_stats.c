/* resp_stats.c - service levels of the response service (issue 5, item 7):
 * per municipality and month (Europe/Oslo), how many alarms came in, the
 * shares answered (claimed) within 60 s and 180 s against the TSA targets,
 * times to claim and to close, call-out times; and per citizen the alarm
 * rate over the period with a flag when it is abnormally high (a hint to
 * review the device's configuration).
 *
 * resp_stats_compute is pure (rows in, figures out) so unit tests feed rows
 * directly; resp_stats_get adds access, audit and the store's stat_rows.
 * JSON for the API and the console, CSV through src/report. The rules are
 * documented in docs/response.md ("Service levels").
 *
 * Percentiles are nearest-rank: the p-th percentile of N sorted values is the
 * value at rank ceil(p/100 x N) (1-based). So the median of an even count is
 * the lower of the two middle values, and every figure shown is a time some
 * alarm really had.
 */
#include "resp_int.h"

#include "../audit/audit.h"
#include "../core/core_util.h"
#include "../report/report.h"

#include <stdlib.h>
#include <string.h>

#define STATS_ROWS_MAX 500000
#define DAY_MS 86400000.0
#define ABNORMAL_FACTOR 3.0
#define ABNORMAL_MIN_ALARMS 10

/* One row in the period with its local month. */
typedef struct stat_item {
    const store_resp_stat_row *r;
    char month[8];
} stat_item;

/* ---- small helpers ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile (pct 1..100) of v[0..n) (sorted here); -1 when n is 0. */
static double percentile(double *v, size_t n, unsigned pct)
{
    if (n == 0)
        return -1;
    qsort(v, n, sizeof *v, cmp_double);
    size_t rank = (n * pct + 99) / 100;
    return v[rank - 1];
}

/* Seconds from a to b; b 0 (never happened) -> -1; a clock that ran
 * backwards counts as 0. */
static double span_s(int64_t a, int64_t b)
{
    if (a <= 0 || b <= 0)
        return -1;
    return b > a ? (double)(b - a) / 1000.0 : 0.0;
}

static int cmp_item_month(const void *a, const void *b)
{
    const stat_item *x = a, *y = b;
    int c = strcmp(x->r->municipality, y->r->municipality);
    if (c == 0)
        c = strcmp(x->month, y->month);
    return c ? c : strcmp(x->r->citizen_id, y->r->citizen_id);
}

static int cmp_item_citizen(const void *a, const void *b)
{
    const stat_item *x = a, *y = b;
    int c = strcmp(x->r->municipality, y->r->municipality);
    return c ? c : strcmp(x->r->citizen_id, y->r->citizen_id);
}

static int cmp_rate(const void *a, const void *b)
{
    const resp_citizen_rate *x = a, *y = b;
    if (x->per_30_days != y->per_30_days)
        return x->per_30_days > y->per_30_days ? -1 : 1;
    int c = strcmp(x->municipality, y->municipality);
    return c ? c : strcmp(x->citizen_id, y->citizen_id);
}

/* ---- per municipality and month ---- */

/* Scratch arrays for one group's times. */
typedef struct group_times {
    double *claim, *close, *start, *duration;
    size_t nclaim, nclose, nstart, nduration;
} group_times;

static void add_time(double *v, size_t *n, double s)
{
    if (s >= 0)
        v[(*n)++] = s;
}

/* Figures of items[0..n), one municipality and month, sorted by citizen. */
static void month_fill(const stat_item *items, size_t n, group_times *t, resp_month_stats *m)
{
    memset(m, 0, sizeof *m);
    memcpy(m->month, items[0].month, sizeof m->month);
    memcpy(m->municipality, items[0].r->municipality, sizeof m->municipality);
    t->nclaim = t->nclose = t->nstart = t->nduration = 0;
    for (size_t i = 0; i < n; i++) {
        const store_resp_stat_row *r = items[i].r;
        double claim = span_s(r->received_at, r->claimed_at);
        m->alarms++;
        m->answered_60 += claim >= 0 && claim <= 60.0;
        m->answered_180 += claim >= 0 && claim <= 180.0;
        add_time(t->claim, &t->nclaim, claim);
        add_time(t->close, &t->nclose, span_s(r->received_at, r->closed_at));
        if (r->callout_requested_at > 0)
            m->callouts++;
        add_time(t->start, &t->nstart, span_s(r->callout_requested_at, r->callout_started_at));
        add_time(t->duration, &t->nduration, span_s(r->callout_started_at, r->callout_done_at));
        if (i == 0 || strcmp(r->citizen_id, items[i - 1].r->citizen_id) != 0)
            m->citizens++;
    }
    m->share_60 = (double)m->answered_60 / (double)m->alarms;
    m->share_180 = (double)m->answered_180 / (double)m->alarms;
    m->claim_median_s = percentile(t->claim, t->nclaim, 50);
    m->claim_p90_s = percentile(t->claim, t->nclaim, 90);
    m->close_median_s = percentile(t->close, t->nclose, 50);
    m->close_p90_s = percentile(t->close, t->nclose, 90);
    m->callout_start_median_s = percentile(t->start, t->nstart, 50);
    m->callout_duration_median_s = percentile(t->duration, t->nduration, 50);
    m->alarms_per_citizen = (double)m->alarms / (double)m->citizens;
}

static int same_month_group(const stat_item *a, const stat_item *b)
{
    return strcmp(a->r->municipality, b->r->municipality) == 0 && strcmp(a->month, b->month) == 0;
}

static int months_compute(stat_item *items, size_t n, resp_stats *out, kn_err *err)
{
    qsort(items, n, sizeof *items, cmp_item_month);
    size_t groups = 0;
    for (size_t i = 0; i < n; i++)
        groups += i == 0 || !same_month_group(&items[i], &items[i - 1]);
    group_times t = {0};
    double *scratch = calloc(4 * n + 1, sizeof *scratch);       /* + 1: never calloc(0) */
    out->months = calloc(groups + 1, sizeof *out->months);
    if (!scratch || !out->months) {
        free(scratch);
        return kn_err_set(err, KN_ENOMEM, "out of memory for statistics");
    }
    t.claim = scratch;
    t.close = scratch + n;
    t.start = scratch + 2 * n;
    t.duration = scratch + 3 * n;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && same_month_group(&items[j], &items[i]))
            j++;
        month_fill(items + i, j - i, &t, &out->months[out->nmonths++]);
        i = j;
    }
    free(scratch);
    return KN_OK;
}

/* ---- per citizen ---- */

/* Median rate of rates[0..n) (one municipality), then each one's flag. */
static int flag_municipality(resp_citizen_rate *rates, size_t n)
{
    double *v = malloc(n * sizeof *v);
    if (!v)
        return KN_ENOMEM;
    for (size_t i = 0; i < n; i++)
        v[i] = rates[i].per_30_days;
    double median = percentile(v, n, 50);
    free(v);
    for (size_t i = 0; i < n; i++) {
        rates[i].municipality_median = median;
        rates[i].abnormal = rates[i].alarms >= ABNORMAL_MIN_ALARMS &&
                            rates[i].per_30_days >= ABNORMAL_FACTOR * median;
    }
    return KN_OK;
}

static int rates_compute(stat_item *items, size_t n, int64_t period_ms, resp_stats *out,
                         kn_err *err)
{
    qsort(items, n, sizeof *items, cmp_item_citizen);
    size_t groups = 0;
    for (size_t i = 0; i < n; i++)
        groups += i == 0 || cmp_item_citizen(&items[i], &items[i - 1]) != 0;
    out->rates = calloc(groups + 1, sizeof *out->rates);
    if (!out->rates)
        return kn_err_set(err, KN_ENOMEM, "out of memory for statistics");
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || cmp_item_citizen(&items[i], &items[i - 1]) != 0) {
            resp_citizen_rate *c = &out->rates[out->nrates++];
            memcpy(c->citizen_id, items[i].r->citizen_id, sizeof c->citizen_id);
            memcpy(c->municipality, items[i].r->municipality, sizeof c->municipality);
        }
        out->rates[out->nrates - 1].alarms++;
    }
    for (size_t i = 0; i < out->nrates; i++)
        out->rates[i].per_30_days = (double)out->rates[i].alarms * 30.0 * DAY_MS / (double)period_ms;
    for (size_t i = 0; i < out->nrates;) {      /* still grouped by municipality here */
        size_t j = i + 1;
        while (j < out->nrates && strcmp(out->rates[j].municipality, out->rates[i].municipality) == 0)
            j++;
        if (flag_municipality(out->rates + i, j - i) != KN_OK)
            return kn_err_set(err, KN_ENOMEM, "out of memory for statistics");
        i = j;
    }
    qsort(out->rates, out->nrates, sizeof *out->rates, cmp_rate);
    return KN_OK;
}

/* ---- compute ---- */

int resp_stats_compute(const store_resp_stat_row *rows, size_t n, int64_t from, int64_t to,
                       resp_stats *out, kn_err *err)
{
    if (!out)
        return kn_err_set(err, KN_EINVAL, "no output");
    memset(out, 0, sizeof *out);
    if (to <= from)
        return kn_err_set(err, KN_EINVAL, "field 'to': must be after 'from'");
    if (n && !rows)
        return kn_err_set(err, KN_EINVAL, "no rows");
    out->from = from;
    out->to = to;
    stat_item *items = calloc(n + 1, sizeof *items);
    if (!items)
        return kn_err_set(err, KN_ENOMEM, "out of memory for statistics");
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].received_at < from || rows[i].received_at >= to)
            continue;                   /* only alarms received in the period */
        int weekday = 0, minute = 0;
        items[m].r = &rows[i];
        items[m].month[0] = '\0';
        resp_local_time(rows[i].received_at, &weekday, &minute, items[m].month);
        m++;
    }
    int rc = months_compute(items, m, out, err);
    if (rc == KN_OK)
        rc = rates_compute(items, m, to - from, out, err);
    free(items);
    if (rc != KN_OK)
        resp_stats_free(out);
    return rc;
}

void resp_stats_free(resp_stats *s)
{
    if (!s)
        return;
    free(s->months);
    free(s->rates);
    s->months = NULL;
    s->rates = NULL;
    s->nmonths = s->nrates = 0;
}

/* ---- dates ---- */

int resp_stats_day_start(const char *date, int64_t *ms_out, kn_err *err)
{
    int y, m, d;
    if (!date || strlen(date) != 10 || date[4] != '-' || date[7] != '-' ||
        !resp_digits(date, 4, &y) || !resp_digits(date + 5, 2, &m) ||
        !resp_digits(date + 8, 2, &d) || y < 1970 || m < 1 || m > 12)
        return kn_err_set(err, KN_EINVAL, "date: expected YYYY-MM-DD");
    if (d < 1 || d > resp_days_in_month(y, m))
        return kn_err_set(err, KN_EINVAL, "date: %s is not a real date", date);
    int64_t utc_midnight = resp_days_from_civil(y, m, d) * 86400000;
    /* Oslo is UTC+1 (CET) or UTC+2 (CEST); DST never changes at midnight,
     * so exactly one of the two candidates is local midnight. */
    for (int64_t offset_h = 1; offset_h <= 2; offset_h++) {
        int weekday = -1, minute = -1;
        char month[8] = "";
        int64_t t = utc_midnight - offset_h * 3600000;
        resp_local_time(t, &weekday, &minute, month);
        if (minute == 0) {
            *ms_out = t;
            return KN_OK;
        }
    }
    return kn_err_set(err, KN_EINTERNAL, "date: no local midnight found for %s", date);
}

/* ---- access, audit, store ---- */

static int stats_check(const auth_principal *p, const char *const *munis, size_t n, kn_err *err)
{
    if (!munis || n == 0)
        return kn_err_set(err, KN_EINVAL, "field 'municipality': at least one is required");
    for (size_t i = 0; i < n; i++) {
        if (!munis[i] || !munis[i][0])
            return kn_err_set(err, KN_EINVAL, "field 'municipality': empty");
        int rc = p ? resp_access(p, RESP_ROLES_READ, munis[i], RESP_SCOPE_READ, err) : KN_OK;
        if (rc != KN_OK)
            return rc;
    }
    return KN_OK;
}

int resp_stats_get(resp_ctx *ctx, const auth_principal *p, const char *const *municipalities,
                   size_t n_munis, int64_t from, int64_t to, const char *request_id,
                   resp_stats *out, kn_err *err)
{
    if (!ctx || !out)
        return kn_err_set(err, KN_EINVAL, "no context or output");
    memset(out, 0, sizeof *out);
    if (to <= from)
        return kn_err_set(err, KN_EINVAL, "field 'to': must be after 'from'");
    int rc = stats_check(p, municipalities, n_munis, err);
    for (size_t i = 0; rc == KN_OK && i < n_munis; i++) {
        store_audit audit;
        audit_event_init(&audit, p, "resp.stats.read", municipalities[i], "resp_stats", NULL,
                         request_id, "ok");
        rc = ctx->st->ops->audit_append(ctx->st, &audit, err);
    }
    if (rc != KN_OK)
        return rc;
    store_resp_stat_row *rows = NULL;
    size_t n = 0;
    rc = ctx->st->ops->resp->stat_rows(ctx->st, municipalities, n_munis, from, to, STATS_ROWS_MAX,
                                       &rows, &n, err);
    if (rc == KN_OK && n >= STATS_ROWS_MAX)
        rc = kn_err_set(err, KN_ETOOLARGE, "%d or more alarms in the period: choose a shorter one",
                        STATS_ROWS_MAX);
    if (rc == KN_OK)
        rc = resp_stats_compute(rows, n, from, to, out, err);
    free(rows);
    return rc;
}

/* ---- JSON ---- */

/* A time figure: null when there is none. */
static json_t *time_json(double s)
{
    return s < 0 ? json_null() : json_real(s);
}

static json_t *instant_json(int64_t ms)
{
    char buf[32];
    kn_time_format(ms / 1000, buf, sizeof buf);
    return json_string(buf);
}

static json_t *month_json(const resp_month_stats *m)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:I, s:f, s:f, s:b, s:b, s:o, s:o, s:o, s:o, s:I, "
                     "s:o, s:o, s:I, s:f}",
                     "month", m->month, "municipality", m->municipality, "alarms",
                     (json_int_t)m->alarms, "answered_60", (json_int_t)m->answered_60,
                     "answered_180", (json_int_t)m->answered_180, "share_60", m->share_60,
                     "share_180", m->share_180, "met_60", m->share_60 >= RESP_TARGET_60,
                     "met_180", m->share_180 >= RESP_TARGET_180, "claim_median_s",
                     time_json(m->claim_median_s), "claim_p90_s", time_json(m->claim_p90_s),
                     "close_median_s", time_json(m->close_median_s), "close_p90_s",
                     time_json(m->close_p90_s), "callouts", (json_int_t)m->callouts,
                     "callout_start_median_s", time_json(m->callout_start_median_s),
                     "callout_duration_median_s", time_json(m->callout_duration_median_s),
                     "citizens", (json_int_t)m->citizens, "alarms_per_citizen",
                     m->alarms_per_citizen);
}

static json_t *rate_json(const resp_citizen_rate *c)
{
    return json_pack("{s:s, s:s, s:I, s:f, s:f, s:b}", "citizen_id", c->citizen_id,
                     "municipality", c->municipality, "alarms", (json_int_t)c->alarms,
                     "per_30_days", c->per_30_days, "municipality_median",
                     c->municipality_median, "abnormal", c->abnormal);
}

/* {"from","to","target_60","target_180","months":[..],"citizens":[..]} */
json_t *resp_stats_to_json(const resp_stats *s)
{
    if (!s)
        return NULL;
    json_t *months = json_array(), *citizens = json_array();
    int ok = months && citizens;
    for (size_t i = 0; ok && i < s->nmonths; i++)
        ok = json_array_append_new(months, month_json(&s->months[i])) == 0;
    for (size_t i = 0; ok && i < s->nrates; i++)
        ok = json_array_append_new(citizens, rate_json(&s->rates[i])) == 0;
    if (!ok) {
        json_decref(months);
        json_decref(citizens);
        return NULL;
    }
    return json_pack("{s:o, s:o, s:f, s:f, s:o, s:o}", "from", instant_json(s->from), "to",
                     instant_json(s->to), "target_60", RESP_TARGET_60, "target_180",
                     RESP_TARGET_180, "months", months, "citizens", citizens);
}

/* ---- CSV ---- */

typedef struct builder {
    report_sheet *sheet;
    size_t row;
    int rc;
} builder;

static void row(builder *b)
{
    if (b->rc == KN_OK)
        b->rc = report_sheet_add_row(b->sheet, &b->row);
}

static void text(builder *b, size_t col, const char *s)
{
    if (b->rc == KN_OK)
        b->rc = report_set_text(b->sheet, b->row, col, s);
}

static void num(builder *b, size_t col, double v, int decimals)
{
    if (b->rc == KN_OK)
        b->rc = report_set_number(b->sheet, b->row, col, v, decimals);
}

/* A time figure: an empty cell when there is none. */
static void secs(builder *b, size_t col, double s)
{
    if (s >= 0)
        num(b, col, s, 0);
}

static const char *const MONTH_HEADERS[] = {
    "Kommune", "Måned", "Alarmer", "Besvart innen 60 s", "Besvart innen 60 s (%)",
    "Besvart innen 180 s", "Besvart innen 180 s (%)", "Median tid til tatt (s)",
    "P90 tid til tatt (s)", "Median tid til avsluttet (s)", "P90 tid til avsluttet (s)",
    "Utrykninger", "Median tid til utrykning startet (s)", "Median varighet utrykning (s)",
    "Tjenestemottakere med alarm", "Alarmer per tjenestemottaker"};

static void months_sheet(builder *b, const resp_stats *s)
{
    for (size_t i = 0; b->rc == KN_OK && i < s->nmonths; i++) {
        const resp_month_stats *m = &s->months[i];
        row(b);
        text(b, 0, m->municipality);
        text(b, 1, m->month);
        num(b, 2, (double)m->alarms, 0);
        num(b, 3, (double)m->answered_60, 0);
        num(b, 4, 100.0 * m->share_60, 1);
        num(b, 5, (double)m->answered_180, 0);
        num(b, 6, 100.0 * m->share_180, 1);
        secs(b, 7, m->claim_median_s);
        secs(b, 8, m->claim_p90_s);
        secs(b, 9, m->close_median_s);
        secs(b, 10, m->close_p90_s);
        num(b, 11, (double)m->callouts, 0);
        secs(b, 12, m->callout_start_median_s);
        secs(b, 13, m->callout_duration_median_s);
        num(b, 14, (double)m->citizens, 0);
        num(b, 15, m->alarms_per_citizen, 2);
    }
}

static const char *const CITIZEN_HEADERS[] = {
    "Kommune", "Tjenestemottaker", "Alarmer", "Alarmer per 30 dager",
    "Kommunens median per 30 dager", "Unormalt høy"};

static void citizens_sheet(builder *b, const resp_stats *s)
{
    for (size_t i = 0; b->rc == KN_OK && i < s->nrates; i++) {
        const resp_citizen_rate *c = &s->rates[i];
        row(b);
        text(b, 0, c->municipality);
        text(b, 1, c->citizen_id);
        num(b, 2, (double)c->alarms, 0);
        num(b, 3, c->per_30_days, 2);
        num(b, 4, c->municipality_median, 2);
        text(b, 5, c->abnormal ? "ja" : "nei");
    }
}

int resp_stats_csv(const resp_stats *s, const char *table, kn_buf *out, kn_err *err)
{
    if (!s || !out)
        return kn_err_set(err, KN_EINVAL, "no statistics or output");
    int months = table && strcmp(table, "months") == 0;
    if (!months && !(table && strcmp(table, "citizens") == 0))
        return kn_err_set(err, KN_EINVAL, "field 'table': expected months or citizens");
    report_book book = {0};
    builder b = {NULL, 0, KN_OK};
    if (months)
        b.rc = report_book_add_sheet(&book, "Tjenestenivå per måned",
                                     sizeof MONTH_HEADERS / sizeof MONTH_HEADERS[0],
                                     MONTH_HEADERS, &b.sheet);
    else
        b.rc = report_book_add_sheet(&book, "Alarmrate per tjenestemottaker",
                                     sizeof CITIZEN_HEADERS / sizeof CITIZEN_HEADERS[0],
                                     CITIZEN_HEADERS, &b.sheet);
    if (months)
        months_sheet(&b, s);
    else
        citizens_sheet(&b, s);
    if (b.rc == KN_OK)
        b.rc = report_write_csv(b.sheet, out);
    report_book_free(&book);
    return b.rc == KN_OK ? KN_OK : kn_err_set(err, b.rc, "statistics CSV could not be written");
}
