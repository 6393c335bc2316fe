/*
 * The synthesis report's registrations: the stream of state changes
 * ("registered", "waitlisted", "promoted", "cancelled") replayed per
 * registration id, so that each event's figures are those at the end of
 * the stream.  The ids are kept in a hash table: a registration is a seat
 * or a waiting place, bounded by the programme, not by the answers.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "cc_synth.h"

enum { CC_REG_CONFIRMED = 1, CC_REG_WAITING, CC_REG_CANCELLED };

typedef struct {
    char      *id;            /* NULL: free */
    uint32_t   event;
    uint8_t    state;
} cc_synth_reg_t;

typedef struct {
    cc_synth_reg_t  *slots;
    size_t           cap;     /* a power of two */
    size_t           n;
} cc_synth_ids_t;


static uint64_t
cc_synth_hash(const char *s)
{
    uint64_t  h = 1469598103934665603ULL;

    for (; *s; s++) {
        h = (h ^ (unsigned char) *s) * 1099511628211ULL;
    }

    return h;
}


static cc_synth_reg_t *
cc_synth_lookup(cc_synth_ids_t *t, const char *id)
{
    size_t  i;

    if (t->cap == 0) {
        return NULL;
    }

    for (i = cc_synth_hash(id) & (t->cap - 1); t->slots[i].id;
         i = (i + 1) & (t->cap - 1))
    {
        if (strcmp(t->slots[i].id, id) == 0) {
            return &t->slots[i];
        }
    }

    return &t->slots[i];      /* the free slot where it would go */
}


static int
cc_synth_grow(cc_synth_ids_t *t)
{
    cc_synth_ids_t   n;
    cc_synth_reg_t  *r;
    size_t           i;

    n.cap = t->cap ? t->cap * 2 : 1024;
    n.n = t->n;
    n.slots = calloc(n.cap, sizeof(cc_synth_reg_t));
    if (n.slots == NULL) {
        return -1;
    }

    for (i = 0; i < t->cap; i++) {
        if (t->slots[i].id) {
            r = cc_synth_lookup(&n, t->slots[i].id);
            *r = t->slots[i];
        }
    }

    free(t->slots);
    *t = n;

    return 0;
}


static long
cc_synth_event_index(cc_synth_t *s, const char *event)
{
    size_t             i;
    cc_synth_event_t  *e;

    for (i = 0; i < s->nevents; i++) {
        if (strcmp(s->events[i].id, event) == 0) {
            return (long) i;
        }
    }

    if (s->nevents == s->cevents) {
        s->cevents = s->cevents ? s->cevents * 2 : 16;
        e = realloc(s->events, s->cevents * sizeof(cc_synth_event_t));
        if (e == NULL) {
            return -1;
        }
        s->events = e;
    }

    e = &s->events[s->nevents];
    memset(e, 0, sizeof(*e));
    e->id = strdup(event);
    if (e->id == NULL) {
        return -1;
    }

    return (long) s->nevents++;
}


static void
cc_synth_state(cc_synth_event_t *e, uint8_t from, uint8_t to)
{
    switch (from) {
    case CC_REG_CONFIRMED: e->confirmed--; break;
    case CC_REG_WAITING:   e->waiting--; break;
    case CC_REG_CANCELLED: e->cancelled--; break;
    }

    switch (to) {
    case CC_REG_CONFIRMED: e->confirmed++; break;
    case CC_REG_WAITING:   e->waiting++; break;
    case CC_REG_CANCELLED: e->cancelled++; break;
    }
}


int
cc_synth_regs_add(cc_synth_t *s, const char *id, const char *event,
    const char *status, int64_t day)
{
    cc_synth_ids_t  *t;
    cc_synth_reg_t  *r;
    long             ev;
    uint8_t          to;
    int              fresh;

    if (s->regs_ids == NULL) {
        s->regs_ids = calloc(1, sizeof(cc_synth_ids_t));
        if (s->regs_ids == NULL) {
            return -1;
        }
    }
    t = s->regs_ids;

    fresh = strcmp(status, "registered") == 0
            || strcmp(status, "waitlisted") == 0;

    if (strcmp(status, "registered") == 0
        || strcmp(status, "promoted") == 0)
    {
        to = CC_REG_CONFIRMED;
    } else if (strcmp(status, "waitlisted") == 0) {
        to = CC_REG_WAITING;
    } else if (strcmp(status, "cancelled") == 0) {
        to = CC_REG_CANCELLED;
    } else {
        s->regs_unknown++;
        return 0;
    }

    if (t->n * 2 >= t->cap && cc_synth_grow(t) != 0) {
        return -1;
    }

    r = cc_synth_lookup(t, id);

    if (r->id == NULL) {
        if (!fresh || event == NULL) {
            /* a change of a registration the stream no longer holds */
            s->regs_unknown++;
            return 0;
        }
        ev = cc_synth_event_index(s, event);
        if (ev < 0) {
            return -1;
        }
        r->id = strdup(id);
        if (r->id == NULL) {
            return -1;
        }
        r->event = (uint32_t) ev;
        r->state = 0;
        t->n++;
        s->events[ev].registrations++;
        if (cc_synth_days_add(&s->rdays, &s->nrdays, &s->rday0, NULL, day)
            != 0) {
            return -1;
        }
    }

    if (strcmp(status, "promoted") == 0) {
        s->events[r->event].promoted++;
    }

    cc_synth_state(&s->events[r->event], r->state, to);
    r->state = to;

    return 0;
}


void
cc_synth_regs_free(cc_synth_t *s)
{
    cc_synth_ids_t  *t = s->regs_ids;
    size_t           i;

    if (t) {
        for (i = 0; i < t->cap; i++) {
            free(t->slots[i].id);
        }
        free(t->slots);
        free(t);
    }

    for (i = 0; i < s->nevents; i++) {
        free(s->events[i].id);
    }
    free(s->events);
}


int
cc_synth_registration(cc_synth_t *s, const char *sid, const char *id,
    const char *event, const char *status, const char *received_at)
{
    if (id == NULL || status == NULL) {
        s->regs_unknown++;
        return 0;
    }

    s->regs_total++;
    if (sid) {
        if (s->regs_first_sid[0] == '\0') {
            snprintf(s->regs_first_sid, sizeof(s->regs_first_sid), "%s", sid);
        }
        snprintf(s->regs_last_sid, sizeof(s->regs_last_sid), "%s", sid);
    }

    return cc_synth_regs_add(s, id, event, status,
                             cc_synth_day(received_at, NULL));
}


const cc_synth_event_t *
cc_synth_event(const cc_synth_t *s, const char *id)
{
    size_t  i;

    for (i = 0; i < s->nevents; i++) {
        if (strcmp(s->events[i].id, id) == 0) {
            return &s->events[i];
        }
    }

    return NULL;
}
