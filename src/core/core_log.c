/* core_log.c - JSON-lines logger (see core_log.h). */
#include "core_log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static int log_fd = STDERR_FILENO;
static int log_min_level = KN_LOG_INFO;
static char log_path[4096];      /* the file kn_log_open opened; empty for stderr */

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

int kn_log_level_parse(const char *name, int *level_out)
{
    for (int i = KN_LOG_DEBUG; i <= KN_LOG_OFF; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *level_out = i;
            return KN_OK;
        }
    }
    return KN_EINVAL;
}

int kn_log_open(const char *path, int min_level, kn_err *err)
{
    log_min_level = min_level;
    if (!path || !*path || strcmp(path, "-") == 0)
        return KN_OK;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return kn_err_set(err, KN_EIO, "cannot open log file %s: %s", path, strerror(errno));
    kn_log_close();
    log_fd = fd;
    snprintf(log_path, sizeof log_path, "%s", path);
    return KN_OK;
}

int kn_log_reopen(kn_err *err)
{
    if (log_fd == STDERR_FILENO || !log_path[0])
        return KN_OK;
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return kn_err_set(err, KN_EIO, "cannot reopen log file %s: %s", log_path, strerror(errno));
    int rc = dup2(fd, log_fd) < 0 ? KN_EIO : KN_OK;
    close(fd);
    return rc == KN_OK ? KN_OK : kn_err_set(err, KN_EIO, "cannot reopen log file: %s", strerror(errno));
}

void kn_log_close(void)
{
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = STDERR_FILENO;
    log_path[0] = '\0';
}

int kn_log_enabled(int level)
{
    return level >= log_min_level && level < KN_LOG_OFF;
}

static void log_timestamp(char *out, size_t size)
{
    struct timeval tv;
    struct tm tm;
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, size - n, ".%03dZ", (int)(tv.tv_usec / 1000));
}

static void log_write(const char *line, size_t len)
{
    while (len > 0) {
        ssize_t n = write(log_fd, line, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        line += n;
        len -= (size_t)n;
    }
}

void kn_log(int level, const char *event, const char *fields, ...)
{
    if (!kn_log_enabled(level))
        return;
    json_t *obj = NULL;
    if (fields) {
        va_list ap;
        va_start(ap, fields);
        obj = json_vpack_ex(NULL, 0, fields, ap);
        va_end(ap);
    }
    json_t *line = json_object();
    char ts[40];
    log_timestamp(ts, sizeof ts);
    json_object_set_new(line, "ts", json_string(ts));
    json_object_set_new(line, "level", json_string(level_names[level]));
    json_object_set_new(line, "event", json_string(event));
    if (obj)
        json_object_update_missing(line, obj);
    else if (fields)
        json_object_set_new(line, "log_error", json_string("bad field format"));
    char *text = json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(10));
    if (text) {
        size_t len = strlen(text);
        char stackline[4096];
        if (len + 1 < sizeof stackline) {
            memcpy(stackline, text, len);
            stackline[len] = '\n';
            log_write(stackline, len + 1);
        } else {
            log_write(text, len);
            log_write("\n", 1);
        }
        free(text);
    }
    json_decref(obj);
    json_decref(line);
}
