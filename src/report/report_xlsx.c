/* report_xlsx.c - a report_book as an XLSX workbook (libxlsxwriter), the
 * spreadsheet export of the gevinst and cost-benefit reports.
 *
 * Layout of each worksheet: row 1 holds the bold column headers, the data
 * rows follow, so a reader sees the same table as the CSV. The sheet's note
 * (units, assumptions), when set, is written in italics two rows below the
 * last data row. The worksheet name is the sheet title with the characters
 * Excel forbids ([]:*?/\) replaced by '_', cut to 31 characters and made
 * unique with a " (n)" suffix. Numbers are stored exactly, displayed with
 * "#,##0.00"-style formats of their decimals; non-finite numbers are left
 * blank. The file appears at its path only when complete (path.tmp, fsync,
 * rename).
 */
#include "report.h"

#include "report_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define XLSX_NAME_CHARS 31
#define XLSX_NAME_BYTES (XLSX_NAME_CHARS * 4 + 16)
#define XLSX_MIN_WIDTH 8
#define XLSX_MAX_WIDTH 60

typedef struct xlsx_formats {
    lxw_format *header;
    lxw_format *note;
    lxw_format *number[REPORT_MAX_DECIMALS + 1];
} xlsx_formats;

/* Number of characters (not bytes) of a UTF-8 string. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Copy at most max_chars characters of s, replacing forbidden ones. */
static void name_clean(const char *s, size_t max_chars, char *out, size_t size)
{
    size_t used = 0, chars = 0;
    for (; *s && used + 5 < size; s++) {
        int lead = ((unsigned char)*s & 0xC0) != 0x80;
        if (lead && chars++ == max_chars)
            break;
        out[used++] = strchr("[]:*?/\\'", *s) ? '_' : *s;
    }
    out[used] = '\0';
    if (used == 0)
        snprintf(out, size, "Sheet");
}

/* A worksheet name for title that the workbook does not have yet. */
static void sheet_name(lxw_workbook *wb, const char *title, char *out, size_t size)
{
    name_clean(title ? title : "", XLSX_NAME_CHARS, out, size);
    for (int n = 2; workbook_get_worksheet_by_name(wb, out) && n < 1000; n++) {
        char suffix[16], base[XLSX_NAME_BYTES - 16];
        int len = snprintf(suffix, sizeof suffix, " (%d)", n);
        name_clean(title ? title : "", XLSX_NAME_CHARS - (size_t)len, base, sizeof base);
        snprintf(out, size, "%s%s", base, suffix);
    }
}

static void formats_make(lxw_workbook *wb, xlsx_formats *f)
{
    f->header = workbook_add_format(wb);
    format_set_bold(f->header);
    f->note = workbook_add_format(wb);
    format_set_italic(f->note);
    for (int d = 0; d <= REPORT_MAX_DECIMALS; d++) {
        char pattern[32];
        snprintf(pattern, sizeof pattern, "#,##0%s%.*s", d ? "." : "", d, "0000000000");
        f->number[d] = workbook_add_format(wb);
        format_set_num_format(f->number[d], pattern);
    }
}

/* Display width of one cell, in characters. */
static size_t cell_width(const report_cell *cell)
{
    char num[REPORT_NUMBER_TEXT];
    if (cell->kind == REPORT_TEXT && cell->text)
        return utf8_chars(cell->text);
    if (cell->kind != REPORT_NUMBER)
        return 0;
    size_t len = (size_t)report_format_fixed(cell->number, cell->decimals, num, sizeof num);
    return len + len / 3; /* room for thousands separators */
}

static void column_widths(lxw_worksheet *ws, const report_sheet *sheet)
{
    for (size_t c = 0; c < sheet->ncols; c++) {
        size_t width = utf8_chars(sheet->headers[c]);
        for (size_t r = 0; r < sheet->nrows; r++) {
            size_t w = cell_width(&sheet->cells[r * sheet->ncols + c]);
            width = w > width ? w : width;
        }
        width += 2;
        width = width < XLSX_MIN_WIDTH   ? XLSX_MIN_WIDTH
                : width > XLSX_MAX_WIDTH ? XLSX_MAX_WIDTH
                                         : width;
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, (double)width, NULL);
    }
}

static lxw_error cell_write(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                            const report_cell *cell, const xlsx_formats *f)
{
    if (cell->kind == REPORT_TEXT && cell->text && cell->text[0])
        return worksheet_write_string(ws, row, col, cell->text, NULL);
    if (cell->kind == REPORT_NUMBER && isfinite(cell->number))
        return worksheet_write_number(ws, row, col, cell->number, f->number[cell->decimals]);
    return LXW_NO_ERROR;
}

static lxw_error sheet_write(lxw_workbook *wb, const report_sheet *sheet, const xlsx_formats *f)
{
    char name[XLSX_NAME_BYTES];
    sheet_name(wb, sheet->title, name, sizeof name);
    lxw_worksheet *ws = workbook_add_worksheet(wb, name);
    if (!ws)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    lxw_error e = LXW_NO_ERROR;
    for (size_t c = 0; e == LXW_NO_ERROR && c < sheet->ncols; c++)
        e = worksheet_write_string(ws, 0, (lxw_col_t)c, sheet->headers[c], f->header);
    for (size_t r = 0; e == LXW_NO_ERROR && r < sheet->nrows; r++)
        for (size_t c = 0; e == LXW_NO_ERROR && c < sheet->ncols; c++)
            e = cell_write(ws, (lxw_row_t)(r + 1), (lxw_col_t)c,
                           &sheet->cells[r * sheet->ncols + c], f);
    if (e == LXW_NO_ERROR && sheet->note && sheet->note[0])
        e = worksheet_write_string(ws, (lxw_row_t)(sheet->nrows + 2), 0, sheet->note, f->note);
    if (e == LXW_NO_ERROR)
        column_widths(ws, sheet);
    return e;
}

static int file_sync(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int report_write_xlsx(const report_book *book, const char *path, kn_err *err)
{
    if (!book || !path || !path[0])
        return kn_err_set(err, KN_EINVAL, "report_write_xlsx: no book or path");
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return kn_err_set(err, KN_EIO, "xlsx: path too long");
    lxw_workbook *wb = workbook_new(tmp);
    if (!wb)
        return kn_err_set(err, KN_EIO, "xlsx: cannot create %s", tmp);
    xlsx_formats f;
    formats_make(wb, &f);
    lxw_error e = LXW_NO_ERROR;
    for (size_t i = 0; e == LXW_NO_ERROR && i < book->nsheets; i++)
        e = sheet_write(wb, book->sheets[i], &f);
    if (e == LXW_NO_ERROR && book->nsheets == 0)
        e = workbook_add_worksheet(wb, NULL) ? LXW_NO_ERROR : LXW_ERROR_MEMORY_MALLOC_FAILED;
    lxw_error closed = workbook_close(wb);
    if (e == LXW_NO_ERROR)
        e = closed;
    if (e != LXW_NO_ERROR) {
        unlink(tmp);
        return kn_err_set(err, KN_EIO, "xlsx: %s", lxw_strerror(e));
    }
    if (file_sync(tmp) != 0 || rename(tmp, path) != 0) {
        int saved = errno;
        unlink(tmp);
        return kn_err_set(err, KN_EIO, "xlsx: cannot write %s: %s", path, strerror(saved));
    }
    return KN_OK;
}
