/* test_store.c - round trips through every store op (store.h) on a fresh,
 * migrated SQLite store: what is written comes back, uniqueness gives
 * KN_ECONFLICT, missing rows KN_ENOTFOUND, bad arguments KN_EINVAL.
 * Engine behaviour (group commit, migrations, backup) is in test_store_sqlite.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdatomic.h> /* after the three above, which it needs */

#include "test_store_util.h"

#include "core/core_log.h"

static store_user make_user(const char *username, size_t ngrants)
{
    store_user u;
    memset(&u, 0, sizeof u);
    kn_strcpy(u.username, sizeof u.username, username);
    kn_strcpy(u.display_name, sizeof u.display_name, "Kari Nordmann");
    kn_strcpy(u.password_hash, sizeof u.password_hash, "$argon2id$v=19$m=65536,t=2,p=1$x$y");
    u.ngrants = ngrants;
    for (size_t i = 0; i < ngrants && i < STORE_MAX_GRANTS; i++) {
        snprintf(u.grants[i].orgnr, sizeof u.grants[i].orgnr, "9%08zu", i);
        u.grants[i].roles = (uint32_t)(1u << i) | 0x80000000u;
    }
    return u;
}

/* make_user(), created in st. */
static store_user add_user(store *st, const char *username, size_t ngrants)
{
    store_user u = make_user(username, ngrants);
    assert_int_equal(st->ops->user_create(st, &u, NULL), KN_OK);
    return u;
}

static store_client make_client(const char *name, int kind, const char *key)
{
    store_client c;
    memset(&c, 0, sizeof c);
    kn_strcpy(c.name, sizeof c.name, name);
    c.kind = kind;
    if (kind == STORE_CLIENT_APIKEY)
        kn_strcpy(c.key_hash, sizeof c.key_hash, key);
    else
        kn_strcpy(c.jwt_client_id, sizeof c.jwt_client_id, key);
    kn_strcpy(c.scopes, sizeof c.scopes, "alarm.write citizen.read");
    c.ngrants = 1;
    kn_strcpy(c.grants[0].orgnr, sizeof c.grants[0].orgnr, "964338531");
    c.grants[0].roles = 6;
    return c;
}

static void test_open_urls(void **state)
{
    (void)state;
    store *st = NULL;
    kn_err err;
    store_options pg = {.url = "postgres://db.example/knute"};
    assert_int_equal(store_open(&pg, &st, &err), KN_ECONFIG);
    assert_non_null(strstr(err.msg, "not built"));
    store_options other = {.url = "mysql://db.example/knute"};
    assert_int_equal(store_open(&other, &st, &err), KN_ECONFIG);
    store_options none = {.url = NULL};
    assert_int_equal(store_open(&none, &st, &err), KN_EINVAL);
    char path[PATH_MAX], url[PATH_MAX + 8];
    test_db_path(path, sizeof path, "url");
    snprintf(url, sizeof url, "sqlite:%s", path);
    store_options ok = {.url = url, .read_connections = 2};
    assert_int_equal(store_open(&ok, &st, &err), KN_OK);
    assert_string_equal(st->ops->name, "sqlite");
    assert_int_equal(st->ops->ping(st, &err), KN_OK);
    store_close(st);
    store_close(NULL);
    assert_int_equal(access(path, F_OK), 0);
    test_db_remove(path);
}

