/* vkp_compile_links.c - the part of the rule build that looks across nodes
 * and profiles (see vkp_compile.c): data-type profiles (vkp-Address on
 * Patient.address), the url an extension slice stands for, which fixed urls
 * are canonicals, and what each slice's discriminators require of an
 * instance. Runs after every profile's tree exists.
 */
#include "vkp_compile_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Data-type profile or extension url from the node's type profiles. */
static void resolve_profiles(vkp_node *n)
{
    const char *s = n->profiles;
    while (s && *s) {
        size_t len = strcspn(s, "|");
        char url[512];
        if (len < sizeof url) {
            memcpy(url, s, len);
            url[len] = '\0';
            const vkp_profile *p = vkp_compile_profile_raw(url);
            if (p && p->def->kind == VKP_KIND_DATATYPE)
                n->type_profile = p;
            else if (!n->ext_url)
                n->ext_url = p ? p->def->url : NULL;
            if (!p && !n->ext_url)
                n->ext_url = vkp_compile_strdup(s, len); /* an extension outside the package */
        }
        s += len + (s[len] == '|');
    }
    if (n->fixed && n->fixed->kind == FJ_STRING && strcmp(n->name, "url") == 0)
        n->canonical = 1;
}

/* The node under n along segs[i..] that holds a fixed or pattern value; the
 * path may pass through slices ("code.coding.code" finds the code fixed in
 * a slice of coding). */
static const vkp_node *value_node(const vkp_node *n, const vkp_disc *d, int i)
{
    if (i >= d->nsegs || i >= VKP_MAX_SEGS)
        return n->fixed || n->pattern ? n : NULL;
    const vkp_node *c = vkp_compile_child(n, d->segs[i]);
    if (!c)
        return NULL;
    const vkp_node *r = value_node(c, d, i + 1);
    for (const vkp_node *s = c->first_slice; !r && s; s = s->next_slice)
        r = value_node(s, d, i + 1);
    return r;
}

/* "String" for a slice typed string, or named valueString under value[x]. */
static const char *type_name(const vkp_node *s)
{
    char buf[64];
    if (s->n_types >= 1 && strlen(s->types[0]) < sizeof buf) {
        snprintf(buf, sizeof buf, "%s", s->types[0]);
    } else if (s->base && strncmp(s->slice, s->base->name, strlen(s->base->name)) == 0 &&
               strlen(s->slice) - strlen(s->base->name) < sizeof buf) {
        snprintf(buf, sizeof buf, "%s", s->slice + strlen(s->base->name));
    } else {
        return NULL;
    }
    buf[0] = (char)toupper((unsigned char)buf[0]);
    return vkp_compile_strdup(buf, strlen(buf));
}

static int slice_values(vkp_node *s)
{
    const vkp_node *b = s->base;
    if (b->n_disc == 0)
        return KN_EINTERNAL; /* a slice of an element that is not sliced */
    s->disc_ok = 1;
    for (int i = 0; i < b->n_disc; i++) {
        const vkp_disc *d = &b->disc[i];
        if (d->type == VKP_DISC_TYPE) {
            s->disc_typename = type_name(s);
            s->disc_ok &= s->disc_typename != NULL;
            continue;
        }
        const vkp_node *v = value_node(s, d, 0);
        if (v) {
            s->disc_value[i] = v->fixed ? v->fixed : v->pattern;
            s->disc_is_pattern[i] = !v->fixed;
        } else if (d->nsegs == 1 && strcmp(d->segs[0], "url") == 0 && s->ext_url) {
            char text[600];
            if (snprintf(text, sizeof text, "\"%s\"", s->ext_url) >= (int)sizeof text)
                return KN_EINTERNAL;
            int rc = vkp_compile_json(text, &s->disc_value[i]);
            if (rc != KN_OK)
                return rc;
        } else {
            s->disc_ok = 0; /* nothing says what belongs here: the slice matches nothing */
        }
    }
    return KN_OK;
}

static int link_node(vkp_node *n)
{
    resolve_profiles(n);
    for (vkp_node *c = n->first_child; c; c = c->next_sibling) {
        int rc = link_node(c);
        if (rc != KN_OK)
            return rc;
    }
    int k = 0;
    for (vkp_node *s = n->first_slice; s; s = s->next_slice, k++) {
        int rc = link_node(s);
        if (rc != KN_OK)
            return rc;
    }
    return k > VKP_MAX_SLICES ? KN_EINTERNAL : KN_OK;
}

static int link_slices(vkp_node *n)
{
    for (vkp_node *c = n->first_child; c; c = c->next_sibling) {
        int rc = link_slices(c);
        if (rc != KN_OK)
            return rc;
    }
    for (vkp_node *s = n->first_slice; s; s = s->next_slice) {
        int rc = slice_values(s);
        if (rc == KN_OK)
            rc = link_slices(s);
        if (rc != KN_OK)
            return rc;
    }
    return KN_OK;
}

int vkp_compile_links(vkp_profile *p)
{
    int rc = link_node(p->root);
    return rc == KN_OK ? link_slices(p->root) : rc;
}
