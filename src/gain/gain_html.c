/* gain_html.c - the benefit-realisation report book as one printable HTML
 * page: a heading, then every sheet as a section with its note and a table,
 * numbers in Norwegian notation (space between thousands, decimal comma).
 * Served by GET .../report?format=html (linking the UI's stylesheet, since the
 * server's CSP forbids inline styles) and written by `knute gevinst ... --html
 * FILE` (style embedded, for a file opened from disk).
 */
#include "gain.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char PRINT_STYLE[] =
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24}"
    "h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}"
    "table{border-collapse:collapse;width:100%;font-size:.85rem}"
    "th,td{border:1px solid #c9d1dc;padding:.25rem .4rem;text-align:left;vertical-align:top}"
    "td.num{text-align:right;white-space:nowrap}.note{color:#4a5566}"
    "@media print{body{margin:0}section{break-inside:avoid}}";

static int put_escaped(kn_buf *out, const char *s)
{
    int rc = KN_OK;
    for (; rc == KN_OK && s && *s; s++) {
        switch (*s) {
        case '<': rc = kn_buf_puts(out, "&lt;"); break;
        case '>': rc = kn_buf_puts(out, "&gt;"); break;
        case '&': rc = kn_buf_puts(out, "&amp;"); break;
        case '"': rc = kn_buf_puts(out, "&quot;"); break;
        default: rc = kn_buf_append(out, s, 1);
        }
    }
    return rc;
}

/* 1234567.5 with 1 decimal -> "1 234 567,5" (U+00A0 between thousands). */
static void format_no(double v, int decimals, char *out, size_t size)
{
    char plain[64];
    if (!isfinite(v)) {
        snprintf(out, size, "–");
        return;
    }
    int d = decimals < 0 ? 0 : decimals > 6 ? 6 : decimals;
    if (fabs(v) < 0.5 * pow(10, -d))
        v = 0; /* no "-0" */
    snprintf(plain, sizeof plain, "%.*f", d, fabs(v) < 1e15 ? v : 0);
    const char *digits = plain + (plain[0] == '-');
    size_t whole = strcspn(digits, "."), o = 0;
    if (plain[0] == '-' && o + 1 < size)
        out[o++] = '-';
    for (size_t i = 0; i < whole && o + 3 < size; i++) {
        if (i > 0 && (whole - i) % 3 == 0) {
            out[o++] = '\xc2';
            out[o++] = '\xa0';
        }
        out[o++] = digits[i];
    }
    if (digits[whole] == '.' && o + 1 < size)
        out[o++] = ',';
    for (size_t i = whole + 1; digits[whole] && digits[i] && o + 1 < size; i++)
        out[o++] = digits[i];
    out[o] = '\0';
}

static int put_cell(kn_buf *out, const report_cell *c)
{
    if (c->kind == REPORT_NUMBER) {
        char text[96];
        format_no(c->number, c->decimals, text, sizeof text);
        int rc = kn_buf_puts(out, "<td class=\"num\">");
        if (rc == KN_OK)
            rc = kn_buf_puts(out, text);
        return rc == KN_OK ? kn_buf_puts(out, "</td>") : rc;
    }
    int rc = kn_buf_puts(out, "<td>");
    if (rc == KN_OK && c->kind == REPORT_TEXT)
        rc = put_escaped(out, c->text);
    return rc == KN_OK ? kn_buf_puts(out, "</td>") : rc;
}

static int put_table(kn_buf *out, const report_sheet *s)
{
    int rc = kn_buf_puts(out, "<table><thead><tr>");
    for (size_t c = 0; rc == KN_OK && c < s->ncols; c++) {
        rc = kn_buf_puts(out, "<th scope=\"col\">");
        if (rc == KN_OK)
            rc = put_escaped(out, s->headers[c]);
        if (rc == KN_OK)
            rc = kn_buf_puts(out, "</th>");
    }
    if (rc == KN_OK)
        rc = kn_buf_puts(out, "</tr></thead><tbody>");
    for (size_t r = 0; rc == KN_OK && r < s->nrows; r++) {
        rc = kn_buf_puts(out, "<tr>");
        for (size_t c = 0; rc == KN_OK && c < s->ncols; c++)
            rc = put_cell(out, &s->cells[r * s->ncols + c]);
        if (rc == KN_OK)
            rc = kn_buf_puts(out, "</tr>");
    }
    return rc == KN_OK ? kn_buf_puts(out, "</tbody></table>") : rc;
}

static int put_sheet(kn_buf *out, const report_sheet *s)
{
    int rc = kn_buf_puts(out, "<section><h2>");
    if (rc == KN_OK)
        rc = put_escaped(out, s->title);
    if (rc == KN_OK)
        rc = kn_buf_puts(out, "</h2>");
    if (rc == KN_OK && s->note) {
        rc = kn_buf_puts(out, "<p class=\"note\">");
        if (rc == KN_OK)
            rc = put_escaped(out, s->note);
        if (rc == KN_OK)
            rc = kn_buf_puts(out, "</p>");
    }
    if (rc == KN_OK)
        rc = put_table(out, s);
    return rc == KN_OK ? kn_buf_puts(out, "</section>\n") : rc;
}

static int put_head(kn_buf *out, const char *title, const char *stylesheet)
{
    int rc = kn_buf_puts(out, "<!doctype html>\n<html lang=\"nb\"><head><meta charset=\"utf-8\">"
                              "<title>");
    if (rc == KN_OK)
        rc = put_escaped(out, title);
    if (rc == KN_OK)
        rc = kn_buf_puts(out, "</title>");
    if (rc == KN_OK && stylesheet) {
        rc = kn_buf_puts(out, "<link rel=\"stylesheet\" href=\"");
        if (rc == KN_OK)
            rc = put_escaped(out, stylesheet);
        if (rc == KN_OK)
            rc = kn_buf_puts(out, "\">");
    } else if (rc == KN_OK) {
        rc = kn_buf_printf(out, "<style>%s</style>", PRINT_STYLE);
    }
    if (rc == KN_OK)
        rc = kn_buf_puts(out, "</head><body class=\"gevinst-print\"><main><h1>");
    if (rc == KN_OK)
        rc = put_escaped(out, title);
    return rc == KN_OK ? kn_buf_puts(out, "</h1>\n") : rc;
}

int gain_report_html(const report_book *book, const char *title, const char *stylesheet,
                     kn_buf *out)
{
    int rc = put_head(out, title, stylesheet);
    for (size_t i = 0; rc == KN_OK && i < book->nsheets; i++)
        rc = put_sheet(out, book->sheets[i]);
    return rc == KN_OK ? kn_buf_puts(out, "</main></body></html>\n") : rc;
}
