/* core_config.c - the settings table and the three sources that fill it.
 *
 * Each setting is one row: key, type, field offset, default, limits and a
 * one-line doc. Parsing from knute.conf, KNUTE_* variables and --flags, the
 * help text and docs/config.md all come from this table, so a setting is
 * declared once. Precedence is the call order: defaults, file, env, flags.
 */
#include "core_config.h"

#include "core_util.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

enum setting_type { SET_STR, SET_LONG, SET_BOOL, SET_ENUM };

struct setting {
    const char *key;
    enum setting_type type;
    size_t offset;
    size_t size;           /* SET_STR/SET_ENUM: field size */
    const char *def;
    long min, max;         /* SET_LONG */
    const char *choices;   /* SET_ENUM: "a|b|c" */
    const char *doc;
};

#define STR(k, field, def, doc) {k, SET_STR, offsetof(kn_config, field), sizeof(((kn_config *)0)->field), def, 0, 0, NULL, doc}
#define NUM(k, field, def, lo, hi, doc) {k, SET_LONG, offsetof(kn_config, field), 0, def, lo, hi, NULL, doc}
#define BOOL(k, field, def, doc) {k, SET_BOOL, offsetof(kn_config, field), 0, def, 0, 1, NULL, doc}
#define ENUM(k, field, def, choices, doc) {k, SET_ENUM, offsetof(kn_config, field), sizeof(((kn_config *)0)->field), def, 0, 0, choices, doc}

static const struct setting settings[] = {
    STR("listen", listen, "127.0.0.1", "Address the HTTP server binds to."),
    NUM("port", port, "8080", 0, 65535, "TCP port of the HTTP server (0 = any free port)."),
    NUM("threads", threads, "16", 1, 256, "HTTP worker threads (libmicrohttpd thread pool). Durable writes do not hold a thread while they are committed (the connection is suspended); synchronous work such as password hashing at log-in does (see bench/README.md)."),
    NUM("max_body_bytes", max_body_bytes, "1048576", 1024, 64L * 1024 * 1024, "Largest request body accepted; larger bodies get 413."),
    NUM("shutdown_grace_s", shutdown_grace_s, "10", 0, 600, "Seconds to let in-flight requests finish after SIGTERM."),
    STR("web_root", web_root, "web", "Folder with the static web UI."),
    STR("tls_cert", tls_cert, "", "PEM certificate; with tls_key turns on HTTPS (and Secure cookies)."),
    STR("tls_key", tls_key, "", "PEM private key for tls_cert."),
    STR("public_url", public_url, "", "Address users open in the browser (printed at start); default from listen/port."),
    STR("database", database, "knute.db", "SQLite database file (or sqlite:PATH)."),
    NUM("group_commit_max_batch", group_commit_max_batch, "1000", 1, 100000, "Most writes committed together in one transaction."),
    NUM("read_connections", read_connections, "8", 1, 64, "Pooled read-only database connections."),
    STR("log_file", log_file, "-", "Where JSON-lines logs go; - is standard error. knute serve reopens it on SIGHUP (logrotate)."),
    ENUM("log_level", log_level, "info", "debug|info|warn|error|off", "Least severe level logged."),
    BOOL("access_log", access_log, "true", "Log one line per HTTP request."),
    STR("jwks_file", jwks_file, "", "JWKS file with the public keys of the token issuer (empty: JWT off)."),
    STR("jwt_issuer", jwt_issuer, "", "Required iss claim of bearer tokens."),
    STR("jwt_audience", jwt_audience, "", "Required aud claim of bearer tokens."),
    NUM("jwt_leeway_s", jwt_leeway_s, "30", 0, 300, "Clock skew allowed when checking exp and nbf."),
    NUM("session_ttl_s", session_ttl_s, "28800", 60, 7L * 24 * 3600, "Lifetime of a web session."),
    NUM("lockout_threshold", lockout_threshold, "5", 1, 100, "Failed logins in a row before the account is locked."),
    NUM("lockout_s", lockout_s, "900", 1, 86400, "How long a locked account stays locked."),
    NUM("auth_cache_s", auth_cache_s, "5", 0, 300, "Seconds a proven API key, token or session is remembered; disabling a user or client takes effect within this time (0 = no cache)."),
    BOOL("hub_delivery", hub_delivery, "true", "Run the hub's delivery engine (routing and push to EPJ destinations) in knute serve."),
    NUM("hub_poll_ms", hub_poll_ms, "200", 10, 60000, "Idle interval of the delivery engine: how often it looks for due retries when nothing wakes it."),
    NUM("hub_alert_after_s", hub_alert_after_s, "300", 1, 86400, "A destination failing this long without a success raises the hub.destination_down alert (log line and metric)."),
    NUM("hub_breaker_failures", hub_breaker_failures, "5", 1, 1000, "Consecutive failed deliveries that open a destination's circuit breaker."),
    NUM("hub_breaker_open_ms", hub_breaker_open_ms, "10000", 100, 3600000, "How long an open circuit breaker waits before one probe delivery (half-open)."),
    NUM("hub_timeout_ms", hub_timeout_ms, "30000", 100, 600000, "Timeout of one delivery request to an EPJ (connecting takes at most 5 s of it)."),
    NUM("resp_renotify_s", resp_renotify_s, "60", 10, 86400, "Response service: an alarm nobody has claimed, or claimed but not acknowledged, is re-notified this often (seconds)."),
    NUM("resp_forgotten_s", resp_forgotten_s, "900", 60, 86400, "Response service: an acknowledged alarm or call-out without progress this long is re-notified (claimed but forgotten)."),
    NUM("resp_default_step_timeout_s", resp_default_step_timeout_s, "60", 10, 3600, "Response service: seconds before escalation to the next routing step when no routing rule gives a timeout."),
    NUM("resp_supervise_safety_alarm_s", resp_supervise_safety_alarm_s, "43200", 0, 7L * 86400, "Heartbeat interval of safety alarms (trygghetsalarmer): silent longer raises \"ingen kontakt\" (0 = not supervised)."),
    NUM("resp_supervise_medication_dispenser_s", resp_supervise_medication_dispenser_s, "3600", 0, 7L * 86400, "Heartbeat interval of medication dispensers (0 = not supervised)."),
    NUM("resp_supervise_gps_tracker_s", resp_supervise_gps_tracker_s, "3600", 0, 7L * 86400, "Heartbeat interval of GPS trackers (0 = not supervised)."),
    NUM("resp_supervise_camera_s", resp_supervise_camera_s, "3600", 0, 7L * 86400, "Heartbeat interval of supervision cameras (digitalt tilsyn) (0 = not supervised)."),
    NUM("resp_supervise_vitals_kit_s", resp_supervise_vitals_kit_s, "86400", 0, 7L * 86400, "Heartbeat interval of vitals kits (digital home follow-up) (0 = not supervised)."),
    NUM("resp_flood_max", resp_flood_max, "5", 1, 10000, "Alarms one device may raise within resp_flood_window_s; further ones are merged into its newest open alarm that is at least as urgent (a more urgent one keeps its own line)."),
    NUM("resp_flood_window_s", resp_flood_window_s, "60", 1, 86400, "Window of the flood limit resp_flood_max (seconds)."),
    STR("resp_centre_herid", resp_centre_herid, "", "HER-id of the response centre: sender and author of the Compositions journaled to the EPJ (empty: the municipality's organisation number)."),
    NUM("resp_bus_ring", resp_bus_ring, "16384", 256, 1048576, "Alarm events kept in memory for consoles that reconnect; one that missed more reloads its queue."),
    ENUM("environment", environment, "test", "production|test", "production rejects synthetic person numbers; test rejects real ones."),
};

