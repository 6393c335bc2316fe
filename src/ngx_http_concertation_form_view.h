
/*
 * concertation: the page of a form as the module writes it — shown empty
 * (a page view), again with the answers and their errors, or with a
 * draft's answers — from the form's definition, in the site's shell, with
 * the form token and the honeypot of the form's location.
 */

#ifndef _NGX_HTTP_CONCERTATION_FORM_VIEW_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_FORM_VIEW_H_INCLUDED_


#include "ngx_http_concertation.h"
#include <jansson.h>
#include "cc_events.h"


typedef struct {
    ngx_http_concertation_loc_conf_t   *form;       /* NULL: the request's */
    const char                         *action;     /* NULL: the request's */
    json_t                             *errors;     /* an array, or NULL */
    json_t                             *submitted;  /* or NULL */
    const char                         *notice;     /* a sentence above */
    const char                         *draft;      /* a saved draft's link */
    const char                         *resume;     /* its code */
    const char                         *current;    /* the page's address */
    const char                         *before;     /* HTML above the form */
    unsigned                            fresh:1;    /* a page view */
    unsigned                            fragment:1; /* the form alone */
} ngx_http_concertation_view_t;


/*
 * The page, malloc()ed (NULL: no memory).  A page view gets a token of
 * now and a new idempotency key; a form shown again keeps its key and
 * gets a token the abuse controls give a form shown again.
 */
char *ngx_http_concertation_form_view(ngx_http_request_t *r,
    ngx_http_concertation_view_t *v);


/*
 * The programme's events with their seats as last read from Redis (the
 * counters' cache, never a round trip), in r's pool; "room_only": those
 * still taking registrations, but "except".  NULL: no memory.
 */
char *ngx_http_concertation_view_programme(ngx_http_request_t *r,
    ngx_uint_t room_only, const cc_event_t *except);


#endif /* _NGX_HTTP_CONCERTATION_FORM_VIEW_H_INCLUDED_ */
