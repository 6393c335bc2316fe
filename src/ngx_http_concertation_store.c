
/*
 * concertation: storing a submission in Redis, or in the local spool when
 * Redis cannot take it in time.
 *
 * A plain XADD when nothing more is needed: one command is atomic, and
 * Redis runs it at about a third less CPU than the same XADD inside a Lua
 * script (t/bench/run).  The store script (src/scripts/store.lua) when the
 * write is conditional: an idempotency key, limits shared by every nginx
 * server; the spool's replay uses it too.  A registration goes to the
 * register script (ngx_http_concertation_registration.c).
 */


#include "ngx_http_concertation.h"

#include <openssl/rand.h>


#define NGX_HTTP_CONCERTATION_MAX_ARGS  48
#define CC_ID_RANDOM                    10


typedef struct {
    ngx_http_concertation_wait_t        wait;      /* first */
    ngx_str_t                           data;
    ngx_str_t                           dedup;     /* idempotency: its key */
    ngx_array_t                        *limit_keys;   /* shared limits */
    ngx_array_t                        *limit_args;
    /* registrations: ngx_http_concertation_registration.c */
    ngx_http_concertation_registration_t  *registration;
    ngx_http_concertation_spool_waiter_t   spool;
    int64_t                             received_ms;
    unsigned                            eval:1;
    char                                id[CC_ID_LEN + 1];
    char                                received_at[CC_TIME_LEN + 1];
    char                                client[CC_CLIENT_KEY_LEN + 1];
} ngx_http_concertation_ctx_t;


static void ngx_http_concertation_free_text(void *data);
static ngx_int_t ngx_http_concertation_record(ngx_http_request_t *r,
    ngx_http_concertation_ctx_t *ctx);
static u_char *ngx_http_concertation_random(size_t n);
static ngx_int_t ngx_http_concertation_dedup_key(ngx_http_request_t *r,
    ngx_str_t *key, ngx_str_t *dedup);
static ngx_int_t ngx_http_concertation_shared_limits(ngx_http_request_t *r,
    ngx_http_concertation_ctx_t *ctx);
static ngx_int_t ngx_http_concertation_send_store(
    ngx_http_concertation_ctx_t *ctx);
static void ngx_http_concertation_store_reply(void *data, redisReply *reply);
static ngx_int_t ngx_http_concertation_stored(ngx_http_concertation_ctx_t *ctx,
    cc_reply_t *rep);
static ngx_int_t ngx_http_concertation_store_failed(
    ngx_http_concertation_ctx_t *ctx, ngx_uint_t maybe_sent);
static ngx_int_t ngx_http_concertation_spooled_before(
    ngx_http_concertation_ctx_t *ctx);
static ngx_int_t ngx_http_concertation_store_expired(ngx_http_request_t *r);
static void ngx_http_concertation_spooled(
    ngx_http_concertation_spool_waiter_t *w, ngx_int_t rc);
static void ngx_http_concertation_spool_cleanup(void *data);
static void ngx_http_concertation_wait_expired(ngx_event_t *ev);
static void ngx_http_concertation_wait_cleanup(void *data);
static ngx_int_t ngx_http_concertation_unavailable(ngx_http_request_t *r);
static void ngx_http_concertation_key_cleanup(void *data);


static cc_id_state_t  ngx_http_concertation_id_state;

/*
 * Random bytes for ids, drawn a hundred ids at a time.  The buffer starts
 * empty and is only filled in a worker, so that no two workers forked from
 * the master share bytes.
 */
static u_char  ngx_http_concertation_rnd[100 * CC_ID_RANDOM];
static size_t  ngx_http_concertation_rnd_pos =
                   sizeof(ngx_http_concertation_rnd);


/* called by init_main_conf once the secret is known to be long enough */

