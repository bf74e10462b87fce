/* auth.h - identity and access: who is calling, and may they do this?
 *
 * Three ways in: a browser session (cookie + CSRF token, after password login),
 * a bearer JWT from a configured issuer (machine clients, HelseID style), and a
 * static API key (local set-ups; stored only as a SHA-256 hash). Each yields an
 * auth_principal. Every authorisation decision goes through auth_require(), the
 * single place where roles, municipality scope and token scopes are checked.
 *
 * Domain logic only: no HTTP here. http_* handlers extract the cookie/header and
 * call these functions; the CLI calls auth_user_add()/auth_client_add_*().
 * Thread-safety: an auth_ctx is immutable after auth_ctx_new() and may be
 * shared by all threads.
 */
#ifndef KN_AUTH_H
#define KN_AUTH_H

#include "../core/core_err.h"
#include "../store/store.h"

#include <stdint.h>

/* Roles as bits, so a grant holds several. Names are the CLI/API spelling. */
#define AUTH_ROLE_LIST(X)                         \
    X(OPERATOR,    0, "operator")                 \
    X(CASE_WORKER, 1, "case_worker")              \
    X(NURSE,       2, "nurse")                    \
    X(COORDINATOR, 3, "coordinator")              \
    X(ADMIN,       4, "admin")                    \
    X(SUPPLIER,    5, "supplier")                 \
    X(REVIEWER,    6, "reviewer")                 \
    X(AUDITOR,     7, "auditor")

enum auth_role {
#define AUTH_ROLE_ENUM(name, bit, text) AUTH_ROLE_##name = 1u << bit,
    AUTH_ROLE_LIST(AUTH_ROLE_ENUM)
#undef AUTH_ROLE_ENUM
};
#define AUTH_ROLE_ANY 0xffu

/* "operator,admin" -> mask. KN_EINVAL (err names the bad role) on unknown names. */
int auth_roles_parse(const char *list, uint32_t *mask_out, kn_err *err);
/* mask -> "operator,admin" into out. Returns KN_OK or KN_ETOOLARGE. */
int auth_roles_format(uint32_t mask, char *out, size_t size);

enum auth_principal_kind { AUTH_PRINCIPAL_USER = 1, AUTH_PRINCIPAL_CLIENT };

typedef struct auth_principal {
    int kind;                          /* enum auth_principal_kind */
    char id[STORE_ID_LEN];             /* user id or client id */
    char name[STORE_NAME_LEN];         /* username or client name (no personal data in logs: log id) */
    size_t ngrants;
    store_grant grants[STORE_MAX_GRANTS];
    char scopes[STORE_SCOPES_LEN];     /* clients: space-separated scopes of the token/key */
    char csrf_token[65];               /* users: the session's CSRF token */
} auth_principal;

typedef struct auth_settings {
    const char *jwks_file;             /* NULL/empty: JWT login disabled */
    const char *jwt_issuer;            /* required iss when jwks_file is set */
    const char *jwt_audience;          /* required aud (string or array member) */
    int64_t jwt_leeway_s;              /* clock skew allowed for exp/nbf (default 30; 0 = none,
                                          negative = default; at most 3600) */
    int64_t session_ttl_s;             /* session lifetime (default 8 h) */
    int lockout_threshold;             /* failed logins before lock-out (default 5) */
    int64_t lockout_s;                 /* lock-out duration (default 15 min) */
    int64_t cache_ttl_s;               /* how long a proven credential is remembered
                                          (auth_cache.h); 0 or less = no cache */
} auth_settings;                       /* ttl/threshold/lockout: 0 (unset) = default */

typedef struct auth_ctx auth_ctx;

/* Create the context: keeps `st` (borrowed; must outlive the ctx) and loads the
 * JWKS file if configured (RSA RS256/PS256 and EC P-256 ES256 keys). */
int auth_ctx_new(store *st, const auth_settings *settings, auth_ctx **out, kn_err *err);
void auth_ctx_free(auth_ctx *ctx);      /* NULL-safe */

