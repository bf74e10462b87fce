/* test_resp_stats.c - service levels of the response service (resp_stats.c):
 * hand-built stat rows with answers worked out here from the data (shares
 * against the TSA targets, nearest-rank medians and p90, call-out times),
 * months in Europe/Oslo time across the month and DST boundaries, the
 * abnormal-rate flag, local dates, the JSON shape and the CSV tables; and
 * resp_stats_get over a real store with demo data and a manual clock
 * (access per municipality and scope, audit, the figures of real alarms). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/core_util.h"
#include "demo/demo.h"
#include "resp/resp.h"
#include "test_resp_util.h"
#include "test_support.h"

#include <jansson.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S 1000                           /* ms per second */
#define H (3600 * S)
#define DAY (24 * (int64_t)H)

/* UTC instants (ms) used below. */
#define NOV_5_10Z 1793872800000          /* 2026-11-05T10:00:00Z */
#define OSLO_NOV_1 (1793491200000 - H)   /* 2026-11-01T00:00 local = 2026-10-31T23:00Z */
#define OSLO_DEC_1 (1796083200000 - H)   /* 2026-12-01T00:00 local = 2026-11-30T23:00Z */
#define MUNI "939000011"
#define MUNI2 "939000038"

static store_resp_stat_row row_at(const char *muni, const char *citizen, int64_t received)
{
    store_resp_stat_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.municipality, sizeof r.municipality, "%s", muni);
    snprintf(r.citizen_id, sizeof r.citizen_id, "%s", citizen);
    r.priority = 3;
    r.state = RESP_ST_NEW;
    r.received_at = received;
    return r;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The test's own nearest-rank percentile: sort, take the value at rank
 * ceil(p x n), 1-based. */
static double nearest_rank(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_d);
    size_t rank = (size_t)ceil(p * (double)n);
    return v[rank - 1];
}

/* 40 alarms of 8 citizens in November: 39 claimed within 60 s (5..43 s in a
 * shuffled order), one at 200 s; three in four closed; four call-outs. */
static store_resp_stat_row *forty(size_t *n)
{
    store_resp_stat_row *rows = calloc(40, sizeof *rows);
    assert_non_null(rows);
    for (int i = 0; i < 40; i++) {
        char citizen[16];
        snprintf(citizen, sizeof citizen, "c%d", i % 8);
        rows[i] = row_at(MUNI, citizen, NOV_5_10Z + (int64_t)i * H);
        int claim_s = i < 39 ? 5 + (i * 17) % 39 : 200;
        rows[i].claimed_at = rows[i].received_at + (int64_t)claim_s * S;
        rows[i].state = RESP_ST_CLAIMED;
        if (i % 4 != 3) {
            rows[i].closed_at = rows[i].received_at + (int64_t)(600 + 10 * i) * S;
            rows[i].state = RESP_ST_CLOSED;
        }
        if (i % 10 == 0) {
            rows[i].callout_requested_at = rows[i].received_at + 120 * S;
            if (i < 30)
                rows[i].callout_started_at =
                    rows[i].callout_requested_at + (int64_t)(300 + 12 * i) * S;
            if (i < 20)
                rows[i].callout_done_at = rows[i].callout_started_at + (int64_t)(1800 + 60 * i) * S;
        }
    }
    *n = 40;
    return rows;
}

