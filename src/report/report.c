/* report.c - the report table model (books of sheets of cells) and its CSV
 * and JSON writers; report_xlsx.c writes the same model as XLSX. The gevinst
 * (gain_*) and cost-benefit (cba_*) engines build a report_book and every
 * export is written from it, so all formats agree.
 *
 * Limits (the one place they are set): REPORT_MAX_SHEETS sheets per book,
 * REPORT_MAX_COLS columns, REPORT_MAX_ROWS rows per sheet and
 * REPORT_MAX_TEXT bytes per text (Excel's cell limit). Text must be UTF-8;
 * anything else is refused when added, so every writer can trust it.
 * Non-finite numbers are written as an empty CSV field / JSON null.
 */
#include "report.h"

#include "report_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int report_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t extra = 0;
        unsigned int cp = 0;
        if (*p < 0x80) {
            p++;
            continue;
        } else if ((*p & 0xE0) == 0xC0) {
            extra = 1, cp = *p & 0x1Fu;
        } else if ((*p & 0xF0) == 0xE0) {
            extra = 2, cp = *p & 0x0Fu;
        } else if ((*p & 0xF8) == 0xF0) {
            extra = 3, cp = *p & 0x07u;
        } else {
            return 0;
        }
        for (size_t i = 1; i <= extra; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        static const unsigned int min_cp[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += extra + 1;
    }
    return 1;
}

/* A checked copy of user text: KN_EINVAL when not UTF-8, KN_ETOOLARGE when longer than allowed. */
static int text_dup(const char *s, char **out)
{
    if (!s)
        s = "";
    if (strlen(s) > REPORT_MAX_TEXT)
        return KN_ETOOLARGE;
    if (!report_utf8_valid(s))
        return KN_EINVAL;
    char *copy = strdup(s);
    if (!copy)
        return KN_ENOMEM;
    *out = copy;
    return KN_OK;
}

static void sheet_free(report_sheet *sheet)
{
    if (!sheet)
        return;
    for (size_t i = 0; sheet->headers && i < sheet->ncols; i++)
        free(sheet->headers[i]);
    for (size_t i = 0; sheet->cells && i < sheet->nrows * sheet->ncols; i++)
        free(sheet->cells[i].text);
    free(sheet->headers);
    free(sheet->cells);
    free(sheet->title);
    free(sheet->note);
    free(sheet);
}

static int sheet_new(const char *title, size_t ncols, const char *const *headers,
                     report_sheet **out)
{
    report_sheet *sheet = calloc(1, sizeof *sheet);
    if (!sheet)
        return KN_ENOMEM;
    int rc = text_dup(title, &sheet->title);
    sheet->headers = rc == KN_OK ? calloc(ncols, sizeof *sheet->headers) : NULL;
    if (rc == KN_OK && !sheet->headers)
        rc = KN_ENOMEM;
    if (rc == KN_OK)
        sheet->ncols = ncols;
    for (size_t i = 0; rc == KN_OK && i < ncols; i++)
        rc = text_dup(headers[i], &sheet->headers[i]);
    if (rc != KN_OK) {
        sheet_free(sheet);
        return rc;
    }
    *out = sheet;
    return KN_OK;
}

int report_book_add_sheet(report_book *book, const char *title, size_t ncols,
                          const char *const *headers, report_sheet **out)
{
    if (!book || ncols == 0 || ncols > REPORT_MAX_COLS || !headers)
        return KN_EINVAL;
    if (book->nsheets >= REPORT_MAX_SHEETS)
        return KN_ETOOLARGE;
    report_sheet **grown = realloc(book->sheets, (book->nsheets + 1) * sizeof *grown);
    if (!grown)
        return KN_ENOMEM;
    book->sheets = grown;
    report_sheet *sheet = NULL;
    int rc = sheet_new(title, ncols, headers, &sheet);
    if (rc != KN_OK)
        return rc;
    book->sheets[book->nsheets++] = sheet;
    if (out)
        *out = sheet;
    return KN_OK;
}

int report_sheet_set_note(report_sheet *sheet, const char *note)
{
    if (!sheet)
        return KN_EINVAL;
    char *copy = NULL;
    int rc = note ? text_dup(note, &copy) : KN_OK;
    if (rc != KN_OK)
        return rc;
    free(sheet->note);
    sheet->note = copy;
    return KN_OK;
}

