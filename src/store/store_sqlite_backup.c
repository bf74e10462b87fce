/* store_sqlite_backup.c - online, consistent backup with the sqlite3_backup API.
 *
 * The copy is taken from a pooled reader in a single backup step, i.e. from one
 * WAL snapshot, while writers carry on. It is written to PATH.tmp, switched to
 * a self-contained rollback-journal file, fsync'd, renamed over PATH and the
 * directory fsync'd: PATH is always either the old backup or the complete new
 * one, never a partial file.
 */
#include "store_sqlite_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int copy_into(sq_conn *src, sqlite3 *dst)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src->db, "main");
    if (!b)
        return sqlite3_errcode(dst);
    int rc = sqlite3_backup_step(b, -1);
    int fin = sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
        return rc;
    if (fin != SQLITE_OK)
        return fin;
    return sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
}

static int backup_fn(sq_conn *c, void *arg, kn_err *err)
{
    const char *tmp = arg;
    sqlite3 *dst = NULL;
    int rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK)
        rc = copy_into(c, dst);
    int status = KN_OK;
    if (rc != SQLITE_OK)
        status = kn_err_set(err, KN_EIO, "store: backup failed: %s",
                            dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
    if (sqlite3_close(dst) != SQLITE_OK && status == KN_OK)
        status = kn_err_set(err, KN_EIO, "store: backup: cannot close copy");
    return status;
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static void dir_of(const char *path, char *out, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, size, ".");
    else if (slash == path)
        snprintf(out, size, "/");
    else
        snprintf(out, size, "%.*s", (int)(slash - path), path);
}

/* A stale -wal or hot -journal next to the new file would be replayed into
 * it on open, so they go before the file takes the name. */
static void remove_side_files(const char *path)
{
    static const char *const sides[] = {"-wal", "-shm", "-journal"};
    char side[PATH_MAX];
    for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
        snprintf(side, sizeof side, "%s%s", path, sides[i]);
        unlink(side);
    }
}

static int publish(const char *tmp, const char *path, kn_err *err)
{
    char dir[PATH_MAX];
    dir_of(path, dir, sizeof dir);
    if (fsync_path(tmp, O_RDWR) != 0)
        return kn_err_set(err, KN_EIO, "store: backup: fsync: %s", strerror(errno));
    remove_side_files(path);
    if (rename(tmp, path) != 0)
        return kn_err_set(err, KN_EIO, "store: backup: rename: %s", strerror(errno));
    if (fsync_path(dir, O_RDONLY | O_DIRECTORY) != 0)
        return kn_err_set(err, KN_EIO, "store: backup: fsync directory: %s", strerror(errno));
    return KN_OK;
}

int sq_backup(store *st, const char *path, kn_err *err)
{
    char tmp[PATH_MAX];
    if (!path || !*path || strlen(path) + sizeof ".tmp-journal" > sizeof tmp)
        return kn_err_set(err, KN_EINVAL, "store: bad backup path");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (unlink(tmp) != 0 && errno != ENOENT)
        return kn_err_set(err, KN_EIO, "store: backup: cannot remove %s: %s", tmp, strerror(errno));
    remove_side_files(tmp);
    int status = sq_read(SQ(st), backup_fn, tmp, 0, err);
    if (status == KN_OK)
        status = publish(tmp, path, err);
    if (status != KN_OK)
        unlink(tmp);
    return status;
}
