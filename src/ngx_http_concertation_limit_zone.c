
/*
 * concertation: per-client rate limits, counted in shared memory.
 *
 * A zone is a red-black tree of clients (the masked address after realip)
 * with an LRU queue, in the style of nginx's limit_req: each node keeps one
 * GCRA state, the arithmetic is src/core/cc_limit.c.  A location may carry
 * several limits; a request must pass them all, and only then is any of
 * them counted, so that a refusal by one consumes none of the others.
 */


#include "ngx_http_concertation.h"
#include "cc_limit.h"


#define NGX_HTTP_CONCERTATION_KEY_LEN  18     /* cc_client_mask() at most */


typedef struct {
    ngx_rbtree_node_t                   node;  /* node.key: hash of key */
    ngx_queue_t                         queue;
    uint64_t                            tat;   /* cc_limit.h, microseconds */
    u_char                              len;
    u_char                              key[NGX_HTTP_CONCERTATION_KEY_LEN];
} ngx_http_concertation_limit_node_t;


typedef struct {
    ngx_rbtree_t                        rbtree;
    ngx_rbtree_node_t                   sentinel;
    ngx_queue_t                         queue;  /* most recent first */
    ngx_msec_t                          full_logged;
    ngx_atomic_uint_t                   evicted;
} ngx_http_concertation_limit_shctx_t;


typedef struct {
    ngx_http_concertation_limit_shctx_t  *sh;
    ngx_slab_pool_t                     *shpool;
} ngx_http_concertation_limit_ctx_t;


typedef struct {
    ngx_shm_zone_t                     *shm_zone;
    cc_limit_t                          limit;
} ngx_http_concertation_limit_t;


static ngx_int_t ngx_http_concertation_limit_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static void ngx_http_concertation_limit_rbtree_insert_value(
    ngx_rbtree_node_t *temp, ngx_rbtree_node_t *node,
    ngx_rbtree_node_t *sentinel);
static ngx_http_concertation_limit_node_t *
    ngx_http_concertation_limit_lookup(ngx_shm_zone_t *shm_zone,
    u_char *key, size_t len, uint32_t hash, uint64_t now);
static void ngx_http_concertation_limit_expire(
    ngx_http_concertation_limit_ctx_t *ctx, uint64_t now);
static ngx_int_t ngx_http_concertation_limit_exempt(ngx_http_request_t *r,
    ngx_http_complex_value_t *cv);


/* limits on one location at most: their states are kept on the stack */
#define NGX_HTTP_CONCERTATION_LIMITS  8


