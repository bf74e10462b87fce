/* fhir_prim.c - the lexical rules of the FHIR R4 primitive types (see
 * fhir_prim.h), written by hand from the regular expressions and notes of
 * http://hl7.org/fhir/R4/datatypes.html:
 *
 *   boolean      true|false (a JSON boolean)
 *   integer      [0]|[-+]?[1-9][0-9]*, -2147483648..2147483647 (a JSON number)
 *   unsignedInt  [0]|([1-9][0-9]*), 0..2147483647
 *   positiveInt  +?[1-9][0-9]*, 1..2147483647
 *   decimal      -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
 *   string       [ \r\n\t\S]+, at most 1024*1024 characters, not whitespace only
 *                (the JSON format forbids empty and whitespace-only values)
 *   markdown     as string
 *   code         [^\s]+(\s[^\s]+)*, the inner whitespace single spaces only
 *   id           [A-Za-z0-9\-\.]{1,64}
 *   uri/url/canonical  \S* and, as every JSON primitive, not empty
 *   oid          urn:oid:[0-2](\.(0|[1-9][0-9]*))+
 *   uuid         urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}
 *   base64Binary RFC 4648 base64: length a multiple of 4, '=' padding only at
 *                the end, no whitespace (stricter than R4's loose regex)
 *   date         YYYY(-MM(-DD)?)?, year 0001-9999, a real calendar date
 *   dateTime     date, or YYYY-MM-DDThh:mm:ss(.s+)? with timezone Z or +/-hh:mm
 *   instant      YYYY-MM-DDThh:mm:ss(.s+)? and timezone, both required
 *   time         hh:mm:ss(.s+)?, no timezone
 *   xhtml        a <div> element in the XHTML namespace (the outline only)
 *
 * Hours are 00-23 (24:00 is not allowed), minutes 00-59, seconds 00-59 or 60
 * (R4's regex allows a leap second); timezone offsets -14:00..+14:00.
 * Reasons are Norwegian and never repeat the value (it may be personal data).
 */
#include "fhir_prim.h"

#include "../nid/nid.h"

#include <stdint.h>
#include <string.h>

#define STRING_MAX_CHARS (1024 * 1024)
#define ID_MAX 64

typedef int (*prim_rule)(fhir_prim p, const char *s, size_t n, kn_err *err);

/* ---- helpers ---- */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* FHIR's \s: space, tab, LF, VT, FF, CR. */
static int is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int reject(kn_err *err, fhir_prim p, const char *why)
{
    return kn_err_set(err, KN_EINVAL, "%s %s", fhir_prim_name(p), why);
}

/* Number of characters when s is valid UTF-8, else -1. */
static long utf8_chars(const char *s, size_t n)
{
    long chars = 0;
    for (size_t i = 0; i < n; chars++) {
        size_t k = fj_utf8_seq((const unsigned char *)s + i, n - i);
        if (!k)
            return -1;
        i += k;
    }
    return chars;
}

static int has_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (is_space(s[i]))
            return 1;
    return 0;
}

/* ---- boolean and numbers ---- */

static int rule_boolean(fhir_prim p, const char *s, size_t n, kn_err *err)
{
    if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0))
        return KN_OK;
    return reject(err, p, "må være true eller false");
}

/* "0" or an optional sign and [1-9][0-9]*; *v saturates far outside 32 bits. */
static int int_syntax(const char *s, size_t n, char *sign, long long *v)
{
    size_t i = 0;
    *sign = n && (s[0] == '-' || s[0] == '+') ? s[0] : 0;
    i += *sign != 0;
    if (i == n || !is_digit(s[i]) || (s[i] == '0' && n > 1))
        return 0;
    long long acc = 0;
    for (; i < n; i++) {
        if (!is_digit(s[i]))
            return 0;
        if (acc < 100000000000LL)
            acc = acc * 10 + (s[i] - '0');
    }
    *v = *sign == '-' ? -acc : acc;
    return 1;
}