static void test_org(void **state)
{
    store *st = tu_store(state);
    kn_err err;
    store_org org = {"964338531", STORE_ORG_MUNICIPALITY, "Trondheim kommune", 212660};
    assert_int_equal(st->ops->org_put(st, &org, &err), KN_OK);
    store_org got;
    assert_int_equal(st->ops->org_get(st, "964338531", &got, &err), KN_OK);
    assert_string_equal(got.name, "Trondheim kommune");
    assert_int_equal(got.kind, STORE_ORG_MUNICIPALITY);
    assert_int_equal(got.inhabitants, 212660);

    org.inhabitants = 213000; /* put again = update */
    kn_strcpy(org.name, sizeof org.name, "Trondheim");
    assert_int_equal(st->ops->org_put(st, &org, &err), KN_OK);
    store_org supplier = {"987654321", STORE_ORG_SUPPLIER, "Alarmleverandør AS", 0};
    assert_int_equal(st->ops->org_put(st, &supplier, &err), KN_OK);

    store_org *list = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->org_list(st, &list, &n, &err), KN_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].orgnr, "964338531");
    assert_string_equal(list[0].name, "Trondheim");
    assert_int_equal(list[0].inhabitants, 213000);
    assert_string_equal(list[1].name, "Alarmleverandør AS");
    free(list);

    assert_int_equal(st->ops->org_get(st, "111111111", &got, &err), KN_ENOTFOUND);
    org.kind = 9;
    assert_int_equal(st->ops->org_put(st, &org, &err), KN_EINVAL);
    assert_int_equal(st->ops->org_get(st, "12345678901234", &got, &err), KN_EINVAL);
}

static void test_user_round_trip(void **state)
{
    store *st = tu_store(state);
    kn_err err;
    store_user u = add_user(st, "kari", 2);
    assert_int_equal(strlen(u.id), 32);
    assert_true(u.created_at > 1700000000);

    store_user got;
    assert_int_equal(st->ops->user_get(st, u.id, &got, &err), KN_OK);
    assert_string_equal(got.username, "kari");
    assert_string_equal(got.display_name, "Kari Nordmann");
    assert_string_equal(got.password_hash, u.password_hash);
    assert_int_equal(got.created_at, u.created_at);
    assert_int_equal(got.ngrants, 2);
    assert_string_equal(got.grants[0].orgnr, "900000000");
    assert_int_equal(got.grants[0].roles, 0x80000001u);
    assert_string_equal(got.grants[1].orgnr, "900000001");
    assert_int_equal(got.grants[1].roles, 0x80000002u);

    memset(&got, 0, sizeof got);
    assert_int_equal(st->ops->user_get_by_name(st, "kari", &got, &err), KN_OK);
    assert_string_equal(got.id, u.id);
    assert_int_equal(got.ngrants, 2);

    add_user(st, "ola", 0);
    store_user *list = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->user_list(st, &list, &n, &err), KN_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].username, "kari");
    assert_int_equal(list[0].ngrants, 2);
    assert_string_equal(list[1].username, "ola");
    assert_int_equal(list[1].ngrants, 0);
    free(list);
}

static void test_user_errors(void **state)
{
    store *st = tu_store(state);
    kn_err err;
    add_user(st, "kari", 1);
    store_user dup = make_user("kari", 0);
    assert_int_equal(st->ops->user_create(st, &dup, &err), KN_ECONFLICT);
    assert_int_equal(dup.id[0], '\0'); /* untouched on failure */

    store_user many = make_user("many", 0);
    many.ngrants = STORE_MAX_GRANTS + 1;
    assert_int_equal(st->ops->user_create(st, &many, &err), KN_EINVAL);
    store_user twice = make_user("twice", 2);
    kn_strcpy(twice.grants[1].orgnr, sizeof twice.grants[1].orgnr, twice.grants[0].orgnr);
    assert_int_equal(st->ops->user_create(st, &twice, &err), KN_EINVAL);
    store_user unterminated = make_user("x", 0);
    memset(unterminated.username, 'a', sizeof unterminated.username);
    assert_int_equal(st->ops->user_create(st, &unterminated, &err), KN_EINVAL);
    store_user nameless = make_user("", 0);
    assert_int_equal(st->ops->user_create(st, &nameless, &err), KN_EINVAL);

    store_user got;
    assert_int_equal(st->ops->user_get(st, "00000000000000000000000000000000", &got, &err),
                     KN_ENOTFOUND);
    assert_int_equal(st->ops->user_get_by_name(st, "nobody", &got, &err), KN_ENOTFOUND);
    assert_int_equal(st->ops->user_get(st, NULL, &got, &err), KN_EINVAL);

    store_user *list = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->user_list(st, &list, &n, &err), KN_OK);
    assert_int_equal(n, 1); /* none of the failed creates left a row */
    free(list);
}