ngx_int_t
ngx_http_concertation_limit_check(ngx_http_request_t *r)
{
    size_t                               len;
    uint32_t                             hash;
    uint64_t                             now, retry_after, ra, next;
    ngx_uint_t                           i, n, pass;
    ngx_http_concertation_limit_t       *lim;
    ngx_http_concertation_limit_ctx_t   *ctx;
    ngx_http_concertation_loc_conf_t    *clcf;
    u_char                               key[NGX_HTTP_CONCERTATION_KEY_LEN];
    uint64_t                             tats[NGX_HTTP_CONCERTATION_LIMITS];
    cc_limit_t                           limits[NGX_HTTP_CONCERTATION_LIMITS];
    ngx_http_concertation_limit_node_t  *nodes[NGX_HTTP_CONCERTATION_LIMITS];

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    if (clcf->limits == NULL || clcf->limits->nelts == 0) {
        return NGX_DECLINED;
    }

    switch (ngx_http_concertation_limit_exempt(r, clcf->limit_exempt)) {
    case NGX_OK:
        return NGX_DECLINED;
    case NGX_ERROR:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = ngx_http_concertation_client_masked(r, key);
    hash = ngx_crc32_short(key, len);

    /* the monotonic clock: shared by the workers, it never steps back */
    now = (uint64_t) ngx_current_msec;

    lim = clcf->limits->elts;
    n = clcf->limits->nelts;

    /*
     * Every zone of the location is locked at once, in the order of their
     * names (sorted at configuration time, so the same in every worker and
     * in the old and new workers of a reload): no two requests can deadlock,
     * and nothing can pass between the decision and its recording.
     */

    for (i = 0; i < n; i++) {
        ctx = lim[i].shm_zone->data;
        ngx_shmtx_lock(&ctx->shpool->mutex);
    }

    pass = 1;

    for (i = 0; i < n; i++) {
        nodes[i] = ngx_http_concertation_limit_lookup(lim[i].shm_zone, key,
                                                      len, hash, now);
        if (nodes[i] == NULL) {
            pass = 0;
            break;
        }

        limits[i] = lim[i].limit;
        tats[i] = nodes[i]->tat;
    }

    retry_after = 0;

    if (pass) {
        pass = cc_limit_decide_all(limits, tats, n, now, &retry_after);

        if (pass) {
            for (i = 0; i < n; i++) {
                nodes[i]->tat = tats[i];
            }
        }

    } else {
        n = i;
    }

    for (i = clcf->limits->nelts; i-- > 0; /* void */) {
        ctx = lim[i].shm_zone->data;
        ngx_shmtx_unlock(&ctx->shpool->mutex);
    }

    if (pass) {
        return NGX_DECLINED;
    }

    if (retry_after == 0) {
        /* a node could not be had even after eviction: fail closed, said */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "concertation_limit: no room in zone \"%V\" "
                      "to count the client, request refused",
                      &lim[n].shm_zone->shm.name);

        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_concertation_send_error(r,
                   NGX_HTTP_SERVICE_UNAVAILABLE, NULL, "unavailable",
                   "Le service est momentanément indisponible. Merci de "
                   "réessayer dans quelques instants.");
    }

    /* the zone that asks for the longest wait names the refusal */

    for (i = 0; i < n - 1; i++) {
        if (!cc_limit_decide(&limits[i], tats[i], now, &next, &ra)
            && ra == retry_after)
        {
            break;
        }
    }

    ngx_log_error(clcf->limit_log_level, r->connection->log, 0,
                  "concertation_limit: limiting requests%s by zone \"%V\", "
                  "retry after %uL s",
                  clcf->limit_dry_run ? ", dry run" : "",
                  &lim[i].shm_zone->shm.name, retry_after);

    if (clcf->limit_dry_run) {
        return NGX_DECLINED;
    }

    return ngx_http_concertation_limit_refuse(r, retry_after);
}


/*
 * concertation_limit_redis on: the same limits are also counted in Redis,
 * inside the store's one round trip, so that every nginx server behind a
 * load balancer shares them.  Fills the script's keys (one GCRA state per
 * zone and pseudonymised client: no address reaches Redis) and arguments
 * (interval and burst per limit); NGX_DECLINED when there is nothing to
 * count there.
 */

ngx_int_t
ngx_http_concertation_limit_redis_args(ngx_http_request_t *r,
    const char *client, ngx_array_t *keys, ngx_array_t *args)
{
    u_char                            *p;
    size_t                             len;
    ngx_str_t                         *k, *a;
    ngx_uint_t                         i;
    ngx_http_concertation_limit_t     *lim;
    ngx_http_concertation_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    if (!clcf->limit_redis || clcf->limits == NULL
        || clcf->limits->nelts == 0)
    {
        return NGX_DECLINED;
    }

    switch (ngx_http_concertation_limit_exempt(r, clcf->limit_exempt)) {

    case NGX_OK:
        return NGX_DECLINED;

    case NGX_DECLINED:
        break;

    default:
        return NGX_ERROR;
    }

    lim = clcf->limits->elts;

    for (i = 0; i < clcf->limits->nelts; i++) {
        k = ngx_array_push(keys);
        a = ngx_array_push_n(args, 2);
        if (k == NULL || a == NULL) {
            return NGX_ERROR;
        }

        len = clcf->prefix.len + sizeof("limit::") - 1
              + lim[i].shm_zone->shm.name.len + CC_CLIENT_KEY_LEN;

        k->data = ngx_pnalloc(r->pool, len + 2 * NGX_INT64_LEN);
        if (k->data == NULL) {
            return NGX_ERROR;
        }

        p = ngx_sprintf(k->data, "%Vlimit:%V:%s", &clcf->prefix,
                        &lim[i].shm_zone->shm.name, client);
        k->len = p - k->data;

        a[0].data = p;
        p = ngx_sprintf(p, "%uL", lim[i].limit.interval);
        a[0].len = p - a[0].data;

        a[1].data = p;
        p = ngx_sprintf(p, "%uL", lim[i].limit.burst);
        a[1].len = p - a[1].data;
    }

    return NGX_OK;
}


