
/*
 * concertation: the WAIT that follows writes (concertation_redis_wait).
 *
 * A write to be replicated joins the pending list when it is queued; a
 * posted event, run after every handler of this turn of the event loop,
 * queues one WAIT behind all of them, and the writes move to that WAIT's
 * batch.  When a write's reply comes (before WAIT's: the connection keeps
 * the order) it is marked written; WAIT's reply then answers every written
 * write of its batch.  A write whose reply is not in yet when WAIT's comes
 * (its EVALSHA met NOSCRIPT, and the EVAL went after the WAIT) was not
 * covered: it waits for the next WAIT.  A batch lives until its reply,
 * even when all its writes are forgotten: WAIT's reply is always read.
 */


#include "ngx_http_concertation_replicas.h"
#include "ngx_http_concertation_scripts.h"
#include "ngx_http_concertation_gauges.h"


typedef struct {
    ngx_http_concertation_call_t     call;
    const char                      *argv[3];
    size_t                           argvlen[3];
    u_char                           replicas[NGX_INT_T_LEN];
    u_char                           timeout[NGX_INT_T_LEN];
    ngx_queue_t                      waiters;
    ngx_uint_t                       wanted;
    ngx_msec_t                       wait;
} ngx_http_concertation_batch_t;


static void ngx_http_concertation_replicas_post(ngx_event_t *ev);
static void ngx_http_concertation_replicas_reply(void *data,
    redisReply *reply);
static void ngx_http_concertation_replicas_short(
    ngx_http_concertation_batch_t *b, long long n, ngx_uint_t answers);


static ngx_queue_t                          ngx_http_concertation_pending;
static ngx_event_t                          ngx_http_concertation_waiter;
static ngx_http_concertation_redis_conf_t  *ngx_http_concertation_wait_conf;
/* the unconfirmed answers since the last line logged, and its time */
static ngx_uint_t                           ngx_http_concertation_short;
static time_t                               ngx_http_concertation_logged;


void
ngx_http_concertation_replicas_follow(ngx_http_concertation_replicated_t *w,
    ngx_http_concertation_redis_conf_t *rcf)
{
    ngx_event_t  *ev;

    ev = &ngx_http_concertation_waiter;

    if (ev->handler == NULL) {
        ngx_queue_init(&ngx_http_concertation_pending);
        ev->handler = ngx_http_concertation_replicas_post;
        ev->log = ngx_cycle->log;
    }

    ngx_http_concertation_wait_conf = rcf;

    w->batch = NULL;
    w->written = 0;
    w->failed = 0;
    w->linked = 1;
    ngx_queue_insert_tail(&ngx_http_concertation_pending, &w->queue);

    if (!ev->posted) {
        ngx_post_event(ev, &ngx_posted_events);
    }
}


void
ngx_http_concertation_replicas_written(ngx_http_concertation_replicated_t *w)
{
    w->written = 1;

    if (w->failed) {
        ngx_http_concertation_replicas_forget(w);
        w->handler(w, 0);
    }
}


void
ngx_http_concertation_replicas_forget(ngx_http_concertation_replicated_t *w)
{
    if (w->linked) {
        ngx_queue_remove(&w->queue);
        w->linked = 0;
    }

    w->batch = NULL;
}


/* after this turn's handlers: one WAIT behind every write they queued */

