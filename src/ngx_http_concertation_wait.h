
/*
 * concertation: a request waiting on Redis — the command it sent, its
 * deadline, and the cleanup that takes the command back whatever way the
 * request ends, so that a reply never finds a freed request.
 */

#ifndef _NGX_HTTP_CONCERTATION_WAIT_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_WAIT_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "ngx_http_concertation_scripts.h"


typedef struct {
    ngx_http_request_t             *request;
    ngx_http_concertation_call_t   *call;
    ngx_event_t                     deadline;
    const char                     *what;       /* for the log */
    /* the answer when the deadline passed; maybe_sent: Redis may have it */
    ngx_int_t                     (*expired)(ngx_http_request_t *r,
                                             ngx_uint_t maybe_sent);
} ngx_http_concertation_wait_t;


ngx_int_t ngx_http_concertation_wait_init(ngx_http_concertation_wait_t *w,
    ngx_http_request_t *r, const char *what,
    ngx_int_t (*expired)(ngx_http_request_t *r, ngx_uint_t maybe_sent));
/* the command is on its way: its deadline starts */
void ngx_http_concertation_wait_arm(ngx_http_concertation_wait_t *w,
    ngx_http_concertation_call_t *call, ngx_msec_t timeout);
/*
 * The answer rc is in (from the Redis connection's or a timer's event):
 * the request is finalized; NGX_DONE: it waits on something else now.
 */
void ngx_http_concertation_wait_done(ngx_http_concertation_wait_t *w,
    ngx_int_t rc);


#endif /* _NGX_HTTP_CONCERTATION_WAIT_H_INCLUDED_ */
