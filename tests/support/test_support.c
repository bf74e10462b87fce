/* test_support.c - temp paths, files, database files and throwaway stores for
 * the unit tests and test tools (test_support.h). */
#include "test_support.h"

#include "core/core_util.h"

#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p */
static void make_dirs(const char *dir)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    }
    mkdir(buf, 0755);
}

void test_temp_path(char *out, size_t size, const char *suffix)
{
    static atomic_int counter;
    const char *dir = getenv("KNUTE_TEST_TMP");
    if (!dir || !*dir)
        dir = "/tmp";
    make_dirs(dir);
    snprintf(out, size, "%s/t-%d-%d%s", dir, (int)getpid(), atomic_fetch_add(&counter, 1), suffix);
    unlink(out);
}

void test_db_path(char *out, size_t size, const char *name)
{
    char suffix[128];
    snprintf(suffix, sizeof suffix, "-%s.db", name);
    test_temp_path(out, size, suffix);
    test_db_remove(out);
}

void test_db_remove(const char *path)
{
    char side[PATH_MAX];
    const char *suffix[] = {"", "-wal", "-shm", "-journal", ".tmp"};
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(side, sizeof side, "%s%s", path, suffix[i]);
        unlink(side);
    }
}

int test_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

int test_store_new(store **out, char *path_out, size_t path_size)
{
    char path[512];
    kn_util_init();
    test_db_path(path, sizeof path, "store");
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
    if (path)
        test_db_remove(path);
}

char *test_read_source(const char *rel, size_t *len)
{
    const char *src = getenv("KNUTE_SOURCE_DIR");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", src ? src : ".", rel);
    kn_buf buf;
    kn_buf_init(&buf, 1u << 24);
    if (kn_file_read(path, &buf, NULL) != KN_OK) {
        kn_buf_release(&buf);
        return NULL;
    }
    return kn_buf_detach(&buf, len);
}

size_t test_audit_count(store *st, const char *actor, const char *action)
{
    store_audit *list = NULL;
    size_t n = 0;
    store_audit_filter filter = {NULL, actor, action, 0, 1000};
    if (st->ops->audit_list(st, &filter, &list, &n, NULL) != KN_OK)
        return (size_t)-1;
    free(list);
    return n;
}

auth_principal test_principal(int kind, const char *id)
{
    auth_principal p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    kn_strcpy(p.id, sizeof p.id, id);
    return p;
}

void test_grant(auth_principal *p, const char *orgnr, uint32_t roles)
{
    if (p->ngrants >= STORE_MAX_GRANTS)
        return;
    kn_strcpy(p->grants[p->ngrants].orgnr, sizeof p->grants[p->ngrants].orgnr, orgnr);
    p->grants[p->ngrants++].roles = roles;
}