#define NSETTINGS (sizeof settings / sizeof settings[0])

static const struct setting *setting_find(const char *key)
{
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strcmp(settings[i].key, key) == 0)
            return &settings[i];
    return NULL;
}

int kn_config_known(const char *key)
{
    return setting_find(key) != NULL;
}

static int choice_ok(const char *choices, const char *value)
{
    size_t n = strlen(value);
    for (const char *p = choices; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, value, n) == 0)
            return 1;
        p = bar ? bar + 1 : NULL;
    }
    return 0;
}

static int parse_bool(const char *value, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(value, yes[i]) == 0)
            return *out = 1, KN_OK;
        if (strcmp(value, no[i]) == 0)
            return *out = 0, KN_OK;
    }
    return KN_EINVAL;
}

static int setting_apply(kn_config *cfg, const struct setting *s, const char *value,
                         const char *origin, kn_err *err)
{
    char *field = (char *)cfg + s->offset;
    long num;
    switch (s->type) {
    case SET_STR:
        if (kn_strcpy(field, s->size, value) != KN_OK)
            return kn_err_set(err, KN_ECONFIG, "%s: setting '%s' is longer than %zu characters",
                              origin, s->key, s->size - 1);
        return KN_OK;
    case SET_ENUM:
        if (!choice_ok(s->choices, value))
            return kn_err_set(err, KN_ECONFIG, "%s: setting '%s' must be one of %s, not '%s'",
                              origin, s->key, s->choices, value);
        return kn_strcpy(field, s->size, value);
    case SET_LONG:
        if (kn_parse_long(value, s->min, s->max, &num) != KN_OK)
            return kn_err_set(err, KN_ECONFIG, "%s: setting '%s' must be a whole number in %ld..%ld, not '%s'",
                              origin, s->key, s->min, s->max, value);
        *(long *)(void *)field = num;
        return KN_OK;
    case SET_BOOL:
        if (parse_bool(value, (int *)(void *)field) != KN_OK)
            return kn_err_set(err, KN_ECONFIG, "%s: setting '%s' must be true or false, not '%s'",
                              origin, s->key, value);
        return KN_OK;
    }
    return KN_EINTERNAL;
}

void kn_config_defaults(kn_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NSETTINGS; i++)
        setting_apply(cfg, &settings[i], settings[i].def, "default", NULL);
}

