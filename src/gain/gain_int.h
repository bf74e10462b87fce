/* gain_int.h - private to src/gain/: figure building and the plan lookup the
 * calculation, JSON and report files share. Other modules use gain.h.
 */
#ifndef KN_GAIN_INT_H
#define KN_GAIN_INT_H

#include "gain.h"

/* Static key, label and unit of a figure. */
typedef struct gain_fig_meta {
    const char *key, *label, *unit;
    int decimals; /* shown in reports */
} gain_fig_meta;

const gain_fig_meta *gain_fig_meta_of(int fig);

/* Reset f to figure `fig` with value and formula (defined = 1), no inputs. */
void gain_fig_set(gain_figure *f, int fig, double value, const char *formula);
/* Mark f as not computable here, with the reason as its formula. */
void gain_fig_undefined(gain_figure *f, int fig, const char *why);
/* Append one named input (silently ignored past GAIN_FIGURE_INPUTS). */
void gain_fig_input(gain_figure *f, const char *name, double value);
/* Add value to a sum figure and to its input `name` (merged with an input of
 * the same name; past GAIN_FIGURE_INPUTS names, into a last input "others"),
 * so the inputs always add up to the value. */
void gain_fig_add(gain_figure *f, const char *name, double value);

/* Index of the unit whose key is `key`, or nunits. */
size_t gain_unit_index(const gain_scenario *s, const char *key);

/* Quality dimension names: "user", "staff", "relatives", and bokmål labels. */
extern const char *const gain_quality_keys[GAIN_QUALITY_DIMS];
extern const char *const gain_quality_labels[GAIN_QUALITY_DIMS];

/* Group dimension names: "technology", "size_class", "quarter", "region". */
extern const char *const gain_dim_keys[GAIN_DIMS];

/* auth_require, except that a NULL principal (the local command line, trusted
 * like `knute org add`) is allowed. */
int gain_allowed(const auth_principal *p, uint32_t roles, const char *municipality,
                 const char *scope, kn_err *err);
/* The organisation exists and is a municipality (KN_ENOTFOUND otherwise). */
int gain_require_municipality(store *st, const char *orgnr, store_org *out, kn_err *err);

#endif
