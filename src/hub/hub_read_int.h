/* hub_read_int.h - private to the hub's read interfaces (hub_read*.c): the
 * parsed search and the searchset Bundle page being built.
 */
#ifndef KN_HUB_READ_INT_H
#define KN_HUB_READ_INT_H

#include "hub_read.h"

#define HUB_READ_VALUE_MAX 128 /* longest search parameter value */

/* A parsed search: the store query of its kind, the page size and the
 * parameters to repeat in the next link. Strings point into `text` or the
 * request. */
typedef struct hub_search_q {
    size_t count;
    store_hubread_query index;           /* Composition, Observation, ... */
    store_hubread_patient_query patient; /* Patient */
    char text[6][HUB_READ_VALUE_MAX];    /* split values (system|code, dates, cursor) */
    size_t ntext;
    char nin[12];                        /* patient=Patient/{id} resolved */
} hub_search_q;

/* The page being built: entries as JSON text (comma-separated). */
typedef struct hub_page {
    const hub_read_req *req;
    kn_buf entries;
    size_t n;
    int more;
    char next_token[STORE_HUBREAD_ID_LEN];
} hub_page;

/* Access by register (clients) or municipal role (users); receiver must be a
 * municipality (else KN_ENOTFOUND). */
int hub_read_allowed(hub_ctx *hub, const auth_principal *who, const char *receiver,
                     const char *type, kn_err *err);
int hub_read_audit(hub_ctx *hub, const auth_principal *who, const char *action,
                   const char *receiver, const char *type, const char *id, const char *request_id,
                   kn_err *err);

/* Parse req->params for req->type into s. KN_EINVAL naming the parameter. */
int hub_search_parse(hub_ctx *hub, const hub_read_req *req, hub_search_q *s, kn_err *err);

void hub_page_init(hub_page *page, const hub_read_req *req);
void hub_page_release(hub_page *page);
/* Open an entry (fullUrl, then "resource":); the resource JSON follows. */
int hub_page_entry_begin(hub_page *page, const char *type, const char *id);
int hub_page_entry_end(hub_page *page);
/* The searchset Bundle with self and next links into out. */
int hub_page_bundle(const hub_page *page, const hub_search_q *s, kn_buf *out);

#endif
