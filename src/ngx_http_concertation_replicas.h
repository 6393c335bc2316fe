
/*
 * concertation: "acknowledged means replicated" (concertation_redis_wait).
 * A write that must reach the replicas before it is acknowledged is
 * followed by a WAIT on the worker's connection.  WAIT counts the replicas
 * that have every write the connection made before it, so one WAIT,
 * queued after the last write of a turn of the event loop, answers for all
 * of them: Redis holds the connection while it waits, and one WAIT per
 * write would make every write wait for the one before.
 */

#ifndef _NGX_HTTP_CONCERTATION_REPLICAS_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_REPLICAS_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "ngx_http_concertation_redis.h"


typedef struct ngx_http_concertation_replicated_s
    ngx_http_concertation_replicated_t;

/* enough: the replicas asked for have the write */
typedef void (*ngx_http_concertation_replicated_pt)(
    ngx_http_concertation_replicated_t *w, ngx_uint_t enough);

struct ngx_http_concertation_replicated_s {
    ngx_queue_t                          queue;
    ngx_http_concertation_replicated_pt  handler;
    void                                *data;
    void                                *batch;    /* its WAIT, or NULL */
    unsigned                             linked:1;
    unsigned                             written:1;   /* the write's reply */
    unsigned                             failed:1;    /* no WAIT could go */
};


/*
 * The write was just queued: a WAIT for rcf->wait_replicas replicas will
 * follow it.  w->handler and w->data are set by the caller.
 */
void ngx_http_concertation_replicas_follow(
    ngx_http_concertation_replicated_t *w,
    ngx_http_concertation_redis_conf_t *rcf);
/* the write's reply came, and says it wrote: the handler comes with WAIT's */
void ngx_http_concertation_replicas_written(
    ngx_http_concertation_replicated_t *w);
/* no handler, ever (the write failed, or its request is gone) */
void ngx_http_concertation_replicas_forget(
    ngx_http_concertation_replicated_t *w);


#endif /* _NGX_HTTP_CONCERTATION_REPLICAS_H_INCLUDED_ */