int kn_config_set(kn_config *cfg, const char *key, const char *value, const char *origin,
                  kn_err *err)
{
    const struct setting *s = setting_find(key);
    if (!s)
        return kn_err_set(err, KN_ECONFIG, "%s: unknown setting '%s'", origin, key);
    return setting_apply(cfg, s, value, origin, err);
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Strip one pair of matching double quotes around a value. */
static char *unquote(char *v)
{
    size_t n = strlen(v);
    if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
        v[n - 1] = '\0';
        return v + 1;
    }
    return v;
}

static int config_line(kn_config *cfg, char *line, const char *path, int lineno, kn_err *err)
{
    char origin[KN_CONFIG_STR + 16];
    snprintf(origin, sizeof origin, "%s:%d", path, lineno);
    char *text = trim(line);
    if (*text == '\0' || *text == '#')
        return KN_OK;
    char *eq = strchr(text, '=');
    if (!eq)
        return kn_err_set(err, KN_ECONFIG, "%s: expected 'key = value', got '%.60s'", origin, text);
    *eq = '\0';
    return kn_config_set(cfg, trim(text), unquote(trim(eq + 1)), origin, err);
}

int kn_config_load_file(kn_config *cfg, const char *path, int required, kn_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!required && errno == ENOENT)
            return KN_OK;
        return kn_err_set(err, KN_ECONFIG, "cannot read config file %s: %s", path, strerror(errno));
    }
    kn_strcpy(cfg->config_file, sizeof cfg->config_file, path);
    char line[1024];
    int lineno = 0, rc = KN_OK;
    while (rc == KN_OK && fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f))
            rc = kn_err_set(err, KN_ECONFIG, "%s:%d: line too long", path, lineno);
        else
            rc = config_line(cfg, line, path, lineno, err);
    }
    fclose(f);
    return rc;
}

/* KNUTE_LOG_LEVEL -> "log_level". Returns 0 if the name is not KNUTE_*. */
static int env_key(const char *name, size_t name_len, char *key, size_t size)
{
    static const char prefix[] = "KNUTE_";
    if (name_len <= sizeof prefix - 1 || strncmp(name, prefix, sizeof prefix - 1) != 0)
        return 0;
    size_t n = name_len - (sizeof prefix - 1);
    if (n >= size)
        n = size - 1;
    for (size_t i = 0; i < n; i++)
        key[i] = (char)tolower((unsigned char)name[sizeof prefix - 1 + i]);
    key[n] = '\0';
    return 1;
}

/* Variables that are KNUTE_* but not settings (used by tests and scripts). */
static int env_ignored(const char *key)
{
    return strcmp(key, "config") == 0 || strncmp(key, "test_", 5) == 0 ||
           strcmp(key, "source_dir") == 0 || strcmp(key, "url") == 0 ||
           strcmp(key, "user") == 0 || strcmp(key, "password") == 0;
}

int kn_config_load_env(kn_config *cfg, char *const *envp, kn_err *err)
{
    for (; envp && *envp; envp++) {
        const char *eq = strchr(*envp, '=');
        char key[64];
        if (!eq || !env_key(*envp, (size_t)(eq - *envp), key, sizeof key) || env_ignored(key))
            continue;
        char origin[80];
        snprintf(origin, sizeof origin, "environment KNUTE_%.*s", (int)(eq - *envp - 6), *envp + 6);
        int rc = kn_config_set(cfg, key, eq + 1, origin, err);
        if (rc != KN_OK)
            return rc;
    }
    return KN_OK;
}

int kn_config_validate(const kn_config *cfg, kn_err *err)
{
    if (cfg->jwks_file[0] && (!cfg->jwt_issuer[0] || !cfg->jwt_audience[0]))
        return kn_err_set(err, KN_ECONFIG, "setting 'jwks_file' needs 'jwt_issuer' and 'jwt_audience'");
    if (!cfg->tls_cert[0] != !cfg->tls_key[0])
        return kn_err_set(err, KN_ECONFIG, "setting '%s' needs '%s' too",
                          cfg->tls_cert[0] ? "tls_cert" : "tls_key", cfg->tls_cert[0] ? "tls_key" : "tls_cert");
    if (!cfg->database[0])
        return kn_err_set(err, KN_ECONFIG, "setting 'database' must not be empty");
    return KN_OK;
}

static void setting_text(const kn_config *cfg, const struct setting *s, char *out, size_t size)
{
    const char *field = (const char *)cfg + s->offset;
    if (s->type == SET_LONG)
        snprintf(out, size, "%ld", *(const long *)(const void *)field);
    else if (s->type == SET_BOOL)
        snprintf(out, size, "%s", *(const int *)(const void *)field ? "true" : "false");
    else
        snprintf(out, size, "%s", field);
}

void kn_config_each(const kn_config *cfg, kn_config_visit_fn fn, void *arg)
{
    for (size_t i = 0; i < NSETTINGS; i++) {
        char value[KN_CONFIG_STR];
        setting_text(cfg, &settings[i], value, sizeof value);
        fn(settings[i].key, value, settings[i].doc, arg);
    }
}
