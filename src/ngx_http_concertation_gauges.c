
/*
 * concertation: each worker's gauges, in its own slot of the status zone
 * (ngx_http_concertation_metrics.c), found by nginx's worker number.  The
 * slot is claimed by pid, so that an old worker still finishing its
 * requests after a reload does not overwrite the new one's gauges.
 */


#include "ngx_http_concertation_gauges.h"
#include "ngx_http_concertation_metrics.h"

#include <time.h>


static ngx_http_concertation_metrics_worker_t *
    ngx_http_concertation_gauges_worker(void);


/*
 * This worker's slot, claimed at its first use: its gauges start afresh
 * (a new worker has its own connection and spool file); NULL past the
 * slots, or for an old worker whose slot a new one has taken.
 */

static ngx_http_concertation_metrics_worker_t *
ngx_http_concertation_gauges_worker(void)
{
    static ngx_uint_t                        claimed;
    ngx_http_concertation_metrics_ctx_t     *ctx;
    ngx_http_concertation_metrics_worker_t  *w;

    ctx = ngx_http_concertation_metrics_ctx();

    if (ctx == NULL || ngx_worker >= NGX_HTTP_CONCERTATION_METRICS_WORKERS) {
        return NULL;
    }

    w = &ctx->sh->workers[ngx_worker];

    if (!claimed) {
        claimed = 1;
        w->state = CC_REDIS_DOWN;
        w->spool_bytes = 0;
        w->spool_records = 0;
        ngx_memory_barrier();
        w->pid = (ngx_atomic_uint_t) ngx_pid;
    }

    return w;
}


uint64_t
ngx_http_concertation_gauges_now_us(void)
{
    struct timespec  ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
        return 0;
    }

    return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}


/* the connection's state; reconnect: an attempt after a failure */

void
ngx_http_concertation_gauges_redis_state(ngx_uint_t state,
    ngx_uint_t reconnect)
{
    ngx_http_concertation_metrics_worker_t  *w;

    w = ngx_http_concertation_gauges_worker();
    if (w == NULL) {
        return;
    }

    if (reconnect) {
        (void) ngx_atomic_fetch_add(&w->reconnects, 1);
    }

    if (w->pid == (ngx_atomic_uint_t) ngx_pid) {
        w->state = state;
    }
}


/* a reply came: the time since its command was queued */

void
ngx_http_concertation_gauges_redis_latency(uint64_t queued_us)
{
    uint64_t                                 now, us;
    ngx_http_concertation_metrics_worker_t  *w;

    if (queued_us == 0) {
        return;
    }

    w = ngx_http_concertation_gauges_worker();
    if (w == NULL) {
        return;
    }

    now = ngx_http_concertation_gauges_now_us();
    us = now > queued_us ? now - queued_us : 0;

    (void) ngx_atomic_fetch_add(&w->buckets[cc_metrics_bucket(us)], 1);
    (void) ngx_atomic_fetch_add(&w->latency_sum_us, (ngx_atomic_int_t) us);
}


/*
 * The spool (ngx_http_concertation_spool.c): own_bytes is what waits in
 * the worker's own file, -1 when the event concerns a file it adopted.
 */

void
ngx_http_concertation_gauges_unconfirmed(ngx_uint_t n)
{
    ngx_http_concertation_metrics_worker_t  *w;

    w = ngx_http_concertation_gauges_worker();

    if (w != NULL) {
        (void) ngx_atomic_fetch_add(&w->unconfirmed, n);
    }
}


void
ngx_http_concertation_gauges_spool(ngx_uint_t event, off_t own_bytes)
{
    ngx_http_concertation_metrics_worker_t  *w;

    w = ngx_http_concertation_gauges_worker();
    if (w == NULL) {
        return;
    }

    switch (event) {

    case NGX_HTTP_CONCERTATION_SPOOL_REPLAYED:
        (void) ngx_atomic_fetch_add(&w->replayed, 1);
        break;

    case NGX_HTTP_CONCERTATION_SPOOL_REPLAY_DUPLICATE:
        (void) ngx_atomic_fetch_add(&w->replay_duplicates, 1);
        break;

    case NGX_HTTP_CONCERTATION_SPOOL_SKIPPED:
        (void) ngx_atomic_fetch_add(&w->replay_skipped, 1);
        break;

    case NGX_HTTP_CONCERTATION_SPOOL_QUARANTINED:
        (void) ngx_atomic_fetch_add(&w->quarantined, 1);
        break;
    }

    if (w->pid != (ngx_atomic_uint_t) ngx_pid || own_bytes < 0) {
        return;
    }

    w->spool_bytes = (ngx_atomic_uint_t) own_bytes;

    switch (event) {

    case NGX_HTTP_CONCERTATION_SPOOL_APPENDED:
        w->spool_records++;
        break;

    case NGX_HTTP_CONCERTATION_SPOOL_REPLAYED:
    case NGX_HTTP_CONCERTATION_SPOOL_REPLAY_DUPLICATE:
    case NGX_HTTP_CONCERTATION_SPOOL_QUARANTINED:
        if (w->spool_records) {
            w->spool_records--;
        }
        break;

    case NGX_HTTP_CONCERTATION_SPOOL_EMPTIED:
        w->spool_records = 0;
        break;
    }
}
