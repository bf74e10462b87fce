/* fhir_path.c - the element path of the validator's walk (see fhir_path.h).
 * Push and pop only move a counter and store a pointer; text is made only by
 * fhir_path_render(), when an issue is reported.
 */
#include "fhir_path.h"

#include <stdio.h>
#include <string.h>

void fhir_path_init(fhir_path *p, const char *root)
{
    p->depth = 0;
    p->overflow = 0;
    fhir_path_push(p, root);
}

void fhir_path_push(fhir_path *p, const char *name)
{
    if (p->depth >= FHIR_PATH_MAX_DEPTH) {
        p->overflow++;
        return;
    }
    p->seg[p->depth++] = (fhir_path_seg){name ? name : "", -1};
}

void fhir_path_index(fhir_path *p, int index)
{
    if (!p->overflow && p->depth > 0)
        p->seg[p->depth - 1].index = index;
}

void fhir_path_pop(fhir_path *p)
{
    if (p->overflow)
        p->overflow--;
    else if (p->depth > 0)
        p->depth--;
}

/* Text being rendered into a fixed buffer; `cut` once something did not fit. */
typedef struct path_text {
    char *out;
    size_t size, len;
    int cut;
} path_text;

static void put(path_text *t, const char *s, size_t n)
{
    size_t room = t->size - 1 - t->len;
    if (n > room) {
        n = room;
        t->cut = 1;
    }
    memcpy(t->out + t->len, s, n);
    t->len += n;
}

/* End a path that did not fit (or went deeper than the limit) with "...",
 * never splitting a UTF-8 sequence. */
static void put_ellipsis(path_text *t)
{
    if (t->size < 4) {
        t->len = 0;
        return;
    }
    if (t->len > t->size - 4) {
        t->len = t->size - 4; /* out[len] was written: step back to a sequence start */
        while (t->len > 0 && ((unsigned char)t->out[t->len] & 0xC0) == 0x80)
            t->len--;
    }
    memcpy(t->out + t->len, "...", 3);
    t->len += 3;
}

size_t fhir_path_render(const fhir_path *p, char *out, size_t size)
{
    if (!out || size == 0)
        return 0;
    path_text t = {out, size, 0, 0};
    for (int i = 0; i < p->depth && !t.cut; i++) {
        if (i > 0)
            put(&t, ".", 1);
        put(&t, p->seg[i].name, strlen(p->seg[i].name));
        if (p->seg[i].index >= 0) {
            char idx[16];
            int n = snprintf(idx, sizeof idx, "[%d]", p->seg[i].index);
            put(&t, idx, (size_t)n);
        }
    }
    if (t.cut || p->overflow)
        put_ellipsis(&t);
    out[t.len] = '\0';
    return t.len;
}
