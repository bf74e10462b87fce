/* core_status.c - lookups over the status list in core_status.h. */
#include "core_status.h"

#include <stddef.h>

struct status_row {
    int value;
    int http;
    const char *code;
};

static const struct status_row status_rows[] = {
#define KN_STATUS_ROW(name, value, http, code) {value, http, code},
    KN_STATUS_LIST(KN_STATUS_ROW)
#undef KN_STATUS_ROW
};

static const struct status_row *status_find(int status)
{
    for (size_t i = 0; i < sizeof status_rows / sizeof status_rows[0]; i++)
        if (status_rows[i].value == status)
            return &status_rows[i];
    return NULL;
}

const char *kn_status_code(int status)
{
    const struct status_row *row = status_find(status);
    return row ? row->code : "internal";
}

int kn_status_http(int status)
{
    const struct status_row *row = status_find(status);
    return row ? row->http : 500;
}
