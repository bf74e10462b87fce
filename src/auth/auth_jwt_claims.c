/* auth_jwt_claims.c - the claim checks of a signature-verified JWT: iss, aud
 * (string or array), exp (required), nbf and iat with clock-skew leeway, then
 * the bearer's client_id (or sub) and its scope (string or array of strings).
 */
#include "auth_jwt.h"

#include "../core/core_util.h"

#include <string.h>

#define NUMERIC_DATE_MAX 9.0e15 /* well inside int64 and double's exact range */

/* A NumericDate (integer or fractional seconds). KN_EINVAL if not a number. */
static int numeric_date(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return KN_OK;
    }
    if (!json_is_real(v))
        return KN_EINVAL;
    double d = json_real_value(v);
    if (!(d > -NUMERIC_DATE_MAX && d < NUMERIC_DATE_MAX))
        return KN_EINVAL;
    *out = (int64_t)d;
    return KN_OK;
}

static int audience_ok(const json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), want) == 0;
    size_t i;
    const json_t *item;
    json_array_foreach(aud, i, item)
    {
        if (json_is_string(item) && strcmp(json_string_value(item), want) == 0)
            return 1;
    }
    return 0;
}

static int check_times(const json_t *payload, const auth_jwt_policy *pol, int64_t *exp_out,
                       kn_err *err)
{
    const json_t *nbf = json_object_get(payload, "nbf");
    const json_t *iat = json_object_get(payload, "iat");
    int64_t exp_v, nbf_v, iat_v;
    if (numeric_date(json_object_get(payload, "exp"), &exp_v) != KN_OK)
        return kn_err_set(err, KN_EUNAUTH, "missing exp claim");
    if (exp_v <= pol->now - pol->leeway_s)
        return kn_err_set(err, KN_EUNAUTH, "token expired");
    if (nbf && numeric_date(nbf, &nbf_v) != KN_OK)
        return kn_err_set(err, KN_EUNAUTH, "malformed nbf claim");
    if (nbf && nbf_v > pol->now + pol->leeway_s)
        return kn_err_set(err, KN_EUNAUTH, "token not yet valid");
    if (iat && numeric_date(iat, &iat_v) != KN_OK)
        return kn_err_set(err, KN_EUNAUTH, "malformed iat claim");
    if (iat && iat_v > pol->now + pol->leeway_s)
        return kn_err_set(err, KN_EUNAUTH, "token issued in the future");
    *exp_out = exp_v;
    return KN_OK;
}

static int take_client_id(const json_t *payload, auth_jwt_claims *out, kn_err *err)
{
    const char *id = json_string_value(json_object_get(payload, "client_id"));
    if (!id)
        id = json_string_value(json_object_get(payload, "sub"));
    if (!id || !*id)
        return kn_err_set(err, KN_EUNAUTH, "missing client_id claim");
    if (kn_strcpy(out->client_id, sizeof out->client_id, id) != KN_OK)
        return kn_err_set(err, KN_EUNAUTH, "unknown client");
    return KN_OK;
}

/* Append word (if any) to the space-separated list in out. */
static int scope_append(char *out, size_t size, const char *word)
{
    size_t used = strlen(out);
    size_t len = strlen(word);
    if (len == 0)
        return KN_OK;
    if (used + (used > 0) + len >= size)
        return KN_ETOOLARGE;
    if (used > 0)
        out[used++] = ' ';
    memcpy(out + used, word, len + 1);
    return KN_OK;
}

static int take_scopes(const json_t *payload, auth_jwt_claims *out, kn_err *err)
{
    const json_t *scope = json_object_get(payload, "scope");
    out->scopes[0] = '\0';
    if (!scope)
        return KN_OK;
    if (json_is_string(scope))
        return scope_append(out->scopes, sizeof out->scopes, json_string_value(scope)) == KN_OK
                   ? KN_OK
                   : kn_err_set(err, KN_EUNAUTH, "scope claim too long");
    if (!json_is_array(scope))
        return kn_err_set(err, KN_EUNAUTH, "malformed scope claim");
    size_t i;
    const json_t *item;
    json_array_foreach(scope, i, item)
    {
        if (!json_is_string(item))
            return kn_err_set(err, KN_EUNAUTH, "malformed scope claim");
        if (scope_append(out->scopes, sizeof out->scopes, json_string_value(item)) != KN_OK)
            return kn_err_set(err, KN_EUNAUTH, "scope claim too long");
    }
    return KN_OK;
}

int auth_jwt_check_claims(const json_t *payload, const auth_jwt_policy *policy,
                          auth_jwt_claims *out, kn_err *err)
{
    const char *iss = json_string_value(json_object_get(payload, "iss"));
    if (!iss || strcmp(iss, policy->issuer) != 0)
        return kn_err_set(err, KN_EUNAUTH, "wrong issuer");
    if (!audience_ok(json_object_get(payload, "aud"), policy->audience))
        return kn_err_set(err, KN_EUNAUTH, "wrong audience");
    int rc = check_times(payload, policy, &out->exp, err);
    if (rc == KN_OK)
        rc = take_client_id(payload, out, err);
    if (rc == KN_OK)
        rc = take_scopes(payload, out, err);
    return rc;
}
