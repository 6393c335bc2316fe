
/*
 * concertation: the submission path of a public consultation, inside nginx.
 * Declarations shared by the glue files; the logic lives in src/core/.
 */

#ifndef _NGX_HTTP_CONCERTATION_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <hiredis/hiredis.h>

#include "cc_schema.h"
#include "cc_record.h"
#include "cc_http.h"


#define NGX_HTTP_CONCERTATION_IPV6_PREFIX  64
#define NGX_HTTP_CONCERTATION_UNPROCESSABLE  422


typedef struct {
    ngx_addr_t                 *redis;
    ngx_str_t                   redis_password;
    ngx_int_t                   redis_database;
    ngx_msec_t                  redis_connect_timeout;
    ngx_str_t                   secret;
    cc_hmac_t                  *hmac;         /* keyed with the secret */
    ngx_flag_t                  used;         /* a concertation_form exists */
} ngx_http_concertation_main_conf_t;


typedef struct {
    ngx_str_t                   form;
    cc_schema_t                *schema;
    ngx_str_t                   prefix;
    ngx_str_t                   stream;       /* prefix + form */
    ngx_str_t                   thanks;
    ngx_msec_t                  timeout;
    time_t                      retry_after;
    off_t                       max_body_size;

    /* the consultation window: ngx_http_concertation_window.c */

    /* rate limits: ngx_http_concertation_limit_zone.c */

    /* abuse controls: ngx_http_concertation_abuse.c */
} ngx_http_concertation_loc_conf_t;


/* the Redis connection of this worker */

typedef struct ngx_http_concertation_cmd_s  ngx_http_concertation_cmd_t;

/* reply is NULL when the command failed without an answer */
typedef void (*ngx_http_concertation_reply_pt)(void *data, redisReply *reply);

ngx_int_t ngx_http_concertation_redis_init(ngx_cycle_t *cycle,
    ngx_http_concertation_main_conf_t *cmcf);
void ngx_http_concertation_redis_exit(ngx_cycle_t *cycle);
ngx_http_concertation_cmd_t *ngx_http_concertation_redis_send(int argc,
    const char **argv, const size_t *argvlen,
    ngx_http_concertation_reply_pt handler, void *data);
void ngx_http_concertation_redis_cancel(ngx_http_concertation_cmd_t *cmd);


/* the request */

ngx_int_t ngx_http_concertation_handler(ngx_http_request_t *r);

/*
 * The checks made before the body is read, in this order; each returns
 * NGX_DECLINED to let the request go on, or the answer it sent.
 */
ngx_int_t ngx_http_concertation_window_check(ngx_http_request_t *r);
ngx_int_t ngx_http_concertation_limit_check(ngx_http_request_t *r);
ngx_int_t ngx_http_concertation_abuse_check(ngx_http_request_t *r);


/* answers */

typedef enum {
    NGX_HTTP_CONCERTATION_JSON = 0,
    NGX_HTTP_CONCERTATION_HTML
} ngx_http_concertation_format_e;

ngx_http_concertation_format_e ngx_http_concertation_format(
    ngx_http_request_t *r);
ngx_int_t ngx_http_concertation_send_error(ngx_http_request_t *r,
    ngx_uint_t status, const char *field, const char *code,
    const char *message);
ngx_int_t ngx_http_concertation_send_invalid(ngx_http_request_t *r,
    ngx_uint_t status, json_t *errors, json_t *submitted);
ngx_int_t ngx_http_concertation_send_created(ngx_http_request_t *r,
    const char *id);
ngx_table_elt_t *ngx_http_concertation_add_header(ngx_http_request_t *r,
    const char *key, ngx_str_t *value);


extern ngx_module_t  ngx_http_concertation_module;


#endif /* _NGX_HTTP_CONCERTATION_H_INCLUDED_ */
