/* demo_resp.h - the response service's part of the demo data set (see
 * demo_resp.c): routing rules for both demo municipalities and response
 * profiles of a few demo citizens; called by demo.c once the users and
 * citizens exist. */
#ifndef KN_DEMO_RESP_H
#define KN_DEMO_RESP_H

#include "../store/store.h"

/* Rules and profiles written through resp_rule_put / resp_profile_put as
 * the demo admin; citizens are the n demo citizens in demo.c's order. */
int demo_resp_load(store *st, const store_citizen *citizens, size_t n, kn_err *err);

#endif
