/* report_int.h - private to src/report/: the limits of the table model and
 * the helpers report.c shares with report_xlsx.c. Other modules use report.h.
 */
#ifndef KN_REPORT_INT_H
#define KN_REPORT_INT_H

#include <stddef.h>

#define REPORT_MAX_SHEETS 64
#define REPORT_MAX_COLS 256
#define REPORT_MAX_ROWS 1000000
#define REPORT_MAX_TEXT 32767 /* bytes; Excel's limit per cell */
#define REPORT_MAX_DECIMALS 10
#define REPORT_NUMBER_TEXT 352 /* room for "%.10f" of any finite double */

/* 1 when s is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int report_utf8_valid(const char *s);

/* value with `decimals` digits into out; "-0.00" becomes "0.00"; non-finite
 * values give "". Returns the length written. */
int report_format_fixed(double value, int decimals, char *out, size_t size);

#endif
