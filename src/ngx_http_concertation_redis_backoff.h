
/*
 * concertation: when Redis cannot be reached, the next try of the worker's
 * connection — a capped exponential backoff, 100 ms to 5 s — and the error
 * log of an outage: one line per step, with how many requests met Redis
 * unavailable since the last line, however many requests come.
 */

#ifndef _NGX_HTTP_CONCERTATION_REDIS_BACKOFF_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_REDIS_BACKOFF_H_INCLUDED_


#include "ngx_http_concertation.h"


typedef struct {
    ngx_event_t                 timer;      /* the step's own try */
    ngx_msec_t                  delay;      /* 0: no outage */
    ngx_uint_t                  met;        /* requests, since the last line */
    ngx_log_t                  *log;
    void                      (*retry)(void *data);  /* the connection's */
    void                       *data;
    /* Redis said no to the handshake: no try before the timer's */
    unsigned                    refused:1;
} ngx_http_concertation_backoff_t;


void ngx_http_concertation_backoff_init(ngx_http_concertation_backoff_t *b,
    ngx_log_t *log, void (*retry)(void *data), void *data);
/*
 * A try or a connection failed, after "requests" requests' commands were
 * failed with it.  A try between two steps (a request's, on demand) is
 * only counted; otherwise this is the next step, logged with reason and
 * err, and the timer set for its try.
 */
void ngx_http_concertation_backoff_failed(ngx_http_concertation_backoff_t *b,
    ngx_str_t *name, ngx_err_t err, const char *reason, ngx_uint_t requests,
    ngx_uint_t refused);
/* a request was refused at once, Redis being unavailable */
void ngx_http_concertation_backoff_met(ngx_http_concertation_backoff_t *b);
/* may a request try to connect now, rather than wait for the timer? */
ngx_uint_t ngx_http_concertation_backoff_may_try(
    ngx_http_concertation_backoff_t *b);
/* the connection is through its handshake: the outage, if any, is over */
void ngx_http_concertation_backoff_up(ngx_http_concertation_backoff_t *b,
    ngx_str_t *name);
/* Redis is somewhere else now: the next try is at once, and counted anew */
void ngx_http_concertation_backoff_moved(ngx_http_concertation_backoff_t *b);
void ngx_http_concertation_backoff_stop(ngx_http_concertation_backoff_t *b);


#endif /* _NGX_HTTP_CONCERTATION_REDIS_BACKOFF_H_INCLUDED_ */
