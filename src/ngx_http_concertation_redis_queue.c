
/*
 * concertation: the commands of the Redis connection (the header says what).
 * A command whose request gave up stays in the queue as a tombstone when it
 * was (partly) sent, so that its late reply is read and dropped; when
 * nothing of it was sent yet, it is simply taken out and never reaches
 * Redis.
 */


#include "ngx_http_concertation_redis_queue.h"
#include "ngx_http_concertation_gauges.h"

#include <sys/uio.h>


#define NGX_HTTP_CONCERTATION_IOVS  64


static void ngx_http_concertation_queue_release(
    ngx_http_concertation_queue_t *q, ngx_http_concertation_cmd_t *cmd);


void
ngx_http_concertation_queue_init(ngx_http_concertation_queue_t *q,
    ngx_log_t *log)
{
    ngx_queue_init(&q->outgoing);
    ngx_queue_init(&q->inflight);
    ngx_queue_init(&q->free);
    q->log = log;
    q->hold = 0;
}


ngx_http_concertation_cmd_t *
ngx_http_concertation_queue_push(ngx_http_concertation_queue_t *rq, int argc,
    const char **argv, const size_t *argvlen,
    ngx_http_concertation_reply_pt handler, void *data)
{
    int                           len;
    ngx_queue_t                  *q;
    ngx_http_concertation_cmd_t  *cmd;

    if (!ngx_queue_empty(&rq->free)) {
        q = ngx_queue_head(&rq->free);
        ngx_queue_remove(q);
        cmd = ngx_queue_data(q, ngx_http_concertation_cmd_t, queue);

    } else {
        cmd = ngx_alloc(sizeof(ngx_http_concertation_cmd_t), rq->log);
        if (cmd == NULL) {
            return NULL;
        }
    }

    cmd->buf = NULL;
    len = redisFormatCommandArgv(&cmd->buf, argc, argv, argvlen);

    if (len < 0) {
        ngx_log_error(NGX_LOG_ALERT, rq->log, 0,
                      "could not format a Redis command");
        ngx_queue_insert_head(&rq->free, &cmd->queue);
        return NULL;
    }

    cmd->len = len;
    cmd->sent = 0;
    cmd->handler = handler;
    cmd->data = data;
    cmd->queued_us = ngx_http_concertation_gauges_now_us();
    cmd->queued = ngx_current_msec;
    cmd->handshake = 0;

    ngx_queue_insert_tail(&rq->outgoing, &cmd->queue);

    return cmd;
}