static void test_user_disable(void **state)
{
    store *st = tu_store(state);
    kn_err err;
    store_user u = add_user(st, "kari", 0);
    assert_int_equal(st->ops->user_set_disabled(st, "kari", 1, &err), KN_OK);
    store_user got;
    assert_int_equal(st->ops->user_get(st, u.id, &got, &err), KN_OK);
    assert_int_equal(got.disabled, 1);
    assert_int_equal(st->ops->user_set_disabled(st, "kari", 0, &err), KN_OK);
    assert_int_equal(st->ops->user_get(st, u.id, &got, &err), KN_OK);
    assert_int_equal(got.disabled, 0);
    assert_int_equal(st->ops->user_set_disabled(st, "nobody", 1, &err), KN_ENOTFOUND);
}

static void test_lockout_counter(void **state)
{
    store *st = tu_store(state);
    kn_err err;
    store_user u = add_user(st, "kari", 0);
    store_user got;
    for (int i = 1; i <= 2; i++) {
        assert_int_equal(st->ops->user_login_failed(st, u.id, 3, 1000, 60, &err), KN_OK);
        assert_int_equal(st->ops->user_get(st, u.id, &got, &err), KN_OK);
        assert_int_equal(got.failed_logins, i);
        assert_int_equal(got.locked_until, 0);
    }
    assert_int_equal(st->ops->user_login_failed(st, u.id, 3, 1000, 60, &err), KN_OK);
    assert_int_equal(st->ops->user_get(st, u.id, &got, &err), KN_OK);
    assert_int_equal(got.failed_logins, 0); /* restarted */
    assert_int_equal(got.locked_until, 1060);

    assert_int_equal(st->ops->user_login_failed(st, u.id, 3, 2000, 60, &err), KN_OK);
    assert_int_equal(st->ops->user_login_succeeded(st, u.id, &err), KN_OK);
    assert_int_equal(st->ops->user_get(st, u.id, &got, &err), KN_OK);
    assert_int_equal(got.failed_logins, 0);
    assert_int_equal(got.locked_until, 1060); /* success does not touch the lock */

    const char *missing = "ffffffffffffffffffffffffffffffff";
    assert_int_equal(st->ops->user_login_failed(st, missing, 3, 1, 1, &err), KN_ENOTFOUND);
    assert_int_equal(st->ops->user_login_succeeded(st, missing, &err), KN_ENOTFOUND);
    assert_int_equal(st->ops->user_login_failed(st, u.id, 0, 1, 1, &err), KN_EINVAL);
}

/* Worker threads count failures; the main thread asserts (cmocka is not
 * thread-safe). */
typedef struct thread_arg {
    store *st;
    const char *id;
    int failures;
} thread_arg;

static void fail_many(int i, void *p)
{
    thread_arg *a = p;
    for (int k = 0; k < 10; k++) {
        if (a->st->ops->user_login_failed(a->st, a->id, 1000, i, 60, NULL) != KN_OK)
            __atomic_fetch_add(&a->failures, 1, __ATOMIC_SEQ_CST);
    }
}

static void test_lockout_concurrent(void **state)
{
    store *st = tu_store(state);
    kn_err err;
    store_user u = add_user(st, "kari", 0);
    thread_arg a = {st, u.id, 0};
    tu_run_threads(16, fail_many, &a);
    assert_int_equal(a.failures, 0);
    store_user got;
    assert_int_equal(st->ops->user_get(st, u.id, &got, &err), KN_OK);
    assert_int_equal(got.failed_logins, 160); /* no lost increments */
}

