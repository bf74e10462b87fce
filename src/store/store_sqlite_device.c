/* store_sqlite_device.c - welfare-technology devices (alarms, dispensers, ...).
 *
 * A device belongs to a municipality and is either in stock (citizen_id empty,
 * stored as NULL) or assigned to a citizen (foreign key: the citizen must exist,
 * else KN_EINVAL). Listed per municipality (NULL = all) in insertion order
 * (rowid; ids made in the same millisecond do not sort by creation).
 */
#include "store_sqlite_int.h"

#include "../core/core_util.h"

#include <string.h>

#define DEVICE_COLS "id, municipality, citizen_id, type, serial, supplier_orgnr, created_at"

static const char SQL_INSERT[] =
    "INSERT INTO devices(" DEVICE_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_LIST[] =
    "SELECT " DEVICE_COLS " FROM devices WHERE municipality = ?1 ORDER BY rowid LIMIT ?2";
static const char SQL_LIST_ALL[] =
    "SELECT " DEVICE_COLS " FROM devices WHERE ?1 IS NULL ORDER BY rowid LIMIT ?2";

/* clang-format off */
static const sq_field device_fields[] = {
    SQ_F(store_device, id, SQ_TEXT, SQ_REQ),
    SQ_F(store_device, municipality, SQ_TEXT, SQ_REQ),
    SQ_F(store_device, citizen_id, SQ_TEXT, SQ_NULL),
    SQ_F(store_device, type, SQ_TEXT, SQ_REQ),
    SQ_F(store_device, serial, SQ_TEXT, SQ_REQ),
    SQ_F(store_device, supplier_orgnr, SQ_TEXT, 0),
    SQ_F(store_device, created_at, SQ_I64, 0),
};
/* clang-format on */
const sq_table sq_device_table = SQ_TABLE("device", store_device, device_fields);

int sq_device_create(store *st, store_device *device, kn_err *err)
{
    if (!device)
        return kn_err_set(err, KN_EINVAL, "device: missing");
    store_device rec = *device;
    kn_id_new(rec.id);
    rec.created_at = kn_now_s();
    int status = sq_check(&sq_device_table, &rec, err);
    if (status == KN_OK)
        status = sq_write_insert(SQ(st), SQL_INSERT, &sq_device_table, &rec, err);
    if (status == KN_OK) {
        memcpy(device->id, rec.id, sizeof device->id);
        device->created_at = rec.created_at;
    }
    return status;
}

int sq_device_list(store *st, const char *municipality, store_device **list, size_t *n, kn_err *err)
{
    if (!list || !n)
        return kn_err_set(err, KN_EINVAL, "device: no output");
    if (municipality) {
        int status = sq_check_key(municipality, STORE_ORGNR_LEN, "device municipality", err);
        if (status != KN_OK)
            return status;
    }
    sq_arg args[] = {SQ_TXT(municipality), SQ_NUM(SQ_LIST_MAX)};
    return sq_read_list(SQ(st), municipality ? SQL_LIST : SQL_LIST_ALL, args, 2, &sq_device_table,
                        SQ_LIST_MAX, (void **)list, n, err);
}
