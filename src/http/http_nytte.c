/* http_nytte.c - the cost-benefit engine over the API:
 *   POST /api/v1/nytte        JSON scenario in; the result as JSON, or
 *                             ?format=csv (one sheet, ?sheet=N|title) or
 *                             ?format=xlsx (the workbook as an attachment)
 *   POST /api/v1/nytte/xlsx   the workbook as an attachment
 * Any signed-in principal may compute: no personal data and no store are
 * involved. The scenario is validated by cba_scenario_parse(); its errors
 * name the field and become 400 problems. Same engine as `knute nytte`.
 */
#include "http_int.h"

#include "../cba/cba.h"
#include "../report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NYTTE_CSV_MAX (16u << 20)
#define NYTTE_XLSX_MAX (64u << 20)
#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* What one request computed; freed by nytte_free. */
typedef struct nytte_run {
    cba_scenario *sc;
    cba_result *res;
    cba_sens_result *sens;
} nytte_run;

static void nytte_free(nytte_run *run)
{
    cba_scenario_free(run->sc);
    free(run->res);
    free(run->sens);
}

static int nytte_compute(const http_req *req, nytte_run *run, kn_err *err)
{
    memset(run, 0, sizeof *run);
    int rc = cba_scenario_parse(req->json, &run->sc, err);
    if (rc != KN_OK)
        return rc;
    run->res = malloc(sizeof *run->res);
    run->sens = calloc(CBA_MAX_SENS, sizeof *run->sens);
    if (!run->res || !run->sens)
        return kn_err_set(err, KN_ENOMEM, "out of memory for the result");
    rc = cba_compute(run->sc, &run->sc->base, run->res, err);
    if (rc == KN_OK)
        rc = cba_sensitivities(run->sc, &run->sc->base, run->res, run->sens, err);
    return rc;
}

static int format_valid(const char *s)
{
    return strcmp(s, "json") == 0 || strcmp(s, "csv") == 0 || strcmp(s, "xlsx") == 0;
}

static const report_sheet *sheet_find(const report_book *book, const char *which)
{
    long index = 0;
    if (!which)
        return book->nsheets ? book->sheets[0] : NULL;
    if (http_parse_query_long("sheet", which, 1, (long)book->nsheets, 0, &index, NULL) == KN_OK)
        return book->sheets[index - 1];
    for (size_t i = 0; i < book->nsheets; i++)
        if (strcmp(book->sheets[i]->title, which) == 0)
            return book->sheets[i];
    return NULL;
}

static int reply_csv(http_req *req, const report_book *book, kn_err *err)
{
    const char *which = http_req_query(req, "sheet");
    const report_sheet *sheet = sheet_find(book, which);
    if (!sheet)
        return kn_err_set(err, KN_EINVAL, "query parameter 'sheet' must be 1..%zu or a sheet title",
                          book->nsheets);
    kn_buf out;
    kn_buf_init(&out, NYTTE_CSV_MAX);
    int rc = report_write_csv(sheet, &out);
    if (rc == KN_OK)
        rc = http_reply_bytes(req, 200, "text/csv; charset=utf-8", out.data ? out.data : "",
                              out.len, err);
    else
        kn_err_set(err, rc, "cannot write the CSV");
    kn_buf_release(&out);
    return rc;
}

/* The whole file at path into a reply body. */
static int reply_file(http_req *req, const char *path, kn_err *err)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || st.st_size > (off_t)NYTTE_XLSX_MAX) {
        if (f)
            fclose(f);
        return kn_err_set(err, KN_EIO, "cannot read the workbook");
    }
    char *data = malloc((size_t)st.st_size + 1);
    size_t n = data ? fread(data, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    int rc = data && n == (size_t)st.st_size ? http_reply_bytes(req, 200, XLSX_TYPE, data, n, err)
                                             : kn_err_set(err, KN_EIO, "cannot read the workbook");
    free(data);
    if (rc == KN_OK)
        rc = http_reply_header(req, "Content-Disposition", "attachment; filename=\"nytte.xlsx\"");
    return rc;
}

/* Write the book to a private temporary folder, send it, remove both. */
static int reply_xlsx(http_req *req, const report_book *book, kn_err *err)
{
    const char *tmp = getenv("TMPDIR");
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/knute-nytte-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return kn_err_set(err, KN_EIO, "cannot create a temporary folder for the workbook");
    snprintf(path, sizeof path, "%s/nytte.xlsx", dir);
    int rc = report_write_xlsx(book, path, err);
    if (rc == KN_OK)
        rc = reply_file(req, path, err);
    unlink(path);
    rmdir(dir);
    return rc;
}

static int reply_book(http_req *req, const nytte_run *run, int xlsx, kn_err *err)
{
    report_book book = {0};
    int rc = cba_report_build(run->sc, &run->sc->base, run->res, run->sens, &book, err);
    if (rc == KN_OK)
        rc = xlsx ? reply_xlsx(req, &book, err) : reply_csv(req, &book, err);
    report_book_free(&book);
    return rc;
}

static int nytte_answer(http_req *req, const char *format, kn_err *err)
{
    nytte_run run;
    int rc = nytte_compute(req, &run, err);
    if (rc == KN_OK && strcmp(format, "json") == 0) {
        json_t *body = cba_result_json(run.sc, &run.sc->base, run.res, run.sens);
        rc = body ? http_reply_json(req, 200, body, err)
                  : kn_err_set(err, KN_ENOMEM, "cannot encode the result");
    } else if (rc == KN_OK) {
        rc = reply_book(req, &run, strcmp(format, "xlsx") == 0, err);
    }
    nytte_free(&run);
    return rc;
}

int http_h_nytte(http_req *req, kn_err *err)
{
    const char *format = NULL;
    int rc = http_query_str(req, "format", format_valid, "json, csv or xlsx", &format, err);
    return rc == KN_OK ? nytte_answer(req, format ? format : "json", err) : rc;
}

int http_h_nytte_xlsx(http_req *req, kn_err *err)
{
    return nytte_answer(req, "xlsx", err);
}
