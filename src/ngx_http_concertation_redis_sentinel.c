
/*
 * concertation: the worker's connection to Redis Sentinel.
 *
 * On a connection to one of the configured sentinels the worker sends, in
 * one write: AUTH (when the sentinels have a password), SENTINEL
 * GET-MASTER-ADDR-BY-NAME and SUBSCRIBE +switch-master.  The second reply
 * names the master; the third puts the connection in the subscribed state,
 * where every failover the sentinels make arrives as a message.  The
 * connection is kept: no polling.  A sentinel that fails (refused, silent
 * past concertation_redis_connect_timeout, knows no such master, hangs up)
 * hands over to the next one; after a whole round the worker waits, 100 ms
 * doubling to 5 s, and logs the round once.
 *
 * The master's address must be an IP address: a sentinel configured to
 * announce host names is refused, since a worker does not resolve names.
 */


#include "ngx_http_concertation_redis_sentinel.h"
#include "cc_reply.h"


#define NGX_HTTP_CONCERTATION_SENTINEL_MIN   100
#define NGX_HTTP_CONCERTATION_SENTINEL_MAX   5000
#define NGX_HTTP_CONCERTATION_SENTINEL_READ  4096
/* a reply of ours has three elements; a message, three */
#define NGX_HTTP_CONCERTATION_SENTINEL_ELTS  16


typedef enum {
    ngx_http_concertation_sentinel_idle = 0,
    ngx_http_concertation_sentinel_connecting,
    ngx_http_concertation_sentinel_asking,     /* the replies not all in */
    ngx_http_concertation_sentinel_watching    /* subscribed */
} ngx_http_concertation_sentinel_state_e;


typedef struct {
    ngx_http_concertation_redis_conf_t     *rcf;
    ngx_peer_connection_t                   peer;
    redisReader                            *reader;
    ngx_log_t                               log;
    ngx_log_t                               quiet;
    ngx_event_t                             timer;   /* deadline, or wait */
    ngx_event_t                             ask;
    ngx_http_concertation_sentinel_state_e  state;
    ngx_uint_t                              current;  /* sentinel */
    ngx_uint_t                              tried;    /* in this round */
    ngx_msec_t                              delay;    /* between rounds */
    ngx_uint_t                              replies;  /* before SUBSCRIBE's */
    char                                   *out;
    size_t                                  out_len;
    size_t                                  out_sent;
    void                                  (*moved)(void *data);
    void                                   *data;
    ngx_addr_t                              master;   /* name.len 0: none */
    ngx_sockaddr_t                          sockaddr;
    u_char                                  name[NGX_SOCKADDR_STRLEN];
} ngx_http_concertation_sentinel_t;


static ngx_int_t ngx_http_concertation_sentinel_connect(
    ngx_http_concertation_sentinel_t *sn);
static ngx_int_t ngx_http_concertation_sentinel_commands(
    ngx_http_concertation_sentinel_t *sn);
static ngx_int_t ngx_http_concertation_sentinel_append(
    ngx_http_concertation_sentinel_t *sn, int argc, const char **argv,
    size_t last_len);
static void ngx_http_concertation_sentinel_write(ngx_event_t *wev);
static void ngx_http_concertation_sentinel_read(ngx_event_t *rev);
static ngx_int_t ngx_http_concertation_sentinel_reply(
    ngx_http_concertation_sentinel_t *sn, redisReply *reply);
static ngx_int_t ngx_http_concertation_sentinel_named(
    ngx_http_concertation_sentinel_t *sn, cc_reply_addr_t *a,
    const char *how);
static void ngx_http_concertation_sentinel_close(
    ngx_http_concertation_sentinel_t *sn);
static void ngx_http_concertation_sentinel_failed(
    ngx_http_concertation_sentinel_t *sn, ngx_err_t err, const char *reason);
static void ngx_http_concertation_sentinel_timer(ngx_event_t *ev);
static void ngx_http_concertation_sentinel_ask_handler(ngx_event_t *ev);


static ngx_http_concertation_sentinel_t  *ngx_http_concertation_sentinel;