static void test_shares_and_times(void **state)
{
    (void)state;
    size_t n;
    store_resp_stat_row *rows = forty(&n);
    resp_stats s;
    kn_err err;
    assert_int_equal(resp_stats_compute(rows, n, OSLO_NOV_1, OSLO_DEC_1, &s, &err), KN_OK);
    assert_int_equal(s.nmonths, 1);
    const resp_month_stats *m = &s.months[0];
    assert_string_equal(m->month, "2026-11");
    assert_string_equal(m->municipality, MUNI);
    assert_int_equal(m->alarms, 40);
    assert_int_equal(m->answered_60, 39);
    assert_int_equal(m->answered_180, 39);      /* 200 s is too late for 180 s as well */
    assert_true(m->share_60 == 0.975);          /* 39/40: exactly the TSA target */
    assert_true(m->share_180 == 0.975);
    assert_true(m->share_60 >= RESP_TARGET_60);
    assert_true(m->share_180 < RESP_TARGET_180);

    /* claim delays sorted: 5, 6, ..., 43, 200. Rank 20 is 24 s; rank 36 is 40 s. */
    assert_true(m->claim_median_s == 24.0);
    assert_true(m->claim_p90_s == 40.0);
    double claims[40], closes[40];
    size_t nclose = 0;
    for (size_t i = 0; i < n; i++) {
        claims[i] = (double)(rows[i].claimed_at - rows[i].received_at) / S;
        if (rows[i].closed_at)
            closes[nclose++] = (double)(rows[i].closed_at - rows[i].received_at) / S;
    }
    assert_true(m->claim_median_s == nearest_rank(claims, 40, 0.5));
    assert_true(m->claim_p90_s == nearest_rank(claims, 40, 0.9));
    /* 30 closed (i not 3 mod 4) after 600 + 10 i s: rank 15 is i = 18
     * (780 s), rank 27 is i = 34 (940 s). */
    assert_int_equal(nclose, 30);
    assert_true(m->close_median_s == 780.0);
    assert_true(m->close_p90_s == 940.0);
    assert_true(m->close_median_s == nearest_rank(closes, nclose, 0.5));
    assert_true(m->close_p90_s == nearest_rank(closes, nclose, 0.9));

    /* call-outs i = 0, 10, 20, 30; started for 0, 10, 20 after 300, 420,
     * 540 s (median 420); done for 0, 10 after 1800, 2400 s (lower median 1800). */
    assert_int_equal(m->callouts, 4);
    assert_true(m->callout_start_median_s == 420.0);
    assert_true(m->callout_duration_median_s == 1800.0);

    assert_int_equal(m->citizens, 8);
    assert_true(m->alarms_per_citizen == 5.0);

    /* eight citizens with 5 alarms each over a 30-day November: 5 per 30 days */
    assert_int_equal(s.nrates, 8);
    for (size_t i = 0; i < s.nrates; i++) {
        assert_int_equal(s.rates[i].alarms, 5);
        assert_true(fabs(s.rates[i].per_30_days - 5.0) < 1e-9);
        assert_false(s.rates[i].abnormal);
    }
    resp_stats_free(&s);
    free(rows);
}

/* Never claimed counts as not answered; exactly 60 s / 180 s still count. */
static void test_unanswered_and_limits(void **state)
{
    (void)state;
    store_resp_stat_row rows[4];
    const int64_t claim_ms[4] = {60 * S, 60 * S + 1, 180 * S, 0};
    for (int i = 0; i < 4; i++) {
        rows[i] = row_at(MUNI, "c1", NOV_5_10Z + i * H);
        rows[i].claimed_at = claim_ms[i] ? rows[i].received_at + claim_ms[i] : 0;
    }
    resp_stats s;
    kn_err err;
    assert_int_equal(resp_stats_compute(rows, 4, OSLO_NOV_1, OSLO_DEC_1, &s, &err), KN_OK);
    assert_int_equal(s.nmonths, 1);
    const resp_month_stats *m = &s.months[0];
    assert_int_equal(m->alarms, 4);
    assert_int_equal(m->answered_60, 1);
    assert_int_equal(m->answered_180, 3);
    assert_true(m->share_60 == 0.25);
    assert_true(m->share_180 == 0.75);
    /* only the three claimed alarms have a claim time: 60, 60.001, 180 */
    assert_true(m->claim_median_s == 60.001);
    assert_true(m->claim_p90_s == 180.0);
    /* nothing closed, no call-outs: no figure */
    assert_true(m->close_median_s < 0 && m->close_p90_s < 0);
    assert_int_equal(m->callouts, 0);
    assert_true(m->callout_start_median_s < 0 && m->callout_duration_median_s < 0);

    json_t *j = resp_stats_to_json(&s);
    assert_non_null(j);
    assert_true(json_real_value(json_object_get(j, "target_60")) == 0.975);
    assert_true(json_real_value(json_object_get(j, "target_180")) == 0.99);
    assert_string_equal(json_string_value(json_object_get(j, "from")), "2026-10-31T23:00:00Z");
    json_t *jm = json_array_get(json_object_get(j, "months"), 0);
    assert_string_equal(json_string_value(json_object_get(jm, "month")), "2026-11");
    assert_int_equal(json_integer_value(json_object_get(jm, "answered_180")), 3);
    assert_true(json_real_value(json_object_get(jm, "share_180")) == 0.75);
    assert_true(json_is_false(json_object_get(jm, "met_60")));
    assert_true(json_is_null(json_object_get(jm, "close_median_s")));
    assert_true(json_real_value(json_object_get(jm, "claim_p90_s")) == 180.0);
    json_t *jc = json_array_get(json_object_get(j, "citizens"), 0);
    assert_string_equal(json_string_value(json_object_get(jc, "citizen_id")), "c1");
    assert_int_equal(json_integer_value(json_object_get(jc, "alarms")), 4);
    json_decref(j);
    resp_stats_free(&s);

    /* bad period, no output */
    assert_int_equal(resp_stats_compute(rows, 4, OSLO_DEC_1, OSLO_NOV_1, &s, &err), KN_EINVAL);
    assert_int_equal(resp_stats_compute(NULL, 4, OSLO_NOV_1, OSLO_DEC_1, &s, &err), KN_EINVAL);
    /* no rows: no months, no rates */
    assert_int_equal(resp_stats_compute(NULL, 0, OSLO_NOV_1, OSLO_DEC_1, &s, &err), KN_OK);
    assert_int_equal(s.nmonths, 0);
    assert_int_equal(s.nrates, 0);
    resp_stats_free(&s);
}

