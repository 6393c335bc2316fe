/*
 * concertation-notify's pieces that need neither Redis nor a mail server,
 * unit-tested alone: the messages (RFC 5322, MIME, UTF-8), their French
 * texts, and the calendar invitation (RFC 5545).
 */

#ifndef CC_NOTIFY_H
#define CC_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "cc_events.h"

typedef enum {
    CC_MAIL_CONFIRMED = 0,      /* a seat */
    CC_MAIL_WAITLISTED,         /* a waiting place */
    CC_MAIL_PROMOTED,           /* from the waiting list to a seat */
    CC_MAIL_CANCELLED,          /* the cancellation acknowledged */
    CC_MAIL_REMINDER,           /* before the event, to confirmed people */
    CC_MAIL_KINDS
} cc_mail_kind_e;

/* "confirmation", "attente", ...: in Message-IDs, metrics and logs */
const char *cc_mail_kind_name(cc_mail_kind_e kind);

typedef struct {
    cc_mail_kind_e      kind;
    const cc_event_t   *event;
    const char         *id;          /* the registration's */
    const char         *email;       /* the person's address */
    const char         *name;        /* "Camille Lefèvre", may be "" */
    long long           position;    /* on the waiting list, from 1 */
    const char         *cancel_url;  /* the cancellation link, whole */
    const char         *site;        /* "https://concertation-ess..." */
    const char         *from;        /* the sender's address */
    const char         *from_name;   /* its display name, UTF-8 */
    const char         *domain;      /* of Message-IDs and UIDs */
    int64_t             now;         /* Unix seconds: Date, DTSTAMP */
} cc_mail_t;

/*
 * 1 when the address can go into a header and an SMTP envelope as it is:
 * printable ASCII without space, "<", ">", "(", ")", ",", ";", quotes or
 * backslash, one "@" with something on both sides, at most 254 bytes.
 */
int cc_mail_address_ok(const char *s);

/* "<kind.id@domain>": the same message sent again keeps it */
size_t cc_mail_message_id(const cc_mail_t *m, char *out, size_t len);

/*
 * The whole message, CRLF line ends: headers (From, To, Subject as
 * RFC 2047 encoded words, Date, Message-ID, MIME-Version), then a
 * multipart/alternative plain text and HTML in UTF-8 (base64), and for a
 * seat (confirmed, promoted, reminder) of a dated event the invitation as
 * a text/calendar part.  malloc()ed, NULL on no memory or an address
 * cc_mail_address_ok() refuses.
 */
char *cc_mail_message(const cc_mail_t *m, size_t *len);

/*
 * The invitation: VCALENDAR with METHOD:PUBLISH, the Europe/Paris
 * VTIMEZONE, one VEVENT with a UID stable per registration, DTSTART and
 * DTEND with TZID=Europe/Paris, SUMMARY, LOCATION, DESCRIPTION, URL;
 * lines folded at 75 octets, CRLF.  NULL for an event without dates.
 */
char *cc_mail_ics(const cc_mail_t *m);

#endif /* CC_NOTIFY_H */
