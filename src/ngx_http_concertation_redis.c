
/*
 * concertation: the worker's one Redis connection.
 *
 * hiredis encodes commands and decodes replies; nginx does the I/O: a
 * non-blocking connect, read and write handlers that go until EAGAIN, and
 * timers.  Commands are pipelined and replies matched to them in FIFO order.
 * A command whose request gave up stays in the queue as a tombstone when it
 * was (partly) sent, so that its late reply is read and dropped; when nothing
 * of it was sent yet, it is simply taken out and never reaches Redis.
 */


#include "ngx_http_concertation_redis.h"
#include "ngx_http_concertation_redis_queue.h"
#include "ngx_http_concertation_redis_handshake.h"
#include "ngx_http_concertation_redis_backoff.h"
#include "ngx_http_concertation_redis_sentinel.h"
#include "ngx_http_concertation_gauges.h"
#include "cc_metrics.h"
#include "cc_reply.h"


#define NGX_HTTP_CONCERTATION_READ_SIZE    16384

/*
 * The most elements hiredis may allocate for one array of a reply.  Our
 * replies have at most three, except the event counters' (GET
 * /api/evenements, src/scripts/event_counts.lua): one per event of the
 * programme.  The programme is a file of at most 1 MiB
 * (CC_EVENTS_MAX_SIZE), and an event takes more than 16 bytes of it (an id,
 * a kind, a title, a capacity), so no programme has 65536 events.  A peer
 * that announces more (hiredis would allocate 8 bytes per element before
 * any of them arrives, 16 GB for "*2147483647") breaks the connection.
 */
#define NGX_HTTP_CONCERTATION_MAX_ELEMENTS 65536


typedef enum {
    ngx_http_concertation_redis_down = 0,
    ngx_http_concertation_redis_connecting,
    ngx_http_concertation_redis_up
} ngx_http_concertation_redis_state_e;


typedef struct {
    ngx_http_concertation_redis_conf_t *rcf;
    ngx_peer_connection_t               peer;
    redisReader                        *reader;
    ngx_http_concertation_queue_t       queue;
    ngx_http_concertation_backoff_t     backoff;
    ngx_log_t                           log;
    ngx_log_t                           quiet;  /* for nginx's connect() */
    ngx_http_concertation_handshake_t   hs;
    ngx_msec_t                          last_reply;  /* one was whole */
    ngx_event_t                         stalled;
    ngx_addr_t                          addr;      /* connected to */
    ngx_sockaddr_t                      sockaddr;
    u_char                              name[NGX_SOCKADDR_STRLEN];
    unsigned                            ready:1;   /* handshake answered */
    unsigned                            moving:1;  /* to the sentinels' */
    ngx_http_concertation_redis_state_e state;
} ngx_http_concertation_redis_t;


static ngx_int_t ngx_http_concertation_redis_connect(
    ngx_http_concertation_redis_t *rd);
static ngx_http_concertation_cmd_t *ngx_http_concertation_redis_enqueue(
    ngx_http_concertation_redis_t *rd, int argc, const char **argv,
    const size_t *argvlen, ngx_http_concertation_reply_pt handler,
    void *data);
static void ngx_http_concertation_redis_write_handler(ngx_event_t *wev);
static void ngx_http_concertation_redis_read_handler(ngx_event_t *rev);
static ngx_err_t ngx_http_concertation_redis_test_connect(
    ngx_connection_t *c);
static ngx_int_t ngx_http_concertation_redis_dispatch(
    ngx_http_concertation_redis_t *rd, redisReply *reply);
static void ngx_http_concertation_redis_fail(ngx_http_concertation_redis_t *rd,
    ngx_err_t err, const char *reason);
static void ngx_http_concertation_redis_retry(void *data);
static void ngx_http_concertation_redis_stalled_handler(ngx_event_t *ev);
static void ngx_http_concertation_redis_moved(void *data);


static ngx_http_concertation_redis_t  *ngx_http_concertation_redis_conn;