/* Months are local (Europe/Oslo): CET in winter, CEST in summer. */
static void test_month_boundary_oslo(void **state)
{
    (void)state;
    store_resp_stat_row rows[5] = {
        row_at(MUNI, "c1", 1793489400000),  /* 2026-10-31T23:30Z = 1 Nov 00:30 CET */
        row_at(MUNI, "c1", 1793485800000),  /* 2026-10-31T22:30Z = 31 Oct 23:30 CET */
        row_at(MUNI, "c2", 1782858600000),  /* 2026-06-30T22:30Z = 1 Jul 00:30 CEST */
        row_at(MUNI, "c2", 1782855000000),  /* 2026-06-30T21:30Z = 30 Jun 23:30 CEST */
        row_at(MUNI2, "c3", 1793489400000), /* other municipality, November */
    };
    resp_stats s;
    kn_err err;
    assert_int_equal(resp_stats_compute(rows, 5, 1780272000000, 1798761600000, &s, &err), KN_OK);
    assert_int_equal(s.nmonths, 5);
    static const char *const want[5][2] = {{MUNI, "2026-06"}, {MUNI, "2026-07"}, {MUNI, "2026-10"},
                                           {MUNI, "2026-11"}, {MUNI2, "2026-11"}};
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(s.months[i].municipality, want[i][0]);
        assert_string_equal(s.months[i].month, want[i][1]);
        assert_int_equal(s.months[i].alarms, 1);
        assert_true(s.months[i].share_60 == 0.0);   /* none claimed */
    }
    resp_stats_free(&s);

    /* local midnight of a date, winter and summer; only real dates */
    int64_t ms = 0;
    assert_int_equal(resp_stats_day_start("2026-11-01", &ms, &err), KN_OK);
    assert_true(ms == OSLO_NOV_1);
    assert_int_equal(resp_stats_day_start("2026-07-01", &ms, &err), KN_OK);
    assert_true(ms == 1782856800000);                /* 2026-06-30T22:00Z */
    assert_int_equal(resp_stats_day_start("2028-02-29", &ms, &err), KN_OK);
    assert_int_equal(resp_stats_day_start("2026-02-29", &ms, &err), KN_EINVAL);
    assert_int_equal(resp_stats_day_start("2026-13-01", &ms, &err), KN_EINVAL);
    assert_int_equal(resp_stats_day_start("2026-1-01", &ms, &err), KN_EINVAL);
    assert_int_equal(resp_stats_day_start("2026-11-01T", &ms, &err), KN_EINVAL);
    assert_int_equal(resp_stats_day_start(NULL, &ms, &err), KN_EINVAL);
}

/* Append count alarms of a citizen, one per hour from start. */
static void add_alarms(store_resp_stat_row *rows, size_t *n, const char *muni, const char *citizen,
                       int count, int64_t start)
{
    for (int i = 0; i < count; i++)
        rows[(*n)++] = row_at(muni, citizen, start + (int64_t)i * H);
}