/* ---- Password login and sessions (web UI) ---- */

typedef struct auth_session_token {
    char cookie[64];                   /* value for the session cookie (secret; never log) */
    char csrf_token[65];               /* value the UI echoes in X-CSRF-Token */
    int64_t expires_at;
    auth_principal principal;
} auth_session_token;

/* Verify username + password (argon2id), apply lock-out, create a session.
 * KN_EUNAUTH for unknown user, wrong password or disabled user (same message for
 * all, so usernames cannot be probed; unknown users still cost one argon2id
 * verification); KN_ELOCKED while locked out (password not checked). Each wrong
 * password counts towards the lock-out. Writes an audit event (auth.login,
 * outcome ok/denied/locked). */
int auth_login(auth_ctx *ctx, const char *username, const char *password, const char *request_id,
               auth_session_token *out, kn_err *err);

/* Resolve a session cookie into a principal (csrf_token filled). KN_EUNAUTH if
 * unknown/expired (an expired session is deleted)/user disabled. */
int auth_session_principal(auth_ctx *ctx, const char *cookie, auth_principal *out, kn_err *err);

/* End a session (idempotent). */
int auth_logout(auth_ctx *ctx, const char *cookie, kn_err *err);

/* Constant-time check of the X-CSRF-Token header against the session's token.
 * KN_OK or KN_EFORBIDDEN. Machine clients (no cookie) are not subject to CSRF. */
int auth_check_csrf(const auth_principal *p, const char *header_value, kn_err *err);

/* ---- Machine clients ---- */

/* Resolve "Authorization: Bearer <token>": a JWT (three dot-separated parts) is
 * verified against the JWKS (alg, signature, iss, aud, exp, nbf, with leeway)
 * and mapped to the registered client by its client_id claim; the token's
 * `scope` claim becomes principal.scopes. Anything else is treated as an API
 * key and looked up by SHA-256. KN_EUNAUTH with a reason on any failure
 * ("token expired", "wrong issuer", "bad signature", "invalid API key", ...). */
int auth_bearer_principal(auth_ctx *ctx, const char *token, auth_principal *out, kn_err *err);

/* ---- Access decisions: the one place ---- */

/* Allow when the principal holds any role in `roles` at `orgnr` (orgnr NULL:
 * at any organisation) and, for clients, when `scope` (NULL: none needed) is
 * among its scopes. KN_OK or KN_EFORBIDDEN with the reason. */
int auth_require(const auth_principal *p, uint32_t roles, const char *orgnr, const char *scope,
                 kn_err *err);

/* ---- Administration (CLI and admin API) ---- */

/* Hash a password with argon2id (libsodium, interactive limits). Rejects
 * passwords shorter than 10 characters with KN_EINVAL. */
int auth_password_hash(const char *password, char out[STORE_PWHASH_LEN], kn_err *err);
/* 1 when password matches the encoded hash, else 0. */
int auth_password_verify(const char *encoded_hash, const char *password);

/* Create a user with the given grants. user->username, display_name and grants
 * must be set; password is hashed here. Fills user->id. */
int auth_user_add(store *st, store_user *user, const char *password, kn_err *err);

/* Users for listing. With a principal (the API), only users holding a grant
 * at an organisation where `viewer` is admin; NULL (the local CLI) lists all.
 * *list is allocated (caller frees with free()); every record's password_hash
 * is cleared, so a listing can never leak a hash. */
int auth_user_list(store *st, const auth_principal *viewer, store_user **list, size_t *n,
                   kn_err *err);

/* Create an API-key client; writes the new key (shown once, never stored) to
 * key_out ("knk_" + 43 base64url chars + NUL fits in 64 bytes). */
int auth_client_add_apikey(store *st, store_client *client, char key_out[64], kn_err *err);

/* Register a JWT client by its client_id claim. */
int auth_client_add_jwt(store *st, store_client *client, kn_err *err);

#endif
