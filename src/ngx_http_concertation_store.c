
/*
 * concertation: storing a submission in Redis, or in the local spool when
 * Redis cannot take it in time.
 *
 * A plain XADD when nothing more is needed: one command is atomic, and
 * Redis runs it at about a third less CPU than the same XADD inside a Lua
 * script (t/bench/run).  The store script (src/scripts/store.lua) when the
 * write is conditional: an idempotency key, limits shared by every nginx
 * server, or a spool that may take the answer — then the first attempt
 * also writes <prefix>spooled:<id>, the index by which the replay finds
 * an answer whose first attempt reached Redis after its deadline (never a
 * scan of the stream); the spool's replay uses the script too.
 */


#include "ngx_http_concertation_store.h"
#include "ngx_http_concertation_keys.h"
#include "ngx_http_concertation_limit.h"
#include "ngx_http_concertation_spool_keys.h"

#include <openssl/rand.h>


#define CC_ID_RANDOM  10


static u_char *ngx_http_concertation_random(size_t n);
static void ngx_http_concertation_store_reply(void *data, redisReply *reply);
static ngx_int_t ngx_http_concertation_store_index(ngx_http_request_t *r,
    ngx_http_concertation_store_t *st);
static void ngx_http_concertation_store_replicated(
    ngx_http_concertation_replicated_t *w, ngx_uint_t enough);
static void ngx_http_concertation_store_forget(void *data);
static void ngx_http_concertation_store_synced(
    ngx_http_concertation_spool_waiter_t *w, ngx_int_t rc);


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
ngx_http_concertation_store_record(ngx_http_request_t *r,
    ngx_http_concertation_store_t *st)
{
    u_char      *rnd;
    ngx_time_t  *tp;

    rnd = ngx_http_concertation_random(CC_ID_RANDOM);
    if (rnd == NULL) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "RAND_bytes() failed");
        return NGX_ERROR;
    }

    tp = ngx_timeofday();

    st->received_ms = (int64_t) tp->sec * 1000 + tp->msec;

    cc_id_uuid7(&ngx_http_concertation_id_state,
                (uint64_t) st->received_ms, rnd, st->id);
    cc_time_rfc3339_ms(st->received_ms, st->received_at);

    return ngx_http_concertation_client_key(r, st->client);
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


/* <prefix>idem:<form>:<HMAC of form NUL key>: no raw key is kept */

ngx_int_t
ngx_http_concertation_store_dedup(ngx_http_request_t *r,
    ngx_http_concertation_store_t *st, ngx_str_t *key)
{
    u_char                            *msg, *p;
    ngx_str_t                         *dedup;
    ngx_http_concertation_loc_conf_t  *clcf;

    clcf = ngx_http_concertation_loc_conf(r);
    dedup = &st->dedup;

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

    if (cc_hmac_hex(ngx_http_concertation_main_conf(r)->keys->idempotency,
                    msg, clcf->form.len + 1 + key->len, (char *) p)
        != 0)
    {
        return NGX_ERROR;
    }

    dedup->len = p + CC_CLIENT_KEY_LEN - dedup->data;

    return NGX_OK;
}


ngx_int_t
ngx_http_concertation_store_limits(ngx_http_request_t *r,
    ngx_http_concertation_store_t *st)
{
    ngx_int_t     rc;
    ngx_array_t  *keys, *args;

    if (!ngx_http_concertation_loc_conf(r)->limit->redis) {
        return NGX_OK;
    }

    keys = ngx_array_create(r->pool, 4, sizeof(ngx_str_t));
    args = ngx_array_create(r->pool, 8, sizeof(ngx_str_t));
    if (keys == NULL || args == NULL) {
        return NGX_ERROR;
    }

    rc = ngx_http_concertation_limit_redis_args(r, st->client, keys, args);

    if (rc == NGX_OK) {
        st->limit_keys = keys;
        st->limit_args = args;
        return NGX_OK;
    }

    return rc == NGX_DECLINED ? NGX_OK : NGX_ERROR;
}