static void test_abnormal_rate(void **state)
{
    (void)state;
    store_resp_stat_row rows[80];
    size_t n = 0;
    const int64_t from = OSLO_NOV_1, to = OSLO_NOV_1 + 60 * DAY;   /* 60 days */
    /* municipality 1: rates per citizen 30, 9, 2, 2, 1, 1, 1 */
    add_alarms(rows, &n, MUNI, "x", 30, from + DAY);
    add_alarms(rows, &n, MUNI, "y", 9, from + 2 * DAY);
    add_alarms(rows, &n, MUNI, "a", 2, from + 3 * DAY);
    add_alarms(rows, &n, MUNI, "b", 2, from + 4 * DAY);
    add_alarms(rows, &n, MUNI, "c", 1, from + 5 * DAY);
    add_alarms(rows, &n, MUNI, "d", 1, from + 6 * DAY);
    add_alarms(rows, &n, MUNI, "e", 1, from + 7 * DAY);
    /* municipality 2: 12 and 10 alarms */
    add_alarms(rows, &n, MUNI2, "z", 12, from + DAY);
    add_alarms(rows, &n, MUNI2, "w", 10, from + DAY);
    /* outside the period: not counted */
    add_alarms(rows, &n, MUNI, "x", 5, to);
    add_alarms(rows, &n, MUNI, "x", 3, from - DAY);

    resp_stats s;
    kn_err err;
    assert_int_equal(resp_stats_compute(rows, n, from, to, &s, &err), KN_OK);
    assert_int_equal(s.nrates, 9);
    /* highest rate first: x 30 alarms over 60 days = 15 per 30 days */
    assert_string_equal(s.rates[0].citizen_id, "x");
    assert_int_equal(s.rates[0].alarms, 30);
    assert_true(fabs(s.rates[0].per_30_days - 15.0) < 1e-9);
    /* municipality 1 sorted per 30 days: 0.5 0.5 0.5 1 1 4.5 15; the
     * median (rank 4 of 7) is 1. x: 15 >= 3 and 30 alarms >= 10 -> abnormal. */
    assert_true(fabs(s.rates[0].municipality_median - 1.0) < 1e-9);
    assert_true(s.rates[0].abnormal);
    size_t flagged = 0;
    for (size_t i = 0; i < s.nrates; i++) {
        const resp_citizen_rate *r = &s.rates[i];
        flagged += r->abnormal != 0;
        if (i > 0)
            assert_true(s.rates[i - 1].per_30_days >= r->per_30_days);
        if (strcmp(r->citizen_id, "y") == 0) {
            /* 4.5 >= 3 x 1 but only 9 alarms: not flagged */
            assert_int_equal(r->alarms, 9);
            assert_false(r->abnormal);
        }
        if (strcmp(r->municipality, MUNI2) == 0) {
            /* sorted 5, 6: median 5; 6 < 15 -> not abnormal despite 12 alarms */
            assert_true(fabs(r->municipality_median - 5.0) < 1e-9);
            assert_false(r->abnormal);
        }
    }
    assert_int_equal(flagged, 1);

    /* months: municipality 1 (Nov, Dec) then 2 (Nov); rows outside are gone */
    int64_t total = 0;
    for (size_t i = 0; i < s.nmonths; i++)
        total += s.months[i].alarms;
    assert_int_equal(total, 30 + 9 + 2 + 2 + 1 + 1 + 1 + 12 + 10);

    json_t *j = resp_stats_to_json(&s);
    json_t *jc = json_array_get(json_object_get(j, "citizens"), 0);
    assert_true(json_is_true(json_object_get(jc, "abnormal")));
    assert_true(json_real_value(json_object_get(jc, "per_30_days")) == s.rates[0].per_30_days);
    json_decref(j);
    resp_stats_free(&s);
}

