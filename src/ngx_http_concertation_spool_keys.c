
/*
 * concertation: the idempotency keys of the answers in this server's spool.
 *
 * An answer spooled with an idempotency key is answered 202 with its id;
 * until the replay has put it in Redis, Redis does not know the key.  A
 * retry with the same key, while Redis is still away or just back, would be
 * stored under a new id (and then the spooled one found a duplicate): the
 * client told one id, the stream holding another.  This shared-memory index
 * (the key, the id) lets every worker of the server answer such a retry with
 * the first answer.  Least recently used entries go first when it is full;
 * after the replay the key is in Redis and the entry is no longer needed.
 */


#include "ngx_http_concertation_spool_keys.h"
#include "cc_record.h"


#define NGX_HTTP_CONCERTATION_SPOOL_KEYS_SIZE  (1024 * 1024)


typedef struct {
    ngx_str_node_t                      sn;        /* first */
    ngx_queue_t                         lru;
    u_char                              id[CC_ID_LEN];
    u_char                              key[1];
} ngx_http_concertation_spool_key_t;


typedef struct {
    ngx_rbtree_t                        rbtree;
    ngx_rbtree_node_t                   sentinel;
    ngx_queue_t                         lru;
} ngx_http_concertation_spool_keys_sh_t;


static ngx_int_t ngx_http_concertation_spool_keys_init(
    ngx_shm_zone_t *shm_zone, void *data);


static ngx_http_concertation_zone_kind_t
    ngx_http_concertation_spool_keys_kind =
    { "concertation_spool", "the idempotency keys of spooled answers" };


ngx_shm_zone_t *
ngx_http_concertation_spool_keys_zone(ngx_conf_t *cf)
{
    ngx_str_t        name = ngx_string("concertation_spool_keys");
    ngx_shm_zone_t  *zone;

    zone = ngx_http_concertation_zone_add(cf, &name,
                                   NGX_HTTP_CONCERTATION_SPOOL_KEYS_SIZE,
                                   &ngx_http_concertation_spool_keys_kind,
                                   "concertation_spool");
    if (zone == NULL) {
        return NULL;
    }

    zone->init = ngx_http_concertation_spool_keys_init;

    return zone;
}


/* a reload keeps the zone, and with it the keys of what is still spooled */

static ngx_int_t
ngx_http_concertation_spool_keys_init(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t                        *shpool;
    ngx_http_concertation_spool_keys_sh_t  *sh;

    if (data) {
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    sh = ngx_slab_alloc(shpool, sizeof(ngx_http_concertation_spool_keys_sh_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    ngx_rbtree_init(&sh->rbtree, &sh->sentinel, ngx_str_rbtree_insert_value);
    ngx_queue_init(&sh->lru);

    shpool->data = sh;
    shm_zone->data = sh;

    /* a full zone is expected: the oldest keys make room */
    shpool->log_nomem = 0;

    return NGX_OK;
}


/* NGX_OK and the first answer's id when the key is in this server's spool */

ngx_int_t
ngx_http_concertation_spool_key_find(ngx_shm_zone_t *zone, ngx_str_t *dedup,
    char *id)
{
    uint32_t                                hash;
    ngx_int_t                               rc;
    ngx_slab_pool_t                        *shpool;
    ngx_http_concertation_spool_key_t      *k;
    ngx_http_concertation_spool_keys_sh_t  *sh;

    if (zone == NULL || dedup->len == 0) {
        return NGX_DECLINED;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    sh = zone->data;
    hash = ngx_crc32_short(dedup->data, dedup->len);
    rc = NGX_DECLINED;

    ngx_shmtx_lock(&shpool->mutex);

    k = (ngx_http_concertation_spool_key_t *)
            ngx_str_rbtree_lookup(&sh->rbtree, dedup, hash);

    if (k) {
        ngx_memcpy(id, k->id, CC_ID_LEN);
        id[CC_ID_LEN] = '\0';

        ngx_queue_remove(&k->lru);
        ngx_queue_insert_head(&sh->lru, &k->lru);
        rc = NGX_OK;
    }

    ngx_shmtx_unlock(&shpool->mutex);

    return rc;
}


/* once the answer is on disk (not before: its 202 depends on it) */

void
ngx_http_concertation_spool_key_add(ngx_shm_zone_t *zone, ngx_str_t *dedup,
    const char *id)
{
    size_t                                  size;
    uint32_t                                hash;
    ngx_uint_t                              i;
    ngx_queue_t                            *q;
    ngx_slab_pool_t                        *shpool;
    ngx_http_concertation_spool_key_t      *k, *old;
    ngx_http_concertation_spool_keys_sh_t  *sh;

    if (zone == NULL || dedup->len == 0) {
        return;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    sh = zone->data;
    hash = ngx_crc32_short(dedup->data, dedup->len);
    size = offsetof(ngx_http_concertation_spool_key_t, key) + dedup->len;

    ngx_shmtx_lock(&shpool->mutex);

    if (ngx_str_rbtree_lookup(&sh->rbtree, dedup, hash) != NULL) {
        ngx_shmtx_unlock(&shpool->mutex);
        return;
    }

    k = ngx_slab_alloc_locked(shpool, size);

    for (i = 0; k == NULL && i < 8 && !ngx_queue_empty(&sh->lru); i++) {
        q = ngx_queue_last(&sh->lru);
        old = ngx_queue_data(q, ngx_http_concertation_spool_key_t, lru);

        ngx_queue_remove(q);
        ngx_rbtree_delete(&sh->rbtree, &old->sn.node);
        ngx_slab_free_locked(shpool, old);

        k = ngx_slab_alloc_locked(shpool, size);
    }

    if (k) {
        ngx_memcpy(k->key, dedup->data, dedup->len);
        ngx_memcpy(k->id, id, CC_ID_LEN);
        k->sn.str.data = k->key;
        k->sn.str.len = dedup->len;
        k->sn.node.key = hash;

        ngx_rbtree_insert(&sh->rbtree, &k->sn.node);
        ngx_queue_insert_head(&sh->lru, &k->lru);
    }

    ngx_shmtx_unlock(&shpool->mutex);
}