static int rule_integer(fhir_prim p, const char *s, size_t n, kn_err *err)
{
    char sign;
    long long v;
    if (!int_syntax(s, n, &sign, &v))
        return reject(err, p, "må være et heltall uten desimaler, eksponent eller ledende null");
    if (p == FHIR_PRIM_UNSIGNEDINT && sign)
        return reject(err, p, "kan ikke ha fortegn");
    if (p == FHIR_PRIM_POSITIVEINT && sign == '-')
        return reject(err, p, "må være minst 1");
    long long min = p == FHIR_PRIM_INTEGER ? INT32_MIN : p == FHIR_PRIM_POSITIVEINT ? 1 : 0;
    if (v < min)
        return reject(err, p, p == FHIR_PRIM_POSITIVEINT ? "må være minst 1" : "er for lite");
    if (v > INT32_MAX)
        return reject(err, p, "er for stort (største verdi er 2147483647)");
    return KN_OK;
}

/* Skip [0-9]+ at *i; 0 when there is none. */
static int skip_digits(const char *s, size_t n, size_t *i)
{
    size_t from = *i;
    while (*i < n && is_digit(s[*i]))
        (*i)++;
    return *i > from;
}

static int rule_decimal(fhir_prim p, const char *s, size_t n, kn_err *err)
{
    size_t i = n && s[0] == '-';
    size_t first = i;
    if (!skip_digits(s, n, &i))
        return reject(err, p, "må være et tall");
    if (s[first] == '0' && i - first > 1)
        return reject(err, p, "kan ikke ha ledende null");
    if (i < n && s[i] == '.') {
        i++;
        if (!skip_digits(s, n, &i))
            return reject(err, p, "må ha sifre etter desimalpunktet");
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        i += i < n && (s[i] == '+' || s[i] == '-');
        if (!skip_digits(s, n, &i))
            return reject(err, p, "har en ugyldig eksponent");
    }
    return i == n ? KN_OK : reject(err, p, "må være et tall");
}

/* ---- text types ---- */

static int rule_string(fhir_prim p, const char *s, size_t n, kn_err *err)
{
    if (n == 0)
        return reject(err, p, "kan ikke være tom");
    long chars = utf8_chars(s, n);
    if (chars < 0)
        return reject(err, p, "er ikke gyldig UTF-8");
    if (chars > STRING_MAX_CHARS)
        return reject(err, p, "er lengre enn 1 MB (1048576 tegn)");
    for (size_t i = 0; i < n; i++)
        if (!is_space(s[i]))
            return KN_OK;
    return reject(err, p, "kan ikke bestå av bare blanke tegn");
}

static int rule_code(fhir_prim p, const char *s, size_t n, kn_err *err)
{
    int rc = rule_string(p, s, n, err);
    if (rc != KN_OK)
        return rc;
    if (is_space(s[0]) || is_space(s[n - 1]))
        return reject(err, p, "kan ikke starte eller slutte med blanke tegn");
    for (size_t i = 1; i + 1 < n; i++) {
        if (is_space(s[i]) && (s[i] != ' ' || s[i + 1] == ' '))
            return reject(err, p, "kan bare ha enkle mellomrom mellom ordene");
    }
    return KN_OK;
}

static int rule_id(fhir_prim p, const char *s, size_t n, kn_err *err)
{
    if (n == 0 || n > ID_MAX)
        return reject(err, p, "må ha 1-64 tegn");
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!is_digit(c) && !(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z') && c != '-' &&
            c != '.')
            return reject(err, p, "kan bare inneholde A-Z, a-z, 0-9, '-' og '.'");
    }
    return KN_OK;
}

static int rule_uri(fhir_prim p, const char *s, size_t n, kn_err *err)
{
    if (n == 0)
        return reject(err, p, "kan ikke være tom");
    if (has_space(s, n))
        return reject(err, p, "kan ikke inneholde blanke tegn");
    if (utf8_chars(s, n) < 0)
        return reject(err, p, "er ikke gyldig UTF-8");
    return KN_OK;
}

