/* http_fhir.c - FHIR operations that are not the hub's message intake:
 * POST /fhir/$validate.
 *
 * The body is FHIR JSON, parsed here with fhir_json (exact decimals, duplicate
 * keys rejected) rather than by the dispatcher. A FHIR client may send the
 * resource itself or, as the $validate operation defines, a Parameters
 * resource with a `resource` parameter and an optional `profile`; a `profile`
 * query parameter works for both. The answer is the OperationOutcome of
 * vkp_validate(): 200 when validation ran (valid or not, as FHIR's $validate
 * answers), 400 when the body is not JSON at all. Nothing is stored.
 */
#include "http_int.h"

#include <string.h>

#include "../fhir/fhir_json.h"
#include "../nid/nid.h"
#include "../vkp/vkp.h"

/* The `name` parameter of a FHIR Parameters resource, or NULL. */
static const fj_node *parameter(const fj_node *params, const char *name)
{
    const fj_node *list = fj_get(params, "parameter");
    if (!list || list->kind != FJ_ARRAY)
        return NULL;
    for (const fj_node *p = list->child; p; p = p->next)
        if (fj_str_eq(fj_get(p, "name"), name))
            return p;
    return NULL;
}

/* For a Parameters body: the resource to validate and its profile. */
static const fj_node *unwrap(const fj_node *root, const char **profile)
{
    if (!fj_str_eq(fj_get(root, "resourceType"), "Parameters"))
        return root;
    const fj_node *res = fj_get(parameter(root, "resource"), "resource");
    if (!res)
        return root;
    const fj_node *prof = parameter(root, "profile");
    const char *url = fj_get_str(prof, "valueCanonical");
    if (!url)
        url = fj_get_str(prof, "valueUri");
    if (url && !*profile)
        *profile = url;
    return res;
}

static int reply_outcome(http_req *req, int http, const fhir_outcome *oc, kn_err *err)
{
    kn_buf out;
    kn_buf_init(&out, 16u << 20);
    int rc = fhir_outcome_to_json(oc, &out);
    if (rc == KN_OK)
        rc = http_reply_bytes(req, http, "application/fhir+json", out.data, out.len, err);
    else
        kn_err_set(err, rc, "cannot encode the OperationOutcome");
    kn_buf_release(&out);
    return rc;
}

int http_h_fhir_validate(http_req *req, kn_err *err)
{
    const kn_config *cfg = req->env->app->cfg;
    vkp_opts opts = {
        .environment = strcmp(cfg->environment, "production") == 0 ? NID_ENV_PRODUCTION : NID_ENV_TEST,
        .profile = http_req_query(req, "profile"),
    };
    const char *text = req->body.data ? req->body.data : "";
    fhir_outcome oc;
    fhir_outcome_init(&oc);
    fj_doc *doc = NULL;
    int rc;
    int http = 200;
    if (fj_parse(text, req->body.len, &doc, NULL) != KN_OK) {
        /* vkp_validate reports the parser's reason as the outcome's issue */
        rc = vkp_validate(text, req->body.len, &opts, &oc);
        if (rc == KN_EINVAL) {
            rc = KN_OK;
            http = 400;
        }
    } else {
        rc = vkp_validate_tree(unwrap(fj_root(doc), &opts.profile), &opts, &oc);
    }
    if (rc == KN_OK)
        rc = reply_outcome(req, http, &oc, err);
    else
        kn_err_set(err, rc, "validation could not run");
    fj_doc_free(doc);
    fhir_outcome_release(&oc);
    return rc;
}