ngx_int_t
ngx_http_concertation_redis_init(ngx_cycle_t *cycle,
    ngx_http_concertation_redis_conf_t *rcf)
{
    ngx_http_concertation_redis_t  *rd;

    rd = ngx_pcalloc(cycle->pool, sizeof(ngx_http_concertation_redis_t));
    if (rd == NULL) {
        return NGX_ERROR;
    }

    rd->rcf = rcf;
    rd->log = *cycle->log;
    rd->log.handler = NULL;
    rd->log.data = NULL;

    ngx_http_concertation_queue_init(&rd->queue, &rd->log);

    /*
     * nginx logs why a connect() failed, once per try: the backoff logs
     * the outage once per step instead
     */
    rd->quiet = rd->log;
    rd->quiet.log_level = NGX_LOG_ALERT;
    rd->quiet.next = NULL;

    ngx_http_concertation_backoff_init(&rd->backoff, &rd->log,
                                       ngx_http_concertation_redis_retry, rd);

    rd->stalled.handler = ngx_http_concertation_redis_stalled_handler;
    rd->stalled.data = rd;
    rd->stalled.log = &rd->log;

    rd->addr.sockaddr = &rd->sockaddr.sockaddr;
    rd->addr.name.data = rd->name;

    ngx_http_concertation_redis_conn = rd;

    /* with sentinels, the connection opens once they name the master */

    if (rcf->sentinels) {
        return ngx_http_concertation_sentinel_init(cycle, rcf,
                                        ngx_http_concertation_redis_moved, rd);
    }

    /* a failure here is logged and retried with backoff */
    (void) ngx_http_concertation_redis_connect(rd);

    return NGX_OK;
}


void
ngx_http_concertation_redis_exit(ngx_cycle_t *cycle)
{
    ngx_http_concertation_redis_t  *rd;

    rd = ngx_http_concertation_redis_conn;
    if (rd == NULL) {
        return;
    }

    ngx_http_concertation_redis_conn = NULL;

    ngx_http_concertation_sentinel_exit();
    ngx_http_concertation_backoff_stop(&rd->backoff);

    if (rd->stalled.posted) {
        ngx_delete_posted_event(&rd->stalled);
    }

    if (rd->peer.connection) {
        ngx_close_connection(rd->peer.connection);
        rd->peer.connection = NULL;
    }

    if (rd->reader) {
        redisReaderFree(rd->reader);
        rd->reader = NULL;
    }

    /* no request is left at this point: the commands are only freed */
    ngx_http_concertation_queue_free(&rd->queue);
}


ngx_http_concertation_cmd_t *
ngx_http_concertation_redis_send(int argc, const char **argv,
    const size_t *argvlen, ngx_http_concertation_reply_pt handler, void *data)
{
    ngx_http_concertation_redis_t  *rd;

    rd = ngx_http_concertation_redis_conn;
    if (rd == NULL) {
        return NULL;
    }

    /*
     * Connect on demand rather than wait for the backoff timer: the first
     * request after Redis comes back is served, not refused.  Not after
     * Redis refused the handshake, though: that will not change within a
     * step.
     */

    if (rd->state == ngx_http_concertation_redis_down
        && (!ngx_http_concertation_backoff_may_try(&rd->backoff)
            || ngx_http_concertation_redis_connect(rd) != NGX_OK))
    {
        ngx_http_concertation_backoff_met(&rd->backoff);
        return NULL;
    }

    return ngx_http_concertation_redis_enqueue(rd, argc, argv, argvlen,
                                               handler, data);
}


/* returns 1 when Redis may have seen (and run) the command */

ngx_uint_t
ngx_http_concertation_redis_cancel(ngx_http_concertation_cmd_t *cmd)
{
    ngx_msec_t                      queued;
    ngx_http_concertation_redis_t  *rd;

    rd = ngx_http_concertation_redis_conn;
    queued = cmd->queued;

    if (rd == NULL || !ngx_http_concertation_queue_cancel(&rd->queue, cmd)) {
        return 0;
    }

    /*
     * Not one reply came whole since this command was queued, for its
     * whole deadline: Redis is frozen, or a peer stopped in the middle of a
     * reply.
     * Everything behind it would wait as long: the connection is dropped
     * (from a posted event: this is called from a request's handler) and
     * opened again.
     */

    if (rd->state == ngx_http_concertation_redis_up
        && (ngx_msec_int_t) (rd->last_reply - queued) < 0
        && !rd->stalled.posted)
    {
        ngx_post_event(&rd->stalled, &ngx_posted_events);
    }

    return 1;
}


static void
ngx_http_concertation_redis_stalled_handler(ngx_event_t *ev)
{
    ngx_http_concertation_redis_t *rd = ev->data;

    if (rd->state != ngx_http_concertation_redis_up
        || !ngx_http_concertation_queue_waiting(&rd->queue))
    {
        return;
    }

    ngx_http_concertation_redis_fail(rd, 0, "nothing came from Redis "
                                     "during a request's whole deadline: "
                                     "connection dropped");
}


