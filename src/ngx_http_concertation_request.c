
/*
 * concertation: the request pipeline of every POST endpoint
 * (ngx_http_concertation_request.h), step by step.  Each step is a verdict
 * of a lower layer (window, limits, abuse) or a check of its own, and the
 * answer of a refusal is sent here, in French, from the message table.
 */


#include "ngx_http_concertation_request.h"
#include "ngx_http_concertation_body.h"
#include "ngx_http_concertation_draft.h"
#include "ngx_http_concertation_response.h"
#include "ngx_http_concertation_headers.h"
#include "ngx_http_concertation_window.h"
#include "ngx_http_concertation_limit.h"
#include "cc_http.h"


static void ngx_http_concertation_schema_cleanup(void *data);
static ngx_int_t ngx_http_concertation_request_checks(ngx_http_request_t *r,
    const ngx_http_concertation_endpoint_t *ep);
static ngx_int_t ngx_http_concertation_refuse_method(ngx_http_request_t *r,
    char *allow, cc_msg_e msg);
static ngx_int_t ngx_http_concertation_refuse(ngx_http_request_t *r,
    cc_msg_e msg, const char *text);
static ngx_int_t ngx_http_concertation_body_start(
    ngx_http_concertation_req_t *rq);
static void ngx_http_concertation_body_deadline(ngx_event_t *ev);
static void ngx_http_concertation_body_cleanup(void *data);
static void ngx_http_concertation_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_concertation_read_body(ngx_http_request_t *r,
    ngx_str_t *body);
static void ngx_http_concertation_submitted_free(void *data);
static ngx_int_t ngx_http_concertation_validate(
    ngx_http_concertation_req_t *rq, ngx_str_t *body);
static void ngx_http_concertation_reserved(void *data, const char *name,
    size_t name_len, const char *value, size_t value_len);
static void ngx_http_concertation_value(void *data, const char *name,
    const char *s, size_t len);


char *
ngx_http_concertation_request_conf(ngx_conf_t *cf,
    ngx_http_concertation_loc_conf_t *clcf, cc_schema_t *schema,
    const ngx_http_concertation_endpoint_t *endpoint)
{
    ngx_pool_cleanup_t                 *cln;
    ngx_http_core_loc_conf_t           *hclcf;
    ngx_http_concertation_main_conf_t  *cmcf;

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        cc_schema_free(schema);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_concertation_schema_cleanup;
    cln->data = schema;

    clcf->schema = schema;
    clcf->endpoint = endpoint;
    ngx_http_concertation_conf_where(cf, &clcf->form_where);

    cmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_concertation_module);
    if (!cmcf->used) {
        cmcf->first_use = clcf->form_where;
        cmcf->used = 1;
    }

    hclcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    hclcf->handler = ngx_http_concertation_request_handler;

    return NGX_CONF_OK;
}


static void
ngx_http_concertation_schema_cleanup(void *data)
{
    cc_schema_free(data);
}