/* NGX_OK: exempt; NGX_DECLINED: counted */

static ngx_int_t
ngx_http_concertation_limit_exempt(ngx_http_request_t *r,
    ngx_http_complex_value_t *cv)
{
    ngx_str_t  val;

    if (cv == NULL) {
        return NGX_DECLINED;
    }

    if (ngx_http_complex_value(r, cv, &val) != NGX_OK) {
        return NGX_ERROR;
    }

    if (val.len == 0 || (val.len == 1 && val.data[0] == '0')) {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/*
 * The masked client address after the realip module; the same masking
 * pseudonymises the stored records.  A unix socket peer counts as 0.0.0.0.
 */

size_t
ngx_http_concertation_client_masked(ngx_http_request_t *r, u_char *key)
{
    int                                 family;
    struct sockaddr                    *sa;
    const unsigned char                *addr;
    ngx_http_concertation_main_conf_t  *cmcf;

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_concertation_module);

    sa = r->connection->sockaddr;
    family = 4;
    addr = (const unsigned char *) "\0\0\0\0";

    switch (sa->sa_family) {

    case AF_INET:
        addr = (const unsigned char *) &((struct sockaddr_in *) sa)->sin_addr;
        break;

#if (NGX_HAVE_INET6)
    case AF_INET6:
        family = 6;
        addr = ((struct sockaddr_in6 *) sa)->sin6_addr.s6_addr;
        break;
#endif
    }

    return cc_client_mask(family, addr, (unsigned) cmcf->ipv6_prefix, key);
}


ngx_int_t
ngx_http_concertation_limit_refuse(ngx_http_request_t *r,
    uint64_t retry_after)
{
    u_char     *p, *msg;
    uint64_t    n;
    ngx_str_t   value;
    const char *unit;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    value.data = ngx_pnalloc(r->pool, NGX_INT64_LEN);
    if (value.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    value.len = ngx_sprintf(value.data, "%uL", retry_after) - value.data;

    if (ngx_http_concertation_add_header(r, "Retry-After", &value) == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the wait in the largest unit that keeps it readable, rounded up */

    if (retry_after < 120) {
        n = retry_after;
        unit = n > 1 ? "secondes" : "seconde";

    } else if (retry_after < 2 * 3600) {
        n = (retry_after + 59) / 60;
        unit = "minutes";

    } else {
        n = (retry_after + 3599) / 3600;
        unit = "heures";
    }

    msg = ngx_pnalloc(r->pool, 256);
    if (msg == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_snprintf(msg, 255,
                     "Trop d'envois ont été faits depuis votre connexion "
                     "en peu de temps. Merci de réessayer dans %uL %s.",
                     n, unit);
    *p = '\0';

    return ngx_http_concertation_send_error(r, NGX_HTTP_TOO_MANY_REQUESTS,
                                            NULL, "rate_limited",
                                            (const char *) msg);
}


/* with the zone locked; NULL when even eviction leaves no room */

static ngx_http_concertation_limit_node_t *
ngx_http_concertation_limit_lookup(ngx_shm_zone_t *shm_zone, u_char *key,
    size_t len, uint32_t hash, uint64_t now)
{
    ngx_int_t                            rc;
    ngx_queue_t                         *q;
    ngx_rbtree_node_t                   *node, *sentinel;
    ngx_http_concertation_limit_ctx_t   *ctx;
    ngx_http_concertation_limit_node_t  *ln;

    ctx = shm_zone->data;

    node = ctx->sh->rbtree.root;
    sentinel = ctx->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        ln = (ngx_http_concertation_limit_node_t *) node;

        rc = ngx_memn2cmp(key, ln->key, len, (size_t) ln->len);

        if (rc == 0) {
            ngx_queue_remove(&ln->queue);
            ngx_queue_insert_head(&ctx->sh->queue, &ln->queue);
            return ln;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    /* a new client: make room by forgetting those whose bucket drained */

    ngx_http_concertation_limit_expire(ctx, now);

    ln = ngx_slab_alloc_locked(ctx->shpool,
                               sizeof(ngx_http_concertation_limit_node_t));

    while (ln == NULL) {

        /*
         * The zone is full of clients still counted: the least recently
         * seen is forgotten, which lets it start afresh; refusing the new
         * client instead would let a flood of addresses lock everyone out.
         * All nodes are one size, so one freed node makes room.
         */

        if (ngx_queue_empty(&ctx->sh->queue)) {
            return NULL;
        }

        q = ngx_queue_last(&ctx->sh->queue);
        ngx_queue_remove(q);

        ln = ngx_queue_data(q, ngx_http_concertation_limit_node_t, queue);
        ngx_rbtree_delete(&ctx->sh->rbtree, &ln->node);
        ngx_slab_free_locked(ctx->shpool, ln);

        ctx->sh->evicted++;

        if (ctx->sh->full_logged == 0
            || ngx_current_msec - ctx->sh->full_logged >= 1000)
        {
            /* once a second at most: a flood must not flood the log too */
            ctx->sh->full_logged = ngx_current_msec ? ngx_current_msec : 1;

            ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                          "concertation_limit_zone \"%V\" is full: "
                          "the least recently seen client was forgotten "
                          "(%uA so far); consider a larger zone",
                          &shm_zone->shm.name, ctx->sh->evicted);
        }

        ln = ngx_slab_alloc_locked(ctx->shpool,
                                   sizeof(ngx_http_concertation_limit_node_t));
    }

    ln->node.key = hash;
    ln->len = (u_char) len;
    ln->tat = 0;
    ngx_memcpy(ln->key, key, len);

    ngx_rbtree_insert(&ctx->sh->rbtree, &ln->node);
    ngx_queue_insert_head(&ctx->sh->queue, &ln->queue);

    return ln;
}


/* forgets one or two of the oldest clients when their bucket has drained */

static void
ngx_http_concertation_limit_expire(ngx_http_concertation_limit_ctx_t *ctx,
    uint64_t now)
{
    ngx_uint_t                           n;
    ngx_queue_t                         *q;
    ngx_http_concertation_limit_node_t  *ln;

    for (n = 0; n < 2; n++) {

        if (ngx_queue_empty(&ctx->sh->queue)) {
            return;
        }

        q = ngx_queue_last(&ctx->sh->queue);
        ln = ngx_queue_data(q, ngx_http_concertation_limit_node_t, queue);

        /* a drained bucket is the same as no node at all */
        if (ln->tat > now * 1000) {
            return;
        }

        ngx_queue_remove(q);
        ngx_rbtree_delete(&ctx->sh->rbtree, &ln->node);
        ngx_slab_free_locked(ctx->shpool, ln);
    }
}


static void
ngx_http_concertation_limit_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t                  **p;
    ngx_http_concertation_limit_node_t  *ln, *lnt;

    for ( ;; ) {

        if (node->key < temp->key) {
            p = &temp->left;

        } else if (node->key > temp->key) {
            p = &temp->right;

        } else { /* node->key == temp->key */

            ln = (ngx_http_concertation_limit_node_t *) node;
            lnt = (ngx_http_concertation_limit_node_t *) temp;

            p = (ngx_memn2cmp(ln->key, lnt->key, ln->len, lnt->len) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


/* a reload keeps the zone, and with it every client's count */

static ngx_int_t
ngx_http_concertation_limit_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_concertation_limit_ctx_t  *octx = data;

    size_t                              len;
    ngx_http_concertation_limit_ctx_t  *ctx;

    ctx = shm_zone->data;

    if (octx) {
        ctx->sh = octx->sh;
        ctx->shpool = octx->shpool;
        return NGX_OK;
    }

    ctx->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        ctx->sh = ctx->shpool->data;
        return NGX_OK;
    }

    ctx->sh = ngx_slab_alloc(ctx->shpool,
                             sizeof(ngx_http_concertation_limit_shctx_t));
    if (ctx->sh == NULL) {
        return NGX_ERROR;
    }

    ctx->shpool->data = ctx->sh;

    ngx_memzero(ctx->sh, sizeof(ngx_http_concertation_limit_shctx_t));

    ngx_rbtree_init(&ctx->sh->rbtree, &ctx->sh->sentinel,
                    ngx_http_concertation_limit_rbtree_insert_value);
    ngx_queue_init(&ctx->sh->queue);

    len = sizeof(" in concertation_limit_zone \"\"") + shm_zone->shm.name.len;

    ctx->shpool->log_ctx = ngx_slab_alloc(ctx->shpool, len);
    if (ctx->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(ctx->shpool->log_ctx, " in concertation_limit_zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full zone is expected and handled by eviction: said once, above */
    ctx->shpool->log_nomem = 0;

    return NGX_OK;
}


/*
 * For the status page: the clients a zone counts and about how many it
 * holds, read from the slab allocator's statistics (every node is one
 * size, so one slot of the allocator holds them all) under the zone's lock.
 */

static ngx_uint_t
ngx_http_concertation_limit_slab_slot(ngx_slab_pool_t *shpool, size_t size)
{
    size_t      s;
    ngx_uint_t  shift;

    if (size <= shpool->min_size) {
        return 0;
    }

    shift = 1;

    for (s = size - 1; s >>= 1; shift++) { /* void */ }

    return shift - shpool->min_shift;
}


ngx_int_t
ngx_http_concertation_limit_usage(ngx_shm_zone_t *shm_zone, ngx_uint_t *used,
    ngx_uint_t *capacity)
{
    size_t                              node, slot_size;
    ngx_uint_t                          slot, n;
    ngx_slab_pool_t                    *shpool;
    ngx_http_concertation_limit_ctx_t  *ctx;

    if (shm_zone->init != ngx_http_concertation_limit_init_zone) {
        return NGX_DECLINED;
    }

    ctx = shm_zone->data;

    if (ctx == NULL || ctx->sh == NULL) {
        return NGX_DECLINED;
    }

    shpool = ctx->shpool;
    node = sizeof(ngx_http_concertation_limit_node_t);

    if (node > ngx_pagesize / 2) {
        return NGX_DECLINED;
    }

    slot = ngx_http_concertation_limit_slab_slot(shpool, node);
    slot_size = (size_t) 1 << (slot + shpool->min_shift);

    ngx_shmtx_lock(&shpool->mutex);

    n = shpool->stats[slot].used;

    /* the zone's own header may share the nodes' slot */
    if (n && ngx_http_concertation_limit_slab_slot(shpool,
                       sizeof(ngx_http_concertation_limit_shctx_t)) == slot)
    {
        n--;
    }

    *used = n;
    *capacity = n + (shpool->stats[slot].total - shpool->stats[slot].used)
                + shpool->pfree * (ngx_pagesize / slot_size);

    ngx_shmtx_unlock(&shpool->mutex);

    return NGX_OK;
}


/* concertation_limit_zone zone=name:size; */

char *
ngx_http_concertation_limit_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    u_char                             *p;
    ssize_t                             size;
    ngx_str_t                          *value, name, s;
    ngx_shm_zone_t                     *shm_zone;
    ngx_http_concertation_limit_ctx_t  *ctx;

    value = cf->args->elts;

    if (ngx_strncmp(value[1].data, "zone=", 5) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\": expected "
                           "zone=name:size", &value[1]);
        return NGX_CONF_ERROR;
    }

    name.data = value[1].data + 5;

    p = (u_char *) ngx_strchr(name.data, ':');

    if (p == NULL || p == name.data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone \"%V\": expected zone=name:size",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    name.len = p - name.data;

    s.data = p + 1;
    s.len = value[1].data + value[1].len - s.data;

    size = ngx_parse_size(&s);

    if (size == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone size \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is too small: at least %uzk",
                           &value[1], 8 * ngx_pagesize / 1024);
        return NGX_CONF_ERROR;
    }

    ctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_limit_ctx_t));
    if (ctx == NULL) {
        return NGX_CONF_ERROR;
    }

    shm_zone = ngx_shared_memory_add(cf, &name, size,
                                     &ngx_http_concertation_module);
    if (shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "concertation_limit_zone \"%V\" is already "
                           "declared", &name);
        return NGX_CONF_ERROR;
    }

    shm_zone->init = ngx_http_concertation_limit_init_zone;
    shm_zone->data = ctx;

    return NGX_CONF_OK;
}


/* concertation_limit zone=name rate=5r/m [burst=N]; */

char *
ngx_http_concertation_limit(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    ngx_int_t                       burst;
    ngx_str_t                      *value, s;
    ngx_uint_t                      i, j;
    uint64_t                        interval;
    ngx_shm_zone_t                 *shm_zone;
    ngx_http_concertation_limit_t  *lim, *limits;

    value = cf->args->elts;

    shm_zone = NULL;
    interval = 0;
    burst = 1;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {
            s.len = value[i].len - 5;
            s.data = value[i].data + 5;

            if (s.len == 0) {
                goto invalid;
            }

            shm_zone = ngx_shared_memory_add(cf, &s, 0,
                                             &ngx_http_concertation_module);
            if (shm_zone == NULL) {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "rate=", 5) == 0) {
            if (cc_limit_parse_rate((char *) value[i].data + 5,
                                    value[i].len - 5, &interval)
                != 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid rate \"%V\": expected a count "
                                   "of 1 to 1000000 per second, such as "
                                   "5r/s, 5r/m, 50r/h or 50r/d", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "burst=", 6) == 0) {
            burst = ngx_atoi(value[i].data + 6, value[i].len - 6);

            if (burst < 1 || burst > (ngx_int_t) CC_LIMIT_MAX_BURST) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid burst \"%V\": expected 1 to %ui",
                                   &value[i], (ngx_uint_t) CC_LIMIT_MAX_BURST);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        goto invalid;
    }

    if (shm_zone == NULL || interval == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" needs zone= and rate=", &value[0]);
        return NGX_CONF_ERROR;
    }

    if (clcf->limits == NGX_CONF_UNSET_PTR || clcf->limits == NULL) {
        clcf->limits = ngx_array_create(cf->pool, 2,
                                        sizeof(ngx_http_concertation_limit_t));
        if (clcf->limits == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    limits = clcf->limits->elts;

    if (clcf->limits->nelts == NGX_HTTP_CONCERTATION_LIMITS) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "at most %d concertation_limit per location",
                           NGX_HTTP_CONCERTATION_LIMITS);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < clcf->limits->nelts; i++) {
        if (shm_zone == limits[i].shm_zone) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "zone \"%V\" is already limited here: "
                               "a second limit needs a zone of its own",
                               &shm_zone->shm.name);
            return NGX_CONF_ERROR;
        }
    }

    lim = ngx_array_push(clcf->limits);
    if (lim == NULL) {
        return NGX_CONF_ERROR;
    }

    /* kept sorted by zone name: the order in which zones are locked */

    limits = clcf->limits->elts;

    for (i = 0; i < clcf->limits->nelts - 1; i++) {
        if (ngx_memn2cmp(shm_zone->shm.name.data,
                         limits[i].shm_zone->shm.name.data,
                         shm_zone->shm.name.len,
                         limits[i].shm_zone->shm.name.len)
            < 0)
        {
            break;
        }
    }

    for (j = clcf->limits->nelts - 1; j > i; j--) {
        limits[j] = limits[j - 1];
    }

    limits[i].shm_zone = shm_zone;
    limits[i].limit.interval = interval;
    limits[i].limit.burst = (uint64_t) burst;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