/* in a reply handler called without a reply: could Redis have run it? */

ngx_uint_t
ngx_http_concertation_redis_sent(ngx_http_concertation_cmd_t *cmd)
{
    return cmd->sent > 0;
}


/* up, and through the handshake: commands sent now are answered */

ngx_uint_t
ngx_http_concertation_redis_ready(void)
{
    ngx_http_concertation_redis_t  *rd;

    rd = ngx_http_concertation_redis_conn;

    return rd && rd->state == ngx_http_concertation_redis_up && rd->ready;
}


static ngx_int_t
ngx_http_concertation_redis_connect(ngx_http_concertation_redis_t *rd)
{
    int                  keepalive;
    ngx_int_t            rc;
    ngx_err_t            err;
    ngx_addr_t          *addr;
    ngx_connection_t    *c;

    addr = rd->rcf->sentinels ? ngx_http_concertation_sentinel_master()
                              : rd->rcf->addr;

    if (addr == NULL) {
        /* no sentinel named the master yet: it connects when one does */
        return NGX_DECLINED;
    }

    /* the peer's own copy: the sentinels' master may change meanwhile */

    ngx_memcpy(&rd->sockaddr, addr->sockaddr, addr->socklen);
    rd->addr.socklen = addr->socklen;
    rd->addr.name.len = ngx_min(addr->name.len, NGX_SOCKADDR_STRLEN);
    ngx_memcpy(rd->name, addr->name.data, rd->addr.name.len);
    addr = &rd->addr;

    ngx_http_concertation_gauges_redis_state(CC_REDIS_CONNECTING,
                                              rd->backoff.delay != 0);

    rd->reader = redisReaderCreate();
    if (rd->reader == NULL) {
        ngx_http_concertation_redis_fail(rd, 0, "no memory for the reader");
        return NGX_ERROR;
    }

    /*
     * Past the cap, the reader fails ("Out of memory"): the connection is
     * dropped and opened again.  Its maxbuf is left at hiredis's default
     * (16 KiB): it is the size above which an emptied buffer is freed, not
     * a cap on a reply.
     */
    cc_reply_reader_limit(rd->reader, NGX_HTTP_CONCERTATION_MAX_ELEMENTS);

    ngx_memzero(&rd->peer, sizeof(ngx_peer_connection_t));
    rd->peer.sockaddr = addr->sockaddr;
    rd->peer.socklen = addr->socklen;
    rd->peer.name = &addr->name;
    rd->peer.get = ngx_event_get_peer;
    rd->peer.log = &rd->quiet;
    rd->peer.log_error = NGX_ERROR_INFO;

    rc = ngx_event_connect_peer(&rd->peer);

    if (rc == NGX_ERROR || rc == NGX_BUSY || rc == NGX_DECLINED) {
        /* ngx_event_connect_peer() has closed the socket; errno says why */
        err = ngx_socket_errno;
        rd->peer.connection = NULL;
        ngx_http_concertation_redis_fail(rd, err, "connect() failed");
        return NGX_ERROR;
    }

    c = rd->peer.connection;
    c->data = rd;
    c->log = &rd->log;
    c->read->log = c->log;
    c->write->log = c->log;
    c->read->handler = ngx_http_concertation_redis_read_handler;
    c->write->handler = ngx_http_concertation_redis_write_handler;

    /* a Redis that vanished without a FIN is noticed eventually */
    keepalive = 1;
    (void) setsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE,
                      (const void *) &keepalive, sizeof(int));

    ngx_http_concertation_handshake_start(&rd->hs, &rd->queue, rd->rcf,
                                          &rd->log);

    if (rc == NGX_AGAIN) {
        rd->state = ngx_http_concertation_redis_connecting;
        c->write->cancelable = 1;
        ngx_add_timer(c->write, rd->rcf->connect_timeout);
        return NGX_OK;
    }

    rd->state = ngx_http_concertation_redis_up;
    ngx_post_event(c->write, &ngx_posted_events);

    return NGX_OK;
}