ngx_int_t
ngx_http_concertation_sentinel_init(ngx_cycle_t *cycle,
    ngx_http_concertation_redis_conf_t *rcf, void (*moved)(void *data),
    void *data)
{
    ngx_http_concertation_sentinel_t  *sn;

    sn = ngx_pcalloc(cycle->pool, sizeof(ngx_http_concertation_sentinel_t));
    if (sn == NULL) {
        return NGX_ERROR;
    }

    sn->rcf = rcf;
    sn->moved = moved;
    sn->data = data;

    sn->log = *cycle->log;
    sn->log.handler = NULL;
    sn->log.data = NULL;
    sn->quiet = sn->log;
    sn->quiet.log_level = NGX_LOG_ALERT;
    sn->quiet.next = NULL;

    sn->timer.handler = ngx_http_concertation_sentinel_timer;
    sn->timer.data = sn;
    sn->timer.log = &sn->log;
    sn->timer.cancelable = 1;

    sn->ask.handler = ngx_http_concertation_sentinel_ask_handler;
    sn->ask.data = sn;
    sn->ask.log = &sn->log;

    sn->master.sockaddr = &sn->sockaddr.sockaddr;
    sn->master.name.data = sn->name;

    ngx_http_concertation_sentinel = sn;

    /* a failure here is logged, and the next sentinel tried */
    (void) ngx_http_concertation_sentinel_connect(sn);

    return NGX_OK;
}


void
ngx_http_concertation_sentinel_exit(void)
{
    ngx_http_concertation_sentinel_t  *sn;

    sn = ngx_http_concertation_sentinel;
    if (sn == NULL) {
        return;
    }

    ngx_http_concertation_sentinel = NULL;

    if (sn->ask.posted) {
        ngx_delete_posted_event(&sn->ask);
    }

    ngx_http_concertation_sentinel_close(sn);
}


ngx_addr_t *
ngx_http_concertation_sentinel_master(void)
{
    ngx_http_concertation_sentinel_t  *sn;

    sn = ngx_http_concertation_sentinel;

    return (sn && sn->master.name.len) ? &sn->master : NULL;
}


void
ngx_http_concertation_sentinel_ask(void)
{
    ngx_http_concertation_sentinel_t  *sn;

    sn = ngx_http_concertation_sentinel;

    if (sn && !sn->ask.posted) {
        ngx_post_event(&sn->ask, &ngx_posted_events);
    }
}


static void
ngx_http_concertation_sentinel_ask_handler(ngx_event_t *ev)
{
    ngx_http_concertation_sentinel_t *sn = ev->data;

    /*
     * Subscribed, the connection takes no SENTINEL command: a new one asks.
     * Asking or between rounds, an answer is on its way already.
     */

    if (sn->state == ngx_http_concertation_sentinel_watching) {
        ngx_http_concertation_sentinel_close(sn);
        sn->tried = 0;
        (void) ngx_http_concertation_sentinel_connect(sn);
    }
}


static ngx_int_t
ngx_http_concertation_sentinel_connect(ngx_http_concertation_sentinel_t *sn)
{
    int                keepalive;
    ngx_int_t          rc;
    ngx_addr_t        *addr;
    ngx_connection_t  *c;

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return NGX_DECLINED;
    }

    addr = (ngx_addr_t *) sn->rcf->sentinels->elts + sn->current;

    sn->reader = redisReaderCreate();

    if (sn->reader == NULL
        || ngx_http_concertation_sentinel_commands(sn) != NGX_OK)
    {
        ngx_http_concertation_sentinel_failed(sn, 0, "no memory");
        return NGX_ERROR;
    }

    cc_reply_reader_limit(sn->reader, NGX_HTTP_CONCERTATION_SENTINEL_ELTS);

    ngx_memzero(&sn->peer, sizeof(ngx_peer_connection_t));
    sn->peer.sockaddr = addr->sockaddr;
    sn->peer.socklen = addr->socklen;
    sn->peer.name = &addr->name;
    sn->peer.get = ngx_event_get_peer;
    sn->peer.log = &sn->quiet;
    sn->peer.log_error = NGX_ERROR_INFO;

    rc = ngx_event_connect_peer(&sn->peer);

    if (rc == NGX_ERROR || rc == NGX_BUSY || rc == NGX_DECLINED) {
        sn->peer.connection = NULL;
        ngx_http_concertation_sentinel_failed(sn, ngx_socket_errno,
                                              "connect() failed");
        return NGX_ERROR;
    }

    c = sn->peer.connection;
    c->data = sn;
    c->log = &sn->log;
    c->read->log = c->log;
    c->write->log = c->log;
    c->read->handler = ngx_http_concertation_sentinel_read;
    c->write->handler = ngx_http_concertation_sentinel_write;

    /* a sentinel gone without a FIN is noticed eventually */
    keepalive = 1;
    (void) setsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE,
                      (const void *) &keepalive, sizeof(int));

    sn->state = ngx_http_concertation_sentinel_connecting;
    sn->replies = 0;

    /* the connect and every reply up to SUBSCRIBE's, within the timeout */
    ngx_add_timer(&sn->timer, sn->rcf->connect_timeout);

    if (rc == NGX_OK) {
        ngx_post_event(c->write, &ngx_posted_events);
    }

    return NGX_OK;
}


