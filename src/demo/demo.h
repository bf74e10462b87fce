/* demo.h - synthetic demo data for clicking through Knute: two municipalities,
 * a supplier, an EPJ vendor and a national body, one user per role, ~20
 * citizens with synthetic person numbers (month + 80) and a few devices.
 *
 * Domain code over the store interface; used by `knute demo` and the tests.
 * Refuses to run in a production environment (synthetic numbers there are
 * rejected by design).
 */
#ifndef KN_DEMO_H
#define KN_DEMO_H

#include "../store/store.h"

#define DEMO_PASSWORD "demo-passord"   /* every demo user's password; test environments only */

typedef struct demo_report {
    int already_loaded;   /* 1 when the demo organisations existed: nothing was written */
    int organisations;
    int users;
    int citizens;
    int devices;
} demo_report;

/* Load the demo data once. Idempotent: a second call reports already_loaded.
 * KN_EFORBIDDEN when `production` is true. */
int demo_load(store *st, int production, demo_report *out, kn_err *err);

/* The demo users, for printing log-in hints: fills names[i] = username and
 * roles[i] = a role name, returns how many (at most max). */
size_t demo_users(const char **names, const char **roles, size_t max);

#endif
