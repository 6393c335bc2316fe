
/*
 * concertation: the questionnaire's endpoint.  After the request pipeline
 * (ngx_http_concertation_request.c) has validated the answer:
 *
 *   1 the idempotency key, from the header or the form's field
 *   2 the record: id, reception time, pseudonymised client
 *   3 the store: XADD, or the store script                 (by callback)
 *   4 201; or, Redis failing, the local spool and 202; or 503
 */


#include "ngx_http_concertation_submit.h"
#include "ngx_http_concertation_request.h"
#include "ngx_http_concertation_draft.h"
#include "ngx_http_concertation_response.h"
#include "ngx_http_concertation_headers.h"
#include "ngx_http_concertation_store.h"
#include "ngx_http_concertation_limit.h"
#include "ngx_http_concertation_metrics.h"


typedef struct {
    ngx_http_concertation_req_t         rq;        /* first */
    ngx_http_concertation_store_t       st;
} ngx_http_concertation_submit_ctx_t;


static ngx_int_t ngx_http_concertation_submit_start(
    ngx_http_concertation_req_t *rq, char *normalised, size_t len);
static ngx_int_t ngx_http_concertation_submit_key(
    ngx_http_concertation_req_t *rq, ngx_str_t *key);
static void ngx_http_concertation_submit_stored(void *data, cc_reply_t *rep,
    ngx_uint_t answered, ngx_uint_t maybe_sent);
static ngx_int_t ngx_http_concertation_submit_answer(
    ngx_http_concertation_submit_ctx_t *ctx, cc_reply_t *rep);
static ngx_int_t ngx_http_concertation_submit_failed(
    ngx_http_concertation_submit_ctx_t *ctx, ngx_uint_t maybe_sent);
static ngx_int_t ngx_http_concertation_submit_spooled_before(
    ngx_http_concertation_submit_ctx_t *ctx);
static ngx_int_t ngx_http_concertation_submit_expired(ngx_http_request_t *r,
    ngx_uint_t maybe_sent);
static void ngx_http_concertation_submit_synced(void *data, ngx_int_t rc);
static void ngx_http_concertation_submit_forget(void *data);
static void ngx_http_concertation_submit_free(void *data);


const ngx_http_concertation_endpoint_t  ngx_http_concertation_submit = {
    "store the submission",
    sizeof(ngx_http_concertation_submit_ctx_t),
    CC_MSG_METHOD_FORM,
    CC_MSG_TYPE_FORM,
    CC_MSG_TOO_LARGE_FORM,
    0,
    1,
    1,
    NULL,
    ngx_http_concertation_submit_start,
    ngx_http_concertation_submit_expired
};


static ngx_int_t
ngx_http_concertation_submit_start(ngx_http_concertation_req_t *rq,
    char *normalised, size_t len)
{
    ngx_int_t                            rc;
    ngx_str_t                            key;
    ngx_pool_cleanup_t                  *cln;
    ngx_http_request_t                  *r;
    ngx_http_concertation_store_t       *st;
    ngx_http_concertation_submit_ctx_t  *ctx;

    r = rq->request;
    ctx = (ngx_http_concertation_submit_ctx_t *) rq;
    st = &ctx->st;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        free(normalised);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_http_concertation_submit_free;
    cln->data = normalised;

    st->data.data = (u_char *) normalised;
    st->data.len = len;

    rc = ngx_http_concertation_submit_key(rq, &key);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (ngx_http_concertation_store_record(r, st) != NGX_OK
        || ngx_http_concertation_store_limits(r, st) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (key.len) {
        if (ngx_http_concertation_store_dedup(r, st, &key) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        /* the first answer is in this server's spool, not in Redis yet */

        rc = ngx_http_concertation_submit_spooled_before(ctx);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    if (ngx_http_concertation_store_send(r, st,
                                         ngx_http_concertation_submit_stored,
                                         ctx)
        != NGX_OK)
    {
        return ngx_http_concertation_submit_failed(ctx, 0);
    }

    return ngx_http_concertation_request_wait(rq, &st->cmd.call);
}


static void
ngx_http_concertation_submit_free(void *data)
{
    free(data);
}


/*
 * The client's idempotency key: the Idempotency-Key header, else the
 * hidden _idempotency_key field.  NGX_DECLINED to go on (key->len 0: there
 * is none), or the answer sent for a malformed key.
 */

static ngx_int_t
ngx_http_concertation_submit_key(ngx_http_concertation_req_t *rq,
    ngx_str_t *key)
{
    ngx_str_t           *h;
    ngx_http_request_t  *r;

    r = rq->request;

    if (ngx_http_concertation_header(r, "Idempotency-Key",
                                     sizeof("Idempotency-Key") - 1, &h)
        != NGX_OK
        || (h && !cc_idempotency_key_ok((char *) h->data, h->len)))
    {
        return ngx_http_concertation_send_message(r,
                                                  CC_MSG_IDEMPOTENCY_HEADER);
    }

    if (h) {
        *key = *h;
        return NGX_DECLINED;
    }

    /* a malformed field is refused, not silently ignored */

    if (rq->idempotency_bad
        || (rq->idempotency.len
            && !cc_idempotency_key_ok((char *) rq->idempotency.data,
                                      rq->idempotency.len)))
    {
        return ngx_http_concertation_send_message(r,
                                                  CC_MSG_IDEMPOTENCY_FIELD);
    }

    *key = rq->idempotency;

    return NGX_DECLINED;
}


static void
ngx_http_concertation_submit_stored(void *data, cc_reply_t *rep,
    ngx_uint_t answered, ngx_uint_t maybe_sent)
{
    ngx_http_concertation_submit_ctx_t *ctx = data;

    ngx_int_t            rc;
    ngx_http_request_t  *r;

    r = ctx->rq.request;

    switch (rep->kind) {

    case CC_REPLY_STORED:
    case CC_REPLY_DUPLICATE:
    case CC_REPLY_LIMITED:
        rc = ngx_http_concertation_submit_answer(ctx, rep);
        break;

    default:
        if (answered) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "Redis did not store the submission: %*s",
                          rep->error_len ? rep->error_len : 22,
                          rep->error_len ? rep->error
                                         : "reply of another shape");
        }

        rc = ngx_http_concertation_submit_failed(ctx, maybe_sent);
    }

    ngx_http_concertation_wait_done(&ctx->rq.wait, rc);
}


static ngx_int_t
ngx_http_concertation_submit_answer(ngx_http_concertation_submit_ctx_t *ctx,
    cc_reply_t *rep)
{
    ngx_http_request_t                  *r;
    ngx_http_concertation_limit_conf_t  *lcf;
    char                                 id[CC_ID_LEN + 1];

    r = ctx->rq.request;
    lcf = ngx_http_concertation_loc_conf(r)->limit;

    switch (rep->kind) {

    case CC_REPLY_LIMITED:
        ngx_log_error(lcf->log_level, r->connection->log, 0,
                      "limiting requests counted in Redis, "
                      "retry after %L s", rep->wait);

        return ngx_http_concertation_send_limited(r, rep->wait);

    case CC_REPLY_DUPLICATE:
        /* the first answer to this idempotency key, as it was */

        if (rep->id_len != CC_ID_LEN) {
            return ngx_http_concertation_send_message(r,
                                                   CC_MSG_UNAVAILABLE_ANSWER);
        }

        ngx_memcpy(id, rep->id, CC_ID_LEN);
        id[CC_ID_LEN] = '\0';

        ngx_http_concertation_metrics_duplicate(r, id);

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "idempotency key seen before: answer %*s %s",
                      rep->status_len, rep->status, id);

        return ngx_http_concertation_send_created(r,
                   (rep->status_len == 3 && rep->status[2] == '2')
                   ? NGX_HTTP_ACCEPTED : NGX_HTTP_CREATED, id);

    default:
        if (rep->wait > 0) {
            ngx_log_error(lcf->log_level, r->connection->log, 0,
                          "limiting requests counted in Redis, dry run, "
                          "retry after %L s", rep->wait);
        }

        /* the answer is in: the draft it was resumed from goes */
        ngx_http_concertation_draft_answered(&ctx->rq);

        return ngx_http_concertation_send_created(r, NGX_HTTP_CREATED,
                                                  ctx->st.id);
    }
}


