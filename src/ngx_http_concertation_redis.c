
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
#include "ngx_http_concertation_gauges.h"
#include "cc_metrics.h"
#include "cc_reply.h"

#include <sys/uio.h>


#define NGX_HTTP_CONCERTATION_BACKOFF_MIN  100
#define NGX_HTTP_CONCERTATION_BACKOFF_MAX  5000
#define NGX_HTTP_CONCERTATION_IOVS         64
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


struct ngx_http_concertation_cmd_s {
    ngx_queue_t                         queue;
    ngx_http_concertation_reply_pt      handler;   /* NULL: tombstone */
    void                               *data;
    char                               *buf;       /* RESP, from hiredis */
    size_t                              len;
    size_t                              sent;
    uint64_t                            queued_us;  /* for the metrics */
    ngx_msec_t                          queued;
};


typedef struct {
    ngx_http_concertation_redis_conf_t *rcf;
    ngx_peer_connection_t               peer;
    redisReader                        *reader;
    ngx_queue_t                         outgoing;  /* not wholly sent yet */
    ngx_queue_t                         inflight;  /* sent, awaiting reply */
    ngx_queue_t                         free;
    ngx_event_t                         reconnect;
    ngx_msec_t                          backoff;
    ngx_log_t                           log;
    const char                         *handshake_error;
    int64_t                             clock_offset;  /* Redis - ours, ms */
    ngx_msec_t                          last_reply;  /* one was whole */
    ngx_event_t                         stalled;
    unsigned                            ready:1;   /* handshake answered */
    unsigned                            clock:1;   /* clock_offset known */
    ngx_http_concertation_redis_state_e state;
} ngx_http_concertation_redis_t;


static ngx_int_t ngx_http_concertation_redis_connect(
    ngx_http_concertation_redis_t *rd);
static ngx_http_concertation_cmd_t *ngx_http_concertation_redis_enqueue(
    ngx_http_concertation_redis_t *rd, int argc, const char **argv,
    const size_t *argvlen, ngx_http_concertation_reply_pt handler,
    void *data);
static void ngx_http_concertation_redis_handshake(
    ngx_http_concertation_redis_t *rd);
static void ngx_http_concertation_redis_handshake_reply(void *data,
    redisReply *reply);
static void ngx_http_concertation_redis_ready_reply(void *data,
    redisReply *reply);
static void ngx_http_concertation_redis_write_handler(ngx_event_t *wev);
static void ngx_http_concertation_redis_read_handler(ngx_event_t *rev);
static ngx_int_t ngx_http_concertation_redis_test_connect(
    ngx_connection_t *c);
static ngx_int_t ngx_http_concertation_redis_flush(
    ngx_http_concertation_redis_t *rd);
static ngx_int_t ngx_http_concertation_redis_dispatch(
    ngx_http_concertation_redis_t *rd, redisReply *reply);
static void ngx_http_concertation_redis_fail(ngx_http_concertation_redis_t *rd,
    ngx_err_t err, const char *reason);
static void ngx_http_concertation_redis_reconnect_handler(ngx_event_t *ev);
static void ngx_http_concertation_redis_stalled_handler(ngx_event_t *ev);
static void ngx_http_concertation_redis_free_cmd(
    ngx_http_concertation_redis_t *rd, ngx_http_concertation_cmd_t *cmd);


static ngx_http_concertation_redis_t  *ngx_http_concertation_redis_conn;


/* configuration: the address is resolved here, once: a worker never waits
   on DNS */

void *
ngx_http_concertation_redis_create_conf(ngx_conf_t *cf)
{
    ngx_http_concertation_redis_conf_t  *rcf;

    rcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_redis_conf_t));
    if (rcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     rcf->addr = NULL;
     *     rcf->password = { 0, NULL };
     */

    rcf->database = NGX_CONF_UNSET;
    rcf->connect_timeout = NGX_CONF_UNSET_MSEC;

    return rcf;
}


/* needed: where the first directive that needs Redis is */

