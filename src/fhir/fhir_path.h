/* fhir_path.h - the element path of the value being checked, built as the
 * validator walks, rendered only when a problem is reported.
 *
 * An OperationOutcome issue's `expression` must name the exact element:
 * "Bundle.entry[2].resource.subject.identifier[0].value". The walker pushes a
 * segment when it descends (a member name, or an index on the last segment)
 * and pops it when it returns; nothing is formatted on the happy path.
 *
 * A fhir_path is a fixed-size value on the caller's stack; no heap, not
 * thread-safe (one walk, one path).
 */
#ifndef KN_FHIR_PATH_H
#define KN_FHIR_PATH_H

#include <stddef.h>

#define FHIR_PATH_MAX_DEPTH 64
#define FHIR_PATH_MAX_TEXT 512

typedef struct fhir_path_seg {
    const char *name;       /* not owned: points into the parsed doc or a static string */
    int index;              /* -1: no index; >= 0: rendered as name[index] */
} fhir_path_seg;

typedef struct fhir_path {
    fhir_path_seg seg[FHIR_PATH_MAX_DEPTH];
    int depth;
    int overflow;           /* pushes beyond the limit are counted, not stored */
} fhir_path;

/* Start a path with its root segment (a resource type such as "Bundle"). */
void fhir_path_init(fhir_path *p, const char *root);

/* Descend into member `name` (no index yet). */
void fhir_path_push(fhir_path *p, const char *name);

/* Set the index of the last segment (an element of a repeating member). */
void fhir_path_index(fhir_path *p, int index);

/* Return to the parent segment. */
void fhir_path_pop(fhir_path *p);

/* Render into out (NUL-terminated, truncated with "..." if it does not fit).
 * Returns the length written. */
size_t fhir_path_render(const fhir_path *p, char *out, size_t size);

#endif