char *
ngx_http_concertation_store_init_main_conf(ngx_conf_t *cf,
    ngx_http_concertation_main_conf_t *cmcf)
{
    ngx_pool_cleanup_t  *cln;

    cmcf->idempotency_key = cc_hmac_derive(cmcf->secret.data,
                                           cmcf->secret.len,
                                           "concertation idempotency key");
    if (cmcf->idempotency_key == NULL) {
        return "could not derive the idempotency-key key";
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        cc_hmac_free(cmcf->idempotency_key);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_concertation_key_cleanup;
    cln->data = cmcf->idempotency_key;

    return NGX_CONF_OK;
}


static void
ngx_http_concertation_key_cleanup(void *data)
{
    cc_hmac_free(data);
}


/*
 * The client's idempotency key: the Idempotency-Key header, else the
 * hidden _idempotency_key field (field->data NULL: the field was
 * malformed).  NGX_DECLINED to go on (key->len 0: there is none), or the
 * answer sent for a malformed key.
 */

ngx_int_t
ngx_http_concertation_idempotency_key(ngx_http_request_t *r,
    ngx_str_t *field, ngx_str_t *key)
{
    ngx_str_t  *h;

    if (ngx_http_concertation_header(r, "Idempotency-Key",
                                     sizeof("Idempotency-Key") - 1, &h)
        != NGX_OK
        || (h && !cc_idempotency_key_ok((char *) h->data, h->len)))
    {
        return ngx_http_concertation_send_error(r, NGX_HTTP_BAD_REQUEST,
                   "Idempotency-Key", "invalid_idempotency_key",
                   "L'en-tête Idempotency-Key doit être envoyé une fois et "
                   "compter de 1 à 255 caractères ASCII visibles.");
    }

    if (h) {
        *key = *h;
        return NGX_DECLINED;
    }

    if (field->len && (field->data == NULL
                       || !cc_idempotency_key_ok((char *) field->data,
                                                 field->len)))
    {
        return ngx_http_concertation_send_error(r, NGX_HTTP_BAD_REQUEST,
                   "_idempotency_key", "invalid_idempotency_key",
                   "Le champ _idempotency_key doit compter de 1 à 255 "
                   "caractères ASCII visibles.");
    }

    *key = *field;

    return NGX_DECLINED;
}


static void
ngx_http_concertation_free_text(void *data)
{
    free(data);
}


/* takes the normalised text, freed with the request's pool */

ngx_int_t
ngx_http_concertation_store(ngx_http_request_t *r, char *normalised,
    size_t len, ngx_str_t *idempotency_key)
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

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    /*
     * Registrations: the event's deadline, before Redis is asked.  They are
     * idempotent by e-mail address and event already (register.lua).
     */

    if (clcf->registration) {
        rc = ngx_http_concertation_registration_prepare(r, &ctx->data,
                                                        &ctx->registration);
        if (rc != NGX_DECLINED) {
            return rc;
        }

    } else if (idempotency_key->len) {
        if (ngx_http_concertation_dedup_key(r, idempotency_key, &ctx->dedup)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        /* the first answer is in this server's spool, not in Redis yet */

        rc = ngx_http_concertation_spooled_before(ctx);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    ngx_http_set_ctx(r, ctx, ngx_http_concertation_module);

    if (ngx_http_concertation_wait_init(&ctx->wait, r, "store the submission",
                                        ngx_http_concertation_store_expired)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_concertation_send_store(ctx) != NGX_OK) {
        return ngx_http_concertation_store_failed(ctx, 0);
    }

    ngx_http_concertation_wait_arm(&ctx->wait, clcf->timeout);

    return NGX_DONE;
}


/* <prefix>idem:<form>:<HMAC of form NUL key>: no raw key is kept */

static ngx_int_t
ngx_http_concertation_dedup_key(ngx_http_request_t *r, ngx_str_t *key,
    ngx_str_t *dedup)
{
    u_char                             *msg, *p;
    ngx_http_concertation_loc_conf_t   *clcf;
    ngx_http_concertation_main_conf_t  *cmcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);
    cmcf = ngx_http_get_module_main_conf(r, ngx_http_concertation_module);

    msg = ngx_pnalloc(r->pool, clcf->form.len + 1 + key->len);
    dedup->data = ngx_pnalloc(r->pool, clcf->prefix.len + sizeof("idem:") - 1
                                       + clcf->form.len + 1
                                       + CC_CLIENT_KEY_LEN + 1);
    if (msg == NULL || dedup->data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(msg, clcf->form.data, clcf->form.len);
    *p++ = '\0';
    p = ngx_cpymem(p, key->data, key->len);

    p = ngx_cpymem(dedup->data, clcf->prefix.data, clcf->prefix.len);
    p = ngx_cpymem(p, "idem:", sizeof("idem:") - 1);
    p = ngx_cpymem(p, clcf->form.data, clcf->form.len);
    *p++ = ':';

    if (cc_hmac_hex(cmcf->idempotency_key, msg,
                    clcf->form.len + 1 + key->len, (char *) p)
        != 0)
    {
        return NGX_ERROR;
    }

    dedup->len = p + CC_CLIENT_KEY_LEN - dedup->data;

    return NGX_OK;
}


/* the id, the reception time and the pseudonymised client of a record */

static ngx_int_t
ngx_http_concertation_record(ngx_http_request_t *r,
    ngx_http_concertation_ctx_t *ctx)
{
    size_t                              len;
    u_char                             *rnd;
    ngx_time_t                         *tp;
    ngx_http_concertation_main_conf_t  *cmcf;
    u_char                              masked[20];

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_concertation_module);

    rnd = ngx_http_concertation_random(CC_ID_RANDOM);
    if (rnd == NULL) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "RAND_bytes() failed");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    tp = ngx_timeofday();

    ctx->received_ms = (int64_t) tp->sec * 1000 + tp->msec;

    cc_id_uuid7(&ngx_http_concertation_id_state,
                (uint64_t) ctx->received_ms, rnd, ctx->id);
    cc_time_rfc3339_ms(ctx->received_ms, ctx->received_at);

    len = ngx_http_concertation_client_masked(r, masked);

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


static ngx_int_t
ngx_http_concertation_send_store(ngx_http_concertation_ctx_t *ctx)
{
    size_t                              len[13];
    const char                         *argv[13];
    ngx_http_request_t                 *r;
    ngx_http_concertation_script_t      s;
    ngx_http_concertation_loc_conf_t   *clcf;
    ngx_http_concertation_main_conf_t  *cmcf;

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

    if (ctx->limit_keys || ctx->dedup.len) {
        cmcf = ngx_http_get_module_main_conf(r, ngx_http_concertation_module);

        ngx_memzero(&s, sizeof(ngx_http_concertation_script_t));

        s.stream = clcf->stream;
        s.dedup = ctx->dedup;
        s.id.data = (u_char *) ctx->id;
        s.id.len = CC_ID_LEN;
        s.received_at.data = (u_char *) ctx->received_at;
        s.received_at.len = CC_TIME_LEN;
        s.form = clcf->form;
        s.data = ctx->data;
        s.client.data = (u_char *) ctx->client;
        s.client.len = CC_CLIENT_KEY_LEN;
        ngx_str_set(&s.status, "201");
        s.ttl = NGX_HTTP_CONCERTATION_IDEMPOTENCY_TTL;
        s.limit_keys = ctx->limit_keys;
        s.limit_args = ctx->limit_args;
        s.dry_run = clcf->limit_dry_run;
        s.eval = ctx->eval;

        ctx->wait.cmd = ngx_http_concertation_store_script(cmcf, &s,
                                   ngx_http_concertation_store_reply, ctx);

        return ctx->wait.cmd ? NGX_OK : NGX_ERROR;
    }

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


/*
 * The store script's command.  EVALSHA, and EVAL once Redis said NOSCRIPT
 * (after a SCRIPT FLUSH, a restart, a failover): the script did not run
 * then, so sending it again duplicates nothing.
 */

ngx_http_concertation_cmd_t *
ngx_http_concertation_store_script(ngx_http_concertation_main_conf_t *cmcf,
    ngx_http_concertation_script_t *s, ngx_http_concertation_reply_pt handler,
    void *data)
{
    int           argc;
    u_char       *p;
    size_t        len[NGX_HTTP_CONCERTATION_MAX_ARGS];
    ngx_str_t    *k, *a;
    ngx_uint_t    i, nk, na;
    const char   *argv[NGX_HTTP_CONCERTATION_MAX_ARGS];
    u_char        nkeys[NGX_INT_T_LEN], ttl[NGX_INT_T_LEN];
    u_char       *pt;

    nk = s->limit_keys ? s->limit_keys->nelts : 0;
    na = s->limit_args ? s->limit_args->nelts : 0;

    if (13 + nk + na > NGX_HTTP_CONCERTATION_MAX_ARGS) {
        return NULL;
    }

    p = ngx_sprintf(nkeys, "%ui", nk + 1 + (s->dedup.len ? 1 : 0));
    pt = ngx_sprintf(ttl, "%M", s->ttl);

    ngx_http_concertation_script_cmd(&cmcf->store_script,
                                     cmcf->store_script_sha, s->eval,
                                     argv, len);
    argc = 2;

#define ngx_http_concertation_arg(s, n)                                       \
    argv[argc] = (const char *) (s); len[argc++] = (n)

    ngx_http_concertation_arg(nkeys, p - nkeys);
    ngx_http_concertation_arg(s->stream.data, s->stream.len);

    if (s->dedup.len) {
        ngx_http_concertation_arg(s->dedup.data, s->dedup.len);
    }

    k = nk ? s->limit_keys->elts : NULL;

    for (i = 0; i < nk; i++) {
        ngx_http_concertation_arg(k[i].data, k[i].len);
    }

    ngx_http_concertation_arg(s->id.data, s->id.len);
    ngx_http_concertation_arg(s->received_at.data, s->received_at.len);
    ngx_http_concertation_arg(s->form.data, s->form.len);
    ngx_http_concertation_arg(s->data.data, s->data.len);
    ngx_http_concertation_arg(s->client.data, s->client.len);
    ngx_http_concertation_arg(s->dry_run ? "1" : "0", 1);
    ngx_http_concertation_arg(s->dedup.len ? s->status.data : (u_char *) "",
                              s->dedup.len ? s->status.len : 0);
    ngx_http_concertation_arg(ttl, pt - ttl);
    ngx_http_concertation_arg(s->scan_from.data ? s->scan_from.data
                                                : (u_char *) "",
                              s->scan_from.len);

    a = na ? s->limit_args->elts : NULL;

    for (i = 0; i < na; i++) {
        ngx_http_concertation_arg(a[i].data, a[i].len);
    }

#undef ngx_http_concertation_arg

    return ngx_http_concertation_redis_send(argc, argv, len, handler, data);
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


static void
ngx_http_concertation_store_reply(void *data, redisReply *reply)
{
    ngx_http_concertation_ctx_t *ctx = data;

    cc_reply_t           rep;
    ngx_uint_t           maybe_sent;
    ngx_http_request_t  *r;

    r = ctx->wait.request;
    maybe_sent = reply == NULL
                 ? ngx_http_concertation_redis_sent(ctx->wait.cmd) : 1;
    ctx->wait.cmd = NULL;

    cc_reply_classify(reply, ctx->limit_keys || ctx->dedup.len, &rep);

    if (rep.kind == CC_REPLY_NOSCRIPT && !ctx->eval
        && (ctx->limit_keys || ctx->dedup.len || ctx->registration))
    {
        ctx->eval = 1;

        if (ngx_http_concertation_send_store(ctx) == NGX_OK) {
            return;
        }
    }

    if (ctx->registration && reply && reply->type != REDIS_REPLY_ERROR) {
        ngx_http_concertation_wait_done(&ctx->wait,
                          ngx_http_concertation_registration_reply(r,
                                                 ctx->registration, reply));
        return;
    }

    switch (rep.kind) {

    case CC_REPLY_STORED:
    case CC_REPLY_DUPLICATE:
    case CC_REPLY_LIMITED:
        ngx_http_concertation_wait_done(&ctx->wait,
                                    ngx_http_concertation_stored(ctx, &rep));
        return;

    default:
        if (reply) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "Redis did not store the submission: %*s",
                          rep.error_len ? rep.error_len : 22,
                          rep.error_len ? rep.error : "reply of another shape");
        }

        ngx_http_concertation_wait_done(&ctx->wait,
                     ngx_http_concertation_store_failed(ctx, maybe_sent));
    }
}


static ngx_int_t
ngx_http_concertation_stored(ngx_http_concertation_ctx_t *ctx,
    cc_reply_t *rep)
{
    ngx_http_request_t                *r;
    ngx_http_concertation_loc_conf_t  *clcf;
    char                               id[CC_ID_LEN + 1];

    r = ctx->wait.request;
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    switch (rep->kind) {

    case CC_REPLY_LIMITED:
        ngx_log_error(clcf->limit_log_level, r->connection->log, 0,
                      "limiting requests counted in Redis, "
                      "retry after %L s", rep->wait);

        return ngx_http_concertation_limit_refuse(r, rep->wait);

    case CC_REPLY_DUPLICATE:
        /* the first answer to this idempotency key, as it was */

        if (rep->id_len != CC_ID_LEN) {
            return ngx_http_concertation_unavailable(r);
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
            ngx_log_error(clcf->limit_log_level, r->connection->log, 0,
                          "limiting requests counted in Redis, dry run, "
                          "retry after %L s", rep->wait);
        }

        return ngx_http_concertation_send_created(r, NGX_HTTP_CREATED,
                                                  ctx->id);
    }
}


/*
 * Redis did not take the submission in time (or at all): into the local
 * spool when there is one, 503 otherwise.  maybe_sent: Redis may have run
 * the command all the same, and the replay must look for it first.
 */

static ngx_int_t
ngx_http_concertation_store_failed(ngx_http_concertation_ctx_t *ctx,
    ngx_uint_t maybe_sent)
{
    u_char                            *p;
    int64_t                            offset;
    ngx_int_t                          rc;
    ngx_str_t                          dedup;
    cc_spool_record_t                  rec;
    ngx_pool_cleanup_t                *cln;
    ngx_http_request_t                *r;
    ngx_http_concertation_loc_conf_t  *clcf;
    u_char                             scan[NGX_INT64_LEN + 3];

    r = ctx->wait.request;
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    /* registrations need Redis: their seats are counted there */

    if (ctx->registration) {
        return ngx_http_concertation_unavailable(r);
    }

    /* a retry of an answer spooled meanwhile: not a second record */

    rc = ngx_http_concertation_spooled_before(ctx);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    ngx_memzero(&rec, sizeof(cc_spool_record_t));

    rec.f[CC_SPOOL_ID].data = ctx->id;
    rec.f[CC_SPOOL_ID].len = CC_ID_LEN;
    rec.f[CC_SPOOL_RECEIVED_AT].data = ctx->received_at;
    rec.f[CC_SPOOL_RECEIVED_AT].len = CC_TIME_LEN;
    rec.f[CC_SPOOL_FORM].data = (char *) clcf->form.data;
    rec.f[CC_SPOOL_FORM].len = clcf->form.len;
    rec.f[CC_SPOOL_DATA].data = (char *) ctx->data.data;
    rec.f[CC_SPOOL_DATA].len = ctx->data.len;
    rec.f[CC_SPOOL_CLIENT].data = ctx->client;
    rec.f[CC_SPOOL_CLIENT].len = CC_CLIENT_KEY_LEN;
    rec.f[CC_SPOOL_STREAM].data = (char *) clcf->stream.data;
    rec.f[CC_SPOOL_STREAM].len = clcf->stream.len;

    /* the idempotency key, else a key of the submission's own id */

    if (ctx->dedup.len) {
        dedup = ctx->dedup;

    } else {
        dedup.data = ngx_pnalloc(r->pool, clcf->prefix.len
                                 + sizeof("spooled:") - 1 + CC_ID_LEN);
        if (dedup.data == NULL) {
            return ngx_http_concertation_unavailable(r);
        }

        p = ngx_cpymem(dedup.data, clcf->prefix.data, clcf->prefix.len);
        p = ngx_cpymem(p, "spooled:", sizeof("spooled:") - 1);
        p = ngx_cpymem(p, ctx->id, CC_ID_LEN);
        dedup.len = p - dedup.data;
    }

    rec.f[CC_SPOOL_DEDUP].data = (char *) dedup.data;
    rec.f[CC_SPOOL_DEDUP].len = dedup.len;

    /*
     * A command Redis may have run without its idempotency key: the replay
     * looks for the id in the stream from a second before it was received
     * (on Redis's clock) on.
     */

    if (maybe_sent && ctx->dedup.len == 0
        && ngx_http_concertation_redis_clock(&offset) == NGX_OK)
    {
        p = ngx_sprintf(scan, "%L-0",
                        (int64_t) ngx_max(ctx->received_ms + offset - 1000,
                                          0));
        rec.f[CC_SPOOL_SCAN_FROM].data = (char *) scan;
        rec.f[CC_SPOOL_SCAN_FROM].len = p - scan;
    }

    ctx->spool.handler = ngx_http_concertation_spooled;
    ctx->spool.data = ctx;

    rc = ngx_http_concertation_spool_append(&rec, &ctx->spool,
                                            r->connection->log);

    switch (rc) {

    case NGX_OK:
        ngx_http_concertation_spool_key_add(
                 ngx_http_get_module_main_conf(r, ngx_http_concertation_module),
                 &ctx->dedup, ctx->id);

        return ngx_http_concertation_send_created(r, NGX_HTTP_ACCEPTED,
                                                  ctx->id);

    case NGX_AGAIN:
        /* on disk once fsync() returns, in a thread */

        cln = ngx_pool_cleanup_add(r->pool, 0);
        if (cln == NULL) {
            ngx_http_concertation_spool_forget(&ctx->spool);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        cln->handler = ngx_http_concertation_spool_cleanup;
        cln->data = &ctx->spool;

        return NGX_DONE;

    default:  /* NGX_DECLINED: no spool; NGX_ERROR: logged */
        return ngx_http_concertation_unavailable(r);
    }
}


/*
 * The idempotency key of an answer this server spooled and has not replayed
 * yet: the first answer (202, its id), NGX_DECLINED otherwise.
 */

static ngx_int_t
ngx_http_concertation_spooled_before(ngx_http_concertation_ctx_t *ctx)
{
    ngx_http_request_t  *r;
    char                 id[CC_ID_LEN + 1];

    r = ctx->wait.request;

    if (ctx->dedup.len == 0
        || ngx_http_concertation_spool_key_find(
                 ngx_http_get_module_main_conf(r, ngx_http_concertation_module),
                 &ctx->dedup, id)
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
ngx_http_concertation_store_expired(ngx_http_request_t *r)
{
    ngx_http_concertation_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_concertation_module);

    return ngx_http_concertation_store_failed(ctx, ctx->wait.maybe_sent);
}


static void
ngx_http_concertation_spooled(ngx_http_concertation_spool_waiter_t *w,
    ngx_int_t rc)
{
    ngx_http_concertation_ctx_t *ctx = w->data;

    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ctx->wait.request;
    c = r->connection;

    if (rc == NGX_OK) {
        ngx_http_concertation_spool_key_add(
                 ngx_http_get_module_main_conf(r, ngx_http_concertation_module),
                 &ctx->dedup, ctx->id);
    }

    ngx_http_finalize_request(r, rc == NGX_OK
                              ? ngx_http_concertation_send_created(r,
                                            NGX_HTTP_ACCEPTED, ctx->id)
                              : ngx_http_concertation_unavailable(r));
    ngx_http_run_posted_requests(c);
}


static void
ngx_http_concertation_spool_cleanup(void *data)
{
    ngx_http_concertation_spool_forget(data);
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
        w->maybe_sent = ngx_http_concertation_redis_cancel(w->cmd);
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

    if (w->cmd) {
        (void) ngx_http_concertation_redis_cancel(w->cmd);
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