static ngx_http_concertation_cmd_t *
ngx_http_concertation_redis_enqueue(ngx_http_concertation_redis_t *rd,
    int argc, const char **argv, const size_t *argvlen,
    ngx_http_concertation_reply_pt handler, void *data)
{
    ngx_connection_t             *c;
    ngx_http_concertation_cmd_t  *cmd;

    cmd = ngx_http_concertation_queue_push(&rd->queue, argc, argv, argvlen,
                                           handler, data);
    if (cmd == NULL) {
        return NULL;
    }

    /*
     * Posting the write event rather than writing now sends every command
     * queued during this turn of the event loop in one writev().
     */

    c = rd->peer.connection;

    if (rd->state == ngx_http_concertation_redis_up && c->write->ready) {
        ngx_post_event(c->write, &ngx_posted_events);
    }

    return cmd;
}


static void
ngx_http_concertation_redis_write_handler(ngx_event_t *wev)
{
    ngx_err_t                       err;
    ngx_connection_t               *c;
    ngx_http_concertation_redis_t  *rd;

    c = wev->data;
    rd = c->data;

    if (rd->state == ngx_http_concertation_redis_connecting) {

        if (wev->timedout) {
            ngx_http_concertation_redis_fail(rd, NGX_ETIMEDOUT,
                                             "connect timed out");
            return;
        }

        if (!wev->ready) {
            return;
        }

        err = ngx_http_concertation_redis_test_connect(c);

        if (err) {
            ngx_http_concertation_redis_fail(rd, err, "connect() failed");
            return;
        }

        if (wev->timer_set) {
            ngx_del_timer(wev);
        }

        wev->cancelable = 0;
        rd->state = ngx_http_concertation_redis_up;

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, &rd->log, 0,
                       "concertation: connected to Redis at %V",
                       rd->peer.name);
    }

    if (ngx_http_concertation_queue_flush(&rd->queue, rd->peer.connection)
        != NGX_OK)
    {
        ngx_http_concertation_redis_fail(rd, ngx_socket_errno,
                                         "writev() failed");
    }
}


/* why the connect() failed, 0 when it did not */

static ngx_err_t
ngx_http_concertation_redis_test_connect(ngx_connection_t *c)
{
    int        err;
    socklen_t  len;

    err = 0;
    len = sizeof(int);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = ngx_socket_errno;
    }

    return err;
}


static void
ngx_http_concertation_redis_read_handler(ngx_event_t *rev)
{
    ssize_t                         n;
    ngx_err_t                       err;
    ngx_int_t                       rc;
    ngx_uint_t                      not_master;
    redisReply                     *reply;
    ngx_connection_t               *c;
    ngx_http_concertation_redis_t  *rd;
    u_char                          buf[NGX_HTTP_CONCERTATION_READ_SIZE];

    c = rev->data;
    rd = c->data;

    if (rd->state == ngx_http_concertation_redis_connecting) {
        /* an error or a hang-up before the connect completed */
        err = ngx_http_concertation_redis_test_connect(c);

        if (err) {
            ngx_http_concertation_redis_fail(rd, err, "connect() failed");
        }
        return;
    }

    for ( ;; ) {
        n = c->recv(c, buf, sizeof(buf));

        if (n == NGX_AGAIN) {
            break;
        }

        if (n == 0) {
            ngx_http_concertation_redis_fail(rd, 0,
                                             "Redis closed the connection");
            return;
        }

        if (n == NGX_ERROR) {
            ngx_http_concertation_redis_fail(rd, ngx_socket_errno,
                                             "recv() failed");
            return;
        }

        if (redisReaderFeed(rd->reader, (const char *) buf, n) != REDIS_OK) {
            ngx_http_concertation_redis_fail(rd, 0, "no memory for a reply");
            return;
        }

        for ( ;; ) {
            reply = NULL;

            if (redisReaderGetReply(rd->reader, (void **) &reply)
                != REDIS_OK)
            {
                ngx_log_error(NGX_LOG_ERR, &rd->log, 0,
                              "invalid reply from Redis: %s",
                              rd->reader->errstr);
                ngx_http_concertation_redis_fail(rd, 0, NULL);
                return;
            }

            if (reply == NULL) {
                break;
            }

            not_master = cc_reply_not_master(reply);

            rc = ngx_http_concertation_redis_dispatch(rd, reply);

            if (rc != NGX_OK) {
                ngx_http_concertation_redis_fail(rd, 0, rd->hs.error
                                 ? "handshake refused"
                                 : "reply without a command");
                return;
            }

            /*
             * After a failover the master is elsewhere: what is queued
             * here fails now (and is spooled) rather than fail one by one
             */

            if (not_master) {
                ngx_http_concertation_redis_fail(rd, 0, "no longer a "
                                 "writable master (READONLY, MASTERDOWN "
                                 "or LOADING)");
                return;
            }
        }

        if (!rev->ready) {
            break;
        }
    }

    if (ngx_handle_read_event(rev, 0) != NGX_OK) {
        ngx_http_concertation_redis_fail(rd, ngx_socket_errno,
                                         "could not watch the connection");
    }
}


