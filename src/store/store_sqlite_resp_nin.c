/* store_sqlite_resp_nin.c - st->ops->resp->citizen_find_nin: the citizen of
 * a municipality by person number, for the response service's hub intake
 * (a DetectedIssue names its patient by person number only). The unique
 * index on citizens(municipality, nin) answers it; the record itself is read
 * by sq_citizen_get, so the citizen's columns are listed in one place.
 */
#include "store_sqlite_int.h"

#include <string.h>

static const char SQL_FIND[] = "SELECT id FROM citizens WHERE municipality = ?1 AND nin = ?2";

typedef struct id_row {
    char id[STORE_ID_LEN];
} id_row;
static const sq_field id_fields[] = {SQ_F(id_row, id, SQ_TEXT, SQ_REQ)};
static const sq_table id_table = SQ_TABLE("citizen by nin", id_row, id_fields);

int sq_resp_citizen_find_nin(store *st, const char *municipality, const char *nin,
                             store_citizen *out, kn_err *err)
{
    if (!out)
        return kn_err_set(err, KN_EINVAL, "citizen by nin: no output");
    int status = sq_check_key(municipality, STORE_ORGNR_LEN, "citizen municipality", err);
    if (status == KN_OK)
        status = sq_check_key(nin, sizeof out->nin, "citizen nin", err);
    if (status != KN_OK)
        return status;
    sq_arg args[] = {SQ_TXT(municipality), SQ_TXT(nin)};
    id_row row;
    status = sq_read_get(SQ(st), SQL_FIND, args, 2, &id_table, &row, err);
    return status == KN_OK ? sq_citizen_get(st, row.id, out, err) : status;
}
