
/*
 * concertation: the commands of the Redis connection, in order — waiting
 * to be written, written and waiting for their reply — and the matching of
 * replies to them, FIFO.  No I/O but the writev() the connection asks for.
 */

#ifndef _NGX_HTTP_CONCERTATION_REDIS_QUEUE_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_REDIS_QUEUE_H_INCLUDED_


#include "ngx_http_concertation_redis.h"


struct ngx_http_concertation_cmd_s {
    ngx_queue_t                         queue;
    ngx_http_concertation_reply_pt      handler;   /* NULL: tombstone */
    void                               *data;
    char                               *buf;       /* RESP, from hiredis */
    size_t                              len;
    size_t                              sent;
    uint64_t                            queued_us;  /* for the gauges */
    ngx_msec_t                          queued;
    unsigned                            handshake:1;
};


typedef struct {
    ngx_queue_t                         outgoing;  /* not wholly sent yet */
    ngx_queue_t                         inflight;  /* sent, awaiting reply */
    ngx_queue_t                         free;
    ngx_log_t                          *log;
    /* only the handshake's commands are written until it is answered */
    unsigned                            hold:1;
} ngx_http_concertation_queue_t;


void ngx_http_concertation_queue_init(ngx_http_concertation_queue_t *q,
    ngx_log_t *log);
ngx_http_concertation_cmd_t *ngx_http_concertation_queue_push(
    ngx_http_concertation_queue_t *q, int argc, const char **argv,
    const size_t *argvlen, ngx_http_concertation_reply_pt handler,
    void *data);
/* writes what it can: NGX_OK (NGX_AGAIN handled), NGX_ERROR */
ngx_int_t ngx_http_concertation_queue_flush(ngx_http_concertation_queue_t *q,
    ngx_connection_t *c);
/* the reply of the oldest command sent; NGX_ERROR when none was sent */
ngx_int_t ngx_http_concertation_queue_reply(ngx_http_concertation_queue_t *q,
    redisReply *reply);
/*
 * every command fails (its handler gets no reply), the queue is empty;
 * returns how many of them were not the handshake's (a request's)
 */
ngx_uint_t ngx_http_concertation_queue_fail(ngx_http_concertation_queue_t *q);
/* a command taken back: 1 when Redis may have seen it (a tombstone now) */
ngx_uint_t ngx_http_concertation_queue_cancel(
    ngx_http_concertation_queue_t *q, ngx_http_concertation_cmd_t *cmd);
ngx_uint_t ngx_http_concertation_queue_waiting(
    ngx_http_concertation_queue_t *q);
/* the worker exits: the commands are only freed */
void ngx_http_concertation_queue_free(ngx_http_concertation_queue_t *q);


#endif /* _NGX_HTTP_CONCERTATION_REDIS_QUEUE_H_INCLUDED_ */