char *
ngx_http_concertation_redis_init_conf(ngx_conf_t *cf,
    ngx_http_concertation_redis_conf_t *rcf,
    ngx_http_concertation_where_t *needed)
{
    ngx_conf_init_value(rcf->database, 0);
    ngx_conf_init_msec_value(rcf->connect_timeout, 500);

    if (rcf->database < 0) {
        return "concertation_redis_database must not be negative";
    }

    if (needed && rcf->addr == NULL) {
        ngx_http_concertation_conf_error(cf, needed,
                           "\"%V\" needs \"concertation_redis\" in the "
                           "http block", &needed->directive);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_concertation_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    ngx_str_t  *value;
    ngx_url_t   u;

    if (cmcf->redis->addr != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = value[1];
    u.default_port = 6379;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid Redis address \"%V\"%s%s",
                           &value[1], u.err ? ": " : "",
                           u.err ? u.err : "");
        return NGX_CONF_ERROR;
    }

    if (u.naddrs == 0 || u.uri.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid Redis address \"%V\": expected "
                           "host:port or unix:/path", &value[1]);
        return NGX_CONF_ERROR;
    }

    cmcf->redis->addr = &u.addrs[0];

    return NGX_CONF_OK;
}


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

    ngx_queue_init(&rd->outgoing);
    ngx_queue_init(&rd->inflight);
    ngx_queue_init(&rd->free);

    rd->reconnect.handler = ngx_http_concertation_redis_reconnect_handler;
    rd->reconnect.data = rd;
    rd->reconnect.log = &rd->log;
    rd->reconnect.cancelable = 1;

    rd->stalled.handler = ngx_http_concertation_redis_stalled_handler;
    rd->stalled.data = rd;
    rd->stalled.log = &rd->log;

    ngx_http_concertation_redis_conn = rd;

    /* a failure here is logged and retried with backoff */
    (void) ngx_http_concertation_redis_connect(rd);

    return NGX_OK;
}


void
ngx_http_concertation_redis_exit(ngx_cycle_t *cycle)
{
    ngx_queue_t                    *q;
    ngx_http_concertation_cmd_t    *cmd;
    ngx_http_concertation_redis_t  *rd;

    rd = ngx_http_concertation_redis_conn;
    if (rd == NULL) {
        return;
    }

    ngx_http_concertation_redis_conn = NULL;

    if (rd->reconnect.timer_set) {
        ngx_del_timer(&rd->reconnect);
    }

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

    ngx_queue_add(&rd->outgoing, &rd->inflight);
    ngx_queue_add(&rd->outgoing, &rd->free);

    while (!ngx_queue_empty(&rd->outgoing)) {
        q = ngx_queue_head(&rd->outgoing);
        ngx_queue_remove(q);
        cmd = ngx_queue_data(q, ngx_http_concertation_cmd_t, queue);
        if (cmd->buf) {
            redisFreeCommand(cmd->buf);
        }
        ngx_free(cmd);
    }
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
     * request after Redis comes back is served, not refused.
     */

    if (rd->state == ngx_http_concertation_redis_down
        && ngx_http_concertation_redis_connect(rd) != NGX_OK)
    {
        return NULL;
    }

    return ngx_http_concertation_redis_enqueue(rd, argc, argv, argvlen,
                                               handler, data);
}


/* returns 1 when Redis may have seen (and run) the command */