static void test_client(void **state)
{
    store *st = tu_store(state);
    kn_err err;
    store_client key = make_client("Alarmsentral", STORE_CLIENT_APIKEY, "ab12");
    assert_int_equal(st->ops->client_create(st, &key, &err), KN_OK);
    assert_int_equal(strlen(key.id), 32);
    store_client key2 = make_client("Dispenser", STORE_CLIENT_APIKEY, "cd34");
    assert_int_equal(st->ops->client_create(st, &key2, &err), KN_OK); /* NULL jwt ids differ */
    store_client jwt = make_client("EPJ", STORE_CLIENT_JWT, "epj-client");
    assert_int_equal(st->ops->client_create(st, &jwt, &err), KN_OK);

    store_client got;
    assert_int_equal(st->ops->client_get_by_key_hash(st, "ab12", &got, &err), KN_OK);
    assert_string_equal(got.id, key.id);
    assert_string_equal(got.name, "Alarmsentral");
    assert_int_equal(got.kind, STORE_CLIENT_APIKEY);
    assert_string_equal(got.scopes, "alarm.write citizen.read");
    assert_string_equal(got.jwt_client_id, "");
    assert_int_equal(got.ngrants, 1);
    assert_string_equal(got.grants[0].orgnr, "964338531");
    assert_int_equal(got.grants[0].roles, 6);
    assert_int_equal(st->ops->client_get_by_jwt_id(st, "epj-client", &got, &err), KN_OK);
    assert_string_equal(got.id, jwt.id);
    assert_string_equal(got.key_hash, "");

    store_client *list = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->client_list(st, &list, &n, &err), KN_OK);
    assert_int_equal(n, 3);
    assert_string_equal(list[0].name, "Alarmsentral");
    assert_int_equal(list[2].ngrants, 1);
    free(list);
}

static void test_client_errors(void **state)
{
    store *st = tu_store(state);
    kn_err err;
    store_client key = make_client("Alarmsentral", STORE_CLIENT_APIKEY, "ab12");
    assert_int_equal(st->ops->client_create(st, &key, &err), KN_OK);
    store_client same_name = make_client("Alarmsentral", STORE_CLIENT_APIKEY, "ffff");
    assert_int_equal(st->ops->client_create(st, &same_name, &err), KN_ECONFLICT);
    store_client same_key = make_client("Other", STORE_CLIENT_APIKEY, "ab12");
    assert_int_equal(st->ops->client_create(st, &same_key, &err), KN_ECONFLICT);
    store_client no_key = make_client("Nokey", STORE_CLIENT_APIKEY, "");
    assert_int_equal(st->ops->client_create(st, &no_key, &err), KN_EINVAL);
    store_client bad_kind = make_client("Bad", 7, "x");
    assert_int_equal(st->ops->client_create(st, &bad_kind, &err), KN_EINVAL);
    store_client got;
    assert_int_equal(st->ops->client_get_by_key_hash(st, "nope", &got, &err), KN_ENOTFOUND);
    assert_int_equal(st->ops->client_get_by_jwt_id(st, "nope", &got, &err), KN_ENOTFOUND);
}

static void test_session(void **state)
{
    store *st = tu_store(state);
    kn_err err;
    store_user u = add_user(st, "kari", 0);
    store_session s = {.created_at = 100, .expires_at = 200};
    kn_strcpy(s.token_hash, sizeof s.token_hash, "aa11");
    kn_strcpy(s.user_id, sizeof s.user_id, u.id);
    kn_strcpy(s.csrf_token, sizeof s.csrf_token, "csrf");
    assert_int_equal(st->ops->session_create(st, &s, &err), KN_OK);
    assert_int_equal(st->ops->session_create(st, &s, &err), KN_ECONFLICT);

    store_session got;
    assert_int_equal(st->ops->session_get(st, "aa11", &got, &err), KN_OK);
    assert_string_equal(got.user_id, u.id);
    assert_string_equal(got.csrf_token, "csrf");
    assert_int_equal(got.created_at, 100);
    assert_int_equal(got.expires_at, 200);

    assert_int_equal(st->ops->session_delete(st, "aa11", &err), KN_OK);
    assert_int_equal(st->ops->session_get(st, "aa11", &got, &err), KN_ENOTFOUND);
    assert_int_equal(st->ops->session_delete(st, "aa11", &err), KN_ENOTFOUND);

    kn_strcpy(s.user_id, sizeof s.user_id, "0123456789abcdef0123456789abcdef");
    assert_int_equal(st->ops->session_create(st, &s, &err), KN_EINVAL); /* no such user */
}