/* AUTH, SENTINEL GET-MASTER-ADDR-BY-NAME, SUBSCRIBE: one buffer */

static ngx_int_t
ngx_http_concertation_sentinel_commands(ngx_http_concertation_sentinel_t *sn)
{
    ngx_http_concertation_redis_conf_t  *rcf;

    const char  *auth[] = { "AUTH", NULL };
    const char  *ask[] = { "SENTINEL", "GET-MASTER-ADDR-BY-NAME", NULL };
    const char  *sub[] = { "SUBSCRIBE", "+switch-master" };

    rcf = sn->rcf;
    auth[1] = (const char *) rcf->sentinel_password.data;
    ask[2] = (const char *) rcf->sentinel_name.data;

    sn->out_len = 0;
    sn->out_sent = 0;
    sn->replies = 0;

    if ((rcf->sentinel_password.len
         && ngx_http_concertation_sentinel_append(sn, 2, auth,
                                          rcf->sentinel_password.len) != NGX_OK)
        || ngx_http_concertation_sentinel_append(sn, 3, ask,
                                          rcf->sentinel_name.len) != NGX_OK
        || ngx_http_concertation_sentinel_append(sn, 2, sub, 0) != NGX_OK)
    {
        ngx_free(sn->out);
        sn->out = NULL;
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* one command, formatted by hiredis, after the others; last_len: the
   length of the last argument when it is not a C string (0: it is) */

static ngx_int_t
ngx_http_concertation_sentinel_append(ngx_http_concertation_sentinel_t *sn,
    int argc, const char **argv, size_t last_len)
{
    int         i;
    char       *cmd, *out;
    size_t      argvlen[3];
    long long   len;

    for (i = 0; i < argc; i++) {
        argvlen[i] = (i == argc - 1 && last_len) ? last_len
                                                 : ngx_strlen(argv[i]);
    }

    len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
    if (len < 0) {
        return NGX_ERROR;
    }

    out = realloc(sn->out, sn->out_len + len);

    if (out != NULL) {
        ngx_memcpy(out + sn->out_len, cmd, len);
        sn->out = out;
        sn->out_len += len;
    }

    redisFreeCommand(cmd);

    return out ? NGX_OK : NGX_ERROR;
}


static void
ngx_http_concertation_sentinel_write(ngx_event_t *wev)
{
    int                                err;
    ssize_t                            n;
    socklen_t                          len;
    ngx_connection_t                  *c;
    ngx_http_concertation_sentinel_t  *sn;

    c = wev->data;
    sn = c->data;

    if (sn->state == ngx_http_concertation_sentinel_connecting) {
        err = 0;
        len = sizeof(int);

        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len)
            == -1)
        {
            err = ngx_socket_errno;
        }

        if (err) {
            ngx_http_concertation_sentinel_failed(sn, err,
                                                  "connect() failed");
            return;
        }

        sn->state = ngx_http_concertation_sentinel_asking;
    }

    while (sn->out && sn->out_sent < sn->out_len) {
        n = c->send(c, (u_char *) sn->out + sn->out_sent,
                    sn->out_len - sn->out_sent);

        if (n == NGX_AGAIN) {
            if (ngx_handle_write_event(wev, 0) != NGX_OK) {
                ngx_http_concertation_sentinel_failed(sn, ngx_socket_errno,
                                                      "send() failed");
            }
            return;
        }

        if (n == NGX_ERROR) {
            ngx_http_concertation_sentinel_failed(sn, ngx_socket_errno,
                                                  "send() failed");
            return;
        }

        sn->out_sent += n;
    }

    if (sn->out) {
        ngx_free(sn->out);
        sn->out = NULL;
    }
}