ngx_int_t
ngx_http_concertation_queue_flush(ngx_http_concertation_queue_t *rq,
    ngx_connection_t *c)
{
    size_t                        n;
    ssize_t                       sent;
    ngx_uint_t                    niov;
    ngx_err_t                     err;
    ngx_queue_t                  *q;
    struct iovec                  iov[NGX_HTTP_CONCERTATION_IOVS];
    ngx_http_concertation_cmd_t  *cmd;

    while (!ngx_queue_empty(&rq->outgoing)) {

        niov = 0;

        for (q = ngx_queue_head(&rq->outgoing);
             q != ngx_queue_sentinel(&rq->outgoing)
             && niov < NGX_HTTP_CONCERTATION_IOVS;
             q = ngx_queue_next(q))
        {
            cmd = ngx_queue_data(q, ngx_http_concertation_cmd_t, queue);

            if (rq->hold && !cmd->handshake) {
                /* not a byte of it before Redis said yes to the handshake */
                break;
            }

            iov[niov].iov_base = cmd->buf + cmd->sent;
            iov[niov].iov_len = cmd->len - cmd->sent;
            niov++;
        }

        if (niov == 0) {
            return NGX_OK;
        }

        sent = writev(c->fd, iov, niov);

        if (sent == -1) {
            err = ngx_socket_errno;

            if (err == NGX_EINTR) {
                continue;
            }

            if (err == NGX_EAGAIN) {
                c->write->ready = 0;
                return ngx_handle_write_event(c->write, 0);
            }

            return NGX_ERROR;
        }

        /* the wholly sent commands now wait for their replies */

        n = sent;

        while (n && !ngx_queue_empty(&rq->outgoing)) {
            q = ngx_queue_head(&rq->outgoing);
            cmd = ngx_queue_data(q, ngx_http_concertation_cmd_t, queue);

            if (n < cmd->len - cmd->sent) {
                cmd->sent += n;
                break;
            }

            n -= cmd->len - cmd->sent;
            cmd->sent = cmd->len;

            ngx_queue_remove(q);
            ngx_queue_insert_tail(&rq->inflight, q);
        }
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_concertation_queue_reply(ngx_http_concertation_queue_t *rq,
    redisReply *reply)
{
    ngx_queue_t                  *q;
    ngx_http_concertation_cmd_t  *cmd;

    if (ngx_queue_empty(&rq->inflight)) {
        freeReplyObject(reply);
        return NGX_ERROR;
    }

    q = ngx_queue_head(&rq->inflight);
    ngx_queue_remove(q);
    cmd = ngx_queue_data(q, ngx_http_concertation_cmd_t, queue);

    ngx_http_concertation_gauges_redis_latency(cmd->queued_us);

    if (cmd->handler) {
        cmd->handler(cmd->data, reply);
    }

    freeReplyObject(reply);
    ngx_http_concertation_queue_release(rq, cmd);

    return NGX_OK;
}


ngx_uint_t
ngx_http_concertation_queue_fail(ngx_http_concertation_queue_t *rq)
{
    ngx_uint_t                    requests;
    ngx_queue_t                   failed, *q;
    ngx_http_concertation_cmd_t  *cmd;

    ngx_queue_init(&failed);
    ngx_queue_add(&failed, &rq->inflight);
    ngx_queue_add(&failed, &rq->outgoing);
    ngx_queue_init(&rq->inflight);
    ngx_queue_init(&rq->outgoing);
    requests = 0;

    while (!ngx_queue_empty(&failed)) {
        q = ngx_queue_head(&failed);
        ngx_queue_remove(q);
        cmd = ngx_queue_data(q, ngx_http_concertation_cmd_t, queue);

        if (cmd->handler) {
            requests += !cmd->handshake;
            cmd->handler(cmd->data, NULL);
        }

        ngx_http_concertation_queue_release(rq, cmd);
    }

    return requests;
}


ngx_uint_t
ngx_http_concertation_queue_cancel(ngx_http_concertation_queue_t *rq,
    ngx_http_concertation_cmd_t *cmd)
{
    if (cmd->sent == 0) {
        /* nothing of it left the worker: Redis will never see it */
        ngx_queue_remove(&cmd->queue);
        ngx_http_concertation_queue_release(rq, cmd);
        return 0;
    }

    cmd->handler = NULL;
    cmd->data = NULL;

    return 1;
}


ngx_uint_t
ngx_http_concertation_queue_waiting(ngx_http_concertation_queue_t *rq)
{
    return !ngx_queue_empty(&rq->inflight);
}


void
ngx_http_concertation_queue_free(ngx_http_concertation_queue_t *rq)
{
    ngx_queue_t                  *q;
    ngx_http_concertation_cmd_t  *cmd;

    ngx_queue_add(&rq->outgoing, &rq->inflight);
    ngx_queue_add(&rq->outgoing, &rq->free);

    while (!ngx_queue_empty(&rq->outgoing)) {
        q = ngx_queue_head(&rq->outgoing);
        ngx_queue_remove(q);
        cmd = ngx_queue_data(q, ngx_http_concertation_cmd_t, queue);

        if (cmd->buf) {
            redisFreeCommand(cmd->buf);
        }

        ngx_free(cmd);
    }

    ngx_queue_init(&rq->outgoing);
    ngx_queue_init(&rq->inflight);
    ngx_queue_init(&rq->free);
}


static void
ngx_http_concertation_queue_release(ngx_http_concertation_queue_t *rq,
    ngx_http_concertation_cmd_t *cmd)
{
    if (cmd->buf) {
        redisFreeCommand(cmd->buf);
        cmd->buf = NULL;
    }

    cmd->handler = NULL;
    cmd->data = NULL;

    ngx_queue_insert_head(&rq->free, &cmd->queue);
}