static void test_citizen_create_and_audit(void **state)
{
    store *st = tu_store(state);
    kn_err err;
    store_citizen c = tu_citizen("964338531", 1);
    store_audit a = tu_audit("citizen.create", "actor1");
    assert_int_equal(st->ops->citizen_create(st, &c, &a, &err), KN_OK);
    assert_int_equal(strlen(c.id), 32);
    store_citizen got;
    assert_int_equal(st->ops->citizen_get(st, c.id, &got, &err), KN_OK);
    assert_string_equal(got.nin, c.nin);
    assert_string_equal(got.municipality, "964338531");
    assert_string_equal(got.given_name, "Given1");
    assert_string_equal(got.family_name, "Family00001");
    assert_string_equal(got.address, "Storgata 1");
    assert_string_equal(got.phone, "+4712345678");
    assert_int_equal(got.created_at, c.created_at);

    store_audit_filter f = {.limit = 10};
    store_audit *events = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->audit_list(st, &f, &events, &n, &err), KN_OK);
    assert_int_equal(n, 1);
    assert_string_equal(events[0].action, "citizen.create");
    assert_string_equal(events[0].object_id, c.id); /* filled by the store */
    assert_string_equal(events[0].municipality, "964338531");
    assert_true(events[0].at_ms > 0);
    free(events);

    /* Duplicate (municipality, nin): conflict, and no audit event either. */
    store_citizen dup = tu_citizen("964338531", 1);
    assert_int_equal(st->ops->citizen_create(st, &dup, &a, &err), KN_ECONFLICT);
    assert_int_equal(st->ops->audit_list(st, &f, &events, &n, &err), KN_OK);
    assert_int_equal(n, 1);
    free(events);
    store_citizen other = tu_citizen("942110464", 1); /* same nin, other municipality */
    assert_int_equal(st->ops->citizen_create(st, &other, &a, &err), KN_OK);

    /* A bad audit event fails the citizen too: both or neither. */
    store_citizen c2 = tu_citizen("964338531", 2);
    store_audit bad = tu_audit("", "actor1");
    assert_int_equal(st->ops->citizen_create(st, &c2, &bad, &err), KN_EINVAL);
    assert_int_equal(st->ops->citizen_create(st, &c2, NULL, &err), KN_EINVAL);
    int64_t count = 0;
    assert_int_equal(st->ops->citizen_count(st, "964338531", &count, &err), KN_OK);
    assert_int_equal(count, 1);
    assert_int_equal(st->ops->citizen_count(st, NULL, &count, &err), KN_OK);
    assert_int_equal(count, 2);
    assert_int_equal(st->ops->citizen_get(st, "ffffffffffffffffffffffffffffffff", &got, &err),
                     KN_ENOTFOUND);
}

static void create_citizens(int i, void *p)
{
    thread_arg *t = p;
    for (int k = 0; k < 30; k++) {
        if (tu_add_citizen(t->st, i % 2 ? "964338531" : "942110464", i * 100 + k, NULL) != KN_OK)
            __atomic_fetch_add(&t->failures, 1, __ATOMIC_SEQ_CST);
    }
}

/* citizen_create_async: done is called once per queued write, after its
 * commit, with its own status; close answers every write still queued. */
typedef struct async_tally {
    atomic_int ok, conflict, other;
} async_tally;

static void async_count(void *cls, int status, const kn_err *err)
{
    async_tally *t = cls;
    assert_non_null(err);
    atomic_fetch_add(status == KN_OK ? &t->ok : status == KN_ECONFLICT ? &t->conflict : &t->other,
                     1);
}

