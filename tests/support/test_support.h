/* test_support.h - helpers shared by the unit tests and tests/tools: temporary
 * paths and files, SQLite database files, and a freshly migrated store. Linked
 * into every tests/unit and tests/tools executable; no cmocka here, so callers
 * assert on the results. */
#ifndef KN_TEST_SUPPORT_H
#define KN_TEST_SUPPORT_H

#include "auth/auth.h"
#include "store/store.h"

#include <stddef.h>

/* A unique path under $KNUTE_TEST_TMP (or /tmp) ending in `suffix`; the
 * directory (and its parents) is created. A file of that name from an earlier
 * run is removed. */
void test_temp_path(char *out, size_t size, const char *suffix);

/* test_temp_path() for a database "...-<name>.db", with any SQLite side files
 * of that name removed too. */
void test_db_path(char *out, size_t size, const char *name);

/* Remove a database file and everything SQLite keeps beside it (-wal, -shm,
 * -journal, and the backup's .tmp). */
void test_db_remove(const char *path);

/* Write text to path, replacing the file. 0, or -1 on failure. */
int test_write_file(const char *path, const char *text);

/* Open a new, migrated store in a unique temp file; path_out (may be NULL)
 * receives its path. Returns KN_OK or the store's error. */
int test_store_new(store **out, char *path_out, size_t path_size);

/* Close the store and delete its files (test_db_remove). */
void test_store_destroy(store *st, const char *path);

/* The file at $KNUTE_SOURCE_DIR/rel (the source tree; "." when unset) as a
 * malloc'd, NUL-terminated buffer the caller frees; *len (may be NULL) gets
 * its size. NULL when it cannot be read. */
char *test_read_source(const char *rel, size_t *len);

/* How many audit events (up to 1000) match actor and action (NULL: any);
 * (size_t)-1 when the store fails. */
size_t test_audit_count(store *st, const char *actor, const char *action);

/* A principal of `kind` (AUTH_PRINCIPAL_USER/CLIENT) with `id` and no grants. */
auth_principal test_principal(int kind, const char *id);

/* Add a grant of `roles` at `orgnr` to p (at most STORE_MAX_GRANTS). */
void test_grant(auth_principal *p, const char *orgnr, uint32_t roles);

#endif
