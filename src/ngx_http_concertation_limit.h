
/*
 * concertation: per-client rate limits of a location (concertation_limit),
 * counted in this server's zones and, with concertation_limit_redis, in
 * Redis too, so that every server behind a balancer shares them.
 */

#ifndef _NGX_HTTP_CONCERTATION_LIMIT_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_LIMIT_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "ngx_http_concertation_limit_zone.h"


struct ngx_http_concertation_limit_conf_s {
    ngx_array_t                *limits;       /* sorted by zone name */
    ngx_http_complex_value_t   *exempt;
    ngx_flag_t                  dry_run;
    ngx_uint_t                  log_level;
    ngx_flag_t                  redis;        /* counted in Redis too */
};


void *ngx_http_concertation_limit_create_conf(ngx_conf_t *cf);
char *ngx_http_concertation_limit_merge_conf(ngx_conf_t *cf,
    ngx_http_concertation_limit_conf_t *prev,
    ngx_http_concertation_limit_conf_t *conf);
char *ngx_http_concertation_limit(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_concertation_limit_exempt_conf(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);

extern ngx_conf_enum_t  ngx_http_concertation_limit_log_levels[];

/*
 * Before the body: NGX_DECLINED to go on; NGX_BUSY when a limit refuses
 * (*retry_after, seconds); NGX_DECLINED is also the answer of a dry run;
 * NGX_AGAIN when a zone has no room for the client (refused, said);
 * NGX_ERROR.
 */
ngx_int_t ngx_http_concertation_limit_check(ngx_http_request_t *r,
    uint64_t *retry_after);

/*
 * The keys and arguments of the limits counted in Redis, in the store's
 * round trip (one GCRA state per zone and pseudonymised client: no address
 * reaches Redis); NGX_DECLINED when there is nothing to count there.
 */
ngx_int_t ngx_http_concertation_limit_redis_args(ngx_http_request_t *r,
    const char *client, ngx_array_t *keys, ngx_array_t *args);


#endif /* _NGX_HTTP_CONCERTATION_LIMIT_H_INCLUDED_ */
