
/*
 * concertation: the bound on a body read without a length
 * (ngx_http_concertation_body.h).  A module of its own, so that its
 * request context is its own: the filter sees every request body of the
 * server and acts only on those an endpoint bounded.
 */


#include "ngx_http_concertation_body.h"
#include "ngx_http_concertation_response.h"


typedef struct {
    off_t                       max;
    off_t                       received;
    cc_msg_e                    msg;
    ngx_event_t                 answer;     /* posted: the 413 */
    unsigned                    over:1;
} ngx_http_concertation_body_t;


static ngx_int_t ngx_http_concertation_body_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_concertation_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static void ngx_http_concertation_body_consume(ngx_chain_t *cl);
static void ngx_http_concertation_body_answer(ngx_event_t *ev);
static void ngx_http_concertation_body_cleanup(void *data);


static ngx_http_module_t  ngx_http_concertation_body_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_concertation_body_init,       /* postconfiguration */
    NULL, NULL, NULL, NULL, NULL, NULL
};


ngx_module_t  ngx_http_concertation_body_module = {
    NGX_MODULE_V1,
    &ngx_http_concertation_body_module_ctx,
    NULL,                                  /* no directive */
    NGX_HTTP_MODULE,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NGX_MODULE_V1_PADDING
};


static ngx_http_request_body_filter_pt  ngx_http_next_request_body_filter;


static ngx_int_t
ngx_http_concertation_body_init(ngx_conf_t *cf)
{
    ngx_http_next_request_body_filter = ngx_http_top_request_body_filter;
    ngx_http_top_request_body_filter = ngx_http_concertation_body_filter;

    return NGX_OK;
}


ngx_int_t
ngx_http_concertation_body_bound(ngx_http_request_t *r, off_t max,
    cc_msg_e msg)
{
    ngx_pool_cleanup_t            *cln;
    ngx_http_concertation_body_t  *b;

    b = ngx_pcalloc(r->pool, sizeof(ngx_http_concertation_body_t));
    if (b == NULL) {
        return NGX_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    b->max = max;
    b->msg = msg;
    b->answer.handler = ngx_http_concertation_body_answer;
    b->answer.data = r;
    b->answer.log = r->connection->log;

    cln->handler = ngx_http_concertation_body_cleanup;
    cln->data = b;

    ngx_http_set_ctx(r, b, ngx_http_concertation_body_module);

    return NGX_OK;
}


ngx_uint_t
ngx_http_concertation_body_over(ngx_http_request_t *r)
{
    ngx_http_concertation_body_t  *b;

    b = ngx_http_get_module_ctx(r, ngx_http_concertation_body_module);

    return b != NULL && b->over;
}


static ngx_int_t
ngx_http_concertation_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_chain_t                   *cl;
    ngx_http_concertation_body_t  *b;

    b = ngx_http_get_module_ctx(r, ngx_http_concertation_body_module);

    if (b == NULL) {
        return ngx_http_next_request_body_filter(r, in);
    }

    if (!b->over) {
        for (cl = in; cl; cl = cl->next) {
            b->received += ngx_buf_size(cl->buf);
        }

        if (b->received <= b->max) {
            return ngx_http_next_request_body_filter(r, in);
        }

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "concertation: client body without a length passed "
                      "%O bytes: refused while it was read", b->max);

        b->over = 1;

        /* nothing more is read for the request; the answer goes next */
        r->read_event_handler = ngx_http_block_reading;
        ngx_post_event(&b->answer, &ngx_posted_events);
    }

    /*
     * Taken, never passed on: nginx's buffers are free again (what the
     * save filter kept before too, or nginx would find them busy when its
     * buffer is full), and no last buffer ever reaches the save filter, so
     * the endpoint's body handler is never called.
     */

    ngx_http_concertation_body_consume(in);

    if (r->request_body) {
        ngx_http_concertation_body_consume(r->request_body->bufs);
    }

    return NGX_OK;
}


static void
ngx_http_concertation_body_consume(ngx_chain_t *cl)
{
    for ( /* void */ ; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;

        if (cl->buf->in_file) {
            cl->buf->file_pos = cl->buf->file_last;
        }
    }
}


static void
ngx_http_concertation_body_answer(ngx_event_t *ev)
{
    ngx_http_request_t *r = ev->data;

    ngx_int_t                      rc;
    ngx_connection_t              *c;
    ngx_http_concertation_body_t  *b;

    c = r->connection;

    if (r->done) {
        /* answered otherwise meanwhile (the body-read deadline) */
        return;
    }

    b = ngx_http_get_module_ctx(r, ngx_http_concertation_body_module);

    r->keepalive = 0;
    r->lingering_close = 1;

    rc = ngx_http_concertation_send_message(r, b->msg);

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


static void
ngx_http_concertation_body_cleanup(void *data)
{
    ngx_http_concertation_body_t *b = data;

    if (b->answer.posted) {
        ngx_delete_posted_event(&b->answer);
    }
}
