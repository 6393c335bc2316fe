/*
 * An event of the programme in French words, the same on every page, in
 * the form's options, the e-mails and the calendar invitation: its day and
 * hours in Paris time, its label, its seats, a rank in words.
 */

#ifndef CC_EVENT_TEXT_H
#define CC_EVENT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "cc_events.h"

#define CC_NBSP  "\xc2\xa0"

/* the longest phrase below, with its NUL */
#define CC_EVENT_TEXT_LEN  1200

/* the seats taken, as last read from Redis */
typedef struct {
    unsigned  confirmed;
    unsigned  waitlisted;
    unsigned  known:1;        /* 0: never read, the numbers mean nothing */
} cc_seats_t;

/*
 * Each writes at most len bytes with the NUL and returns the length
 * written, 0 when it does not fit or there is nothing to say (an event
 * without dates has no day).
 */

/* "lundi 22 février 2027", the start's day in Paris time */
size_t cc_event_day_fr(const cc_event_t *ev, char *out, size_t len);

/*
 * "lundi 22 février 2027, de 14 h à 17 h", or over two days "du lundi 22
 * février 2027 à 14 h au mardi 23 février 2027 à 12 h 30" (no-break spaces
 * inside "14 h").
 */
size_t cc_event_when_fr(const cc_event_t *ev, char *out, size_t len);

/*
 * The event as an option of the registration form: "Atelier territorial
 * de l'Eure, lundi 22 février 2027"; a webinar's title after "Webinaire :".
 */
size_t cc_event_label_fr(const cc_event_t *ev, char *out, size_t len);

/* "N places restantes", "Complet : liste d'attente, N places", ... */
size_t cc_event_seats_fr(const cc_event_t *ev, const cc_seats_t *seats,
    int64_t now, char *out, size_t len);

/* seats or waiting places left, and registrations still open */
int cc_event_has_room(const cc_event_t *ev, const cc_seats_t *seats,
    int64_t now);

/*
 * n as a feminine ordinal, for "en troisième position": "première",
 * "vingt et unième", "quatre-vingtième"; from 1000 on, "1000e".
 */
size_t cc_ordinal_fr(unsigned n, char *out, size_t len);

/* "2027-02-22T14:00:00+01:00", the time t in Paris */
size_t cc_event_iso(int64_t t, char *out, size_t len);

#endif /* CC_EVENT_TEXT_H */