ngx_int_t
ngx_http_concertation_request_handler(ngx_http_request_t *r)
{
    ngx_int_t                                rc;
    ngx_http_concertation_req_t             *rq;
    const ngx_http_concertation_endpoint_t  *ep;

    ep = ngx_http_concertation_loc_conf(r)->endpoint;

    rq = ngx_pcalloc(r->pool, ep->ctx_size);
    if (rq == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rq->request = r;
    ngx_http_set_ctx(r, rq, ngx_http_concertation_module);

    rc = ngx_http_concertation_request_checks(r, ep);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    r->request_body_in_single_buf = 1;

    if (ngx_http_concertation_body_start(rq) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_read_client_request_body(r,
                                           ngx_http_concertation_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        /* nginx answers: the body-read deadline must not */
        if (rq->body_deadline.timer_set) {
            ngx_del_timer(&rq->body_deadline);
        }

        return rc;
    }

    return NGX_DONE;
}


/* what can be refused before a byte of the body is read */

static ngx_int_t
ngx_http_concertation_request_checks(ngx_http_request_t *r,
    const ngx_http_concertation_endpoint_t *ep)
{
    off_t                              max;
    ngx_int_t                          rc;
    uint64_t                           retry_after;
    cc_msg_e                           msg;
    const char                        *text;
    ngx_table_elt_t                   *h;
    ngx_http_concertation_loc_conf_t  *clcf;

    if (r->method != NGX_HTTP_POST) {
        return ngx_http_concertation_refuse_method(r, "POST", ep->method);
    }

    if (ep->window
        && ngx_http_concertation_window_check(r, &msg, &text) == NGX_OK)
    {
        return ngx_http_concertation_refuse(r, msg, text);
    }

    switch (ngx_http_concertation_limit_check(r, &retry_after)) {

    case NGX_DECLINED:
        break;

    case NGX_BUSY:
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_concertation_send_limited(r, retry_after);

    case NGX_AGAIN:
        return ngx_http_concertation_refuse(r, CC_MSG_LIMIT_NO_ROOM, NULL);

    default:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ep->abuse && ngx_http_concertation_abuse_origin(r) != NGX_OK) {
        return ngx_http_concertation_refuse(r, CC_MSG_CROSS_SITE, NULL);
    }

    h = r->headers_in.content_type;

    if (h == NULL
        || cc_content_type((char *) h->value.data, h->value.len)
           == CC_BODY_UNSUPPORTED)
    {
        return ngx_http_concertation_refuse(r, ep->type, NULL);
    }

    clcf = ngx_http_concertation_loc_conf(r);
    max = ep->max_body ? ep->max_body : clcf->max_body_size;

    if (r->headers_in.content_length_n < 0) {
        /* chunked, or HTTP/2 without the header: counted while read */

        if (r->headers_in.chunked
            && ngx_http_concertation_body_bound(r, max, ep->too_large)
               != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

    } else if (r->headers_in.content_length_n > max) {
        /* the body is not read: close once the client had the answer */
        r->keepalive = 0;
        r->lingering_close = 1;

        rc = ngx_http_concertation_send_message(r, ep->too_large);

        return rc;
    }

    return NGX_DECLINED;
}


/* for what is only read: the programme, the status page */

ngx_int_t
ngx_http_concertation_request_get(ngx_http_request_t *r, cc_msg_e msg)
{
    ngx_int_t  rc;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return ngx_http_concertation_refuse_method(r, "GET, HEAD", msg);
    }

    rc = ngx_http_discard_request_body(r);

    return rc == NGX_OK ? NGX_DECLINED : rc;
}


static ngx_int_t
ngx_http_concertation_refuse_method(ngx_http_request_t *r, char *allow,
    cc_msg_e msg)
{
    ngx_str_t  value;

    value.data = (u_char *) allow;
    value.len = ngx_strlen(allow);

    if (ngx_http_concertation_add_header(r, "Allow", &value) == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_concertation_refuse(r, msg, NULL);
}


/* a refusal before the body: the body is discarded, not read */

static ngx_int_t
ngx_http_concertation_refuse(ngx_http_request_t *r, cc_msg_e msg,
    const char *text)
{
    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_concertation_send_text(r, msg,
                                     text ? text : cc_message(msg)->text);
}


/*
 * The total body-read deadline.  nginx's client_body_timeout bounds each
 * read; a client trickling a byte every few seconds passes it for ever.
 * The pool cleanup deletes the timer whatever way the request ends.
 */

static ngx_int_t
ngx_http_concertation_body_start(ngx_http_concertation_req_t *rq)
{
    ngx_msec_t           timeout;
    ngx_pool_cleanup_t  *cln;
    ngx_http_request_t  *r;

    r = rq->request;
    timeout = ngx_http_concertation_loc_conf(r)->abuse->body_timeout;

    if (timeout == 0) {
        return NGX_OK;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    cln->handler = ngx_http_concertation_body_cleanup;
    cln->data = rq;

    rq->body_deadline.handler = ngx_http_concertation_body_deadline;
    rq->body_deadline.data = rq;
    rq->body_deadline.log = r->connection->log;

    ngx_add_timer(&rq->body_deadline, timeout);

    return NGX_OK;
}


static void
ngx_http_concertation_body_deadline(ngx_event_t *ev)
{
    ngx_http_concertation_req_t *rq = ev->data;

    ngx_int_t            rc;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = rq->request;
    c = r->connection;

    /*
     * Only a body still being read is cut short: a request that nginx has
     * answered otherwise (and keeps for a lingering close) is left alone.
     */

    if (r->done || r->request_body == NULL || r->request_body->rest == 0
        || ngx_http_concertation_body_over(r))
    {
        return;
    }

    ngx_log_error(NGX_LOG_INFO, c->log, 0,
                  "concertation: client did not send its body in time");

    rq->body_timed_out = 1;

    /*
     * Stop the body reader before answering: the request is finalized
     * here, once, and the rest of the body is drained by nginx's
     * lingering close, never handed to the validation.
     */

    r->read_event_handler = ngx_http_block_reading;
    r->keepalive = 0;
    r->lingering_close = 1;

    rc = ngx_http_concertation_send_message(r, CC_MSG_BODY_TIMEOUT);

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


static void
ngx_http_concertation_body_cleanup(void *data)
{
    ngx_http_concertation_req_t *rq = data;

    if (rq->body_deadline.timer_set) {
        ngx_del_timer(&rq->body_deadline);
    }
}


static void
ngx_http_concertation_body_handler(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    ngx_str_t                     body;
    ngx_http_concertation_req_t  *rq;

    rq = ngx_http_get_module_ctx(r, ngx_http_concertation_module);

    if (rq->body_timed_out) {
        /* the body-read deadline has answered and finalized already */
        return;
    }

    if (rq->body_deadline.timer_set) {
        ngx_del_timer(&rq->body_deadline);
    }

    rc = ngx_http_concertation_read_body(r, &body);

    if (rc == NGX_OK && body.len == 0) {
        /* no length and no body, a length of 0, or an empty chunked body */
        rc = ngx_http_concertation_send_message(r, CC_MSG_EMPTY_BODY);

    } else if (rc == NGX_OK) {
        rc = ngx_http_concertation_validate(rq, &body);

        if (rc == NGX_DONE) {
            /* finalized when Redis answers or the deadline passes */
            return;
        }
    }

    ngx_http_finalize_request(r, rc);
}


/* the body in one piece; it may have been buffered to a temporary file */

static ngx_int_t
ngx_http_concertation_read_body(ngx_http_request_t *r, ngx_str_t *body)
{
    u_char       *p;
    size_t        len;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    body->len = 0;
    body->data = (u_char *) "";

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return NGX_OK;
    }

    cl = r->request_body->bufs;

    if (cl->next == NULL && !cl->buf->in_file) {
        body->data = cl->buf->pos;
        body->len = cl->buf->last - cl->buf->pos;
        return NGX_OK;
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        len += ngx_buf_size(cl->buf);
    }

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    body->data = p;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (!b->in_file) {
            if (b->last != b->pos) {    /* a chunked body's last is empty */
                p = ngx_cpymem(p, b->pos, b->last - b->pos);
            }

            continue;
        }

        /* a local file nginx has just written: served from the page cache */
        n = ngx_read_file(b->file, p, b->file_last - b->file_pos,
                          b->file_pos);

        if (n != b->file_last - b->file_pos) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p += n;
    }

    body->len = p - body->data;

    return NGX_OK;
}


/* what was posted, kept for an answer that shows the form again */

static void
ngx_http_concertation_submitted_free(void *data)
{
    json_decref(data);
}


/*
 * Validation with the endpoint's schema, the abuse verdict on the "_"
 * fields, then the endpoint's own start with the normalised answer
 * (malloc()ed: the endpoint takes it).  The answer sent, or NGX_DONE.
 */

static ngx_int_t
ngx_http_concertation_validate(ngx_http_concertation_req_t *rq,
    ngx_str_t *body)
{
    int                                      json;
    char                                    *text;
    size_t                                   len;
    json_t                                  *submitted, **sub;
    cc_errors_t                             *errors;
    ngx_pool_cleanup_t                      *cln;
    ngx_int_t                                rc;
    cc_schema_t                             *schema;
    cc_reserved_t                            reserved;
    ngx_table_elt_t                         *h;
    cc_validation_e                          v;
    ngx_http_request_t                      *r;
    const ngx_http_concertation_endpoint_t  *ep;

    r = rq->request;
    ep = ngx_http_concertation_loc_conf(r)->endpoint;
    h = r->headers_in.content_type;

    schema = ngx_http_concertation_loc_conf(r)->schema;

    /* the form token, the honeypot, the idempotency key: read with it */

    reserved.handler = ngx_http_concertation_reserved;
    reserved.data = rq;
    reserved.value = ep->value ? ngx_http_concertation_value : NULL;

    /* what was submitted only serves to redisplay an HTML form */

    submitted = NULL;
    sub = ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_HTML
          ? &submitted : NULL;

    json = cc_content_type((char *) h->value.data, h->value.len)
           == CC_BODY_JSON;

    if (json) {
        v = cc_validate_json_ex(schema, (char *) body->data, body->len,
                                &text, &len, &errors, sub, &reserved);

    } else {
        v = cc_validate_urlencoded_ex(schema, (char *) body->data,
                                      body->len, &text, &len, &errors, sub,
                                      &reserved);
    }

    /*
     * the token the form came with goes back with the form redisplayed
     * (ngx_http_concertation_abuse_plumbing() judges whether it may)
     */

    if (submitted != NULL && ep->abuse && rq->abuse.ntokens == 1
        && !rq->abuse.token_bad
        && json_object_set_new(submitted, NGX_HTTP_CONCERTATION_TOKEN_FIELD,
                               json_stringn((char *) rq->abuse.token,
                                            rq->abuse.token_len))
           != 0)
    {
        free(text);
        cc_errors_free(errors);
        json_decref(submitted);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* a refused post is refused before its fields are discussed */

    if ((v == CC_VALID || v == CC_INVALID) && ep->abuse
        && ngx_http_concertation_abuse_verdict(r, &rq->abuse) != NGX_OK)
    {
        free(text);
        cc_errors_free(errors);

        rc = ngx_http_concertation_send_refused(r, submitted);
        json_decref(submitted);
        return rc;
    }

    /* a draft is kept whatever its answers, not checked as an answer */

    if (rq->draft && v != CC_MALFORMED
        && ngx_http_concertation_loc_conf(r)->drafts)
    {
        free(text);
        cc_errors_free(errors);

        return ngx_http_concertation_draft_post(rq, body, json, submitted);
    }

    switch (v) {

    case CC_VALID:
        /* kept for an answer that shows the form again (an event full) */
        if (submitted != NULL) {
            cln = ngx_pool_cleanup_add(r->pool, 0);
            if (cln == NULL) {
                json_decref(submitted);
                free(text);
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            cln->handler = ngx_http_concertation_submitted_free;
            cln->data = submitted;
            rq->submitted = submitted;
        }

        if (ngx_http_concertation_wait_init(&rq->wait, r, ep->what,
                                            ep->expired)
            != NGX_OK)
        {
            free(text);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ep->start(rq, text, len);

    case CC_INVALID:
    case CC_MALFORMED:
        rc = ngx_http_concertation_send_invalid(r,
                  v == CC_INVALID ? NGX_HTTP_CONCERTATION_UNPROCESSABLE
                                  : NGX_HTTP_BAD_REQUEST,
                  errors, submitted);
        cc_errors_free(errors);
        json_decref(submitted);
        return rc;

    default:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
}


/* the reserved "_" fields, as the body readers meet them (cc_reserved_pt) */

static void
ngx_http_concertation_reserved(void *data, const char *name,
    size_t name_len, const char *value, size_t value_len)
{
    ngx_http_concertation_req_t *rq = data;

    if (ngx_http_concertation_abuse_field(rq->request, &rq->abuse, name,
                                          name_len, value, value_len))
    {
        return;
    }

    /* "save and come back later", and the draft an answer comes from */

    if (ngx_http_concertation_draft_field(rq, name, name_len, value,
                                          value_len))
    {
        return;
    }

    /* the idempotency key (the last one counts): the endpoint reads it */

    if (name_len == sizeof("_idempotency_key") - 1
        && ngx_strncmp(name, "_idempotency_key", name_len) == 0)
    {
        rq->idempotency.len = 0;
        rq->idempotency_bad = 1;

        if (value == NULL || value_len == 0 || value_len > 255) {
            return;
        }

        rq->idempotency.data = ngx_pnalloc(rq->request->pool, value_len);
        if (rq->idempotency.data == NULL) {
            return;
        }

        ngx_memcpy(rq->idempotency.data, value, value_len);
        rq->idempotency.len = value_len;
        rq->idempotency_bad = 0;
    }
}


static void
ngx_http_concertation_value(void *data, const char *name, const char *s,
    size_t len)
{
    ngx_http_concertation_req_t *rq = data;

    ngx_http_concertation_loc_conf(rq->request)->endpoint->value(rq, name, s,
                                                                 len);
}


ngx_int_t
ngx_http_concertation_request_wait(ngx_http_concertation_req_t *rq,
    ngx_http_concertation_call_t *call)
{
    ngx_msec_t  timeout;

    timeout = ngx_http_concertation_loc_conf(rq->request)->timeout;

    ngx_http_concertation_wait_arm(&rq->wait, call, timeout);

    return NGX_DONE;
}
