
/*
 * concertation: the handshake of a new Redis connection — AUTH and SELECT
 * when configured, ROLE (a master, or the connection is dropped), then
 * TIME, whose answer says the connection is ready and how Redis's clock
 * stands to ours.  Nothing else is written before TIME is answered.
 */

#ifndef _NGX_HTTP_CONCERTATION_REDIS_HANDSHAKE_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_REDIS_HANDSHAKE_H_INCLUDED_


#include "ngx_http_concertation_redis_queue.h"


typedef struct {
    ngx_log_t                  *log;
    const char                 *error;        /* the command Redis refused */
    int64_t                     clock_offset; /* Redis's minus ours, ms */
    unsigned                    clock:1;      /* clock_offset known */
    unsigned                    done:1;       /* TIME answered */
} ngx_http_concertation_handshake_t;


/*
 * queues the handshake, ahead of every other command of the connection,
 * and holds those back until the connection clears q->hold
 */
void ngx_http_concertation_handshake_start(
    ngx_http_concertation_handshake_t *hs, ngx_http_concertation_queue_t *q,
    ngx_http_concertation_redis_conf_t *rcf, ngx_log_t *log);


#endif /* _NGX_HTTP_CONCERTATION_REDIS_HANDSHAKE_H_INCLUDED_ */
