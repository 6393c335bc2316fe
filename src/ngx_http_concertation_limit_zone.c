
/*
 * concertation: the rate-limit zones, counted in shared memory.
 *
 * A zone is a red-black tree of clients (the masked address after realip)
 * with an LRU queue, in the style of nginx's limit_req: each node keeps one
 * GCRA state, the arithmetic is src/core/cc_limit.c.  A location may carry
 * several limits; a request must pass them all, and only then is any of
 * them counted, so that a refusal by one consumes none of the others.
 */


#include "ngx_http_concertation_limit_zone.h"


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


static ngx_http_concertation_zone_kind_t  ngx_http_concertation_limit_kind =
    { "concertation_limit_zone", "a rate-limit zone" };


ngx_int_t
ngx_http_concertation_limit_zone_count(ngx_http_concertation_limit_t *lim,
    ngx_uint_t n, u_char *key, size_t len, uint64_t *retry_after,
    ngx_uint_t *which)
{
    uint32_t                             hash;
    uint64_t                             now, ra, next;
    ngx_uint_t                           i, pass, locked;
    ngx_http_concertation_limit_ctx_t   *ctx;
    uint64_t                             tats[NGX_HTTP_CONCERTATION_LIMITS];
    cc_limit_t                           limits[NGX_HTTP_CONCERTATION_LIMITS];
    ngx_http_concertation_limit_node_t  *nodes[NGX_HTTP_CONCERTATION_LIMITS];

    /* all set below for i < n; gcc cannot tell */
    ngx_memzero(limits, sizeof(limits));

    hash = ngx_crc32_short(key, len);

    /* the monotonic clock: shared by the workers, it never steps back */
    now = (uint64_t) ngx_current_msec;

    /*
     * Every zone of the location is locked at once, in the order of their
     * names (sorted at configuration time, so the same in every worker and
     * in the old and new workers of a reload): no two requests can deadlock,
     * and nothing can pass between the decision and its recording.
     */

    for (i = 0; i < n; i++) {
        limits[i] = lim[i].limit;
    }

    for (i = 0; i < n; i++) {
        ctx = lim[i].shm_zone->data;
        ngx_shmtx_lock(&ctx->shpool->mutex);
    }

    locked = n;
    pass = 1;

    for (i = 0; i < n; i++) {
        nodes[i] = ngx_http_concertation_limit_lookup(lim[i].shm_zone, key,
                                                      len, hash, now);
        if (nodes[i] == NULL) {
            pass = 0;
            break;
        }

        tats[i] = nodes[i]->tat;
    }

    *retry_after = 0;

    if (pass) {
        pass = cc_limit_decide_all(limits, tats, n, now, retry_after);

        if (pass) {
            for (i = 0; i < n; i++) {
                nodes[i]->tat = tats[i];
            }
        }

    } else {
        n = i;
    }

    for (i = locked; i-- > 0; /* void */) {
        ctx = lim[i].shm_zone->data;
        ngx_shmtx_unlock(&ctx->shpool->mutex);
    }

    if (pass) {
        return NGX_OK;
    }

    if (*retry_after == 0) {
        /* a node could not be had even after eviction */
        *which = n;
        return NGX_DECLINED;
    }

    /* the zone that asks for the longest wait names the refusal */

    for (i = 0; i < n - 1; i++) {
        if (!cc_limit_decide(&limits[i], tats[i], now, &next, &ra)
            && ra == *retry_after)
        {
            break;
        }
    }

    *which = i;

    return NGX_BUSY;
}


/* concertation_limit's zone=: declared by concertation_limit_zone */

ngx_shm_zone_t *
ngx_http_concertation_limit_zone_get(ngx_conf_t *cf, ngx_str_t *name)
{
    return ngx_http_concertation_zone_add(cf, name, 0,
                                          &ngx_http_concertation_limit_kind,
                                          "concertation_limit");
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

    if (shm_zone->tag != &ngx_http_concertation_limit_kind) {
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

    shm_zone = ngx_http_concertation_zone_add(cf, &name, size,
                                   &ngx_http_concertation_limit_kind,
                                   "concertation_limit_zone");
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