static void test_citizen_create_async(void **state)
{
    tu_fixture *f = *state;
    store *st = f->st;
    async_tally t = {0};
    kn_err err;
    store_audit a = tu_audit("citizen.create", "actor1");
    for (int i = 0; i < 200; i++) {
        store_citizen c = tu_citizen("964338531", i % 150); /* 50 duplicates */
        assert_int_equal(st->ops->citizen_create_async(st, &c, &a, async_count, &t, &err), KN_OK);
        assert_int_equal(strlen(c.id), 32); /* known before the commit */
    }
    store_citizen c = tu_citizen("964338531", 1);
    assert_int_equal(st->ops->citizen_create_async(st, &c, NULL, async_count, &t, &err), KN_EINVAL);
    store_close(st); /* drains the queue: every done has been called */
    f->st = tu_open(f->path, 0, 0);
    assert_int_equal(atomic_load(&t.ok), 150);
    assert_int_equal(atomic_load(&t.conflict), 50);
    assert_int_equal(atomic_load(&t.other), 0);
    int64_t count = 0;
    assert_int_equal(f->st->ops->citizen_count(f->st, "964338531", &count, &err), KN_OK);
    assert_int_equal(count, 150);
}

static void test_citizen_list(void **state)
{
    store *st = tu_store(state);
    kn_err err;
    thread_arg t = {st, NULL, 0};
    tu_run_threads(16, create_citizens, &t); /* 240 per municipality */
    assert_int_equal(t.failures, 0);
    store_citizen *list = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->citizen_list(st, "964338531", 0, 1000, &list, &n, &err), KN_OK);
    assert_int_equal(n, 200); /* capped */
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(list[i - 1].family_name, list[i].family_name) < 0);
    char tenth[STORE_NAME_LEN];
    kn_strcpy(tenth, sizeof tenth, list[10].family_name);
    free(list);
    assert_int_equal(st->ops->citizen_list(st, "964338531", 10, 5, &list, &n, &err), KN_OK);
    assert_int_equal(n, 5);
    assert_string_equal(list[0].family_name, tenth);
    assert_string_equal(list[0].municipality, "964338531");
    free(list);
    assert_int_equal(st->ops->citizen_list(st, "964338531", 235, 50, &list, &n, &err), KN_OK);
    assert_int_equal(n, 5);
    free(list);
    assert_int_equal(st->ops->citizen_list(st, "111111111", 0, 50, &list, &n, &err), KN_OK);
    assert_int_equal(n, 0);
    free(list);
    assert_int_equal(st->ops->citizen_list(st, "964338531", 0, 0, &list, &n, &err), KN_EINVAL);
    int64_t count = 0;
    assert_int_equal(st->ops->citizen_count(st, "964338531", &count, &err), KN_OK);
    assert_int_equal(count, 240);
    assert_int_equal(st->ops->citizen_count(st, "111111111", &count, &err), KN_OK);
    assert_int_equal(count, 0);
}

