/* core_log.h - structured JSON-lines logging.
 *
 * One line per event: {"ts":"2026-11-22T08:00:00.123Z","level":"info",
 * "event":"http.request", ...fields}. Fields are given in jansson's json_pack
 * notation for object members, e.g.
 *     kn_log(KN_LOG_INFO, "store.open", "{s:s, s:i}", "path", path, "version", v);
 * Rule: never pass personal data (names, national ids) or secrets (passwords,
 * tokens, keys, cookies) as fields. Ids of records and users are fine.
 * Thread-safe: each line is formatted in memory and written with one write(2).
 */
#ifndef KN_CORE_LOG_H
#define KN_CORE_LOG_H

#include "core_err.h"

enum kn_log_level { KN_LOG_DEBUG = 0, KN_LOG_INFO, KN_LOG_WARN, KN_LOG_ERROR, KN_LOG_OFF };

/* Parse "debug|info|warn|error|off". Returns KN_OK or KN_EINVAL. */
int kn_log_level_parse(const char *name, int *level_out);

/* Send logs to `path` (appended, created 0640) or to stderr when path is NULL,
 * empty or "-". Lines below min_level are dropped. Call before threads start.
 * Returns KN_OK or KN_EIO (err filled). */
int kn_log_open(const char *path, int min_level, kn_err *err);

/* Reopen the log file by its path (after logrotate moved it): the new file
 * takes over the same descriptor with dup2, so threads logging meanwhile never
 * see a closed descriptor. No-op when logging to stderr. Thread-safe. */
int kn_log_reopen(kn_err *err);

/* Close a log file opened by kn_log_open; logging goes back to stderr. */
void kn_log_close(void);

/* True when a line at `level` would be written (to skip building costly fields). */
int kn_log_enabled(int level);

/* Write one event. `fields` is a json_pack object format or NULL for none. */
void kn_log(int level, const char *event, const char *fields, ...);

#endif