static int rule_oid(fhir_prim p, const char *s, size_t n, kn_err *err)
{
    static const char prefix[] = "urn:oid:";
    size_t i = sizeof prefix - 1;
    if (n < i || memcmp(s, prefix, i) != 0)
        return reject(err, p, "må starte med urn:oid:");
    if (i >= n || s[i] < '0' || s[i] > '2' || ++i == n)
        return reject(err, p, "må ha formen urn:oid:[0-2](.tall)+");
    while (i < n) {
        size_t arc = ++i; /* past the '.' */
        if (s[arc - 1] != '.' || !skip_digits(s, n, &i) || (s[arc] == '0' && i - arc > 1))
            return reject(err, p, "må ha formen urn:oid:[0-2](.tall)+ uten ledende nuller");
    }
    return KN_OK;
}

static int rule_uuid(fhir_prim p, const char *s, size_t n, kn_err *err)
{
    static const char prefix[] = "urn:uuid:";
    static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    size_t plen = sizeof prefix - 1;
    if (n != plen + sizeof shape - 1 || memcmp(s, prefix, plen) != 0)
        return reject(err, p, "må ha formen urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        char c = s[plen + i];
        int ok = shape[i] == '-' ? c == '-' : is_digit(c) || (c >= 'a' && c <= 'f');
        if (!ok)
            return reject(err, p, "må ha formen urn:uuid: og 8-4-4-4-12 små heksadesimale sifre");
    }
    return KN_OK;
}

static int is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' || c == '/';
}

static int rule_base64(fhir_prim p, const char *s, size_t n, kn_err *err)
{
    if (n == 0)
        return reject(err, p, "kan ikke være tom");
    if (has_space(s, n))
        return reject(err, p, "kan ikke inneholde blanke tegn");
    size_t pad = s[n - 1] == '=' ? (n >= 2 && s[n - 2] == '=' ? 2 : 1) : 0;
    for (size_t i = 0; i < n - pad; i++) {
        if (s[i] == '=')
            return reject(err, p, "kan bare ha '=' som utfylling til slutt");
        if (!is_b64(s[i]))
            return reject(err, p, "har tegn utenfor base64-alfabetet");
    }
    if (n % 4 != 0)
        return reject(err, p, "må ha en lengde som er delelig med 4");
    return KN_OK;
}

static int rule_xhtml(fhir_prim p, const char *s, size_t n, kn_err *err)
{
    static const char xmlns[] = "xmlns=\"http://www.w3.org/1999/xhtml\"";
    while (n && is_space(s[n - 1]))
        n--;
    while (n && is_space(s[0])) {
        s++;
        n--;
    }
    if (n < 11 || memcmp(s, "<div", 4) != 0 || (s[4] != ' ' && s[4] != '>') ||
        memcmp(s + n - 6, "</div>", 6) != 0)
        return reject(err, p, "må være ett <div>-element");
    const char *end = memchr(s, '>', n);
    if (!end || !memmem(s, (size_t)(end - s), xmlns, sizeof xmlns - 1))
        return reject(err, p, "må ha xmlns=\"http://www.w3.org/1999/xhtml\" på <div>");
    return rule_string(p, s, n, err);
}

/* ---- dates and times ---- */

/* A cursor over the text of a date/time type. */
typedef struct dt_cursor {
    const char *s;
    size_t n, i;
} dt_cursor;

/* Exactly `digits` digits as a number in [min, max]; -1 when absent or out of range. */
static int dt_number(dt_cursor *c, int digits, int min, int max)
{
    if (c->n - c->i < (size_t)digits)
        return -1;
    int v = 0;
    for (int k = 0; k < digits; k++) {
        char d = c->s[c->i + (size_t)k];
        if (!is_digit(d))
            return -1;
        v = v * 10 + (d - '0');
    }
    c->i += (size_t)digits;
    return v >= min && v <= max ? v : -1;
}

static int dt_take(dt_cursor *c, char ch)
{
    if (c->i < c->n && c->s[c->i] == ch) {
        c->i++;
        return 1;
    }
    return 0;
}

