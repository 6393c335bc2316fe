/*
 * Registrations to the events of the programme: the cancellation token, the
 * e-mail key that makes a second registration find the first, and the check
 * that the registration schema offers exactly the programme's events.
 */

#ifndef CC_REGISTRATION_H
#define CC_REGISTRATION_H

#include <stddef.h>
#include "cc_record.h"
#include "cc_schema.h"
#include "cc_events.h"

#define CC_REG_EVENT_MAX   64
#define CC_REG_MAC_LEN     CC_SIGNED_MAC_LEN

/* "<registration id>.<event id>.<MAC>" */
#define CC_REG_TOKEN_MAX_LEN  (CC_ID_LEN + 1 + CC_REG_EVENT_MAX + 1           \
                               + CC_REG_MAC_LEN)

/*
 * The cancellation-token key: HMAC-SHA256(secret, "concertation
 * registration token v1") used as an HMAC key, so that a cancellation token
 * is never a form token nor a client key.  Free with cc_hmac_free().
 */
#define CC_REG_CONTEXT  "concertation registration token v1"

cc_hmac_t *cc_reg_token_key(const unsigned char *secret, size_t secret_len);

/*
 * Writes the token of registration id (CC_ID_LEN chars) to event and a NUL
 * into out (CC_REG_TOKEN_MAX_LEN + 1 bytes); returns its length, 0 on
 * failure (event empty, too long or not a-z, 0-9, "-").
 */
size_t cc_reg_token_make(cc_hmac_t *key, const char *id, const char *event,
    size_t event_len, char *out);

/*
 * Checks s[0..len): 0 and the registration id (CC_ID_LEN + 1 bytes) and
 * event (CC_REG_EVENT_MAX + 1 bytes) it names, NUL-terminated; -1 when it is
 * malformed, -2 when its MAC is wrong (compared in constant time).
 */
int cc_reg_token_check(cc_hmac_t *key, const char *s, size_t len, char *id,
    char *event);

/*
 * The key a person is recognised by: the address trimmed and lower-cased
 * (ASCII; the validator has already checked its form).  Writes at most
 * outlen - 1 bytes and a NUL; returns the length, 0 when it does not fit.
 */
size_t cc_reg_email_key(const char *email, size_t len, char *out,
    size_t outlen);

/*
 * 0 when the choice field "field" of the schema offers exactly the events
 * of the programme (each option an event, each event an option) and the
 * schema has a required field "email" of type email; otherwise -1 and a
 * message in err.
 */
int cc_reg_check_schema(const cc_schema_t *schema, const char *field,
    const cc_events_t *events, char *err, size_t errlen);

/*
 * A registration form's definition, read from path and completed from the
 * programme: a choice field whose "options" is the string "programme" gets
 * one option per event (cc_event_label_fr()), and the events' own
 * questions join the form before its first consent box, each asked only
 * for the events that declare it (the same name in two events must be the
 * same question).  A definition without such a field is loaded as it is.
 * events NULL: "programme" is refused.  Errors name the file and the event.
 */
cc_schema_t *cc_reg_schema_load_file(const char *path,
    const cc_events_t *events, char *err, size_t errlen);

#endif /* CC_REGISTRATION_H */
