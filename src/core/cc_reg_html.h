/*
 * The pages of the registration journey, written from the programme: the
 * list of events with their seats, the answer to a registration
 * (confirmed, waiting list), the cancellation page (what would be
 * cancelled, and a button) and what a cancellation did.  Each is a whole
 * page in the site's shell, malloc()ed; NULL on no memory.
 */

#ifndef CC_REG_HTML_H
#define CC_REG_HTML_H

#include <stdint.h>

#include "cc_http.h"
#include "cc_events.h"
#include "cc_event_text.h"

/*
 * The events, grouped by kind (workshops, conference, webinars), each with
 * its title, day and hours, place and seats; seats[i] goes with event i
 * (NULL: not known).  With "room_only", only the events that still take
 * registrations, except "except" (may be NULL); otherwise the heading of
 * the form that follows the list closes it.
 */
char *cc_programme_html(const cc_events_t *events, const cc_seats_t *seats,
    int64_t now, int room_only, const cc_event_t *except);

typedef enum {
    CC_REG_CONFIRMED = 0,
    CC_REG_WAITLISTED,
    CC_REG_CANCELLED
} cc_reg_status_e;

/* a registration as a page shows it */
typedef struct {
    const cc_event_t    *event;
    cc_reg_status_e      status;
    long long            position;    /* on the waiting list, from 1 */
    const char          *name;        /* "Camille Lefèvre", or NULL */
    const char          *email;       /* or NULL */
    const char          *token;       /* the cancellation token */
    const char          *cancel;      /* the cancellation page, or NULL */
    const char          *signup;      /* the registration page, or NULL */
    unsigned             again:1;     /* registered before: same answer */
    unsigned             mailed:1;    /* e-mails are sent */
} cc_reg_view_t;

/* after a registration: confirmed, or on the waiting list */
char *cc_reg_answer_html(const cc_shell_t *shell, const cc_reg_view_t *v);

/* GET of the cancellation link: the registration and a button */
char *cc_reg_cancel_html(const cc_shell_t *shell, const cc_reg_view_t *v);

/*
 * After the POST: what the cancellation did.  v->status is the status
 * before (CC_REG_CANCELLED: it was cancelled already); "promoted": a
 * person of the waiting list took the seat.
 */
char *cc_reg_cancelled_html(const cc_shell_t *shell, const cc_reg_view_t *v,
    int promoted);

/* the error beside the form when the event chosen is full */
size_t cc_reg_full_text(const cc_event_t *ev, char *out, size_t len);

#endif /* CC_REG_HTML_H */