int report_sheet_add_row(report_sheet *sheet, size_t *row)
{
    if (!sheet || !row)
        return KN_EINVAL;
    if (sheet->nrows >= REPORT_MAX_ROWS)
        return KN_ETOOLARGE;
    if (sheet->nrows == sheet->cap_rows) {
        size_t cap = sheet->cap_rows ? sheet->cap_rows * 2 : 16;
        report_cell *grown = realloc(sheet->cells, cap * sheet->ncols * sizeof *grown);
        if (!grown)
            return KN_ENOMEM;
        sheet->cells = grown;
        sheet->cap_rows = cap;
    }
    memset(&sheet->cells[sheet->nrows * sheet->ncols], 0, sheet->ncols * sizeof *sheet->cells);
    *row = sheet->nrows++;
    return KN_OK;
}

static report_cell *cell_at(report_sheet *sheet, size_t row, size_t col)
{
    if (!sheet || row >= sheet->nrows || col >= sheet->ncols)
        return NULL;
    return &sheet->cells[row * sheet->ncols + col];
}

int report_set_text(report_sheet *sheet, size_t row, size_t col, const char *text)
{
    report_cell *cell = cell_at(sheet, row, col);
    if (!cell)
        return KN_EINVAL;
    char *copy = NULL;
    int rc = text_dup(text, &copy);
    if (rc != KN_OK)
        return rc;
    free(cell->text);
    cell->kind = REPORT_TEXT;
    cell->text = copy;
    cell->number = 0;
    cell->decimals = 0;
    return KN_OK;
}

int report_set_number(report_sheet *sheet, size_t row, size_t col, double value, int decimals)
{
    report_cell *cell = cell_at(sheet, row, col);
    if (!cell || decimals < 0 || decimals > REPORT_MAX_DECIMALS)
        return KN_EINVAL;
    free(cell->text);
    cell->kind = REPORT_NUMBER;
    cell->text = NULL;
    cell->number = value;
    cell->decimals = decimals;
    return KN_OK;
}

void report_book_free(report_book *book)
{
    if (!book)
        return;
    for (size_t i = 0; i < book->nsheets; i++)
        sheet_free(book->sheets[i]);
    free(book->sheets);
    book->sheets = NULL;
    book->nsheets = 0;
}

/* ---- number text ---- */

int report_format_fixed(double value, int decimals, char *out, size_t size)
{
    if (!isfinite(value)) {
        out[0] = '\0';
        return 0;
    }
    int n = snprintf(out, size, "%.*f", decimals, value);
    if (n < 0 || (size_t)n >= size) {
        out[0] = '\0';
        return 0;
    }
    /* "-0.00" is zero: rounding must not invent a sign */
    if (out[0] == '-' && strspn(out + 1, "0.") == strlen(out + 1)) {
        memmove(out, out + 1, (size_t)n);
        n--;
    }
    return n;
}

/* Shortest %.*g text that reads back as the same double ("0.1", not 0.1000...01). */
static void format_exact(double value, char *out, size_t size)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, size, "%.*g", prec, value);
        if (strtod(out, NULL) == value)
            return;
    }
}

/* ---- CSV ---- */

static int csv_field(kn_buf *out, const char *s)
{
    if (!s[strcspn(s, ",\"\r\n")])
        return kn_buf_puts(out, s);
    int rc = kn_buf_puts(out, "\"");
    for (const char *p = s; rc == KN_OK && *p; p++)
        rc = *p == '"' ? kn_buf_puts(out, "\"\"") : kn_buf_append(out, p, 1);
    return rc == KN_OK ? kn_buf_puts(out, "\"") : rc;
}

static int csv_cell(kn_buf *out, const report_cell *cell)
{
    char num[REPORT_NUMBER_TEXT];
    switch (cell->kind) {
    case REPORT_TEXT:
        return csv_field(out, cell->text ? cell->text : "");
    case REPORT_NUMBER:
        report_format_fixed(cell->number, cell->decimals, num, sizeof num);
        return kn_buf_puts(out, num);
    default:
        return KN_OK;
    }
}

/* Write items 0..n-1 with item(), separated by commas (CSV fields, JSON array members). */
typedef int (*item_fn)(kn_buf *out, const void *ctx, size_t i);

static int join(kn_buf *out, size_t n, item_fn item, const void *ctx)
{
    int rc = KN_OK;
    for (size_t i = 0; rc == KN_OK && i < n; i++) {
        if (i)
            rc = kn_buf_puts(out, ",");
        if (rc == KN_OK)
            rc = item(out, ctx, i);
    }
    return rc;
}

typedef struct row_ctx {
    const report_sheet *sheet;
    size_t row;
} row_ctx;

static int csv_header_item(kn_buf *out, const void *ctx, size_t i)
{
    return csv_field(out, ((const report_sheet *)ctx)->headers[i]);
}

