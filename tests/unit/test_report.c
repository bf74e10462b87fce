/* test_report.c - the report table model (report.h): building sheets, CSV
 * quoting and number formatting, the JSON shape (parsed back with jansson),
 * and an XLSX that is read back with xlsx2csv (a test dependency) and checked
 * cell by cell; a failed XLSX write leaves no file behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "report/report.h"
#include "test_support.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const headers3[] = {"Post", "Verdi, MNOK", "Merknad"};

/* A book with one sheet: a text row with every CSV special, a number row. */
static report_sheet *sample(report_book *book)
{
    report_sheet *s = NULL;
    size_t row = 99;
    assert_int_equal(report_book_add_sheet(book, "Nåverdi", 3, headers3, &s), KN_OK);
    assert_int_equal(report_sheet_add_row(s, &row), KN_OK);
    assert_int_equal(row, 0);
    assert_int_equal(report_set_text(s, row, 0, "Drift, \"vedlikehold\""), KN_OK);
    assert_int_equal(report_set_number(s, row, 1, -1234.5678, 2), KN_OK);
    assert_int_equal(report_set_text(s, row, 2, "linje 1\nlinje 2"), KN_OK);
    assert_int_equal(report_sheet_add_row(s, &row), KN_OK);
    assert_int_equal(row, 1);
    assert_int_equal(report_set_text(s, row, 0, "Sum"), KN_OK);
    assert_int_equal(report_set_number(s, row, 1, -0.001, 1), KN_OK);
    return s;
}

static void test_model_bounds(void **state)
{
    (void)state;
    report_book book = {0};
    report_sheet *s = sample(&book);
    assert_int_equal(report_set_text(s, 2, 0, "x"), KN_EINVAL);       /* no such row */
    assert_int_equal(report_set_number(s, 0, 3, 1.0, 0), KN_EINVAL);  /* no such column */
    assert_int_equal(report_set_number(s, 0, 1, 1.0, -1), KN_EINVAL); /* bad decimals */
    assert_int_equal(report_set_text(s, 0, 0, "bad \xC3\x28 utf8"), KN_EINVAL);
    assert_int_equal(report_set_text(s, 0, 0, "overlong \xC0\xAF"), KN_EINVAL);
    assert_string_equal(s->cells[0].text, "Drift, \"vedlikehold\""); /* unchanged after refusals */
    assert_int_equal(report_book_add_sheet(&book, "x", 0, headers3, NULL), KN_EINVAL);
    /* a text cell turned number loses its text */
    assert_int_equal(report_set_number(s, 0, 2, 7, 0), KN_OK);
    assert_int_equal(s->cells[2].kind, REPORT_NUMBER);
    assert_null(s->cells[2].text);
    assert_int_equal(report_sheet_set_note(s, "MNOK, 2024-kroner"), KN_OK);
    assert_int_equal(report_sheet_set_note(s, NULL), KN_OK);
    assert_null(s->note);
    report_book_free(&book);
    assert_int_equal(book.nsheets, 0);
    report_book_free(&book); /* twice is fine */
    report_book_free(NULL);
}

static void test_csv_quoting(void **state)
{
    (void)state;
    report_book book = {0};
    report_sheet *s = sample(&book);
    kn_buf out;
    kn_buf_init(&out, 1 << 16);
    assert_int_equal(report_write_csv(s, &out), KN_OK);
    /* header with a comma is quoted; "" doubles quotes; newline kept inside quotes;
     * numbers use their decimals with '.'; -0.001 at 1 decimal is 0.0, not -0.0 */
    assert_string_equal(out.data, "Post,\"Verdi, MNOK\",Merknad\r\n"
                                  "\"Drift, \"\"vedlikehold\"\"\",-1234.57,\"linje 1\nlinje 2\"\r\n"
                                  "Sum,0.0,\r\n");
    kn_buf small;
    kn_buf_init(&small, 10);
    assert_int_equal(report_write_csv(s, &small), KN_ETOOLARGE);
    kn_buf_release(&small);
    kn_buf_release(&out);
    report_book_free(&book);
}

