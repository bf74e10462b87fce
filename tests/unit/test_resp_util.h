/* test_resp_util.h - set-up shared by the response service's unit tests
 * (test_resp_core, _route, _timer, _profile, _stats, _journal): a store with
 * the demo data, a resp_ctx on a manual clock, principals and the removal
 * of the demo routing rules. Header-only (static inline), so each
 * test takes what it uses; include it after <cmocka.h>.
 */
#ifndef KN_TEST_RESP_UTIL_H
#define KN_TEST_RESP_UTIL_H

#include "core/core_util.h"
#include "demo/demo.h"
#include "resp/resp.h"
#include "test_support.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The manual clock: cls points at the test's _Atomic int64_t "now" (ms since
 * the epoch), which the test moves and the module's threads read. */
static inline int64_t resp_test_clock(void *cls)
{
    return atomic_load((_Atomic int64_t *)cls);
}

/* A new migrated store in a temp file (*path, size bytes) with the demo data
 * loaded: Knutby and Fjordvik, their users, citizens, devices and routing
 * rules. 0, or -1 on failure. */
static inline int resp_test_demo_store(store **st, char *path, size_t size)
{
    demo_report report;
    if (test_store_new(st, path, size) != KN_OK)
        return -1;
    return demo_load(*st, 0, &report, NULL) == KN_OK ? 0 : -1;
}

/* resp_ctx_new with o, on the manual clock at *now unless now is NULL.
 * 0, or -1 with the reason on stderr. */
static inline int resp_test_ctx_new(resp_opts *o, _Atomic int64_t *now, resp_ctx **ctx)
{
    if (now) {
        o->clock = resp_test_clock;
        o->clock_cls = (void *)now;
    }
    kn_err err;
    if (resp_ctx_new(o, ctx, &err) != KN_OK) {
        fprintf(stderr, "resp_ctx_new: %s\n", err.msg);
        return -1;
    }
    return 0;
}

/* Free the module, then close the store and delete its files. */
static inline void resp_test_close(resp_ctx *ctx, store *st, const char *path)
{
    resp_ctx_free(ctx);
    test_store_destroy(st, path);
}

/* A new user (fresh id) with `roles` at orgnr; name may be NULL. */
static inline auth_principal resp_test_user(const char *orgnr, uint32_t roles, const char *name)
{
    char id[STORE_ID_LEN];
    kn_id_new(id);
    auth_principal p = test_principal(AUTH_PRINCIPAL_USER, id);
    if (name)
        kn_strcpy(p.name, sizeof p.name, name);
    test_grant(&p, orgnr, roles);
    return p;
}

/* The demo user `username` ("operator", "admin", ...) with its grants. */
static inline auth_principal resp_test_demo_user(store *st, const char *username)
{
    store_user u;
    assert_int_equal(st->ops->user_get_by_name(st, username, &u, NULL), KN_OK);
    auth_principal p = test_principal(AUTH_PRINCIPAL_USER, u.id);
    kn_strcpy(p.name, sizeof p.name, u.username);
    for (size_t i = 0; i < u.ngrants; i++)
        test_grant(&p, u.grants[i].orgnr, u.grants[i].roles);
    return p;
}

/* Remove the demo data's routing rules of a municipality, so that a test
 * writes the rules it is about. KN_OK or the store's error. */
static inline int resp_test_clear_rules(store *st, const char *muni)
{
    store_resp_rule *list = NULL;
    size_t n = 0;
    int rc = st->ops->resp->rule_list(st, muni, &list, &n, NULL);
    for (size_t i = 0; rc == KN_OK && i < n; i++) {
        store_audit audit;
        memset(&audit, 0, sizeof audit);
        kn_strcpy(audit.actor_kind, sizeof audit.actor_kind, "system");
        kn_strcpy(audit.action, sizeof audit.action, "resp.rule.delete");
        kn_strcpy(audit.outcome, sizeof audit.outcome, "ok");
        rc = st->ops->resp->rule_delete(st, muni, list[i].id, &audit, NULL);
    }
    free(list);
    return rc;
}

#endif
