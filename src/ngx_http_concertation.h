
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
#include "cc_abuse.h"
#include "cc_token.h"
#include "cc_events.h"
#include "cc_spool.h"
#include "cc_reply.h"


#define NGX_HTTP_CONCERTATION_IPV6_PREFIX  64
#define NGX_HTTP_CONCERTATION_UNPROCESSABLE  422


typedef struct {
    ngx_addr_t                 *redis;
    ngx_str_t                   redis_password;
    ngx_int_t                   redis_database;
    ngx_msec_t                  redis_connect_timeout;
    ngx_str_t                   secret;
    cc_hmac_t                  *hmac;         /* keyed with the secret */
    ngx_str_t                   store_script;  /* src/scripts/ */
    u_char                      store_script_sha[40];
    cc_hmac_t                  *token_key;    /* derived: form tokens */
    ngx_flag_t                  used;         /* a concertation_form exists */
    ngx_uint_t                  ipv6_prefix;  /* client key, IPv6 bits */

    /* registrations: the programme, ngx_http_concertation_events.c */
    cc_events_t                *events;       /* concertation_events */
    ngx_shm_zone_t             *events_zone;  /* the counters' cache */
    ngx_msec_t                  events_interval;
    ngx_flag_t                  events_status;  /* a location shows it */
    ngx_str_t                  *events_prefix;  /* that location's */

    /* registrations: ngx_http_concertation_registration.c */
    ngx_str_t                   register_script;  /* src/scripts/ */
    u_char                      register_script_sha[40];
    ngx_str_t                   cancel_script;
    u_char                      cancel_script_sha[40];
    ngx_str_t                   events_script;
    cc_hmac_t                  *reg_token_key;  /* derived: cancellations */

    /* the store: ngx_http_concertation_store.c */
    cc_hmac_t                  *idempotency_key;  /* derived */

    /* the local spool: ngx_http_concertation_spool.c */
    ngx_str_t                   spool_path;   /* a directory; empty: none */
    off_t                       spool_max_size;   /* per worker */
    ngx_flag_t                  spool_fsync;
    ngx_shm_zone_t             *spool_keys;   /* idempotency keys spooled */
#if (NGX_THREADS)
    ngx_thread_pool_t          *spool_thread_pool;
#endif
} ngx_http_concertation_main_conf_t;


/* a consultation window, set by concertation_window */
typedef struct {
    time_t                      start;
    time_t                      end;         /* its own second is open */
    char                       *not_open;    /* the 403 message, in French */
} ngx_http_concertation_window_t;


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
    ngx_http_concertation_window_t  *window;  /* NULL: always open */

    /* rate limits: ngx_http_concertation_limit_zone.c */
    ngx_array_t                *limits;       /* sorted by zone name */
    ngx_http_complex_value_t   *limit_exempt;
    ngx_flag_t                  limit_dry_run;
    ngx_uint_t                  limit_log_level;
    ngx_flag_t                  limit_redis;  /* counted in Redis too */

    /* abuse controls: ngx_http_concertation_abuse.c */
    ngx_array_t                *origins;      /* canonical, of char * */
    ngx_uint_t                  origin_missing;
    ngx_flag_t                  form_token;
    ngx_msec_t                  form_min_time;
    ngx_msec_t                  form_max_age;
    ngx_str_t                   honeypot;
    ngx_msec_t                  body_timeout;

    /* registrations: ngx_http_concertation_registration.c */
    ngx_flag_t                  registration;
    ngx_flag_t                  cancellation;
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
ngx_uint_t ngx_http_concertation_redis_cancel(
    ngx_http_concertation_cmd_t *cmd);
ngx_uint_t ngx_http_concertation_redis_sent(ngx_http_concertation_cmd_t *cmd);
ngx_uint_t ngx_http_concertation_redis_ready(void);
ngx_int_t ngx_http_concertation_redis_clock(int64_t *offset);


/* the consultation window */

