/* test_support.c - temp paths and throwaway stores for unit tests. */
#include "test_support.h"

#include "core/core_util.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

void test_temp_path(char *out, size_t size, const char *suffix)
{
    static atomic_int counter;
    const char *dir = getenv("KNUTE_TEST_TMP");
    if (!dir || !*dir)
        dir = "/tmp";
    mkdir(dir, 0755);
    snprintf(out, size, "%s/t-%d-%d%s", dir, (int)getpid(), atomic_fetch_add(&counter, 1), suffix);
    unlink(out);
}

int test_store_new(store **out, char *path_out, size_t path_size)
{
    char path[512];
    kn_util_init();
    test_temp_path(path, sizeof path, ".db");
    store_options opts = {path, 1000, 4};
    int rc = store_open(&opts, out, NULL);
    int applied = 0;
    if (rc == KN_OK)
        rc = (*out)->ops->migrate(*out, &applied, NULL);
    if (path_out)
        snprintf(path_out, path_size, "%s", path);
    return rc;
}

void test_store_destroy(store *st, const char *path)
{
    store_close(st);
    if (!path)
        return;
    char extra[600];
    unlink(path);
    snprintf(extra, sizeof extra, "%s-wal", path);
    unlink(extra);
    snprintf(extra, sizeof extra, "%s-shm", path);
    unlink(extra);
}
