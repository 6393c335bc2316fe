
/*
 * concertation: a request waiting on Redis.  The pool cleanup takes the
 * command back whatever way the request ends, so a reply never finds a
 * freed request; at the deadline the request gets its answer ("expired")
 * and the command leaves a tombstone, or nothing when it had not left the
 * worker yet.
 */


#include "ngx_http_concertation_wait.h"


static void ngx_http_concertation_wait_expired(ngx_event_t *ev);
static void ngx_http_concertation_wait_cleanup(void *data);


ngx_int_t
ngx_http_concertation_wait_init(ngx_http_concertation_wait_t *w,
    ngx_http_request_t *r, const char *what,
    ngx_int_t (*expired)(ngx_http_request_t *r, ngx_uint_t maybe_sent))
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_concertation_wait_cleanup;
    cln->data = w;

    w->request = r;
    w->what = what;
    w->expired = expired;

    return NGX_OK;
}


void
ngx_http_concertation_wait_arm(ngx_http_concertation_wait_t *w,
    ngx_http_concertation_call_t *call, ngx_msec_t timeout)
{
    w->call = call;

    w->deadline.handler = ngx_http_concertation_wait_expired;
    w->deadline.data = w;
    w->deadline.log = w->request->connection->log;

    ngx_add_timer(&w->deadline, timeout);
}


static void
ngx_http_concertation_wait_expired(ngx_event_t *ev)
{
    ngx_http_concertation_wait_t *w = ev->data;

    ngx_uint_t  maybe_sent;

    ngx_log_error(NGX_LOG_WARN, w->request->connection->log, 0,
                  "Redis did not %s in time", w->what);

    maybe_sent = w->call ? ngx_http_concertation_call_cancel(w->call) : 0;

    ngx_http_concertation_wait_done(w, w->expired(w->request, maybe_sent));
}


void
ngx_http_concertation_wait_done(ngx_http_concertation_wait_t *w,
    ngx_int_t rc)
{
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = w->request;
    c = r->connection;

    if (w->deadline.timer_set) {
        ngx_del_timer(&w->deadline);
    }

    if (rc == NGX_DONE) {
        /* still waiting, on something else now (the spool's fsync) */
        return;
    }

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


static void
ngx_http_concertation_wait_cleanup(void *data)
{
    ngx_http_concertation_wait_t *w = data;

    if (w->deadline.timer_set) {
        ngx_del_timer(&w->deadline);
    }

    if (w->call) {
        (void) ngx_http_concertation_call_cancel(w->call);
    }
}
