
/*
 * concertation: the backoff of the Redis connection (the header says what).
 * Requests keep trying to connect between two steps, so that the first one
 * after Redis comes back is served; those tries are silent and do not
 * lengthen the backoff.  Only the timer's try makes the next step.
 */


#include "ngx_http_concertation_redis_backoff.h"


#define NGX_HTTP_CONCERTATION_BACKOFF_MIN  100
#define NGX_HTTP_CONCERTATION_BACKOFF_MAX  5000


static void ngx_http_concertation_backoff_handler(ngx_event_t *ev);


void
ngx_http_concertation_backoff_init(ngx_http_concertation_backoff_t *b,
    ngx_log_t *log, void (*retry)(void *data), void *data)
{
    ngx_memzero(b, sizeof(ngx_http_concertation_backoff_t));

    b->log = log;
    b->retry = retry;
    b->data = data;

    b->timer.handler = ngx_http_concertation_backoff_handler;
    b->timer.data = b;
    b->timer.log = log;
    b->timer.cancelable = 1;
}


void
ngx_http_concertation_backoff_failed(ngx_http_concertation_backoff_t *b,
    ngx_str_t *name, ngx_err_t err, const char *reason, ngx_uint_t requests,
    ngx_uint_t refused)
{
    b->met += requests;

    if (refused) {
        b->refused = 1;
    }

    if (b->timer.timer_set) {
        /* a request's try between two steps */
        return;
    }

    if (b->delay == 0) {
        b->delay = NGX_HTTP_CONCERTATION_BACKOFF_MIN;

        ngx_log_error(NGX_LOG_ERR, b->log, err,
                      "Redis at %V: %s; %ui requests met it unavailable; "
                      "next try in %M ms", name,
                      reason ? reason : "connection failed", b->met,
                      b->delay);

    } else {
        b->delay = ngx_min(2 * b->delay, NGX_HTTP_CONCERTATION_BACKOFF_MAX);

        ngx_log_error(NGX_LOG_ERR, b->log, err,
                      "Redis at %V still unavailable (%s): %ui requests met "
                      "it unavailable since the last message; next try in "
                      "%M ms", name, reason ? reason : "connection failed",
                      b->met, b->delay);
    }

    b->met = 0;

    if (!ngx_exiting && !ngx_terminate && !ngx_quit) {
        ngx_add_timer(&b->timer, b->delay);
    }
}


void
ngx_http_concertation_backoff_met(ngx_http_concertation_backoff_t *b)
{
    b->met++;
}


ngx_uint_t
ngx_http_concertation_backoff_may_try(ngx_http_concertation_backoff_t *b)
{
    return !b->refused;
}


void
ngx_http_concertation_backoff_up(ngx_http_concertation_backoff_t *b,
    ngx_str_t *name)
{
    if (b->timer.timer_set) {
        ngx_del_timer(&b->timer);
    }

    if (b->delay) {
        ngx_log_error(NGX_LOG_NOTICE, b->log, 0,
                      "connected to Redis at %V again; %ui requests met it "
                      "unavailable since the last message", name, b->met);
    }

    b->delay = 0;
    b->met = 0;
    b->refused = 0;
}


void
ngx_http_concertation_backoff_moved(ngx_http_concertation_backoff_t *b)
{
    if (b->timer.timer_set) {
        ngx_del_timer(&b->timer);
    }

    b->delay = 0;
    b->refused = 0;
}


void
ngx_http_concertation_backoff_stop(ngx_http_concertation_backoff_t *b)
{
    if (b->timer.timer_set) {
        ngx_del_timer(&b->timer);
    }
}


static void
ngx_http_concertation_backoff_handler(ngx_event_t *ev)
{
    ngx_http_concertation_backoff_t *b = ev->data;

    b->refused = 0;

    b->retry(b->data);
}