/* concertation_client_ipv6_prefix N; */

char *
ngx_http_concertation_ipv6_prefix(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (cmcf->ipv6_prefix != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    n = ngx_atoi(value[1].data, value[1].len);

    if (n < 0 || n > 128) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid IPv6 prefix length \"%V\": expected "
                           "0 to 128", &value[1]);
        return NGX_CONF_ERROR;
    }

    cmcf->ipv6_prefix = (ngx_uint_t) n;

    return NGX_CONF_OK;
}


/* concertation_limit_exempt $variable; */

char *
ngx_http_concertation_limit_exempt_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    ngx_str_t                         *value;
    ngx_http_compile_complex_value_t   ccv;

    if (clcf->limit_exempt != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    clcf->limit_exempt = ngx_palloc(cf->pool,
                                    sizeof(ngx_http_complex_value_t));
    if (clcf->limit_exempt == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = clcf->limit_exempt;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


ngx_conf_enum_t  ngx_http_concertation_limit_log_levels[] = {
    { ngx_string("info"), NGX_LOG_INFO },
    { ngx_string("notice"), NGX_LOG_NOTICE },
    { ngx_string("warn"), NGX_LOG_WARN },
    { ngx_string("error"), NGX_LOG_ERR },
    { ngx_null_string, 0 }
};
