
/*
 * concertation: the idempotency keys of the answers in this server's spool,
 * in shared memory, so that a retry gets the first answer before the
 * replay has told Redis.
 */

#ifndef _NGX_HTTP_CONCERTATION_SPOOL_KEYS_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_SPOOL_KEYS_H_INCLUDED_


#include "ngx_http_concertation.h"


ngx_shm_zone_t *ngx_http_concertation_spool_keys_zone(ngx_conf_t *cf);
/* NGX_OK: the id (CC_ID_LEN chars and a NUL) of the first answer */
ngx_int_t ngx_http_concertation_spool_key_find(ngx_shm_zone_t *zone,
    ngx_str_t *dedup, char *id);
void ngx_http_concertation_spool_key_add(ngx_shm_zone_t *zone,
    ngx_str_t *dedup, const char *id);


#endif /* _NGX_HTTP_CONCERTATION_SPOOL_KEYS_H_INCLUDED_ */