static void test_device(void **state)
{
    store *st = tu_store(state);
    kn_err err;
    store_citizen c;
    assert_int_equal(tu_add_citizen(st, "964338531", 1, &c), KN_OK);

    store_device stock = {.municipality = "964338531",
                          .type = "safety_alarm",
                          .serial = "SA-1",
                          .supplier_orgnr = "987654321"};
    assert_int_equal(st->ops->device_create(st, &stock, &err), KN_OK);
    store_device assigned = stock;
    kn_strcpy(assigned.serial, sizeof assigned.serial, "SA-2");
    kn_strcpy(assigned.citizen_id, sizeof assigned.citizen_id, c.id);
    assert_int_equal(st->ops->device_create(st, &assigned, &err), KN_OK);
    store_device elsewhere = stock;
    kn_strcpy(elsewhere.municipality, sizeof elsewhere.municipality, "942110464");
    assert_int_equal(st->ops->device_create(st, &elsewhere, &err), KN_OK);
    store_device orphan = assigned;
    kn_strcpy(orphan.citizen_id, sizeof orphan.citizen_id, "ffffffffffffffffffffffffffffffff");
    assert_int_equal(st->ops->device_create(st, &orphan, &err), KN_EINVAL);
    store_device untyped = stock;
    untyped.type[0] = '\0';
    assert_int_equal(st->ops->device_create(st, &untyped, &err), KN_EINVAL);

    store_device *list = NULL;
    size_t n = 0;
    assert_int_equal(st->ops->device_list(st, "964338531", &list, &n, &err), KN_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id, stock.id);
    assert_string_equal(list[0].citizen_id, "");
    assert_string_equal(list[0].serial, "SA-1");
    assert_string_equal(list[0].supplier_orgnr, "987654321");
    assert_string_equal(list[1].citizen_id, c.id);
    assert_int_equal(list[1].created_at, assigned.created_at);
    free(list);
    assert_int_equal(st->ops->device_list(st, NULL, &list, &n, &err), KN_OK);
    assert_int_equal(n, 3);
    free(list);
}

static void test_audit(void **state)
{
    store *st = tu_store(state);
    kn_err err;
    const char *actions[] = {"auth.login", "citizen.read", "citizen.read", "auth.login"};
    for (int i = 0; i < 4; i++) {
        store_audit a = tu_audit(actions[i], i % 2 ? "actor-b" : "actor-a");
        kn_strcpy(a.municipality, sizeof a.municipality, i < 2 ? "964338531" : "942110464");
        a.at_ms = 1000 + i;
        a.seq = 999; /* ignored: the store assigns seq */
        assert_int_equal(st->ops->audit_append(st, &a, &err), KN_OK);
    }
    store_audit *ev = NULL;
    size_t n = 0;
    store_audit_filter all = {.limit = 100};
    assert_int_equal(st->ops->audit_list(st, &all, &ev, &n, &err), KN_OK);
    assert_int_equal(n, 4);
    for (size_t i = 1; i < n; i++)
        assert_true(ev[i].seq > ev[i - 1].seq);
    assert_int_equal(ev[2].at_ms, 1002);
    assert_string_equal(ev[3].outcome, "ok");
    int64_t second = ev[1].seq;
    free(ev);

    store_audit_filter f = {.municipality = "964338531", .limit = 100};
    assert_int_equal(st->ops->audit_list(st, &f, &ev, &n, &err), KN_OK);
    assert_int_equal(n, 2);
    free(ev);
    f = (store_audit_filter){.actor_id = "actor-b", .action = "auth.login", .limit = 100};
    assert_int_equal(st->ops->audit_list(st, &f, &ev, &n, &err), KN_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].at_ms, 1003);
    free(ev);
    f = (store_audit_filter){.action = "citizen.read", .after_seq = second, .limit = 100};
    assert_int_equal(st->ops->audit_list(st, &f, &ev, &n, &err), KN_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ev[0].at_ms, 1002);
    free(ev);
    f = (store_audit_filter){.limit = 3};
    assert_int_equal(st->ops->audit_list(st, &f, &ev, &n, &err), KN_OK);
    assert_int_equal(n, 3);
    free(ev);

    f.limit = 0;
    assert_int_equal(st->ops->audit_list(st, &f, &ev, &n, &err), KN_EINVAL);
    store_audit bad = tu_audit("auth.login", "a");
    bad.outcome[0] = '\0';
    assert_int_equal(st->ops->audit_append(st, &bad, &err), KN_EINVAL);
}

int main(void)
{
    kn_log_open(NULL, KN_LOG_WARN, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_urls),
        cmocka_unit_test_setup_teardown(test_org, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_user_round_trip, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_user_errors, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_user_disable, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_lockout_counter, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_lockout_concurrent, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_client, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_client_errors, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_session, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_citizen_create_and_audit, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_citizen_create_async, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_citizen_list, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_device, tu_setup, tu_teardown),
        cmocka_unit_test_setup_teardown(test_audit, tu_setup, tu_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