static int csv_cell_item(kn_buf *out, const void *ctx, size_t i)
{
    const row_ctx *rc = ctx;
    return csv_cell(out, &rc->sheet->cells[rc->row * rc->sheet->ncols + i]);
}

int report_write_csv(const report_sheet *sheet, kn_buf *out)
{
    if (!sheet || !out)
        return KN_EINVAL;
    int rc = join(out, sheet->ncols, csv_header_item, sheet);
    if (rc == KN_OK)
        rc = kn_buf_puts(out, "\r\n");
    for (size_t r = 0; rc == KN_OK && r < sheet->nrows; r++) {
        row_ctx ctx = {sheet, r};
        rc = join(out, sheet->ncols, csv_cell_item, &ctx);
        if (rc == KN_OK)
            rc = kn_buf_puts(out, "\r\n");
    }
    return rc;
}

/* ---- JSON ---- */

static int json_string(kn_buf *out, const char *s)
{
    int rc = kn_buf_puts(out, "\"");
    for (const unsigned char *p = (const unsigned char *)s; rc == KN_OK && *p; p++) {
        if (*p == '"' || *p == '\\')
            rc = kn_buf_printf(out, "\\%c", *p);
        else if (*p == '\n')
            rc = kn_buf_puts(out, "\\n");
        else if (*p == '\r')
            rc = kn_buf_puts(out, "\\r");
        else if (*p == '\t')
            rc = kn_buf_puts(out, "\\t");
        else if (*p < 0x20)
            rc = kn_buf_printf(out, "\\u%04x", *p);
        else
            rc = kn_buf_append(out, p, 1);
    }
    return rc == KN_OK ? kn_buf_puts(out, "\"") : rc;
}

static int json_cell(kn_buf *out, const report_cell *cell)
{
    char num[REPORT_NUMBER_TEXT];
    if (cell->kind == REPORT_TEXT)
        return json_string(out, cell->text ? cell->text : "");
    if (cell->kind != REPORT_NUMBER || !isfinite(cell->number))
        return kn_buf_puts(out, "null");
    format_exact(cell->number, num, sizeof num);
    return kn_buf_puts(out, num);
}

static int json_header_item(kn_buf *out, const void *ctx, size_t i)
{
    return json_string(out, ((const report_sheet *)ctx)->headers[i]);
}

static int json_cell_item(kn_buf *out, const void *ctx, size_t i)
{
    const row_ctx *rc = ctx;
    return json_cell(out, &rc->sheet->cells[rc->row * rc->sheet->ncols + i]);
}

static int json_row_item(kn_buf *out, const void *ctx, size_t i)
{
    row_ctx row = {ctx, i};
    int rc = kn_buf_puts(out, "[");
    if (rc == KN_OK)
        rc = join(out, row.sheet->ncols, json_cell_item, &row);
    return rc == KN_OK ? kn_buf_puts(out, "]") : rc;
}

/* "key":[items] */
static int json_member_list(kn_buf *out, const char *key, size_t n, item_fn item, const void *ctx)
{
    int rc = kn_buf_printf(out, "\"%s\":[", key);
    if (rc == KN_OK)
        rc = join(out, n, item, ctx);
    return rc == KN_OK ? kn_buf_puts(out, "]") : rc;
}

static int json_sheet(kn_buf *out, const report_sheet *sheet)
{
    int rc = kn_buf_puts(out, "{\"title\":");
    if (rc == KN_OK)
        rc = json_string(out, sheet->title ? sheet->title : "");
    if (rc == KN_OK)
        rc = kn_buf_puts(out, ",\"note\":");
    if (rc == KN_OK)
        rc = sheet->note ? json_string(out, sheet->note) : kn_buf_puts(out, "null");
    if (rc == KN_OK)
        rc = kn_buf_puts(out, ",");
    if (rc == KN_OK)
        rc = json_member_list(out, "columns", sheet->ncols, json_header_item, sheet);
    if (rc == KN_OK)
        rc = kn_buf_puts(out, ",");
    if (rc == KN_OK)
        rc = json_member_list(out, "rows", sheet->nrows, json_row_item, sheet);
    return rc == KN_OK ? kn_buf_puts(out, "}") : rc;
}

static int json_sheet_item(kn_buf *out, const void *ctx, size_t i)
{
    return json_sheet(out, ((const report_book *)ctx)->sheets[i]);
}

int report_write_json(const report_book *book, kn_buf *out)
{
    if (!book || !out)
        return KN_EINVAL;
    int rc = kn_buf_puts(out, "{");
    if (rc == KN_OK)
        rc = json_member_list(out, "sheets", book->nsheets, json_sheet_item, book);
    return rc == KN_OK ? kn_buf_puts(out, "}") : rc;
}