static void
ngx_http_concertation_sentinel_read(ngx_event_t *rev)
{
    ssize_t                            n;
    redisReply                        *reply;
    ngx_connection_t                  *c;
    ngx_http_concertation_sentinel_t  *sn;
    u_char                             buf[NGX_HTTP_CONCERTATION_SENTINEL_READ];

    c = rev->data;
    sn = c->data;

    if (sn->state == ngx_http_concertation_sentinel_connecting) {
        /* the connect's outcome comes by the write event */
        ngx_http_concertation_sentinel_write(c->write);

        if (sn->peer.connection != c) {
            return;
        }
    }

    for ( ;; ) {
        n = c->recv(c, buf, sizeof(buf));

        if (n == NGX_AGAIN) {
            break;
        }

        if (n == 0 || n == NGX_ERROR) {
            ngx_http_concertation_sentinel_failed(sn,
                                                  n ? ngx_socket_errno : 0,
                                                  n ? "recv() failed"
                                                    : "the sentinel closed "
                                                      "the connection");
            return;
        }

        if (redisReaderFeed(sn->reader, (const char *) buf, n) != REDIS_OK) {
            ngx_http_concertation_sentinel_failed(sn, 0, "no memory");
            return;
        }

        for ( ;; ) {
            reply = NULL;

            if (redisReaderGetReply(sn->reader, (void **) &reply)
                != REDIS_OK)
            {
                ngx_http_concertation_sentinel_failed(sn, 0,
                                                      "invalid reply");
                return;
            }

            if (reply == NULL) {
                break;
            }

            if (ngx_http_concertation_sentinel_reply(sn, reply) != NGX_OK) {
                /* the connection is closed, and the next sentinel asked */
                freeReplyObject(reply);
                return;
            }

            freeReplyObject(reply);
        }
    }

    if (ngx_handle_read_event(rev, 0) != NGX_OK) {
        ngx_http_concertation_sentinel_failed(sn, ngx_socket_errno,
                                              "could not watch the "
                                              "connection");
    }
}


static ngx_int_t
ngx_http_concertation_sentinel_reply(ngx_http_concertation_sentinel_t *sn,
    redisReply *reply)
{
    int                                 rc;
    cc_reply_addr_t                     a;
    ngx_http_concertation_redis_conf_t *rcf;

    rcf = sn->rcf;

    if (sn->state == ngx_http_concertation_sentinel_watching) {
        rc = cc_reply_switch_master(reply, (char *) rcf->sentinel_name.data,
                                    rcf->sentinel_name.len, &a);
        if (rc == 1) {
            return ngx_http_concertation_sentinel_named(sn, &a,
                                                        "+switch-master");
        }

        /* another master's switch; a message of another shape is ignored */
        return NGX_OK;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, &sn->log, 0,
                      "Redis Sentinel at %V refused a command: %*s",
                      sn->peer.name, (size_t) reply->len, reply->str);
        ngx_http_concertation_sentinel_failed(sn, 0, NULL);
        return NGX_ERROR;
    }

    sn->replies++;

    if (rcf->sentinel_password.len && sn->replies == 1) {
        return NGX_OK;  /* AUTH's +OK */
    }

    if (sn->replies == 1 + (rcf->sentinel_password.len ? 1 : 0)) {
        if (cc_reply_master_addr(reply, &a) != 0) {
            ngx_log_error(NGX_LOG_ERR, &sn->log, 0,
                          "Redis Sentinel at %V knows no master called "
                          "\"%V\"", sn->peer.name, &rcf->sentinel_name);
            ngx_http_concertation_sentinel_failed(sn, 0, NULL);
            return NGX_ERROR;
        }

        return ngx_http_concertation_sentinel_named(sn, &a, "asked");
    }

    /* SUBSCRIBE's: watching from now on, no deadline */

    sn->state = ngx_http_concertation_sentinel_watching;
    sn->tried = 0;
    sn->delay = 0;

    if (sn->timer.timer_set) {
        ngx_del_timer(&sn->timer);
    }

    return NGX_OK;
}


/* the sentinels name the master a: the connection to Redis follows */

