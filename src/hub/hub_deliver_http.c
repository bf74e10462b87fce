/* hub_deliver_http.c - one push request of the delivery engine: the target
 * and acknowledgement URLs and the libcurl easy handle.
 *
 * A push is POST {url}/$process-message (message Bundles) or POST
 * {url}/{Kind} (journaling writes: Bundle, Composition, MedicationDispense),
 * the VKP R4 shape the EPJ also offers suppliers directly, with the exact
 * bytes the sender posted, Content-Type application/fhir+json, and:
 *   X-Knute-Message-Id   the hub's message id (stable across retries; with
 *                        Bundle.identifier the EPJ's idempotency key)
 *   X-Knute-Ack-Url      where the EPJ confirms journaling
 *   Authorization        Bearer <secret> for bearer destinations
 * Mutual TLS destinations present cert_file/key_file; ca_file pins the CA.
 * Only http and https; redirects are not followed.
 */
#include "hub_deliver_int.h"

#include "../core/core_util.h"

#include <stdio.h>
#include <string.h>

int hub_target_url(const char *base, const char *kind, char *out, size_t size)
{
    size_t len = strlen(base);
    while (len > 0 && base[len - 1] == '/')
        len--;
    const char *tail = strcmp(kind, "message") == 0 ? "$process-message" : kind;
    int n = snprintf(out, size, "%.*s/%s", (int)len, base, tail);
    return n < 0 || (size_t)n >= size ? KN_ETOOLARGE : KN_OK;
}

int hub_ack_url(const char *public_url, const store_hub_message *msg, char *out, size_t size)
{
    size_t len = strlen(public_url);
    while (len > 0 && public_url[len - 1] == '/')
        len--;
    const char *kind = strcmp(msg->kind, "message") == 0 ? "Bundle" : msg->kind;
    int n = snprintf(out, size, "%.*s/epj/r4/%s/%s/%s/$journaling-acknowledged", (int)len,
                     public_url, msg->receiver, kind, msg->id);
    return n < 0 || (size_t)n >= size ? KN_ETOOLARGE : KN_OK;
}

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *cls)
{
    (void)ptr;
    (void)cls;
    return size * nmemb;
}

static int add_header(struct curl_slist **headers, const char *name, const char *value)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "%s: %s", name, value);
    if (n < 0 || (size_t)n >= sizeof line)
        return KN_ETOOLARGE;
    struct curl_slist *grown = curl_slist_append(*headers, line);
    if (!grown)
        return KN_ENOMEM;
    *headers = grown;
    return KN_OK;
}

static int request_headers(const hub_request *r, struct curl_slist **headers, kn_err *err)
{
    char ack[1024];
    int status = hub_ack_url(r->public_url, r->msg, ack, sizeof ack);
    if (status == KN_OK)
        status = add_header(headers, "Content-Type", "application/fhir+json");
    if (status == KN_OK)
        status = add_header(headers, "Accept", "application/fhir+json");
    if (status == KN_OK)
        status = add_header(headers, "X-Knute-Message-Id", r->msg->id);
    if (status == KN_OK)
        status = add_header(headers, "X-Knute-Ack-Url", ack);
    if (status == KN_OK && r->dest->auth == DEST_AUTH_BEARER) {
        char bearer[560];
        snprintf(bearer, sizeof bearer, "Bearer %s", r->dest->secret);
        status = add_header(headers, "Authorization", bearer);
    }
    if (status == KN_OK)
        status = add_header(headers, "Expect", "");
    return status == KN_OK ? KN_OK : kn_err_set(err, status, "hub: cannot build request headers");
}

static void request_tls(CURL *h, const store_hub_dest *dest)
{
    if (dest->auth == DEST_AUTH_MTLS) {
        curl_easy_setopt(h, CURLOPT_SSLCERT, dest->cert_file);
        curl_easy_setopt(h, CURLOPT_SSLKEY, dest->key_file);
    }
    if (dest->ca_file[0])
        curl_easy_setopt(h, CURLOPT_CAINFO, dest->ca_file);
}

int hub_request_setup(CURL *h, const hub_request *r, struct curl_slist **headers, kn_err *err)
{
    char url[STORE_HUB_URL_LEN + 64];
    if (hub_target_url(r->dest->url, r->msg->kind, url, sizeof url) != KN_OK)
        return kn_err_set(err, KN_ETOOLARGE, "hub: destination url too long");
    int status = request_headers(r, headers, err);
    if (status != KN_OK)
        return status;
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->msg->body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->msg->body_len);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, *headers);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, r->timeout_ms < 5000 ? r->timeout_ms : 5000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, r->timeout_ms);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_body);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "knute-hub/" KNUTE_VERSION);
    request_tls(h, r->dest);
    return KN_OK;
}