/* YYYY(-MM(-DD)?)?; *parts receives 1, 2 or 3. */
static int dt_date(fhir_prim p, dt_cursor *c, int *parts, kn_err *err)
{
    int year = dt_number(c, 4, 1, 9999);
    if (year < 0)
        return reject(err, p, "må starte med et årstall 0001-9999 (YYYY)");
    *parts = 1;
    if (!dt_take(c, '-'))
        return KN_OK;
    int month = dt_number(c, 2, 1, 12);
    if (month < 0)
        return reject(err, p, "har ugyldig måned (01-12)");
    *parts = 2;
    if (!dt_take(c, '-'))
        return KN_OK;
    int day = dt_number(c, 2, 1, 31);
    if (day < 0)
        return reject(err, p, "har ugyldig dag (01-31)");
    if (day > nid_days_in_month(year, month))
        return reject(err, p, "har en dato som ikke finnes i kalenderen");
    *parts = 3;
    return KN_OK;
}

/* hh:mm:ss(.s+)? */
static int dt_clock(fhir_prim p, dt_cursor *c, kn_err *err)
{
    if (dt_number(c, 2, 0, 23) < 0)
        return reject(err, p, "har ugyldig time (00-23)");
    if (!dt_take(c, ':') || dt_number(c, 2, 0, 59) < 0)
        return reject(err, p, "har ugyldig minutt (hh:mm, 00-59)");
    if (!dt_take(c, ':'))
        return reject(err, p, "må ha sekunder i klokkeslettet (hh:mm:ss)");
    if (dt_number(c, 2, 0, 60) < 0)
        return reject(err, p, "har ugyldig sekund (00-59)");
    if (dt_take(c, '.') && !skip_digits(c->s, c->n, &c->i))
        return reject(err, p, "må ha sifre etter desimalpunktet i sekundene");
    return KN_OK;
}

/* Z or +/-hh:mm within -14:00..+14:00. */
static int dt_zone(fhir_prim p, dt_cursor *c, kn_err *err)
{
    if (c->i == c->n)
        return reject(err, p, "med klokkeslett må ha tidssone (Z eller ±hh:mm)");
    if (dt_take(c, 'Z'))
        return KN_OK;
    if (!dt_take(c, '+') && !dt_take(c, '-'))
        return reject(err, p, "har ugyldig tidssone (Z eller ±hh:mm)");
    int hh = dt_number(c, 2, 0, 14);
    int mm = dt_take(c, ':') ? dt_number(c, 2, 0, 59) : -1;
    if (hh < 0 || mm < 0 || (hh == 14 && mm != 0))
        return reject(err, p, "har ugyldig tidssone (±hh:mm, høyst 14:00)");
    return KN_OK;
}

static int rule_datetime(fhir_prim p, const char *s, size_t n, kn_err *err)
{
    dt_cursor c = {s, n, 0};
    int parts = 0;
    int rc = dt_date(p, &c, &parts, err);
    if (rc != KN_OK)
        return rc;
    int has_time = dt_take(&c, 'T');
    if (has_time && p == FHIR_PRIM_DATE)
        return reject(err, p, "kan ikke ha klokkeslett");
    if ((has_time || p == FHIR_PRIM_INSTANT) && parts < 3)
        return reject(err, p, p == FHIR_PRIM_INSTANT ? "må ha full dato (YYYY-MM-DD)"
                                                     : "med klokkeslett må ha full dato (YYYY-MM-DD)");
    if (!has_time && p == FHIR_PRIM_INSTANT)
        return reject(err, p, "må ha klokkeslett med sekunder og tidssone");
    if (has_time && ((rc = dt_clock(p, &c, err)) != KN_OK || (rc = dt_zone(p, &c, err)) != KN_OK))
        return rc;
    if (c.i != n)
        return reject(err, p, "har ugyldige tegn etter verdien");
    return KN_OK;
}

static int rule_time(fhir_prim p, const char *s, size_t n, kn_err *err)
{
    dt_cursor c = {s, n, 0};
    int rc = dt_clock(p, &c, err);
    if (rc == KN_OK && c.i != n)
        return reject(err, p, "kan ikke ha tidssone eller andre tegn etter hh:mm:ss");
    return rc;
}

/* ---- the table ---- */