static void
ngx_http_concertation_replicas_post(ngx_event_t *ev)
{
    u_char                              *p;
    ngx_queue_t                         *q;
    ngx_http_concertation_batch_t       *b;
    ngx_http_concertation_redis_conf_t  *rcf;
    ngx_http_concertation_replicated_t  *w;

    if (ngx_queue_empty(&ngx_http_concertation_pending)) {
        return;
    }

    rcf = ngx_http_concertation_wait_conf;

    b = ngx_calloc(sizeof(ngx_http_concertation_batch_t), ev->log);

    if (b != NULL) {
        ngx_queue_init(&b->waiters);
        b->wanted = rcf->wait_replicas;
        b->wait = rcf->wait_timeout;

        b->argv[0] = "WAIT";
        b->argvlen[0] = 4;
        p = ngx_sprintf(b->replicas, "%ui", b->wanted);
        b->argv[1] = (const char *) b->replicas;
        b->argvlen[1] = p - b->replicas;
        p = ngx_sprintf(b->timeout, "%M", b->wait);
        b->argv[2] = (const char *) b->timeout;
        b->argvlen[2] = p - b->timeout;

        b->call.script = NGX_HTTP_CONCERTATION_NO_SCRIPT;
        b->call.argc = 3;
        b->call.argv = b->argv;
        b->call.argvlen = b->argvlen;
        b->call.handler = ngx_http_concertation_replicas_reply;
        b->call.data = b;

        if (ngx_http_concertation_call(&b->call) != NGX_OK) {
            ngx_free(b);
            b = NULL;
        }
    }

    /* the writes move to the batch; with no WAIT, none is confirmed */

    while (!ngx_queue_empty(&ngx_http_concertation_pending)) {
        q = ngx_queue_head(&ngx_http_concertation_pending);
        ngx_queue_remove(q);
        w = ngx_queue_data(q, ngx_http_concertation_replicated_t, queue);

        if (b) {
            ngx_queue_insert_tail(&b->waiters, q);
            w->batch = b;
            continue;
        }

        w->linked = 0;
        w->failed = 1;

        if (w->written) {
            w->handler(w, 0);
        }
    }
}


static void
ngx_http_concertation_replicas_reply(void *data, redisReply *reply)
{
    ngx_http_concertation_batch_t *b = data;

    long long                            n;
    ngx_uint_t                           enough, answers;
    ngx_queue_t                         *q, done;
    ngx_http_concertation_replicated_t  *w;

    n = (reply && reply->type == REDIS_REPLY_INTEGER) ? reply->integer : -1;
    enough = n >= (long long) b->wanted;

    /* taken off the batch first: a handler may forget another write */

    ngx_queue_init(&done);
    answers = 0;

    while (!ngx_queue_empty(&b->waiters)) {
        q = ngx_queue_head(&b->waiters);
        ngx_queue_remove(q);
        w = ngx_queue_data(q, ngx_http_concertation_replicated_t, queue);
        w->batch = NULL;

        if (!w->written) {
            /* written after this WAIT: the next one covers it */
            w->linked = 0;
            ngx_http_concertation_replicas_follow(w,
                                          ngx_http_concertation_wait_conf);
            continue;
        }

        ngx_queue_insert_tail(&done, q);
        answers++;
    }

    if (!enough && answers) {
        ngx_http_concertation_replicas_short(b, n, answers);
    }

    while (!ngx_queue_empty(&done)) {
        q = ngx_queue_head(&done);
        ngx_queue_remove(q);
        w = ngx_queue_data(q, ngx_http_concertation_replicated_t, queue);
        w->linked = 0;

        w->handler(w, enough);
    }

    ngx_free(b);
}


/* at most a line a second, however many batches fall short */

static void
ngx_http_concertation_replicas_short(ngx_http_concertation_batch_t *b,
    long long n, ngx_uint_t answers)
{
    ngx_http_concertation_short += answers;
    ngx_http_concertation_gauges_unconfirmed(answers);

    if (ngx_http_concertation_logged == ngx_time()) {
        return;
    }

    ngx_http_concertation_logged = ngx_time();

    if (n < 0) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "WAIT got no count from Redis: %ui answers not "
                      "confirmed on %ui replicas since the last message, "
                      "spooled as well", ngx_http_concertation_short,
                      b->wanted);

    } else {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "WAIT: %L of %ui replicas within %M ms; %ui answers "
                      "not confirmed since the last message, spooled as "
                      "well", n, b->wanted, b->wait,
                      ngx_http_concertation_short);
    }

    ngx_http_concertation_short = 0;
}
