
/*
 * concertation: the rate-limit zones (concertation_limit_zone), where each
 * client's state is counted in shared memory.
 */

#ifndef _NGX_HTTP_CONCERTATION_LIMIT_ZONE_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_LIMIT_ZONE_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "cc_limit.h"


/* limits on one location at most: their states are kept on the stack */
#define NGX_HTTP_CONCERTATION_LIMITS   8
#define NGX_HTTP_CONCERTATION_KEY_LEN  18     /* cc_client_mask() at most */


/* one limit of a location: its zone and its rate */
typedef struct {
    ngx_shm_zone_t             *shm_zone;
    cc_limit_t                  limit;
} ngx_http_concertation_limit_t;


char *ngx_http_concertation_limit_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
/* a zone named by concertation_limit, declared before or after */
ngx_shm_zone_t *ngx_http_concertation_limit_zone_get(ngx_conf_t *cf,
    ngx_str_t *name);

/*
 * Counts a client against every limit at once: NGX_OK when all pass (and
 * all are counted), NGX_BUSY when one refuses (*retry_after, seconds, and
 * *which, the limit asking for the longest wait; none is counted), or
 * NGX_DECLINED when limit *which has no room left for the client.
 */
ngx_int_t ngx_http_concertation_limit_zone_count(
    ngx_http_concertation_limit_t *lim, ngx_uint_t n, u_char *key,
    size_t len, uint64_t *retry_after, ngx_uint_t *which);

/* for the status page: NGX_DECLINED for a zone of another kind */
ngx_int_t ngx_http_concertation_limit_usage(ngx_shm_zone_t *shm_zone,
    ngx_uint_t *used, ngx_uint_t *capacity);


#endif /* _NGX_HTTP_CONCERTATION_LIMIT_ZONE_H_INCLUDED_ */