static ngx_int_t
ngx_http_concertation_sentinel_named(ngx_http_concertation_sentinel_t *sn,
    cc_reply_addr_t *a, const char *how)
{
    u_char          *host;
    socklen_t        socklen;
    in_addr_t        inaddr;
    ngx_sockaddr_t   sa;

    host = (u_char *) a->host;

    ngx_memzero(&sa, sizeof(ngx_sockaddr_t));

    inaddr = ngx_inet_addr(host, a->host_len);

    if (inaddr != INADDR_NONE) {
        sa.sockaddr_in.sin_family = AF_INET;
        sa.sockaddr_in.sin_addr.s_addr = inaddr;
        socklen = sizeof(struct sockaddr_in);

#if (NGX_HAVE_INET6)
    } else if (ngx_inet6_addr(host, a->host_len,
                              sa.sockaddr_in6.sin6_addr.s6_addr)
               == NGX_OK)
    {
        sa.sockaddr_in6.sin6_family = AF_INET6;
        socklen = sizeof(struct sockaddr_in6);
#endif

    } else {
        ngx_log_error(NGX_LOG_ERR, &sn->log, 0,
                      "Redis Sentinel at %V names the master \"%V\" by the "
                      "host name \"%*s\": an IP address is needed (a worker "
                      "does not resolve names)", sn->peer.name,
                      &sn->rcf->sentinel_name, a->host_len, a->host);
        ngx_http_concertation_sentinel_failed(sn, 0, NULL);
        return NGX_ERROR;
    }

    ngx_inet_set_port(&sa.sockaddr, (in_port_t) a->port);

    if (sn->master.name.len
        && ngx_cmp_sockaddr(&sa.sockaddr, socklen, sn->master.sockaddr,
                            sn->master.socklen, 1)
           == NGX_OK)
    {
        return NGX_OK;
    }

    ngx_memcpy(&sn->sockaddr, &sa, socklen);
    sn->master.socklen = socklen;
    sn->master.name.len = ngx_sock_ntop(sn->master.sockaddr, socklen,
                                        sn->name, NGX_SOCKADDR_STRLEN, 1);

    ngx_log_error(NGX_LOG_WARN, &sn->log, 0,
                  "Redis Sentinel at %V: the master \"%V\" is at %V (%s)",
                  sn->peer.name, &sn->rcf->sentinel_name, &sn->master.name,
                  how);

    sn->moved(sn->data);

    return NGX_OK;
}


static void
ngx_http_concertation_sentinel_close(ngx_http_concertation_sentinel_t *sn)
{
    if (sn->timer.timer_set) {
        ngx_del_timer(&sn->timer);
    }

    if (sn->peer.connection) {
        ngx_close_connection(sn->peer.connection);
        sn->peer.connection = NULL;
    }

    if (sn->reader) {
        redisReaderFree(sn->reader);
        sn->reader = NULL;
    }

    if (sn->out) {
        ngx_free(sn->out);
        sn->out = NULL;
    }

    sn->state = ngx_http_concertation_sentinel_idle;
}


/*
 * This sentinel failed: the next is tried at once, but after a whole round
 * the worker waits, and says so once.
 */

static void
ngx_http_concertation_sentinel_failed(ngx_http_concertation_sentinel_t *sn,
    ngx_err_t err, const char *reason)
{
    ngx_uint_t   n;
    ngx_str_t   *name;

    n = sn->rcf->sentinels->nelts;
    name = &((ngx_addr_t *) sn->rcf->sentinels->elts)[sn->current].name;

    ngx_http_concertation_sentinel_close(sn);

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        /* no timer re-armed while nginx cancels them */
        return;
    }

    if (reason) {
        ngx_log_error(NGX_LOG_INFO, &sn->log, err,
                      "Redis Sentinel at %V: %s", name, reason);
    }

    sn->current = (sn->current + 1) % n;

    if (++sn->tried < n) {
        /* from a timer of no delay: never a loop of calls on the stack */
        ngx_add_timer(&sn->timer, 1);
        return;
    }

    sn->tried = 0;
    sn->delay = sn->delay ? ngx_min(2 * sn->delay,
                                    NGX_HTTP_CONCERTATION_SENTINEL_MAX)
                          : NGX_HTTP_CONCERTATION_SENTINEL_MIN;

    ngx_log_error(NGX_LOG_ERR, &sn->log, err,
                  "no Redis Sentinel answered for the master \"%V\" (%ui "
                  "tried; the last, at %V: %s); next round in %M ms",
                  &sn->rcf->sentinel_name, n, name,
                  reason ? reason : "see above", sn->delay);

    ngx_add_timer(&sn->timer, sn->delay);
}


static void
ngx_http_concertation_sentinel_timer(ngx_event_t *ev)
{
    ngx_http_concertation_sentinel_t *sn = ev->data;

    if (sn->state == ngx_http_concertation_sentinel_idle) {
        (void) ngx_http_concertation_sentinel_connect(sn);
        return;
    }

    ngx_http_concertation_sentinel_failed(sn, NGX_ETIMEDOUT,
                                          "no answer in time");
}
