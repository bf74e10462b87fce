/* demo_gain.h - the benefit-realisation part of the demo data set (see
 * demo_gain.c); called by demo.c once the demo citizens exist. */
#ifndef KN_DEMO_GAIN_H
#define KN_DEMO_GAIN_H

#include "../store/store.h"

/* Benefit plans with baselines and follow-ups for some of the n demo
 * citizens, written through gain_plan_create / gain_measure_add. */
int demo_gain_load(store *st, const store_citizen *citizens, size_t n, kn_err *err);

#endif
