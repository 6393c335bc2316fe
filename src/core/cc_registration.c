/*
 * Registrations; see cc_registration.h.
 */

#include <stdio.h>
#include <string.h>
#include "cc_registration.h"
#include "cc_schema_int.h"
#include "cc_event_text.h"



cc_hmac_t *
cc_reg_token_key(const unsigned char *secret, size_t secret_len)
{
    return cc_hmac_derive(secret, secret_len, CC_REG_CONTEXT);
}


static int
cc_reg_event_ok(const char *event, size_t len)
{
    size_t  i;

    if (len == 0 || len > CC_REG_EVENT_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((event[i] >= 'a' && event[i] <= 'z')
              || (event[i] >= '0' && event[i] <= '9') || event[i] == '-'))
        {
            return 0;
        }
    }

    return 1;
}


/* the MAC covers "<id>.<event>": the id has a fixed length, no ambiguity */

size_t
cc_reg_token_make(cc_hmac_t *key, const char *id, const char *event,
    size_t event_len, char *out)
{
    if (!cc_reg_event_ok(event, event_len)) {
        return 0;
    }

    memcpy(out, id, CC_ID_LEN);
    out[CC_ID_LEN] = '.';
    memcpy(out + CC_ID_LEN + 1, event, event_len);

    return cc_signed_make(key, out, CC_ID_LEN + 1 + event_len);
}


int
cc_reg_token_check(cc_hmac_t *key, const char *s, size_t len, char *id,
    char *event)
{
    size_t  i, n, event_len;

    if (len > CC_REG_TOKEN_MAX_LEN) {
        return -1;
    }

    n = cc_signed_payload(s, len);          /* "<id>.<event>" */

    if (n == (size_t) -1 || n < CC_ID_LEN + 2 || s[CC_ID_LEN] != '.') {
        return -1;
    }

    event_len = n - CC_ID_LEN - 1;

    if (!cc_reg_event_ok(s + CC_ID_LEN + 1, event_len)) {
        return -1;
    }

    for (i = 0; i < CC_ID_LEN; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')
              || s[i] == '-'))
        {
            return -1;
        }
    }

    if (!cc_signed_verify(key, s, n)) {
        return -2;
    }

    memcpy(id, s, CC_ID_LEN);
    id[CC_ID_LEN] = '\0';
    memcpy(event, s + CC_ID_LEN + 1, event_len);
    event[event_len] = '\0';

    return 0;
}


size_t
cc_reg_email_key(const char *email, size_t len, char *out, size_t outlen)
{
    size_t  i;

    while (len && (*email == ' ' || *email == '\t')) {
        email++;
        len--;
    }

    while (len && (email[len - 1] == ' ' || email[len - 1] == '\t')) {
        len--;
    }

    if (len == 0 || len >= outlen) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        out[i] = (email[i] >= 'A' && email[i] <= 'Z') ? email[i] + 32
                                                        : email[i];
    }

    out[len] = '\0';

    return len;
}


int
cc_reg_check_schema(const cc_schema_t *schema, const char *field,
    const cc_events_t *events, char *err, size_t errlen)
{
    size_t              i;
    const cc_field_t   *f, *e;
    const cc_option_t  *o;
    char                label[CC_EVENT_TEXT_LEN];

    f = cc_schema_field(schema, field);

    if (f == NULL || f->type != CC_FIELD_CHOICE) {
        snprintf(err, errlen, "the schema has no choice field \"%s\"",
                 field);
        return -1;
    }

    /* the person is recognised by the address: it must be there */

    e = cc_schema_field(schema, "email");

    if (e == NULL || e->type != CC_FIELD_EMAIL || !e->required) {
        snprintf(err, errlen, "the schema needs a required field \"email\" "
                 "of type email");
        return -1;
    }

    for (i = 0; i < f->noptions; i++) {
        if (cc_events_find(events, f->options[i].value,
                           f->options[i].value_len)
            == NULL)
        {
            snprintf(err, errlen, "the schema offers the event \"%s\", "
                     "which is not in the programme", f->options[i].value);
            return -1;
        }
    }

    for (i = 0; i < events->n; i++) {
        o = cc_field_option(f, events->events[i].id,
                            strlen(events->events[i].id));

        if (o == NULL) {
            snprintf(err, errlen, "the programme's event \"%s\" is not "
                     "an option of the schema's field \"%s\"",
                     events->events[i].id, field);
            return -1;
        }

        /* one source for titles and dates: a label written by hand must
         * say what the programme says (or write "options": "programme") */

        if (cc_event_label_fr(&events->events[i], label, sizeof(label)) == 0
            || strcmp(o->label, label) != 0)
        {
            snprintf(err, errlen, "the label of the option \"%s\" (\"%s\") "
                     "differs from the programme's \"%s\": write "
                     "\"options\": \"programme\" to take the programme's",
                     events->events[i].id, o->label, label);
            return -1;
        }
    }

    return 0;
}