ngx_uint_t
ngx_http_concertation_redis_cancel(ngx_http_concertation_cmd_t *cmd)
{
    ngx_http_concertation_redis_t  *rd;

    if (cmd->sent == 0) {
        /* nothing of it left the worker: Redis will never see it */
        ngx_queue_remove(&cmd->queue);
        ngx_http_concertation_redis_free_cmd(ngx_http_concertation_redis_conn,
                                             cmd);
        return 0;
    }

    cmd->handler = NULL;
    cmd->data = NULL;

    /*
     * Not one reply came whole since this command was queued, for its
     * whole deadline: Redis is frozen, or a peer stopped in the middle of a
     * reply.
     * Everything behind it would wait as long: the connection is dropped
     * (from a posted event: this is called from a request's handler) and
     * opened again.
     */

    rd = ngx_http_concertation_redis_conn;

    if (rd && rd->state == ngx_http_concertation_redis_up
        && (ngx_msec_int_t) (rd->last_reply - cmd->queued) < 0
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
        || ngx_queue_empty(&rd->inflight))
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


/*
 * Redis's clock minus ours, in milliseconds, as TIME answered in the last
 * handshake (to within its round trip): where to look in a stream for an
 * entry written around a given time of ours.
 */

ngx_int_t
ngx_http_concertation_redis_clock(int64_t *offset)
{
    ngx_http_concertation_redis_t  *rd;

    rd = ngx_http_concertation_redis_conn;

    if (rd == NULL || !rd->clock) {
        return NGX_DECLINED;
    }

    *offset = rd->clock_offset;

    return NGX_OK;
}


static ngx_int_t
ngx_http_concertation_redis_connect(ngx_http_concertation_redis_t *rd)
{
    int                  keepalive;
    ngx_int_t            rc;
    ngx_addr_t          *addr;
    ngx_connection_t    *c;

    if (rd->reconnect.timer_set) {
        ngx_del_timer(&rd->reconnect);
    }

    ngx_http_concertation_gauges_redis_state(CC_REDIS_CONNECTING,
                                              rd->backoff != 0);

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

    addr = rd->rcf->addr;

    ngx_memzero(&rd->peer, sizeof(ngx_peer_connection_t));
    rd->peer.sockaddr = addr->sockaddr;
    rd->peer.socklen = addr->socklen;
    rd->peer.name = &addr->name;
    rd->peer.get = ngx_event_get_peer;
    rd->peer.log = &rd->log;
    rd->peer.log_error = NGX_ERROR_ERR;

    rc = ngx_event_connect_peer(&rd->peer);

    if (rc == NGX_ERROR || rc == NGX_BUSY || rc == NGX_DECLINED) {
        /* ngx_event_connect_peer() has closed the socket and logged why */
        rd->peer.connection = NULL;
        ngx_http_concertation_redis_fail(rd, 0, NULL);
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

    ngx_http_concertation_redis_handshake(rd);

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


static void
ngx_http_concertation_redis_handshake(ngx_http_concertation_redis_t *rd)
{
    u_char                             *p;
    size_t                              len[2];
    const char                         *argv[2];
    u_char                              db[NGX_INT_T_LEN];
    ngx_http_concertation_redis_conf_t  *rcf;

    rcf = rd->rcf;

    if (rcf->password.len) {
        argv[0] = "AUTH";
        len[0] = 4;
        argv[1] = (const char *) rcf->password.data;
        len[1] = rcf->password.len;

        (void) ngx_http_concertation_redis_enqueue(rd, 2, argv, len,
                                ngx_http_concertation_redis_handshake_reply,
                                (void *) "AUTH");
    }

    if (rcf->database) {
        p = ngx_sprintf(db, "%i", rcf->database);

        argv[0] = "SELECT";
        len[0] = 6;
        argv[1] = (const char *) db;
        len[1] = p - db;

        (void) ngx_http_concertation_redis_enqueue(rd, 2, argv, len,
                                ngx_http_concertation_redis_handshake_reply,
                                (void *) "SELECT");
    }

    /*
     * Its answer says the connection went through the handshake; TIME
     * rather than PING, to know how Redis's clock stands to ours.
     */

    argv[0] = "TIME";
    len[0] = 4;

    (void) ngx_http_concertation_redis_enqueue(rd, 1, argv, len,
                                ngx_http_concertation_redis_ready_reply, rd);
}


static void
ngx_http_concertation_redis_handshake_reply(void *data, redisReply *reply)
{
    ngx_http_concertation_redis_t  *rd;

    rd = ngx_http_concertation_redis_conn;

    if (reply == NULL || rd == NULL || reply->type != REDIS_REPLY_ERROR) {
        return;
    }

    ngx_log_error(NGX_LOG_ERR, &rd->log, 0, "Redis refused %s: %*s",
                  (char *) data, (size_t) reply->len, reply->str);

    rd->handshake_error = data;
}


static void
ngx_http_concertation_redis_ready_reply(void *data, redisReply *reply)
{
    ngx_http_concertation_redis_t *rd = data;

    ngx_int_t    sec, usec;
    ngx_time_t  *tp;

    if (reply == NULL) {
        return;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, &rd->log, 0, "Redis refused TIME: %*s",
                      (size_t) reply->len, reply->str);
        rd->handshake_error = "TIME";
        return;
    }

    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2
        && reply->element[0]->type == REDIS_REPLY_STRING
        && reply->element[1]->type == REDIS_REPLY_STRING)
    {
        sec = ngx_atoi((u_char *) reply->element[0]->str,
                       reply->element[0]->len);
        usec = ngx_atoi((u_char *) reply->element[1]->str,
                        reply->element[1]->len);

        if (sec != NGX_ERROR && usec != NGX_ERROR) {
            ngx_time_update();
            tp = ngx_timeofday();

            rd->clock_offset = (int64_t) sec * 1000 + usec / 1000
                               - ((int64_t) tp->sec * 1000 + tp->msec);
            rd->clock = 1;
        }
    }

    rd->ready = 1;
    ngx_http_concertation_gauges_redis_state(CC_REDIS_UP, 0);

    if (rd->backoff) {
        ngx_log_error(NGX_LOG_NOTICE, &rd->log, 0,
                      "connected to Redis at %V again", rd->peer.name);
    }

    rd->backoff = 0;
}


static ngx_http_concertation_cmd_t *
ngx_http_concertation_redis_enqueue(ngx_http_concertation_redis_t *rd,
    int argc, const char **argv, const size_t *argvlen,
    ngx_http_concertation_reply_pt handler, void *data)
{
    int                           len;
    ngx_queue_t                  *q;
    ngx_connection_t             *c;
    ngx_http_concertation_cmd_t  *cmd;

    if (!ngx_queue_empty(&rd->free)) {
        q = ngx_queue_head(&rd->free);
        ngx_queue_remove(q);
        cmd = ngx_queue_data(q, ngx_http_concertation_cmd_t, queue);

    } else {
        cmd = ngx_alloc(sizeof(ngx_http_concertation_cmd_t), &rd->log);
        if (cmd == NULL) {
            return NULL;
        }
    }

    cmd->buf = NULL;
    len = redisFormatCommandArgv(&cmd->buf, argc, argv, argvlen);

    if (len < 0) {
        ngx_log_error(NGX_LOG_ALERT, &rd->log, 0,
                      "could not format a Redis command");
        ngx_queue_insert_head(&rd->free, &cmd->queue);
        return NULL;
    }

    cmd->len = len;
    cmd->sent = 0;
    cmd->handler = handler;
    cmd->data = data;
    cmd->queued_us = ngx_http_concertation_gauges_now_us();
    cmd->queued = ngx_current_msec;

    ngx_queue_insert_tail(&rd->outgoing, &cmd->queue);

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

        if (ngx_http_concertation_redis_test_connect(c) != NGX_OK) {
            ngx_http_concertation_redis_fail(rd, 0, NULL);
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

    if (ngx_http_concertation_redis_flush(rd) != NGX_OK) {
        ngx_http_concertation_redis_fail(rd, ngx_socket_errno,
                                         "writev() failed");
    }
}


static ngx_int_t
ngx_http_concertation_redis_test_connect(ngx_connection_t *c)
{
    int        err;
    socklen_t  len;

    err = 0;
    len = sizeof(int);

    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len) == -1) {
        err = ngx_socket_errno;
    }

    if (err) {
        ngx_log_error(NGX_LOG_ERR, c->log, err,
                      "connect() to Redis at %V failed", c->addr_text.len
                      ? &c->addr_text
                      : ngx_http_concertation_redis_conn->peer.name);
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_concertation_redis_flush(ngx_http_concertation_redis_t *rd)
{
    size_t                        n;
    ssize_t                       sent;
    ngx_uint_t                    niov;
    ngx_err_t                     err;
    ngx_queue_t                  *q;
    ngx_connection_t             *c;
    struct iovec                  iov[NGX_HTTP_CONCERTATION_IOVS];
    ngx_http_concertation_cmd_t  *cmd;

    c = rd->peer.connection;

    while (!ngx_queue_empty(&rd->outgoing)) {

        niov = 0;

        for (q = ngx_queue_head(&rd->outgoing);
             q != ngx_queue_sentinel(&rd->outgoing)
             && niov < NGX_HTTP_CONCERTATION_IOVS;
             q = ngx_queue_next(q))
        {
            cmd = ngx_queue_data(q, ngx_http_concertation_cmd_t, queue);
            iov[niov].iov_base = cmd->buf + cmd->sent;
            iov[niov].iov_len = cmd->len - cmd->sent;
            niov++;
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

        while (n && !ngx_queue_empty(&rd->outgoing)) {
            q = ngx_queue_head(&rd->outgoing);
            cmd = ngx_queue_data(q, ngx_http_concertation_cmd_t, queue);

            if (n < cmd->len - cmd->sent) {
                cmd->sent += n;
                break;
            }

            n -= cmd->len - cmd->sent;
            cmd->sent = cmd->len;

            ngx_queue_remove(q);
            ngx_queue_insert_tail(&rd->inflight, q);
        }
    }

    return NGX_OK;
}


static void
ngx_http_concertation_redis_read_handler(ngx_event_t *rev)
{
    ssize_t                         n;
    ngx_int_t                       rc;
    redisReply                     *reply;
    ngx_connection_t               *c;
    ngx_http_concertation_redis_t  *rd;
    u_char                          buf[NGX_HTTP_CONCERTATION_READ_SIZE];

    c = rev->data;
    rd = c->data;

    if (rd->state == ngx_http_concertation_redis_connecting) {
        /* an error or a hang-up before the connect completed */
        if (ngx_http_concertation_redis_test_connect(c) != NGX_OK) {
            ngx_http_concertation_redis_fail(rd, 0, NULL);
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
            ngx_http_concertation_redis_fail(rd, 0, NULL);
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

            rc = ngx_http_concertation_redis_dispatch(rd, reply);

            if (rc != NGX_OK) {
                ngx_http_concertation_redis_fail(rd, 0, rd->handshake_error
                                 ? "handshake refused"
                                 : "reply without a command");
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
    ngx_queue_t                  *q;
    ngx_http_concertation_cmd_t  *cmd;

    if (ngx_queue_empty(&rd->inflight)) {
        freeReplyObject(reply);
        return NGX_ERROR;
    }

    q = ngx_queue_head(&rd->inflight);
    ngx_queue_remove(q);
    cmd = ngx_queue_data(q, ngx_http_concertation_cmd_t, queue);

    ngx_http_concertation_gauges_redis_latency(cmd->queued_us);
    rd->last_reply = ngx_current_msec;

    if (cmd->handler) {
        cmd->handler(cmd->data, reply);
    }

    freeReplyObject(reply);
    ngx_http_concertation_redis_free_cmd(rd, cmd);

    return rd->handshake_error ? NGX_ERROR : NGX_OK;
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
    ngx_queue_t                   failed, *q;
    ngx_http_concertation_cmd_t  *cmd;

    if (reason) {
        ngx_log_error(NGX_LOG_ERR, &rd->log, err, "Redis at %V: %s",
                      rd->rcf->addr ? &rd->rcf->addr->name : NULL,
                      reason);
    }

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
    rd->handshake_error = NULL;
    rd->ready = 0;

    ngx_queue_init(&failed);
    ngx_queue_add(&failed, &rd->inflight);
    ngx_queue_add(&failed, &rd->outgoing);
    ngx_queue_init(&rd->inflight);
    ngx_queue_init(&rd->outgoing);

    while (!ngx_queue_empty(&failed)) {
        q = ngx_queue_head(&failed);
        ngx_queue_remove(q);
        cmd = ngx_queue_data(q, ngx_http_concertation_cmd_t, queue);

        if (cmd->handler) {
            cmd->handler(cmd->data, NULL);
        }

        ngx_http_concertation_redis_free_cmd(rd, cmd);
    }

    rd->backoff = rd->backoff ? ngx_min(2 * rd->backoff,
                                        NGX_HTTP_CONCERTATION_BACKOFF_MAX)
                              : NGX_HTTP_CONCERTATION_BACKOFF_MIN;

    if (ngx_http_concertation_redis_conn == rd && !ngx_exiting
        && !ngx_terminate && !ngx_quit)
    {
        ngx_add_timer(&rd->reconnect, rd->backoff);
    }
}


static void
ngx_http_concertation_redis_reconnect_handler(ngx_event_t *ev)
{
    ngx_http_concertation_redis_t *rd = ev->data;

    if (rd->state == ngx_http_concertation_redis_down) {
        (void) ngx_http_concertation_redis_connect(rd);
    }
}


static void
ngx_http_concertation_redis_free_cmd(ngx_http_concertation_redis_t *rd,
    ngx_http_concertation_cmd_t *cmd)
{
    if (cmd->buf) {
        redisFreeCommand(cmd->buf);
        cmd->buf = NULL;
    }

    cmd->handler = NULL;
    cmd->data = NULL;

    ngx_queue_insert_head(&rd->free, &cmd->queue);
}
