/* hub_read_patient.c - a citizen of the register as a VKP Patient
 * (http://ehelse.no/fhir/StructureDefinition/vkp-Patient-v090).
 *
 * The identifier uses the slice of the number's kind: D-nummer
 * (urn:oid:2.16.578.1.12.4.1.4.2) for D-numbers, fødselsnummer
 * (urn:oid:2.16.578.1.12.4.1.4.1) otherwise (synthetic test numbers are
 * fødselsnummer-shaped). The register's one-line address "Storgata 1, 4760
 * Knutby" becomes line, postalCode and city (and text); anything else only
 * text. Only what the register holds is written: no gender or birthDate.
 */
#include "hub_read.h"

#include <ctype.h>
#include <string.h>

#include "../fhir/fhir_json.h"
#include "../nid/nid.h"

#define VKP_PATIENT "http://ehelse.no/fhir/StructureDefinition/vkp-Patient-v090"
#define OID_FNR "urn:oid:2.16.578.1.12.4.1.4.1"
#define OID_DNR "urn:oid:2.16.578.1.12.4.1.4.2"

/* ,"key":"value" */
static int member(kn_buf *out, const char *key, const char *value)
{
    int rc = kn_buf_printf(out, ",\"%s\":", key);
    return rc == KN_OK ? fj_write_string(value, strlen(value), out) : rc;
}

static const char *identifier_system(const char *nin)
{
    int kind = 0;
    if (nid_person_check(nin, &kind, NULL) == KN_OK && kind == NID_DNR)
        return OID_DNR;
    return OID_FNR;
}

/* "Storgata 1, 4760 Knutby": the comma, then four digits, a space and a city. */
static int split_address(const char *a, size_t *line_len, const char **postal, const char **city)
{
    const char *comma = strrchr(a, ',');
    if (!comma || comma == a)
        return 0;
    const char *p = comma + 1;
    while (*p == ' ')
        p++;
    for (int i = 0; i < 4; i++)
        if (!isdigit((unsigned char)p[i]))
            return 0;
    if (p[4] != ' ' || !p[5])
        return 0;
    *line_len = (size_t)(comma - a);
    *postal = p;
    *city = p + 5;
    return 1;
}

static int address_json(const char *a, kn_buf *out)
{
    size_t line_len;
    const char *postal, *city;
    int rc = kn_buf_puts(out, ",\"address\":[{\"use\":\"home\",\"text\":");
    if (rc == KN_OK)
        rc = fj_write_string(a, strlen(a), out);
    if (rc == KN_OK && split_address(a, &line_len, &postal, &city)) {
        rc = kn_buf_puts(out, ",\"line\":[");
        if (rc == KN_OK)
            rc = fj_write_string(a, line_len, out);
        if (rc == KN_OK)
            rc = kn_buf_puts(out, "],\"postalCode\":");
        if (rc == KN_OK)
            rc = fj_write_string(postal, 4, out);
        if (rc == KN_OK)
            rc = member(out, "city", city);
    }
    return rc == KN_OK ? kn_buf_puts(out, "}]") : rc;
}

static int name_json(const store_citizen *c, kn_buf *out)
{
    int rc = kn_buf_puts(out, ",\"name\":[{\"use\":\"official\"");
    if (rc == KN_OK)
        rc = member(out, "family", c->family_name);
    if (rc == KN_OK)
        rc = kn_buf_puts(out, ",\"given\":[");
    if (rc == KN_OK)
        rc = fj_write_string(c->given_name, strlen(c->given_name), out);
    return rc == KN_OK ? kn_buf_puts(out, "]}]") : rc;
}

int hub_patient_json(const store_citizen *c, kn_buf *out)
{
    int rc = kn_buf_puts(out, "{\"resourceType\":\"Patient\"");
    if (rc == KN_OK)
        rc = member(out, "id", c->id);
    if (rc == KN_OK)
        rc = kn_buf_printf(out, ",\"meta\":{\"profile\":[\"%s\"]}", VKP_PATIENT);
    if (rc == KN_OK)
        rc = kn_buf_printf(out, ",\"identifier\":[{\"use\":\"official\",\"system\":\"%s\"",
                           identifier_system(c->nin));
    if (rc == KN_OK)
        rc = member(out, "value", c->nin);
    if (rc == KN_OK)
        rc = kn_buf_puts(out, "}],\"active\":true");
    if (rc == KN_OK)
        rc = name_json(c, out);
    if (rc == KN_OK && c->phone[0]) {
        rc = kn_buf_puts(out, ",\"telecom\":[{\"system\":\"phone\"");
        if (rc == KN_OK)
            rc = member(out, "value", c->phone);
        if (rc == KN_OK)
            rc = kn_buf_puts(out, "}]");
    }
    if (rc == KN_OK && c->address[0])
        rc = address_json(c->address, out);
    return rc == KN_OK ? kn_buf_puts(out, "}") : rc;
}
