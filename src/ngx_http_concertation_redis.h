
/*
 * concertation: the worker's one Redis connection: commands pipelined on
 * it, replies handed back in order, by callback.
 */

#ifndef _NGX_HTTP_CONCERTATION_REDIS_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_REDIS_H_INCLUDED_


#include "ngx_http_concertation.h"

#include <hiredis/hiredis.h>


struct ngx_http_concertation_redis_conf_s {
    ngx_addr_t                 *addr;         /* resolved when read */
    ngx_str_t                   password;
    ngx_int_t                   database;
    ngx_msec_t                  connect_timeout;
    /* concertation_redis_sentinel: the master is where they say */
    ngx_str_t                   sentinel_name;
    ngx_array_t                *sentinels;    /* of ngx_addr_t, or NULL */
    ngx_str_t                   sentinel_password;
    /* concertation_redis_wait: 0 replicas, no WAIT */
    ngx_uint_t                  wait_replicas;
    ngx_msec_t                  wait_timeout;
};


typedef struct ngx_http_concertation_cmd_s  ngx_http_concertation_cmd_t;

/* reply is NULL when the command failed without an answer */
typedef void (*ngx_http_concertation_reply_pt)(void *data, redisReply *reply);


void *ngx_http_concertation_redis_create_conf(ngx_conf_t *cf);
char *ngx_http_concertation_redis_init_conf(ngx_conf_t *cf,
    ngx_http_concertation_redis_conf_t *rcf,
    ngx_http_concertation_where_t *needed);
char *ngx_http_concertation_redis(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_concertation_redis_sentinel(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_concertation_redis_wait(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

ngx_int_t ngx_http_concertation_redis_init(ngx_cycle_t *cycle,
    ngx_http_concertation_redis_conf_t *rcf);
void ngx_http_concertation_redis_exit(ngx_cycle_t *cycle);

ngx_http_concertation_cmd_t *ngx_http_concertation_redis_send(int argc,
    const char **argv, const size_t *argvlen,
    ngx_http_concertation_reply_pt handler, void *data);
/* takes a command back: 1 when Redis may have received it */
ngx_uint_t ngx_http_concertation_redis_cancel(
    ngx_http_concertation_cmd_t *cmd);
ngx_uint_t ngx_http_concertation_redis_sent(ngx_http_concertation_cmd_t *cmd);
ngx_uint_t ngx_http_concertation_redis_ready(void);


#endif /* _NGX_HTTP_CONCERTATION_REDIS_H_INCLUDED_ */
