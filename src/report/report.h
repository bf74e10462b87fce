/* report.h - tabular report output shared by the benefit (gain_*) and
 * cost-benefit (cba_*) engines: one in-memory table model, written as CSV,
 * JSON or XLSX (libxlsxwriter), so every export of every report has the same
 * shape and the same number formatting.
 *
 * Ownership: a report_book owns its sheets, a sheet owns its cells and every
 * string in them (copied on add). report_book_free() frees everything.
 * Not thread-safe; one builder at a time.
 */
#ifndef KN_REPORT_H
#define KN_REPORT_H

#include <stddef.h>

#include "../core/core_buf.h"
#include "../core/core_err.h"

typedef enum report_cell_kind {
    REPORT_EMPTY = 0,
    REPORT_TEXT,
    REPORT_NUMBER
} report_cell_kind;

typedef struct report_cell {
    report_cell_kind kind;
    double number;              /* REPORT_NUMBER */
    int decimals;               /* REPORT_NUMBER: digits shown in CSV/XLSX format (value kept exact in XLSX) */
    char *text;                 /* REPORT_TEXT, owned */
} report_cell;

typedef struct report_sheet {
    char *title;                /* sheet name (XLSX: max 31 chars, truncated) */
    char *note;                 /* optional line under the title: units, assumptions; owned, may be NULL */
    size_t ncols;
    char **headers;             /* ncols owned strings */
    report_cell *cells;         /* nrows * ncols, row-major */
    size_t nrows, cap_rows;
} report_sheet;

typedef struct report_book {
    report_sheet **sheets;
    size_t nsheets;
} report_book;

/* Add a sheet with ncols column headers (copied). *out points into the book. */
int report_book_add_sheet(report_book *book, const char *title, size_t ncols,
                          const char *const *headers, report_sheet **out);

/* Set the optional note under the title (copied). */
int report_sheet_set_note(report_sheet *sheet, const char *note);

/* Append an empty row; returns its index in *row. */
int report_sheet_add_row(report_sheet *sheet, size_t *row);

/* Fill a cell of an existing row (copies text). */
int report_set_text(report_sheet *sheet, size_t row, size_t col, const char *text);
int report_set_number(report_sheet *sheet, size_t row, size_t col, double value, int decimals);

/* CSV (RFC 4180, comma separator, '.' decimal point, CRLF line ends, header
 * row first) of one sheet. Numbers printed with their `decimals`. */
int report_write_csv(const report_sheet *sheet, kn_buf *out);

/* JSON of the whole book: {"sheets":[{"title","note","columns":[...],
 * "rows":[[cell,...],...]}]}, numbers unrounded. */
int report_write_json(const report_book *book, kn_buf *out);

/* XLSX file at path with one worksheet per sheet: bold header row, numbers
 * as numbers with a format of their decimals, column widths that fit. The
 * file is written to path + ".tmp" and renamed, so no half-written file is
 * left. KN_OK or KN_EIO with the reason. */
int report_write_xlsx(const report_book *book, const char *path, kn_err *err);

/* Free every sheet and string; the book is empty afterwards. NULL-safe. */
void report_book_free(report_book *book);

#endif
