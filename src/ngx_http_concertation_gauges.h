
/*
 * concertation: each worker's gauges in the status zone — its Redis
 * connection (state, reconnects, round-trip times) and its spool.
 */

#ifndef _NGX_HTTP_CONCERTATION_GAUGES_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_GAUGES_H_INCLUDED_


#include "ngx_http_concertation.h"


typedef enum {
    NGX_HTTP_CONCERTATION_SPOOL_APPENDED = 0,
    NGX_HTTP_CONCERTATION_SPOOL_REPLAYED,
    NGX_HTTP_CONCERTATION_SPOOL_REPLAY_DUPLICATE,
    NGX_HTTP_CONCERTATION_SPOOL_SKIPPED,     /* corrupt or torn */
    NGX_HTTP_CONCERTATION_SPOOL_QUARANTINED, /* refused by Redis for good */
    NGX_HTTP_CONCERTATION_SPOOL_TRUNCATED,   /* a failed fsync() */
    NGX_HTTP_CONCERTATION_SPOOL_EMPTIED
} ngx_http_concertation_spool_event_e;


uint64_t ngx_http_concertation_gauges_now_us(void);
/* the connection's state (cc_redis_state_e); reconnect: after a failure */
void ngx_http_concertation_gauges_redis_state(ngx_uint_t state,
    ngx_uint_t reconnect);
/* a reply came: the time since its command was queued */
void ngx_http_concertation_gauges_redis_latency(uint64_t queued_us);
/* own_bytes: what waits in the worker's own file, -1 for an adopted one */
void ngx_http_concertation_gauges_spool(ngx_uint_t event, off_t own_bytes);
/* n answers the replicas did not confirm in time (concertation_redis_wait) */
void ngx_http_concertation_gauges_unconfirmed(ngx_uint_t n);


#endif /* _NGX_HTTP_CONCERTATION_GAUGES_H_INCLUDED_ */