static void test_csv(void **state)
{
    (void)state;
    store_resp_stat_row rows[2] = {row_at(MUNI, "c1", NOV_5_10Z), row_at(MUNI, "c1", NOV_5_10Z + H)};
    rows[0].claimed_at = rows[0].received_at + 30 * S;
    rows[0].closed_at = rows[0].received_at + 600 * S;
    rows[1].claimed_at = rows[1].received_at + 90 * S;
    rows[1].closed_at = rows[1].received_at + 900 * S;
    resp_stats s;
    kn_err err;
    assert_int_equal(resp_stats_compute(rows, 2, OSLO_NOV_1, OSLO_DEC_1, &s, &err), KN_OK);

    kn_buf out;
    kn_buf_init(&out, 1u << 20);
    assert_int_equal(resp_stats_csv(&s, "months", &out, &err), KN_OK);
    /* 1 of 2 within 60 s (50.0 %), both within 180 s; claim 30/90 s (lower
     * median 30, p90 90); close 600/900 s; no call-outs: empty cells. */
    const char *want =
        "Kommune,Måned,Alarmer,Besvart innen 60 s,Besvart innen 60 s (%),Besvart innen 180 s,"
        "Besvart innen 180 s (%),Median tid til tatt (s),P90 tid til tatt (s),"
        "Median tid til avsluttet (s),P90 tid til avsluttet (s),Utrykninger,"
        "Median tid til utrykning startet (s),Median varighet utrykning (s),"
        "Tjenestemottakere med alarm,Alarmer per tjenestemottaker\r\n"
        "939000011,2026-11,2,1,50.0,2,100.0,30,90,600,900,0,,,1,2.00\r\n";
    assert_string_equal(out.data, want);

    kn_buf_reset(&out);
    assert_int_equal(resp_stats_csv(&s, "citizens", &out, &err), KN_OK);
    /* 2 alarms over 30 days: 2.00 per 30 days; alone, so the median too */
    assert_string_equal(out.data, "Kommune,Tjenestemottaker,Alarmer,Alarmer per 30 dager,"
                                  "Kommunens median per 30 dager,Unormalt høy\r\n"
                                  "939000011,c1,2,2.00,2.00,nei\r\n");
    kn_buf_reset(&out);
    assert_int_equal(resp_stats_csv(&s, "quarters", &out, &err), KN_EINVAL);
    assert_int_equal(resp_stats_csv(&s, NULL, &out, &err), KN_EINVAL);
    kn_buf_release(&out);
    resp_stats_free(&s);
}

/* ---- resp_stats_get over a store ---- */

#define T0 1795334400000LL            /* 2026-11-22T08:00:00Z */

struct fixture {
    store *st;
    char path[512];
    resp_ctx *ctx;
    _Atomic int64_t now;
};

static void alarm(struct fixture *f, const auth_principal *op, const char *serial,
                  const char *code, char id[33])
{
    resp_alarm_in in = {serial, NULL, code, "2026-11-22T08:00:00Z", -1, NULL, 0, 0, 0, -1,
                        NULL, NULL};
    resp_alarm_op aop;
    kn_err err;
    int rc = resp_alarm_create(f->ctx, op, MUNI, &in, "req", &aop, &err);
    if (rc != KN_OK)
        fail_msg("alarm: %s (%s)", kn_status_code(rc), err.msg);
    memcpy(id, aop.alarm.id, 33);
}

static void claim(struct fixture *f, const auth_principal *op, const char *id)
{
    resp_action_in in = {RESP_ACT_CLAIM, NULL, NULL, 0};
    store_resp_alarm out;
    kn_err err;
    int rc = resp_alarm_act(f->ctx, op, id, &in, "req", &out, &err);
    if (rc != KN_OK)
        fail_msg("claim: %s (%s)", kn_status_code(rc), err.msg);
}