static ngx_int_t
ngx_http_concertation_redis_dispatch(ngx_http_concertation_redis_t *rd,
    redisReply *reply)
{
    rd->last_reply = ngx_current_msec;

    if (ngx_http_concertation_queue_reply(&rd->queue, reply) != NGX_OK
        || rd->hs.error)
    {
        return NGX_ERROR;
    }

    if (rd->hs.done && !rd->ready) {
        /* the handshake's last reply: the commands held back go now */
        rd->ready = 1;
        rd->queue.hold = 0;
        ngx_http_concertation_gauges_redis_state(CC_REDIS_UP, 0);
        ngx_http_concertation_backoff_up(&rd->backoff, rd->peer.name);

        if (rd->peer.connection->write->ready
            && !rd->peer.connection->write->posted)
        {
            ngx_post_event(rd->peer.connection->write, &ngx_posted_events);
        }
    }

    return NGX_OK;
}


/*
 * The connection is gone or unusable: every command still waiting is failed
 * (its request answers 503 at once rather than at its deadline), and a
 * reconnection is scheduled with a capped exponential backoff.
 */

static void
ngx_http_concertation_redis_fail(ngx_http_concertation_redis_t *rd,
    ngx_err_t err, const char *reason)
{
    ngx_uint_t  requests, refused;

    if (rd->peer.connection) {
        ngx_close_connection(rd->peer.connection);
        rd->peer.connection = NULL;
    }

    if (rd->reader) {
        redisReaderFree(rd->reader);
        rd->reader = NULL;
    }

    if (rd->stalled.posted) {
        ngx_delete_posted_event(&rd->stalled);
    }

    rd->state = ngx_http_concertation_redis_down;
    ngx_http_concertation_gauges_redis_state(CC_REDIS_DOWN, 0);
    refused = rd->hs.error != NULL;
    rd->hs.error = NULL;
    rd->ready = 0;
    rd->queue.hold = 0;

    requests = ngx_http_concertation_queue_fail(&rd->queue);

    if (ngx_http_concertation_redis_conn != rd) {
        return;
    }

    if (rd->moving) {
        /* not an outage: the connection goes to the new master now */
        ngx_log_error(NGX_LOG_WARN, &rd->log, err, "Redis at %V: %s; %ui "
                      "requests had a command on it", &rd->addr.name,
                      reason, requests);
        return;
    }

    ngx_http_concertation_backoff_failed(&rd->backoff, &rd->addr.name, err,
                                         reason, requests, refused);

    /* lost, refused, READONLY, not a master: has the master moved? */

    if (rd->rcf->sentinels && !rd->moving) {
        ngx_http_concertation_sentinel_ask();
    }
}


/* the sentinels name a master: the connection goes there, now */

static void
ngx_http_concertation_redis_moved(void *data)
{
    ngx_http_concertation_redis_t *rd = data;

    ngx_addr_t  *a;

    a = ngx_http_concertation_sentinel_master();

    if (a == NULL
        || (rd->state != ngx_http_concertation_redis_down
            && ngx_cmp_sockaddr(rd->addr.sockaddr, rd->addr.socklen,
                                a->sockaddr, a->socklen, 1)
               == NGX_OK))
    {
        return;
    }

    rd->moving = 1;

    if (rd->state != ngx_http_concertation_redis_down) {
        ngx_http_concertation_redis_fail(rd, 0, "the sentinels name "
                                         "another master, connecting to it");
    }

    rd->moving = 0;

    ngx_http_concertation_backoff_moved(&rd->backoff);
    (void) ngx_http_concertation_redis_connect(rd);
}


static void
ngx_http_concertation_redis_retry(void *data)
{
    ngx_http_concertation_redis_t *rd = data;

    if (rd->state == ngx_http_concertation_redis_down) {
        (void) ngx_http_concertation_redis_connect(rd);
    }
}