ngx_int_t
ngx_http_concertation_store_send(ngx_http_request_t *r,
    ngx_http_concertation_store_t *st, ngx_http_concertation_stored_pt handler,
    void *data)
{
    ngx_http_concertation_record_t       s;
    ngx_http_concertation_call_t        *call;
    ngx_http_concertation_loc_conf_t    *clcf;
    ngx_http_concertation_redis_conf_t  *rcf;

    clcf = ngx_http_concertation_loc_conf(r);

    st->handler = handler;
    st->ctx = data;

    /* a spool may take it: the replay must be able to tell it stored */

    if (st->dedup.len == 0
        && ngx_http_concertation_main_conf(r)->spool->path.len
        && ngx_http_concertation_store_index(r, st) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (st->limit_keys || st->dedup.len || st->index.len) {
        ngx_memzero(&s, sizeof(ngx_http_concertation_record_t));

        s.stream = clcf->stream;
        s.dedup = st->dedup.len ? st->dedup : st->index;
        s.id.data = (u_char *) st->id;
        s.id.len = CC_ID_LEN;
        s.received_at.data = (u_char *) st->received_at;
        s.received_at.len = CC_TIME_LEN;
        s.form = clcf->form;
        s.data = st->data;
        s.client.data = (u_char *) st->client;
        s.client.len = CC_CLIENT_KEY_LEN;
        ngx_str_set(&s.status, "201");
        s.ttl = ngx_http_concertation_store_dedup_ttl(&s.dedup);
        s.limit_keys = st->limit_keys;
        s.limit_args = st->limit_args;
        s.dry_run = clcf->limit->dry_run;

        if (ngx_http_concertation_store_script(&st->cmd, &s,
                                    ngx_http_concertation_store_reply, st)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        /* acknowledged once replicated: a WAIT follows (replicas.c) */

        rcf = ngx_http_concertation_main_conf(r)->redis;

        if (rcf->wait_replicas) {
            st->replicate = 1;
            st->replicated.handler = ngx_http_concertation_store_replicated;
            st->replicated.data = st;
            st->cmd.call.forget = ngx_http_concertation_store_forget;
            ngx_http_concertation_replicas_follow(&st->replicated, rcf);
        }

        return NGX_OK;
    }

    call = &st->cmd.call;

#define ngx_http_concertation_arg(i, s, n)                                    \
    st->cmd.argv[i] = (const char *) (s); st->cmd.argvlen[i] = (n)

    ngx_http_concertation_arg(0, "XADD", 4);
    ngx_http_concertation_arg(1, clcf->stream.data, clcf->stream.len);
    ngx_http_concertation_arg(2, "*", 1);
    ngx_http_concertation_arg(3, "id", 2);
    ngx_http_concertation_arg(4, st->id, CC_ID_LEN);
    ngx_http_concertation_arg(5, "received_at", 11);
    ngx_http_concertation_arg(6, st->received_at, CC_TIME_LEN);
    ngx_http_concertation_arg(7, "form", 4);
    ngx_http_concertation_arg(8, clcf->form.data, clcf->form.len);
    ngx_http_concertation_arg(9, "data", 4);
    ngx_http_concertation_arg(10, st->data.data, st->data.len);
    ngx_http_concertation_arg(11, "client", 6);
    ngx_http_concertation_arg(12, st->client, CC_CLIENT_KEY_LEN);

#undef ngx_http_concertation_arg

    call->script = NGX_HTTP_CONCERTATION_NO_SCRIPT;
    call->argc = 13;
    call->argv = st->cmd.argv;
    call->argvlen = st->cmd.argvlen;
    call->handler = ngx_http_concertation_store_reply;
    call->data = st;

    return ngx_http_concertation_call(call);
}


/*
 * The store script's command: its keys (the stream, the deduplication key,
 * the limits' states) and arguments, in sc, which lives as long as the
 * command.
 */

ngx_int_t
ngx_http_concertation_store_script(ngx_http_concertation_store_cmd_t *sc,
    ngx_http_concertation_record_t *s, ngx_http_concertation_reply_pt handler,
    void *data)
{
    int          argc;
    u_char      *p, *pt;
    ngx_str_t   *k, *a;
    ngx_uint_t   i, nk, na;

    nk = s->limit_keys ? s->limit_keys->nelts : 0;
    na = s->limit_args ? s->limit_args->nelts : 0;

    if (13 + nk + na > NGX_HTTP_CONCERTATION_STORE_ARGS) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(sc->nkeys, "%ui", nk + 1 + (s->dedup.len ? 1 : 0));
    pt = ngx_sprintf(sc->ttl, "%M", s->ttl);

    argc = 2;

#define ngx_http_concertation_arg(s, n)                                       \
    sc->argv[argc] = (const char *) (s); sc->argvlen[argc++] = (n)

    ngx_http_concertation_arg(sc->nkeys, p - sc->nkeys);
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
    ngx_http_concertation_arg(sc->ttl, pt - sc->ttl);

    a = na ? s->limit_args->elts : NULL;

    for (i = 0; i < na; i++) {
        ngx_http_concertation_arg(a[i].data, a[i].len);
    }

#undef ngx_http_concertation_arg

    sc->call.script = NGX_HTTP_CONCERTATION_SCRIPT_STORE;
    sc->call.eval = 0;
    sc->call.argc = argc;
    sc->call.argv = sc->argv;
    sc->call.argvlen = sc->argvlen;
    sc->call.handler = handler;
    sc->call.data = data;

    return ngx_http_concertation_call(&sc->call);
}


static void
ngx_http_concertation_store_reply(void *data, redisReply *reply)
{
    ngx_http_concertation_store_t *st = data;

    cc_reply_t  rep;

    cc_reply_classify(reply, st->limit_keys || st->dedup.len || st->index.len,
                      &rep);

    if (st->replicate) {
        if (rep.kind == CC_REPLY_STORED) {
            /* written on the master: answered with WAIT's reply */
            st->stored_wait = rep.wait;
            ngx_http_concertation_replicas_written(&st->replicated);
            return;
        }

        /* nothing written, nothing to wait for */
        st->replicate = 0;
        ngx_http_concertation_replicas_forget(&st->replicated);
    }

    st->handler(st->ctx, &rep, reply != NULL,
                reply ? 1 : st->cmd.call.maybe_sent);
}


/*
 * WAIT's answer for a write the master took: stored (201) when enough
 * replicas have it; otherwise the answer goes to the spool as well, where
 * its key in Redis makes the replay store it once, on whichever server is
 * the master by then.
 */

static void
ngx_http_concertation_store_replicated(ngx_http_concertation_replicated_t *w,
    ngx_uint_t enough)
{
    ngx_http_concertation_store_t *st = w->data;

    cc_reply_t  rep;

    st->replicate = 0;

    ngx_memzero(&rep, sizeof(cc_reply_t));

    if (enough) {
        rep.kind = CC_REPLY_STORED;
        rep.wait = st->stored_wait;
        st->handler(st->ctx, &rep, 1, 1);
        return;
    }

    rep.kind = CC_REPLY_TRANSIENT;
    st->handler(st->ctx, &rep, 0, 1);
}


/* the request gave up (its deadline) while WAIT was on its way */

static void
ngx_http_concertation_store_forget(void *data)
{
    ngx_http_concertation_store_t *st = data;

    if (st->replicate) {
        st->replicate = 0;
        ngx_http_concertation_replicas_forget(&st->replicated);
    }
}


ngx_int_t
ngx_http_concertation_store_spooled_before(ngx_http_request_t *r,
    ngx_http_concertation_store_t *st, char *id)
{
    ngx_http_concertation_spool_conf_t  *scf;

    scf = ngx_http_concertation_main_conf(r)->spool;

    if (st->dedup.len == 0 || scf->keys == NULL) {
        return NGX_DECLINED;
    }

    return ngx_http_concertation_spool_key_find(scf->keys, &st->dedup, id);
}


ngx_int_t
ngx_http_concertation_store_spool(ngx_http_request_t *r,
    ngx_http_concertation_store_t *st)
{
    ngx_int_t                            rc;
    ngx_str_t                            dedup;
    cc_spool_record_t                    rec;
    ngx_http_concertation_loc_conf_t    *clcf;
    ngx_http_concertation_spool_conf_t  *scf;

    clcf = ngx_http_concertation_loc_conf(r);
    scf = ngx_http_concertation_main_conf(r)->spool;

    ngx_memzero(&rec, sizeof(cc_spool_record_t));

    rec.f[CC_SPOOL_ID].data = st->id;
    rec.f[CC_SPOOL_ID].len = CC_ID_LEN;
    rec.f[CC_SPOOL_RECEIVED_AT].data = st->received_at;
    rec.f[CC_SPOOL_RECEIVED_AT].len = CC_TIME_LEN;
    rec.f[CC_SPOOL_FORM].data = (char *) clcf->form.data;
    rec.f[CC_SPOOL_FORM].len = clcf->form.len;
    rec.f[CC_SPOOL_DATA].data = (char *) st->data.data;
    rec.f[CC_SPOOL_DATA].len = st->data.len;
    rec.f[CC_SPOOL_CLIENT].data = st->client;
    rec.f[CC_SPOOL_CLIENT].len = CC_CLIENT_KEY_LEN;
    rec.f[CC_SPOOL_STREAM].data = (char *) clcf->stream.data;
    rec.f[CC_SPOOL_STREAM].len = clcf->stream.len;

    /* the idempotency key, else the index its first attempt wrote */

    if (st->dedup.len == 0 && st->index.len == 0
        && ngx_http_concertation_store_index(r, st) != NGX_OK)
    {
        return NGX_ERROR;
    }

    dedup = st->dedup.len ? st->dedup : st->index;

    rec.f[CC_SPOOL_DEDUP].data = (char *) dedup.data;
    rec.f[CC_SPOOL_DEDUP].len = dedup.len;

    st->spool.handler = ngx_http_concertation_store_synced;
    st->spool.data = st;
    st->spool_keys = scf->keys;

    rc = ngx_http_concertation_spool_append(&rec, &st->spool,
                                            r->connection->log);

    if (rc == NGX_OK && scf->keys) {
        ngx_http_concertation_spool_key_add(scf->keys, &st->dedup, st->id);
    }

    return rc;
}


/* <prefix>spooled:<id> */

static ngx_int_t
ngx_http_concertation_store_index(ngx_http_request_t *r,
    ngx_http_concertation_store_t *st)
{
    u_char                            *p;
    ngx_http_concertation_loc_conf_t  *clcf;

    clcf = ngx_http_concertation_loc_conf(r);

    st->index.data = ngx_pnalloc(r->pool, clcf->prefix.len
                                 + sizeof("spooled:") - 1 + CC_ID_LEN);
    if (st->index.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(st->index.data, clcf->prefix.data, clcf->prefix.len);
    p = ngx_cpymem(p, "spooled:", sizeof("spooled:") - 1);
    p = ngx_cpymem(p, st->id, CC_ID_LEN);
    st->index.len = p - st->index.data;

    return NGX_OK;
}


ngx_msec_t
ngx_http_concertation_store_dedup_ttl(ngx_str_t *dedup)
{
    size_t  n;

    n = sizeof("spooled:") - 1 + CC_ID_LEN;

    if (dedup->len >= n
        && ngx_strncmp(dedup->data + dedup->len - n, "spooled:", 8) == 0)
    {
        return NGX_HTTP_CONCERTATION_SPOOLED_TTL;
    }

    return NGX_HTTP_CONCERTATION_IDEMPOTENCY_TTL;
}


/* the fsync() of a spooled answer returned */

static void
ngx_http_concertation_store_synced(ngx_http_concertation_spool_waiter_t *w,
    ngx_int_t rc)
{
    ngx_http_concertation_store_t *st = w->data;

    if (rc == NGX_OK && st->spool_keys) {
        ngx_http_concertation_spool_key_add(st->spool_keys, &st->dedup,
                                            st->id);
    }

    st->spooled(st->ctx, rc);
}
