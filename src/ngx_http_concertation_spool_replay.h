
/*
 * concertation: the replay of the spool into Redis, once a second while
 * Redis is ready.
 */

#ifndef _NGX_HTTP_CONCERTATION_SPOOL_REPLAY_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_SPOOL_REPLAY_H_INCLUDED_


#include "ngx_http_concertation.h"


ngx_int_t ngx_http_concertation_spool_replay_init(ngx_cycle_t *cycle,
    ngx_http_concertation_spool_conf_t *scf,
    ngx_http_concertation_redis_conf_t *rcf);
void ngx_http_concertation_spool_replay_exit(ngx_cycle_t *cycle);


#endif /* _NGX_HTTP_CONCERTATION_SPOOL_REPLAY_H_INCLUDED_ */