enum json_kind { JSON_BOOL, JSON_NUMBER, JSON_STRING };

static const struct prim_info {
    fhir_prim prim;
    const char *name;
    enum json_kind json;
    prim_rule rule;
} prims[] = {
    {FHIR_PRIM_BOOLEAN, "boolean", JSON_BOOL, rule_boolean},
    {FHIR_PRIM_INTEGER, "integer", JSON_NUMBER, rule_integer},
    {FHIR_PRIM_POSITIVEINT, "positiveInt", JSON_NUMBER, rule_integer},
    {FHIR_PRIM_UNSIGNEDINT, "unsignedInt", JSON_NUMBER, rule_integer},
    {FHIR_PRIM_DECIMAL, "decimal", JSON_NUMBER, rule_decimal},
    {FHIR_PRIM_STRING, "string", JSON_STRING, rule_string},
    {FHIR_PRIM_MARKDOWN, "markdown", JSON_STRING, rule_string},
    {FHIR_PRIM_CODE, "code", JSON_STRING, rule_code},
    {FHIR_PRIM_ID, "id", JSON_STRING, rule_id},
    {FHIR_PRIM_URI, "uri", JSON_STRING, rule_uri},
    {FHIR_PRIM_URL, "url", JSON_STRING, rule_uri},
    {FHIR_PRIM_CANONICAL, "canonical", JSON_STRING, rule_uri},
    {FHIR_PRIM_OID, "oid", JSON_STRING, rule_oid},
    {FHIR_PRIM_UUID, "uuid", JSON_STRING, rule_uuid},
    {FHIR_PRIM_BASE64BINARY, "base64Binary", JSON_STRING, rule_base64},
    {FHIR_PRIM_INSTANT, "instant", JSON_STRING, rule_datetime},
    {FHIR_PRIM_DATE, "date", JSON_STRING, rule_datetime},
    {FHIR_PRIM_DATETIME, "dateTime", JSON_STRING, rule_datetime},
    {FHIR_PRIM_TIME, "time", JSON_STRING, rule_time},
    {FHIR_PRIM_XHTML, "xhtml", JSON_STRING, rule_xhtml},
};

#define N_PRIMS (sizeof prims / sizeof prims[0])

static const struct prim_info *info_of(fhir_prim p)
{
    for (size_t i = 0; i < N_PRIMS; i++)
        if (prims[i].prim == p)
            return &prims[i];
    return NULL;
}

fhir_prim fhir_prim_from_name(const char *type_name)
{
    for (size_t i = 0; type_name && i < N_PRIMS; i++)
        if (strcmp(prims[i].name, type_name) == 0)
            return prims[i].prim;
    return FHIR_PRIM_NONE;
}

const char *fhir_prim_name(fhir_prim p)
{
    const struct prim_info *info = info_of(p);
    return info ? info->name : "";
}

int fhir_prim_check_text(fhir_prim p, const char *text, size_t len, kn_err *err)
{
    const struct prim_info *info = info_of(p);
    if (!info)
        return kn_err_set(err, KN_EINVAL, "ukjent primitiv datatype");
    if (!text)
        return reject(err, p, "mangler verdi");
    return info->rule(p, text, len, err);
}

int fhir_prim_check(fhir_prim p, const fj_node *value, kn_err *err)
{
    const struct prim_info *info = info_of(p);
    if (!info)
        return kn_err_set(err, KN_EINVAL, "ukjent primitiv datatype");
    if (!value)
        return reject(err, p, "mangler verdi");
    switch (info->json) {
    case JSON_BOOL:
        if (value->kind != FJ_TRUE && value->kind != FJ_FALSE)
            return reject(err, p, "må være JSON true eller false (ikke en streng eller et tall)");
        return KN_OK;
    case JSON_NUMBER:
        if (value->kind != FJ_NUMBER)
            return reject(err, p, "må være et JSON-tall (ikke en streng)");
        break;
    case JSON_STRING:
        if (value->kind != FJ_STRING)
            return reject(err, p, "må være en JSON-streng");
        break;
    }
    return info->rule(p, value->str, value->len, err);
}
