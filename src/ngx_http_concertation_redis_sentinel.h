
/*
 * concertation: where the Redis master is, when Redis Sentinel says so
 * (concertation_redis_sentinel).  The worker keeps one connection to a
 * sentinel: it asks for the master's address, then stays subscribed to
 * +switch-master, and goes to the next sentinel when one fails.  Nothing
 * in it waits: the connection is nginx's, non-blocking, like Redis's.
 */

#ifndef _NGX_HTTP_CONCERTATION_REDIS_SENTINEL_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_REDIS_SENTINEL_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "ngx_http_concertation_redis.h"


/*
 * moved(data) is called whenever the sentinels name a master other than
 * the one named before (the first time included), never from inside
 * sentinel_ask().
 */
ngx_int_t ngx_http_concertation_sentinel_init(ngx_cycle_t *cycle,
    ngx_http_concertation_redis_conf_t *rcf, void (*moved)(void *data),
    void *data);
void ngx_http_concertation_sentinel_exit(void);

/* the master's address, NULL while no sentinel has named it */
ngx_addr_t *ngx_http_concertation_sentinel_master(void);

/*
 * The master failed the connection (lost, READONLY, not a master at
 * ROLE…): ask the sentinels again, from a posted event.
 */
void ngx_http_concertation_sentinel_ask(void);


#endif /* _NGX_HTTP_CONCERTATION_REDIS_SENTINEL_H_INCLUDED_ */
