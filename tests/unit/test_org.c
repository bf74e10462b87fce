/* test_org.c - organisation rules (org.h): kinds, organisation numbers, names
 * and inhabitants are checked before anything is stored; saving twice updates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/core_util.h"
#include "org/org.h"
#include "test_support.h"

#include <stdlib.h>
#include <string.h>

static store_org make(const char *orgnr, int kind, const char *name, int64_t inhabitants)
{
    store_org o;
    memset(&o, 0, sizeof o);
    kn_strcpy(o.orgnr, sizeof o.orgnr, orgnr);
    o.kind = kind;
    kn_strcpy(o.name, sizeof o.name, name);
    o.inhabitants = inhabitants;
    return o;
}

static void test_kinds(void **state)
{
    (void)state;
    int kind = 0;
    assert_int_equal(org_kind_parse("epj_vendor", &kind, NULL), KN_OK);
    assert_int_equal(kind, STORE_ORG_EPJ_VENDOR);
    assert_string_equal(org_kind_name(kind), "epj_vendor");
    kn_err err;
    assert_int_equal(org_kind_parse("kommune", &kind, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "municipality"));
    assert_int_equal(org_kind_parse(NULL, &kind, &err), KN_EINVAL);
    assert_string_equal(org_kind_name(99), "unknown");
}

static void test_save_checks_then_stores(void **state)
{
    (void)state;
    store *st = NULL;
    char path[512];
    assert_int_equal(test_store_new(&st, path, sizeof path), KN_OK);
    kn_err err;
    store_org bad_check = make("939000012", STORE_ORG_MUNICIPALITY, "X kommune", 10);
    assert_int_equal(org_save(st, &bad_check, &err), KN_EINVAL);
    assert_non_null(strstr(err.msg, "check digit"));
    store_org bad_kind = make("939000011", 42, "X kommune", 10);
    assert_int_equal(org_save(st, &bad_kind, &err), KN_EINVAL);
    store_org no_name = make("939000011", STORE_ORG_MUNICIPALITY, "", 10);
    assert_int_equal(org_save(st, &no_name, &err), KN_EINVAL);
    store_org negative = make("939000011", STORE_ORG_MUNICIPALITY, "X kommune", -1);
    assert_int_equal(org_save(st, &negative, &err), KN_EINVAL);
    store_org *list = NULL;
    size_t n = 9;
    assert_int_equal(st->ops->org_list(st, &list, &n, NULL), KN_OK);
    assert_int_equal(n, 0);
    free(list);

    store_org good = make("939000011", STORE_ORG_MUNICIPALITY, "Knutby kommune", 12400);
    assert_int_equal(org_save(st, &good, &err), KN_OK);
    good.inhabitants = 12500;
    kn_strcpy(good.name, sizeof good.name, "Knutby kommune (ny)");
    assert_int_equal(org_save(st, &good, &err), KN_OK);
    store_org got;
    assert_int_equal(st->ops->org_get(st, "939000011", &got, NULL), KN_OK);
    assert_int_equal(got.inhabitants, 12500);
    assert_string_equal(got.name, "Knutby kommune (ny)");
    test_store_destroy(st, path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_save_checks_then_stores),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
