
/*
 * concertation: the submission request, step by step.
 *
 *   1 method and body headers   (nothing read yet)
 *   2 body read                 (bounded by client_max_body_size)
 *   3 validate                  (src/core, every error at once)
 *   4 store                     (one XADD on the worker's pipeline; a
 *                                registration: the register script)
 *   5 respond                   (201/303, or 4xx/503 in French)
 */


#include "ngx_http_concertation.h"

#include <openssl/rand.h>


#define NGX_HTTP_CONCERTATION_MAX_ARGS  48


typedef struct {
    ngx_http_concertation_wait_t        wait;      /* first */
    ngx_str_t                           data;
    ngx_array_t                        *limit_keys;   /* shared limits */
    ngx_array_t                        *limit_args;
    /* registrations: ngx_http_concertation_registration.c */
    ngx_http_concertation_registration_t  *registration;
    unsigned                            eval:1;
    char                                id[CC_ID_LEN + 1];
    char                                received_at[CC_TIME_LEN + 1];
    char                                client[CC_CLIENT_KEY_LEN + 1];
} ngx_http_concertation_ctx_t;


static ngx_int_t ngx_http_concertation_check_body(ngx_http_request_t *r);
static void ngx_http_concertation_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_concertation_read_body(ngx_http_request_t *r,
    ngx_str_t *body);
static char *ngx_http_concertation_validate(ngx_http_request_t *r,
    ngx_str_t *body, size_t *len, ngx_int_t *rc);
static void ngx_http_concertation_free_text(void *data);
static ngx_int_t ngx_http_concertation_store(ngx_http_request_t *r,
    char *normalised, size_t len);
static ngx_int_t ngx_http_concertation_record(ngx_http_request_t *r,
    ngx_http_concertation_ctx_t *ctx);
static ngx_int_t ngx_http_concertation_shared_limits(ngx_http_request_t *r,
    ngx_http_concertation_ctx_t *ctx);
static ngx_int_t ngx_http_concertation_send_store(
    ngx_http_concertation_ctx_t *ctx);
static ngx_int_t ngx_http_concertation_send_limited_store(
    ngx_http_concertation_ctx_t *ctx);
static ngx_int_t ngx_http_concertation_limited_reply(
    ngx_http_concertation_ctx_t *ctx, redisReply *reply);
static void ngx_http_concertation_store_reply(void *data, redisReply *reply);
static void ngx_http_concertation_wait_expired(ngx_event_t *ev);
static void ngx_http_concertation_wait_cleanup(void *data);
static ngx_int_t ngx_http_concertation_unavailable(ngx_http_request_t *r);


static u_char *ngx_http_concertation_random(size_t n);


#define CC_ID_RANDOM  10


static cc_id_state_t  ngx_http_concertation_id_state;

/*
 * Random bytes for ids, drawn a hundred ids at a time.  The buffer starts
 * empty and is only filled in a worker, so that no two workers forked from
 * the master share bytes.
 */
static u_char  ngx_http_concertation_rnd[100 * CC_ID_RANDOM];
static size_t  ngx_http_concertation_rnd_pos =
                   sizeof(ngx_http_concertation_rnd);


