/* auth_roles.c - role names <-> role bit masks, from the single AUTH_ROLE_LIST.
 * The CLI and admin API spell roles as "operator,admin"; grants store masks.
 */
#include "auth_internal.h"

#include <string.h>

struct role_name {
    uint32_t bit;
    const char *text;
};

static const struct role_name role_names[] = {
#define AUTH_ROLE_ROW(name, bit, text) {AUTH_ROLE_##name, text},
    AUTH_ROLE_LIST(AUTH_ROLE_ROW)
#undef AUTH_ROLE_ROW
};

#define ROLE_COUNT (sizeof role_names / sizeof role_names[0])

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Role bit for the name s[0..len) after trimming blanks; 0 if unknown. */
static uint32_t role_lookup(const char *s, size_t len)
{
    while (len > 0 && is_space(*s)) {
        s++;
        len--;
    }
    while (len > 0 && is_space(s[len - 1]))
        len--;
    for (size_t i = 0; i < ROLE_COUNT; i++) {
        if (strlen(role_names[i].text) == len && memcmp(role_names[i].text, s, len) == 0)
            return role_names[i].bit;
    }
    return 0;
}

int auth_roles_parse(const char *list, uint32_t *mask_out, kn_err *err)
{
    if (!list || !*list)
        return kn_err_set(err, KN_EINVAL, "no roles given");
    uint32_t mask = 0;
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        uint32_t bit = role_lookup(p, len);
        if (!bit)
            return kn_err_set(err, KN_EINVAL, "unknown role '%.*s'", (int)(len > 40 ? 40 : len), p);
        mask |= bit;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    *mask_out = mask;
    return KN_OK;
}

int auth_roles_join(uint32_t mask, const char *sep, char *out, size_t size)
{
    if (size == 0)
        return KN_ETOOLARGE;
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < ROLE_COUNT; i++) {
        if (!(mask & role_names[i].bit))
            continue;
        const char *prefix = used ? sep : "";
        size_t need = strlen(prefix) + strlen(role_names[i].text);
        if (used + need >= size)
            return KN_ETOOLARGE;
        memcpy(out + used, prefix, strlen(prefix));
        memcpy(out + used + strlen(prefix), role_names[i].text, strlen(role_names[i].text) + 1);
        used += need;
    }
    return KN_OK;
}

int auth_roles_format(uint32_t mask, char *out, size_t size)
{
    return auth_roles_join(mask, ",", out, size);
}
