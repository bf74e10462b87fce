/* fhir_prim.h - FHIR R4 primitive data types: the lexical rules of
 * http://hl7.org/fhir/R4/datatypes.html, written out by hand (no regex engine
 * on the hot path).
 *
 * Pure functions, thread-safe. Each check returns KN_OK or KN_EINVAL with a
 * Norwegian reason in err->msg that the validator puts in the issue's
 * diagnostics ("dateTime med klokkeslett må ha tidssone").
 */
#ifndef KN_FHIR_PRIM_H
#define KN_FHIR_PRIM_H

#include <stddef.h>

#include "../core/core_err.h"
#include "fhir_json.h"

typedef enum fhir_prim {
    FHIR_PRIM_NONE = 0,         /* not a primitive type */
    FHIR_PRIM_BOOLEAN,
    FHIR_PRIM_INTEGER,          /* 32-bit signed */
    FHIR_PRIM_POSITIVEINT,      /* 1 .. 2^31-1 */
    FHIR_PRIM_UNSIGNEDINT,      /* 0 .. 2^31-1 */
    FHIR_PRIM_DECIMAL,
    FHIR_PRIM_STRING,           /* non-empty after trim rules: no leading/trailing-only whitespace value */
    FHIR_PRIM_MARKDOWN,
    FHIR_PRIM_CODE,             /* [^\s]+(\s[^\s]+)* */
    FHIR_PRIM_ID,               /* [A-Za-z0-9\-\.]{1,64} */
    FHIR_PRIM_URI,
    FHIR_PRIM_URL,
    FHIR_PRIM_CANONICAL,
    FHIR_PRIM_OID,              /* urn:oid:[0-2](\.(0|[1-9][0-9]*))+ */
    FHIR_PRIM_UUID,             /* urn:uuid:lowercase 8-4-4-4-12 */
    FHIR_PRIM_BASE64BINARY,
    FHIR_PRIM_INSTANT,          /* full dateTime with seconds and timezone, required */
    FHIR_PRIM_DATE,             /* YYYY, YYYY-MM, YYYY-MM-DD, real calendar date */
    FHIR_PRIM_DATETIME,         /* date, or date + time (then timezone required) */
    FHIR_PRIM_TIME,             /* hh:mm:ss(.s+)?, no timezone */
    FHIR_PRIM_XHTML
} fhir_prim;

/* The primitive for a FHIR type name ("dateTime" -> FHIR_PRIM_DATETIME), or
 * FHIR_PRIM_NONE. */
fhir_prim fhir_prim_from_name(const char *type_name);

/* Name of a primitive ("dateTime"); "" for FHIR_PRIM_NONE. */
const char *fhir_prim_name(fhir_prim p);

/* Check a JSON value against a primitive type: the JSON kind (boolean for
 * boolean, number for integer/decimal types, string for the rest) and the
 * lexical rule. KN_OK or KN_EINVAL with the reason. */
int fhir_prim_check(fhir_prim p, const fj_node *value, kn_err *err);

/* The lexical rule alone, for text (used by tests and the CLI). */
int fhir_prim_check_text(fhir_prim p, const char *text, size_t len, kn_err *err);

#endif
