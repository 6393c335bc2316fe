/*
 * The programme of events people register to (conf/events.json): loaded
 * once at configuration time, looked up at request time.
 */

#ifndef CC_EVENTS_H
#define CC_EVENTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char        *id;            /* "atelier-caen": a-z, 0-9, "-" */
    char        *kind;          /* "atelier", "webinaire", "conference" */
    char        *title;         /* French */
    char        *place;         /* French, may be "" */
    char        *department;    /* "14", "27", ..., may be "" */
    char        *address;       /* postal address line, may be "" */
    char        *bring;         /* what to bring, may be "" */
    char        *questions;     /* its own questions: JSON text, or NULL */
    int          dated;         /* 0: dates not announced yet */
    int64_t      start;         /* Unix seconds, when dated */
    int64_t      end;
    int          start_offset;  /* UTC offset of the start, in seconds */
    int64_t      deadline;      /* registrations close after this second;
                                   INT64_MAX when none (undated, no deadline) */
    unsigned     capacity;      /* seats, >= 1 */
    unsigned     waitlist;      /* waiting places, >= 0 */
} cc_event_t;

typedef struct {
    cc_event_t  *events;
    size_t       n;
} cc_events_t;

/*
 * Loads and checks a programme.  On failure returns NULL and writes into err
 * a message naming the file, the event and the faulty property.
 */
cc_events_t *cc_events_load_file(const char *path, char *err, size_t errlen);
cc_events_t *cc_events_load_buffer(const char *name, const char *buf,
    size_t len, char *err, size_t errlen);
void cc_events_free(cc_events_t *events);

/* The event with that id, or NULL. */
const cc_event_t *cc_events_find(const cc_events_t *events, const char *id,
    size_t len);

#endif /* CC_EVENTS_H */