static void test_get_over_store(void **state)
{
    (void)state;
    struct fixture f;
    memset(&f, 0, sizeof f);
    assert_int_equal(resp_test_demo_store(&f.st, f.path, sizeof f.path), 0);
    atomic_store(&f.now, T0);
    resp_opts o = {.st = f.st};
    assert_int_equal(resp_test_ctx_new(&o, &f.now, &f.ctx), 0);
    kn_err err;
    auth_principal op = resp_test_demo_user(f.st, "operator");
    auth_principal nurse = resp_test_demo_user(f.st, "sykepleier"); /* nurse in Knutby only */
    auth_principal clerk = resp_test_demo_user(f.st, "fjordvik");   /* case worker in Fjordvik */

    /* three alarms: claimed after 30 s, after 100 s, never */
    char a1[33], a2[33], a3[33];
    alarm(&f, &op, "TA-100-0001", "3", a1);
    atomic_fetch_add(&f.now, 30 * S);
    claim(&f, &op, a1);
    alarm(&f, &op, "TA-100-0002", "3", a2);
    atomic_fetch_add(&f.now, 100 * S);
    claim(&f, &op, a2);
    alarm(&f, &op, "TA-100-0001", "4.1", a3);

    const char *knutby[] = {MUNI}, *both[] = {MUNI, MUNI2};
    const int64_t from = T0 - DAY, to = T0 + DAY;
    resp_stats s;
    assert_int_equal(resp_stats_get(f.ctx, &nurse, knutby, 1, from, to, "r1", &s, &err), KN_OK);
    assert_int_equal(s.nmonths, 1);
    const resp_month_stats *m = &s.months[0];
    assert_string_equal(m->month, "2026-11");
    assert_int_equal(m->alarms, 3);
    assert_int_equal(m->answered_60, 1);
    assert_int_equal(m->answered_180, 2);
    assert_true(m->claim_median_s == 30.0);       /* of 30 and 100: the lower */
    assert_true(m->claim_p90_s == 100.0);
    assert_true(m->close_median_s < 0);
    assert_int_equal(s.nrates, 2);                /* two devices, two citizens */
    assert_int_equal(s.rates[0].alarms, 2);
    resp_stats_free(&s);
    assert_int_equal(test_audit_count(f.st, nurse.id, "resp.stats.read"), 1);

    /* the nurse may not read Fjordvik; a case worker reads no statistics;
     * a refused read reads nothing and audits nothing as read */
    assert_int_equal(resp_stats_get(f.ctx, &nurse, both, 2, from, to, "r2", &s, &err),
                     KN_EFORBIDDEN);
    assert_null(s.months);
    assert_int_equal(resp_stats_get(f.ctx, &clerk, knutby, 1, from, to, "r3", &s, &err),
                     KN_EFORBIDDEN);
    assert_int_equal(test_audit_count(f.st, nurse.id, "resp.stats.read"), 1);
    assert_int_equal(test_audit_count(f.st, clerk.id, "resp.stats.read"), 0);

    /* clients need the read scope as well as the grant */
    char id[33];
    kn_id_new(id);
    auth_principal client = test_principal(AUTH_PRINCIPAL_CLIENT, id);
    test_grant(&client, MUNI, AUTH_ROLE_SUPPLIER);
    kn_strcpy(client.scopes, sizeof client.scopes, RESP_SCOPE_ALARM);
    assert_int_equal(resp_stats_get(f.ctx, &client, knutby, 1, from, to, "r4", &s, &err),
                     KN_EFORBIDDEN);
    kn_strcpy(client.scopes, sizeof client.scopes, RESP_SCOPE_READ);
    assert_int_equal(resp_stats_get(f.ctx, &client, knutby, 1, from, to, "r5", &s, &err), KN_OK);
    assert_int_equal(s.months[0].alarms, 3);
    resp_stats_free(&s);

    /* the local CLI (no principal): every municipality, audited as the system */
    size_t system_before = test_audit_count(f.st, "", "resp.stats.read");
    assert_int_equal(resp_stats_get(f.ctx, NULL, both, 2, from, to, NULL, &s, &err), KN_OK);
    assert_int_equal(s.nmonths, 1);               /* Fjordvik had no alarms */
    resp_stats_free(&s);
    assert_int_equal(test_audit_count(f.st, "", "resp.stats.read") - system_before, 2);

    /* a period outside the alarms; bad arguments */
    assert_int_equal(resp_stats_get(f.ctx, &nurse, knutby, 1, T0 + DAY, T0 + 2 * DAY, "r6", &s,
                                     &err), KN_OK);
    assert_int_equal(s.nmonths, 0);
    resp_stats_free(&s);
    assert_int_equal(resp_stats_get(f.ctx, &nurse, knutby, 0, from, to, "r7", &s, &err), KN_EINVAL);
    assert_int_equal(resp_stats_get(f.ctx, &nurse, knutby, 1, to, from, "r8", &s, &err), KN_EINVAL);

    resp_test_close(f.ctx, f.st, f.path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shares_and_times),
        cmocka_unit_test(test_unanswered_and_limits),
        cmocka_unit_test(test_month_boundary_oslo),
        cmocka_unit_test(test_abnormal_rate),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_get_over_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