/*
 * Redis did not take the submission in time (or at all): into the local
 * spool when there is one, 503 otherwise.  Redis may have run the command
 * all the same (maybe_sent, for the log): the replay then finds the key the
 * command wrote (store.c), and stores nothing twice.
 */

static ngx_int_t
ngx_http_concertation_submit_failed(ngx_http_concertation_submit_ctx_t *ctx,
    ngx_uint_t maybe_sent)
{
    ngx_int_t            rc;
    ngx_pool_cleanup_t  *cln;
    ngx_http_request_t  *r;

    r = ctx->rq.request;

    /* a retry of an answer spooled meanwhile: not a second record */

    rc = ngx_http_concertation_submit_spooled_before(ctx);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    ctx->st.spooled = ngx_http_concertation_submit_synced;
    ctx->st.ctx = ctx;

    switch (ngx_http_concertation_store_spool(r, &ctx->st)) {

    case NGX_OK:
        return ngx_http_concertation_send_created(r, NGX_HTTP_ACCEPTED,
                                                  ctx->st.id);

    case NGX_AGAIN:
        /* on disk once fdatasync() returns, in a thread */

        cln = ngx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            ngx_http_concertation_spool_forget(&ctx->st.spool);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        cln->handler = ngx_http_concertation_submit_forget;
        cln->data = &ctx->st.spool;

        return NGX_DONE;

    default:  /* NGX_DECLINED: no spool; NGX_ERROR: logged */
        return ngx_http_concertation_send_message(r,
                                                  CC_MSG_UNAVAILABLE_ANSWER);
    }
}


static ngx_int_t
ngx_http_concertation_submit_spooled_before(
    ngx_http_concertation_submit_ctx_t *ctx)
{
    ngx_http_request_t  *r;
    char                 id[CC_ID_LEN + 1];

    r = ctx->rq.request;

    if (ngx_http_concertation_store_spooled_before(r, &ctx->st, id)
        != NGX_OK)
    {
        return NGX_DECLINED;
    }

    ngx_http_concertation_metrics_duplicate(r, id);

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "idempotency key of a spooled answer: answer 202 %s", id);

    return ngx_http_concertation_send_created(r, NGX_HTTP_ACCEPTED, id);
}


static ngx_int_t
ngx_http_concertation_submit_expired(ngx_http_request_t *r,
    ngx_uint_t maybe_sent)
{
    return ngx_http_concertation_submit_failed(
                   ngx_http_get_module_ctx(r, ngx_http_concertation_module),
                   maybe_sent);
}


static void
ngx_http_concertation_submit_synced(void *data, ngx_int_t rc)
{
    ngx_http_concertation_submit_ctx_t *ctx = data;

    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ctx->rq.request;
    c = r->connection;

    ngx_http_finalize_request(r, rc == NGX_OK
                              ? ngx_http_concertation_send_created(r,
                                            NGX_HTTP_ACCEPTED, ctx->st.id)
                              : ngx_http_concertation_send_message(r,
                                            CC_MSG_UNAVAILABLE_ANSWER));
    ngx_http_run_posted_requests(c);
}


static void
ngx_http_concertation_submit_forget(void *data)
{
    ngx_http_concertation_spool_forget(data);
}
