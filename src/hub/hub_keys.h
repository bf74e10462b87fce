/* hub_keys.h - what intake reads out of a posted resource besides
 * validation: that it is the kind the route promises, its idempotency key,
 * its message event and the pseudonymous patient key. Private to hub_*.c and
 * the unit tests. Pure functions over a parsed fj tree; thread-safe.
 */
#ifndef KN_HUB_KEYS_H
#define KN_HUB_KEYS_H

#include "../fhir/fhir_json.h"
#include "../fhir/fhir_outcome.h"
#include "../store/store.h"

typedef struct hub_keys {
    char idem_key[STORE_HUB_KEY_LEN];     /* "system|value", "MessageHeader/<id>" or "<Type>/<id>" */
    char event[STORE_HUB_EVENT_LEN];      /* MessageHeader.eventCoding.code, or the resource type */
    char patient_key[STORE_HUB_PKEY_LEN]; /* hex SHA-256 of "system|value"; "" without a patient */
} hub_keys;

/* 1 for the kinds intake accepts: "message", "Bundle", "Composition",
 * "MedicationDispense". */
int hub_kind_known(const char *kind);

/* The register's resource name for a kind ("message" -> "Bundle"). */
const char *hub_kind_resource(const char *kind);

/* The root must be of the kind's resource type (message: a Bundle of type
 * "message"). KN_OK, or KN_EUNPROCESSABLE with an error issue in oc. */
int hub_kind_check(const fj_node *root, const char *kind, fhir_outcome *oc, kn_err *err);

/* Idempotency key, event and patient key of a resource of `kind` (checked by
 * hub_kind_check). The key is Bundle.identifier / the resource's identifier
 * ("system|value"), else MessageHeader.id for messages, else the resource id;
 * none at all (or one longer than 255 bytes) is KN_EUNPROCESSABLE with an
 * issue in oc. The patient is the identifier of the resource a message's
 * focus points at (subject / patient / a referenced Patient), else of the
 * first entry that names one. */
int hub_keys_extract(const fj_node *root, const char *kind, hub_keys *out, fhir_outcome *oc,
                     kn_err *err);

/* Hex SHA-256 of "system|value" into out: no person number in clear. */
void hub_patient_key(const char *system, const char *value, char out[STORE_HUB_PKEY_LEN]);

#endif