ngx_int_t
ngx_http_concertation_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_concertation_check_method(r,
                            "Ce formulaire s'envoie avec la méthode POST.");
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_concertation_window_check(r);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_concertation_limit_check(r);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_concertation_abuse_check(r);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_concertation_check_body(r);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    r->request_body_in_single_buf = 1;

    if (ngx_http_concertation_abuse_body_start(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_read_client_request_body(r,
                                           ngx_http_concertation_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        /* nginx answers: the body-read deadline must not */
        (void) ngx_http_concertation_abuse_body_done(r);
        return rc;
    }

    return NGX_DONE;
}


/*
 * What can be refused before a byte of the body is read; NGX_DECLINED lets
 * the request go on.
 */

ngx_int_t
ngx_http_concertation_check_method(ngx_http_request_t *r,
    const char *message)
{
    ngx_table_elt_t  *h;

    if (r->method != NGX_HTTP_POST) {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "Allow");
        ngx_str_set(&h->value, "POST");

        return ngx_http_concertation_send_error(r, NGX_HTTP_NOT_ALLOWED,
                   NULL, "method_not_allowed", message);
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_concertation_check_body(ngx_http_request_t *r)
{
    ngx_table_elt_t                   *h;
    ngx_http_concertation_loc_conf_t  *clcf;

    h = r->headers_in.content_type;

    if (h == NULL
        || cc_content_type((char *) h->value.data, h->value.len)
           == CC_BODY_UNSUPPORTED)
    {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_concertation_send_error(r,
                   NGX_HTTP_UNSUPPORTED_MEDIA_TYPE, NULL,
                   "unsupported_media_type",
                   "Le formulaire doit être envoyé en JSON "
                   "(application/json) ou comme un formulaire HTML "
                   "(application/x-www-form-urlencoded), encodé en UTF-8.");
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    if (r->headers_in.content_length_n < 0) {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_concertation_send_error(r,
                   NGX_HTTP_LENGTH_REQUIRED, NULL, "length_required",
                   "La longueur de l'envoi (Content-Length) doit être "
                   "indiquée.");
    }

    if (r->headers_in.content_length_n > clcf->max_body_size) {
        /* the body is not read: close once the client had the answer */
        r->keepalive = 0;
        r->lingering_close = 1;

        return ngx_http_concertation_send_error(r,
                   NGX_HTTP_REQUEST_ENTITY_TOO_LARGE, NULL, "too_large",
                   "Votre réponse est trop volumineuse pour être "
                   "enregistrée. Raccourcissez vos textes et renvoyez-la.");
    }

    return NGX_DECLINED;
}


static void
ngx_http_concertation_body_handler(ngx_http_request_t *r)
{
    char       *normalised;
    size_t      len;
    ngx_int_t   rc;
    ngx_str_t   body;

    if (ngx_http_concertation_abuse_body_done(r) == NGX_DONE) {
        /* the body-read deadline has answered and finalized already */
        return;
    }

    rc = ngx_http_concertation_read_body(r, &body);

    if (rc == NGX_OK) {
        normalised = ngx_http_concertation_validate(r, &body, &len, &rc);

        if (normalised) {
            rc = ngx_http_concertation_store(r, normalised, len);

            if (rc == NGX_DONE) {
                /* finalized when Redis answers or the deadline passes */
                return;
            }
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
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
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


/*
 * The normalised answer (JSON text, malloc()ed: the store takes it), or
 * NULL once the errors were answered with *rc.
 */

static char *
ngx_http_concertation_validate(ngx_http_request_t *r, ngx_str_t *body,
    size_t *len, ngx_int_t *rc)
{
    int                                json;
    char                              *text;
    json_t                            *errors, *submitted, **sub;
    cc_reserved_t                      reserved;
    ngx_table_elt_t                   *h;
    cc_validation_e                    v;
    ngx_http_concertation_loc_conf_t  *clcf;
    ngx_http_concertation_reserved_t   res;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);
    h = r->headers_in.content_type;

    /* the form token and the honeypot, read with the answer (issue 3) */

    ngx_memzero(&res, sizeof(ngx_http_concertation_reserved_t));
    res.request = r;
    reserved.handler = ngx_http_concertation_abuse_reserved;
    reserved.data = &res;

    /* what was submitted only serves to redisplay an HTML form */

    submitted = NULL;
    sub = ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_HTML
          ? &submitted : NULL;

    json = cc_content_type((char *) h->value.data, h->value.len)
           == CC_BODY_JSON;

    if (json) {
        v = cc_validate_json_ex(clcf->schema, (char *) body->data, body->len,
                                &text, len, &errors, sub, &reserved);

    } else {
        v = cc_validate_urlencoded_ex(clcf->schema, (char *) body->data,
                                      body->len, &text, len, &errors, sub,
                                      &reserved);
    }

    /* a refused post is refused before its fields are discussed */

    if ((v == CC_VALID || v == CC_INVALID)
        && ngx_http_concertation_abuse_verdict(r, &res) != NGX_OK)
    {
        free(text);
        json_decref(errors);

        if (sub && submitted == NULL) {
            submitted = cc_submitted_body(clcf->schema, json,
                                          (char *) body->data, body->len);
        }

        *rc = ngx_http_concertation_abuse_refuse(r, submitted);
        json_decref(submitted);
        return NULL;
    }

    switch (v) {

    case CC_VALID:
        return text;

    case CC_INVALID:
    case CC_MALFORMED:
        *rc = ngx_http_concertation_send_invalid(r,
                  v == CC_INVALID ? NGX_HTTP_CONCERTATION_UNPROCESSABLE
                                  : NGX_HTTP_BAD_REQUEST,
                  errors, submitted);
        json_decref(errors);
        json_decref(submitted);
        return NULL;

    default:
        *rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return NULL;
    }
}


static void
ngx_http_concertation_free_text(void *data)
{
    free(data);
}


/* takes the normalised text, freed with the request's pool */

static ngx_int_t
ngx_http_concertation_store(ngx_http_request_t *r, char *normalised,
    size_t len)
{
    ngx_int_t                          rc;
    ngx_pool_cleanup_t                *cln;
    ngx_http_concertation_ctx_t       *ctx;
    ngx_http_concertation_loc_conf_t  *clcf;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        free(normalised);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_http_concertation_free_text;
    cln->data = normalised;

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_concertation_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->wait.request = r;
    ctx->data.data = (u_char *) normalised;
    ctx->data.len = len;

    rc = ngx_http_concertation_record(r, ctx);
    if (rc != NGX_OK) {
        return rc;
    }

    rc = ngx_http_concertation_shared_limits(r, ctx);
    if (rc != NGX_OK) {
        return rc;
    }

    /* registrations: the event's deadline, before Redis is asked */

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    if (clcf->registration) {
        rc = ngx_http_concertation_registration_prepare(r, &ctx->data,
                                                        &ctx->registration);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    if (ngx_http_concertation_wait_init(&ctx->wait, r, "store the submission",
                                        ngx_http_concertation_unavailable)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_concertation_send_store(ctx) != NGX_OK) {
        return ngx_http_concertation_unavailable(r);
    }

    ngx_http_concertation_wait_arm(&ctx->wait, clcf->timeout);

    return NGX_DONE;
}


/* the id, the reception time and the pseudonymised client of a record */

static ngx_int_t
ngx_http_concertation_record(ngx_http_request_t *r,
    ngx_http_concertation_ctx_t *ctx)
{
    size_t                              len;
    ngx_time_t                         *tp;
    struct sockaddr                    *sa;
    const unsigned char                *addr;
    u_char                             *rnd;
    unsigned char                       masked[20];
    int                                 family;
    ngx_http_concertation_main_conf_t  *cmcf;

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_concertation_module);

    rnd = ngx_http_concertation_random(CC_ID_RANDOM);
    if (rnd == NULL) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "RAND_bytes() failed");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    tp = ngx_timeofday();

    cc_id_uuid7(&ngx_http_concertation_id_state,
                (uint64_t) tp->sec * 1000 + tp->msec, rnd, ctx->id);
    cc_time_rfc3339_ms((int64_t) tp->sec * 1000 + tp->msec,
                       ctx->received_at);

    /* the address after the realip module; a unix socket peer counts as 0 */

    sa = r->connection->sockaddr;
    family = 4;
    addr = (const unsigned char *) "\0\0\0\0";

    switch (sa->sa_family) {

    case AF_INET:
        addr = (const unsigned char *)
                   &((struct sockaddr_in *) sa)->sin_addr;
        break;

#if (NGX_HAVE_INET6)
    case AF_INET6:
        family = 6;
        addr = ((struct sockaddr_in6 *) sa)->sin6_addr.s6_addr;
        break;
#endif
    }

    len = cc_client_mask(family, addr, (unsigned) cmcf->ipv6_prefix, masked);

    if (cc_hmac_hex(cmcf->hmac, masked, len, ctx->client) != 0)
    {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "HMAC-SHA256 failed");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_OK;
}


static u_char *
ngx_http_concertation_random(size_t n)
{
    u_char  *p;

    if (ngx_http_concertation_rnd_pos + n > sizeof(ngx_http_concertation_rnd))
    {
        if (RAND_bytes(ngx_http_concertation_rnd,
                       sizeof(ngx_http_concertation_rnd))
            != 1)
        {
            return NULL;
        }

        ngx_http_concertation_rnd_pos = 0;
    }

    p = ngx_http_concertation_rnd + ngx_http_concertation_rnd_pos;
    ngx_http_concertation_rnd_pos += n;

    return p;
}


/*
 * A plain XADD: one command is atomic, and Redis runs it at about a third
 * less CPU than the same XADD inside a Lua script (t/bench/run).
 */

static ngx_int_t
ngx_http_concertation_send_store(ngx_http_concertation_ctx_t *ctx)
{
    size_t                             len[13];
    const char                        *argv[13];
    ngx_http_request_t                *r;
    ngx_http_concertation_loc_conf_t  *clcf;

    if (ctx->limit_keys) {
        return ngx_http_concertation_send_limited_store(ctx);
    }

    r = ctx->wait.request;

    /* registrations: the register script instead of XADD */

    if (ctx->registration) {
        ctx->wait.cmd = ngx_http_concertation_registration_send(r,
                                   ctx->registration, ctx->eval, ctx->id,
                                   ctx->received_at, ctx->client, &ctx->data,
                                   ngx_http_concertation_store_reply, ctx);

        return ctx->wait.cmd ? NGX_OK : NGX_ERROR;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    argv[0] = "XADD";
    len[0] = 4;
    argv[1] = (const char *) clcf->stream.data;
    len[1] = clcf->stream.len;
    argv[2] = "*";
    len[2] = 1;
    argv[3] = "id";
    len[3] = 2;
    argv[4] = ctx->id;
    len[4] = CC_ID_LEN;
    argv[5] = "received_at";
    len[5] = 11;
    argv[6] = ctx->received_at;
    len[6] = CC_TIME_LEN;
    argv[7] = "form";
    len[7] = 4;
    argv[8] = (const char *) clcf->form.data;
    len[8] = clcf->form.len;
    argv[9] = "data";
    len[9] = 4;
    argv[10] = (const char *) ctx->data.data;
    len[10] = ctx->data.len;
    argv[11] = "client";
    len[11] = 6;
    argv[12] = ctx->client;
    len[12] = CC_CLIENT_KEY_LEN;

    ctx->wait.cmd = ngx_http_concertation_redis_send(13, argv, len,
                                   ngx_http_concertation_store_reply, ctx);

    return ctx->wait.cmd ? NGX_OK : NGX_ERROR;
}


/* the keys and arguments of the limits counted in Redis, if any */

static ngx_int_t
ngx_http_concertation_shared_limits(ngx_http_request_t *r,
    ngx_http_concertation_ctx_t *ctx)
{
    ngx_int_t                          rc;
    ngx_array_t                       *keys, *args;
    ngx_http_concertation_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    if (!clcf->limit_redis) {
        return NGX_OK;
    }

    keys = ngx_array_create(r->pool, 4, sizeof(ngx_str_t));
    args = ngx_array_create(r->pool, 8, sizeof(ngx_str_t));
    if (keys == NULL || args == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_concertation_limit_redis_args(r, ctx->client, keys, args);

    if (rc == NGX_OK) {
        ctx->limit_keys = keys;
        ctx->limit_args = args;
        return NGX_OK;
    }

    return rc == NGX_DECLINED ? NGX_OK : NGX_HTTP_INTERNAL_SERVER_ERROR;
}


/*
 * The limits shared by every nginx server are decided where the answer is
 * stored, in one script, in the same round trip.  EVALSHA, and EVAL once
 * Redis said NOSCRIPT (after a SCRIPT FLUSH, a restart, a failover): the
 * script did not run then, so sending it again duplicates nothing.
 */

static ngx_int_t
ngx_http_concertation_send_limited_store(ngx_http_concertation_ctx_t *ctx)
{
    int                                 argc;
    u_char                             *p;
    size_t                              len[NGX_HTTP_CONCERTATION_MAX_ARGS];
    ngx_str_t                          *k, *a;
    ngx_uint_t                          i;
    const char                         *argv[NGX_HTTP_CONCERTATION_MAX_ARGS];
    ngx_http_request_t                 *r;
    ngx_http_concertation_loc_conf_t   *clcf;
    ngx_http_concertation_main_conf_t  *cmcf;
    u_char                              nkeys[NGX_INT_T_LEN];

    r = ctx->wait.request;
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);
    cmcf = ngx_http_get_module_main_conf(r, ngx_http_concertation_module);

    k = ctx->limit_keys->elts;
    a = ctx->limit_args->elts;

    if (10 + ctx->limit_keys->nelts + ctx->limit_args->nelts
        > NGX_HTTP_CONCERTATION_MAX_ARGS)
    {
        return NGX_ERROR;
    }

    p = ngx_sprintf(nkeys, "%ui", ctx->limit_keys->nelts + 1);

    argc = 0;

#define ngx_http_concertation_arg(s, n)                                       \
    argv[argc] = (const char *) (s); len[argc++] = (n)

    if (ctx->eval) {
        ngx_http_concertation_arg("EVAL", 4);
        ngx_http_concertation_arg(cmcf->limit_script.data,
                                  cmcf->limit_script.len);

    } else {
        ngx_http_concertation_arg("EVALSHA", 7);
        ngx_http_concertation_arg(cmcf->limit_script_sha, 40);
    }

    ngx_http_concertation_arg(nkeys, p - nkeys);
    ngx_http_concertation_arg(clcf->stream.data, clcf->stream.len);

    for (i = 0; i < ctx->limit_keys->nelts; i++) {
        ngx_http_concertation_arg(k[i].data, k[i].len);
    }

    ngx_http_concertation_arg(ctx->id, CC_ID_LEN);
    ngx_http_concertation_arg(ctx->received_at, CC_TIME_LEN);
    ngx_http_concertation_arg(clcf->form.data, clcf->form.len);
    ngx_http_concertation_arg(ctx->data.data, ctx->data.len);
    ngx_http_concertation_arg(ctx->client, CC_CLIENT_KEY_LEN);
    ngx_http_concertation_arg(clcf->limit_dry_run ? "1" : "0", 1);

    for (i = 0; i < ctx->limit_args->nelts; i++) {
        ngx_http_concertation_arg(a[i].data, a[i].len);
    }

#undef ngx_http_concertation_arg

    ctx->wait.cmd = ngx_http_concertation_redis_send(argc, argv, len,
                                   ngx_http_concertation_store_reply, ctx);

    return ctx->wait.cmd ? NGX_OK : NGX_ERROR;
}


/* {1, entry id, wait}: stored (wait > 0: a dry run refused); {0, wait} */

static ngx_int_t
ngx_http_concertation_limited_reply(ngx_http_concertation_ctx_t *ctx,
    redisReply *reply)
{
    long long                          wait;
    ngx_http_request_t                *r;
    ngx_http_concertation_loc_conf_t  *clcf;

    r = ctx->wait.request;
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2
        || reply->element[0]->type != REDIS_REPLY_INTEGER
        || (reply->element[0]->integer == 0
            && reply->element[1]->type != REDIS_REPLY_INTEGER))
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "unexpected reply to the limited store script");
        return ngx_http_concertation_unavailable(r);
    }

    if (reply->element[0]->integer == 0) {
        wait = reply->element[1]->integer;

        ngx_log_error(clcf->limit_log_level, r->connection->log, 0,
                      "limiting requests counted in Redis, "
                      "retry after %L s", wait);

        return ngx_http_concertation_limit_refuse(r, wait > 0 ? wait : 1);
    }

    if (reply->elements >= 3 && reply->element[2]->type == REDIS_REPLY_INTEGER
        && reply->element[2]->integer > 0)
    {
        ngx_log_error(clcf->limit_log_level, r->connection->log, 0,
                      "limiting requests counted in Redis, dry run, "
                      "retry after %L s", reply->element[2]->integer);
    }

    return ngx_http_concertation_send_created(r, ctx->id);
}


static void
ngx_http_concertation_store_reply(void *data, redisReply *reply)
{
    ngx_http_concertation_ctx_t *ctx = data;

    ngx_http_request_t  *r;

    r = ctx->wait.request;
    ctx->wait.cmd = NULL;

    if (reply == NULL) {
        ngx_http_concertation_wait_done(&ctx->wait,
                                   ngx_http_concertation_unavailable(r));
        return;
    }

    if (reply->type == REDIS_REPLY_ERROR
        && (ctx->limit_keys || ctx->registration) && !ctx->eval
        && reply->len >= 8 && ngx_strncmp(reply->str, "NOSCRIPT", 8) == 0)
    {
        ctx->eval = 1;

        if (ngx_http_concertation_send_store(ctx) == NGX_OK) {
            return;
        }
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "Redis refused the submission: %*s",
                      (size_t) reply->len, reply->str);

        ngx_http_concertation_wait_done(&ctx->wait,
                                   ngx_http_concertation_unavailable(r));
        return;
    }

    if (ctx->limit_keys) {
        ngx_http_concertation_wait_done(&ctx->wait,
                          ngx_http_concertation_limited_reply(ctx, reply));
        return;
    }

    if (ctx->registration) {
        ngx_http_concertation_wait_done(&ctx->wait,
                          ngx_http_concertation_registration_reply(r,
                                                 ctx->registration, reply));
        return;
    }

    if (reply->type != REDIS_REPLY_STRING) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "unexpected reply type %d to XADD",
                      reply->type);
        ngx_http_concertation_wait_done(&ctx->wait,
                                   ngx_http_concertation_unavailable(r));
        return;
    }

    ngx_http_concertation_wait_done(&ctx->wait,
                               ngx_http_concertation_send_created(r, ctx->id));
}


