/* resp_codes.c - STUB written by the lead so the module links; its owner replaces it. */
#include "resp_int.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"

const char *resp_event_name(int kind)
{
    return "";
}

int resp_event_vkp(int kind)
{
    return KN_EINTERNAL;
}

void resp_event_init(store_resp_event *ev, int kind, int64_t at, const auth_principal *p, const char *text)
{
    
}

const resp_alert_info *resp_alert_lookup(const char *code)
{
    return NULL;
}

int resp_severity_valid(int severity)
{
    return KN_EINTERNAL;
}

int resp_triage_valid(const char *triage)
{
    return KN_EINTERNAL;
}

int resp_priority(const char *alert_code, int severity, const char *triage, const store_resp_profile *profile)
{
    return KN_EINTERNAL;
}

const char *resp_priority_name(int priority)
{
    return "";
}

const char *resp_state_name(int state)
{
    return "";
}

const char *resp_outcome_name(int outcome)
{
    return "";
}

int resp_action_parse(const char *name)
{
    return KN_EINTERNAL;
}

const char *resp_action_name(int action)
{
    return "";
}