char *ngx_http_concertation_set_window(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_concertation_window_variables(ngx_conf_t *cf);


/* rate limits */

char *ngx_http_concertation_limit_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_concertation_limit(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_concertation_limit_exempt_conf(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_concertation_ipv6_prefix(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

extern ngx_conf_enum_t  ngx_http_concertation_limit_log_levels[];

/* the client address as the limits and the records key it (cc_client_mask) */
size_t ngx_http_concertation_client_masked(ngx_http_request_t *r,
    u_char *key);
ngx_int_t ngx_http_concertation_limit_redis_args(ngx_http_request_t *r,
    const char *client, ngx_array_t *keys, ngx_array_t *args);
ngx_int_t ngx_http_concertation_limit_refuse(ngx_http_request_t *r,
    uint64_t retry_after);


/* registrations: the programme and its cached counters */

char *ngx_http_concertation_events_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_concertation_events_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_concertation_events_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_concertation_events_init_main_conf(ngx_conf_t *cf,
    ngx_http_concertation_main_conf_t *cmcf);
ngx_int_t ngx_http_concertation_events_init_process(ngx_cycle_t *cycle,
    ngx_http_concertation_main_conf_t *cmcf);


/* registrations: ngx_http_concertation_registration.c */

typedef struct ngx_http_concertation_registration_s
    ngx_http_concertation_registration_t;

char *ngx_http_concertation_cancellation(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_concertation_registration_init_main_conf(ngx_conf_t *cf,
    ngx_http_concertation_main_conf_t *cmcf);
char *ngx_http_concertation_registration_merge(ngx_conf_t *cf,
    ngx_http_concertation_loc_conf_t *prev,
    ngx_http_concertation_loc_conf_t *conf);
/* NGX_DECLINED to go on to Redis, or the answer sent (410, 422) */
ngx_int_t ngx_http_concertation_registration_prepare(ngx_http_request_t *r,
    ngx_str_t *data, ngx_http_concertation_registration_t **reg);
ngx_http_concertation_cmd_t *ngx_http_concertation_registration_send(
    ngx_http_request_t *r, ngx_http_concertation_registration_t *reg,
    ngx_uint_t eval, const char *id, const char *received_at,
    const char *client, ngx_str_t *data,
    ngx_http_concertation_reply_pt handler, void *hdata);
ngx_int_t ngx_http_concertation_registration_reply(ngx_http_request_t *r,
    ngx_http_concertation_registration_t *reg, redisReply *reply);


/* a request waiting on Redis: the command it sent, and its deadline */

typedef struct {
    ngx_http_request_t             *request;
    ngx_http_concertation_cmd_t    *cmd;
    ngx_event_t                     deadline;
    const char                     *what;       /* for the log */
    ngx_int_t                     (*expired)(ngx_http_request_t *r);
    unsigned                        maybe_sent:1;  /* when it expired */
} ngx_http_concertation_wait_t;

ngx_int_t ngx_http_concertation_wait_init(ngx_http_concertation_wait_t *w,
    ngx_http_request_t *r, const char *what,
    ngx_int_t (*expired)(ngx_http_request_t *r));
void ngx_http_concertation_wait_arm(ngx_http_concertation_wait_t *w,
    ngx_msec_t timeout);
void ngx_http_concertation_wait_done(ngx_http_concertation_wait_t *w,
    ngx_int_t rc);


/*
 * The store script (src/scripts/store.lua), as a submission and a spool
 * replay both call it.
 */

typedef struct {
    ngx_str_t                       stream;
    ngx_str_t                       dedup;       /* empty: none */
    ngx_str_t                       id;
    ngx_str_t                       received_at;
    ngx_str_t                       form;
    ngx_str_t                       data;
    ngx_str_t                       client;
    ngx_str_t                       status;      /* kept under dedup */
    ngx_str_t                       scan_from;   /* empty: no look-up */
    ngx_msec_t                      ttl;         /* of dedup */
    ngx_array_t                    *limit_keys;  /* of ngx_str_t, or NULL */
    ngx_array_t                    *limit_args;
    ngx_flag_t                      dry_run;
    unsigned                        eval:1;      /* after NOSCRIPT */
} ngx_http_concertation_script_t;

void ngx_http_concertation_script_cmd(ngx_str_t *script, u_char *sha,
    ngx_uint_t eval, const char **argv, size_t *len);
ngx_http_concertation_cmd_t *ngx_http_concertation_store_script(
    ngx_http_concertation_main_conf_t *cmcf,
    ngx_http_concertation_script_t *s,
    ngx_http_concertation_reply_pt handler, void *data);
ngx_int_t ngx_http_concertation_store(ngx_http_request_t *r,
    char *normalised, size_t len, ngx_str_t *idempotency_key);
ngx_int_t ngx_http_concertation_idempotency_key(ngx_http_request_t *r,
    ngx_str_t *field, ngx_str_t *key);
char *ngx_http_concertation_store_init_main_conf(ngx_conf_t *cf,
    ngx_http_concertation_main_conf_t *cmcf);

#define NGX_HTTP_CONCERTATION_IDEMPOTENCY_TTL  (24 * 3600 * 1000)


/* the local spool */

typedef struct ngx_http_concertation_spool_waiter_s
    ngx_http_concertation_spool_waiter_t;

struct ngx_http_concertation_spool_waiter_s {
    ngx_queue_t                     queue;
    off_t                           end;         /* synced up to here: done */
    void                          (*handler)(
                                        ngx_http_concertation_spool_waiter_t *w,
                                        ngx_int_t rc);
    void                           *data;
    unsigned                        queued:1;
};

char *ngx_http_concertation_spool_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_concertation_spool_init_process(ngx_cycle_t *cycle,
    ngx_http_concertation_main_conf_t *cmcf);
void ngx_http_concertation_spool_exit_process(ngx_cycle_t *cycle);
ngx_int_t ngx_http_concertation_spool_append(cc_spool_record_t *rec,
    ngx_http_concertation_spool_waiter_t *w, ngx_log_t *log);
void ngx_http_concertation_spool_forget(
    ngx_http_concertation_spool_waiter_t *w);

/* the idempotency keys of the spooled answers: _spool_keys.c */
ngx_int_t ngx_http_concertation_spool_keys_zone(ngx_conf_t *cf,
    ngx_http_concertation_main_conf_t *cmcf);
ngx_int_t ngx_http_concertation_spool_key_find(
    ngx_http_concertation_main_conf_t *cmcf, ngx_str_t *dedup, char *id);
void ngx_http_concertation_spool_key_add(
    ngx_http_concertation_main_conf_t *cmcf, ngx_str_t *dedup,
    const char *id);


/* the request */

ngx_int_t ngx_http_concertation_handler(ngx_http_request_t *r);

/*
 * The checks made before the body is read, in this order; each returns
 * NGX_DECLINED to let the request go on, or the answer it sent.
 */
ngx_int_t ngx_http_concertation_check_method(ngx_http_request_t *r,
    const char *message);
ngx_int_t ngx_http_concertation_check_get(ngx_http_request_t *r,
    const char *message);
ngx_int_t ngx_http_concertation_check_content_type(ngx_http_request_t *r,
    const char *message);
ngx_int_t ngx_http_concertation_window_check(ngx_http_request_t *r);
ngx_int_t ngx_http_concertation_limit_check(ngx_http_request_t *r);
ngx_int_t ngx_http_concertation_abuse_check(ngx_http_request_t *r);

/*
 * The abuse controls that need the body: the reserved "_" fields (form
 * token, honeypot) gathered while the body is validated, then judged.
 */
typedef struct {
    ngx_http_request_t         *request;
    size_t                      token_len;
    ngx_uint_t                  ntokens;
    ngx_str_t                   idempotency;  /* the _idempotency_key */
    unsigned                    idempotency_bad:1;
    unsigned                    token_bad:1;
    unsigned                    honeypot_filled:1;
    u_char                      token[CC_TOKEN_MAX_LEN];
} ngx_http_concertation_reserved_t;

void ngx_http_concertation_abuse_reserved(void *data, const char *name,
    size_t name_len, const char *value, size_t value_len);
ngx_int_t ngx_http_concertation_abuse_verdict(ngx_http_request_t *r,
    ngx_http_concertation_reserved_t *res);
ngx_int_t ngx_http_concertation_abuse_refuse(ngx_http_request_t *r,
    json_t *submitted);
ngx_int_t ngx_http_concertation_abuse_plumbing(ngx_http_request_t *r,
    cc_page_plumbing_t *pl);
/* the total body-read deadline: armed before the read, disarmed after */
ngx_int_t ngx_http_concertation_abuse_body_start(ngx_http_request_t *r);
ngx_int_t ngx_http_concertation_abuse_body_done(ngx_http_request_t *r);
size_t ngx_http_concertation_abuse_max_body(cc_schema_t *schema);

ngx_int_t ngx_http_concertation_abuse_variables(ngx_conf_t *cf);
char *ngx_http_concertation_abuse_init_main_conf(ngx_conf_t *cf,
    ngx_http_concertation_main_conf_t *cmcf);
char *ngx_http_concertation_origin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_concertation_honeypot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_concertation_form_token_endpoint(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
char *ngx_http_concertation_abuse_merge(ngx_conf_t *cf,
    ngx_http_concertation_loc_conf_t *prev,
    ngx_http_concertation_loc_conf_t *conf);


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
    ngx_uint_t status, const char *id);
ngx_int_t ngx_http_concertation_send_buf(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *type, const char *cache_control,
    ngx_buf_t *b);
ngx_int_t ngx_http_concertation_header(ngx_http_request_t *r,
    const char *name, size_t len, ngx_str_t **value);
ngx_table_elt_t *ngx_http_concertation_add_header(ngx_http_request_t *r,
    const char *key, ngx_str_t *value);


/* metrics and the log's variables (..._metrics.c), the status page */

#include "cc_metrics.h"

typedef enum {
    NGX_HTTP_CONCERTATION_SPOOL_APPENDED = 0,
    NGX_HTTP_CONCERTATION_SPOOL_REPLAYED,
    NGX_HTTP_CONCERTATION_SPOOL_REPLAY_DUPLICATE,
    NGX_HTTP_CONCERTATION_SPOOL_SKIPPED,     /* corrupt or torn */
    NGX_HTTP_CONCERTATION_SPOOL_TRUNCATED,   /* a failed fsync() */
    NGX_HTTP_CONCERTATION_SPOOL_EMPTIED
} ngx_http_concertation_spool_event_e;

ngx_int_t ngx_http_concertation_metrics_variables(ngx_conf_t *cf);
ngx_int_t ngx_http_concertation_metrics_form(ngx_conf_t *cf,
    ngx_str_t *form);
char *ngx_http_concertation_metrics_init_main_conf(ngx_conf_t *cf,
    ngx_http_concertation_main_conf_t *cmcf);
ngx_int_t ngx_http_concertation_metrics_zone(ngx_conf_t *cf);
ngx_int_t ngx_http_concertation_metrics_snapshot(ngx_http_request_t *r,
    cc_metrics_t *snapshot);
/* ngx_http_concertation_status.c */
char *ngx_http_concertation_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
/* an answer: its outcome from (status, code), counted once per request */
void ngx_http_concertation_metrics_outcome(ngx_http_request_t *r,
    ngx_uint_t status, const char *code, const char *id);
void ngx_http_concertation_metrics_duplicate(ngx_http_request_t *r,
    const char *id);
void ngx_http_concertation_metrics_registration(ngx_http_request_t *r,
    const cc_event_t *event, redisReply *reply);
void ngx_http_concertation_metrics_cancelled(ngx_http_request_t *r,
    const cc_event_t *event, const char *id);
uint64_t ngx_http_concertation_metrics_now_us(void);
void ngx_http_concertation_metrics_redis_state(ngx_uint_t state,
    ngx_uint_t reconnect);
void ngx_http_concertation_metrics_redis_latency(uint64_t queued_us);
void ngx_http_concertation_metrics_spool(ngx_uint_t event, off_t own_bytes);
/* ngx_http_concertation_limit_zone.c: NGX_DECLINED for another zone */
ngx_int_t ngx_http_concertation_limit_usage(ngx_shm_zone_t *shm_zone,
    ngx_uint_t *used, ngx_uint_t *capacity);


extern ngx_module_t  ngx_http_concertation_module;


#endif /* _NGX_HTTP_CONCERTATION_H_INCLUDED_ */