static void test_json_shape(void **state)
{
    (void)state;
    report_book book = {0};
    report_sheet *s = sample(&book);
    assert_int_equal(report_sheet_set_note(s, "MNOK \"2024\"\tkroner"), KN_OK);
    report_sheet *t = NULL;
    const char *one[] = {"x"};
    assert_int_equal(report_book_add_sheet(&book, "Tom", 1, one, &t), KN_OK);
    size_t row;
    assert_int_equal(report_sheet_add_row(t, &row), KN_OK); /* one empty cell -> null */
    assert_int_equal(report_sheet_add_row(t, &row), KN_OK);
    assert_int_equal(report_set_number(t, row, 0, 0.1, 0), KN_OK);
    kn_buf out;
    kn_buf_init(&out, 1 << 16);
    assert_int_equal(report_write_json(&book, &out), KN_OK);
    json_error_t jerr;
    json_t *doc = json_loads(out.data, 0, &jerr);
    assert_non_null(doc);
    json_t *sheets = json_object_get(doc, "sheets");
    assert_int_equal(json_array_size(sheets), 2);
    json_t *s0 = json_array_get(sheets, 0);
    assert_string_equal(json_string_value(json_object_get(s0, "title")), "Nåverdi");
    assert_string_equal(json_string_value(json_object_get(s0, "note")), "MNOK \"2024\"\tkroner");
    assert_string_equal(json_string_value(json_array_get(json_object_get(s0, "columns"), 1)),
                        "Verdi, MNOK");
    json_t *r0 = json_array_get(json_object_get(s0, "rows"), 0);
    assert_string_equal(json_string_value(json_array_get(r0, 2)), "linje 1\nlinje 2");
    /* numbers unrounded, whatever the display decimals */
    assert_true(json_real_value(json_array_get(r0, 1)) == -1234.5678);
    json_t *s1 = json_array_get(sheets, 1);
    assert_true(json_is_null(json_object_get(s1, "note")));
    json_t *rows1 = json_object_get(s1, "rows");
    assert_true(json_is_null(json_array_get(json_array_get(rows1, 0), 0)));
    assert_true(json_real_value(json_array_get(json_array_get(rows1, 1), 0)) == 0.1);
    assert_non_null(strstr(out.data, "[0.1]")); /* shortest text that reads back exactly */
    json_decref(doc);
    kn_buf_release(&out);
    report_book_free(&book);
}

/* stdout of a shell command, at most size-1 bytes. */
static void run_capture(const char *cmd, char *out, size_t size)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, size - 1, p);
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
}

static void test_xlsx_reads_back(void **state)
{
    (void)state;
    report_book book = {0};
    report_sheet *s = sample(&book);
    assert_int_equal(report_sheet_set_note(s, "MNOK"), KN_OK);
    report_sheet *t = NULL;
    const char *one[] = {"Andre"};
    /* same title again and a forbidden character: still a valid, unique sheet name */
    assert_int_equal(report_book_add_sheet(&book, "Nåverdi", 1, one, &t), KN_OK);
    size_t row;
    assert_int_equal(report_sheet_add_row(t, &row), KN_OK);
    assert_int_equal(report_set_number(t, row, 0, 42, 0), KN_OK);
    char path[512], tmp[600], cmd[1400], text[4096];
    test_temp_path(path, sizeof path, "-report.xlsx");
    kn_err err;
    assert_int_equal(report_write_xlsx(&book, path, &err), KN_OK);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    assert_int_not_equal(access(tmp, F_OK), 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char magic[4] = {0};
    assert_int_equal(fread(magic, 1, 4, f), 4);
    fclose(f);
    assert_memory_equal(magic, "PK\x03\x04", 4);
    snprintf(cmd, sizeof cmd, "xlsx2csv -s 1 '%s'", path);
    run_capture(cmd, text, sizeof text);
    /* header, exact numbers (not the 2-decimal display), the note two rows down */
    assert_non_null(strstr(text, "Post,\"Verdi, MNOK\",Merknad"));
    assert_non_null(strstr(text, "\"Drift, \"\"vedlikehold\"\"\",-1234.5678,"));
    assert_non_null(strstr(text, "\nMNOK"));
    snprintf(cmd, sizeof cmd, "xlsx2csv -s 2 '%s'", path);
    run_capture(cmd, text, sizeof text);
    assert_non_null(strstr(text, "Andre"));
    assert_non_null(strstr(text, "42"));
    unlink(path);
    report_book_free(&book);
}

static void test_xlsx_failure_leaves_nothing(void **state)
{
    (void)state;
    report_book book = {0};
    sample(&book);
    kn_err err;
    const char *path = "/nonexistent-dir-knute/x.xlsx";
    assert_int_equal(report_write_xlsx(&book, path, &err), KN_EIO);
    assert_int_equal(err.status, KN_EIO);
    assert_true(strlen(err.msg) > 0);
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(report_write_xlsx(&book, "", &err), KN_EINVAL);
    report_book_free(&book);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_bounds),
        cmocka_unit_test(test_csv_quoting),
        cmocka_unit_test(test_json_shape),
        cmocka_unit_test(test_xlsx_reads_back),
        cmocka_unit_test(test_xlsx_failure_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
