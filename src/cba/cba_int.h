/* cba_int.h - private to src/cba/: helpers the cba_*.c files share (JSON
 * field access with the field's path in every error, lookups by id).
 * Other modules use cba.h.
 */
#ifndef KN_CBA_INT_H
#define KN_CBA_INT_H

#include "cba.h"

#define CBA_WHERE_LEN 192

/* Field `key` of object obj as a finite number / whole number in [min,max] /
 * string of at most max_len bytes. Absent: *out keeps its default when
 * required is 0, else KN_EINVAL "<where>.<key>: required". */
int cba_json_number(const json_t *obj, const char *where, const char *key, int required, double min,
                    double max, double *out, kn_err *err);
int cba_json_int(const json_t *obj, const char *where, const char *key, int required, long min,
                 long max, int *out, kn_err *err);
int cba_json_string(const json_t *obj, const char *where, const char *key, int required, char *out,
                    size_t size, kn_err *err);

/* KN_EINVAL naming the first key of obj not in allowed (NULL-terminated). */
int cba_json_known(const json_t *obj, const char *where, const char *const *allowed, kn_err *err);

/* printf into a field-path buffer ("alternatives[1].flows[0]."), truncating. */
void cba_where(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* 1 when s is a valid id: [A-Za-z0-9_-]{1,32}. */
int cba_id_valid(const char *s);

/* Index of the alternative / flow / effect / tag with this id, or -1. */
int cba_alt_index(const cba_scenario *sc, const char *id);
int cba_flow_index(const cba_alt *alt, const char *id);
int cba_effect_index(const cba_scenario *sc, const char *id);
int cba_tag_index(const cba_scenario *sc, const char *id);

/* Default parameters (R-109/21: 4 %, 20 % tax-financing cost and gain). */
void cba_params_default(cba_params *p);

/* Alternative index a: present value per category into pv[CBA_NCAT]; when
 * flow_pv is not NULL the PV of each flow; when rows is not NULL the yearly
 * rows of the analysis period (at most CBA_MAX_YEARS). */
void cba_alt_pv(const cba_scenario *sc, const cba_params *p, size_t a, double *pv, double *flow_pv,
                cba_year_row *rows);

/* Tax-financing cost and gain of an alternative's PV per category. */
double cba_tax_cost(const cba_params *p, const double *pv);
double cba_tax_gain(const cba_params *p, const double *pv);

#endif