/*
 * A request waiting on Redis.  The pool cleanup takes the command back
 * whatever way the request ends, so a reply never finds a freed request;
 * at the deadline the request gets its answer ("expired") and the command
 * leaves a tombstone, or nothing when it had not left the worker yet.
 */

ngx_int_t
ngx_http_concertation_wait_init(ngx_http_concertation_wait_t *w,
    ngx_http_request_t *r, const char *what,
    ngx_int_t (*expired)(ngx_http_request_t *r))
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
    ngx_msec_t timeout)
{
    w->deadline.handler = ngx_http_concertation_wait_expired;
    w->deadline.data = w;
    w->deadline.log = w->request->connection->log;

    ngx_add_timer(&w->deadline, timeout);
}


static void
ngx_http_concertation_wait_expired(ngx_event_t *ev)
{
    ngx_http_concertation_wait_t *w = ev->data;

    ngx_log_error(NGX_LOG_WARN, w->request->connection->log, 0,
                  "Redis did not %s in time", w->what);

    if (w->cmd) {
        ngx_http_concertation_redis_cancel(w->cmd);
        w->cmd = NULL;
    }

    ngx_http_concertation_wait_done(w, w->expired(w->request));
}


/* called from the Redis connection's or a timer's event, not the request's */

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

    if (w->cmd) {
        ngx_http_concertation_redis_cancel(w->cmd);
        w->cmd = NULL;
    }
}


static ngx_int_t
ngx_http_concertation_unavailable(ngx_http_request_t *r)
{
    return ngx_http_concertation_send_error(r,
               NGX_HTTP_SERVICE_UNAVAILABLE, NULL, "unavailable",
               "Le service est momentanément indisponible : votre réponse "
               "n'a pas pu être enregistrée. Merci de réessayer dans "
               "quelques instants.");
}
