/* test_support.h - helpers shared by the unit tests: temporary paths and a
 * freshly migrated SQLite store. Linked into every tests/unit executable. */
#ifndef KN_TEST_SUPPORT_H
#define KN_TEST_SUPPORT_H

#include "store/store.h"

#include <stddef.h>

/* A unique path under $KNUTE_TEST_TMP (or /tmp) ending in `suffix`; the
 * directory is created. Files from earlier runs with the same name are removed. */
void test_temp_path(char *out, size_t size, const char *suffix);

/* Open a new, migrated store in a unique temp file; path_out (may be NULL)
 * receives its path. Returns KN_OK or the store's error. */
int test_store_new(store **out, char *path_out, size_t path_size);

/* Close the store and delete its files (db, -wal, -shm). */
void test_store_destroy(store *st, const char *path);

#endif
