
/*
 * concertation: storing a submission — in Redis (a plain XADD, or the
 * store script when the write is conditional), or in the local spool when
 * Redis cannot take it in time.  The result comes back by callback; the
 * store sends no HTTP answer and knows no endpoint.
 */

#ifndef _NGX_HTTP_CONCERTATION_STORE_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_STORE_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "ngx_http_concertation_scripts.h"
#include "ngx_http_concertation_spool.h"
#include "ngx_http_concertation_replicas.h"
#include "cc_record.h"
#include "cc_reply.h"
#include "cc_time.h"


#define NGX_HTTP_CONCERTATION_IDEMPOTENCY_TTL  (24 * 3600 * 1000)
/* <prefix>spooled:<id>, the replay's index: outlives a long outage */
#define NGX_HTTP_CONCERTATION_SPOOLED_TTL      (7 * 24 * 3600 * 1000)
#define NGX_HTTP_CONCERTATION_STORE_ARGS       48


/* what the store script (src/scripts/store.lua) is given */
typedef struct {
    ngx_str_t                       stream;
    ngx_str_t                       dedup;       /* empty: none */
    ngx_str_t                       id;
    ngx_str_t                       received_at;
    ngx_str_t                       form;
    ngx_str_t                       data;
    ngx_str_t                       client;
    ngx_str_t                       status;      /* kept under dedup */
    ngx_msec_t                      ttl;         /* of dedup */
    ngx_array_t                    *limit_keys;  /* of ngx_str_t, or NULL */
    ngx_array_t                    *limit_args;
    ngx_flag_t                      dry_run;
} ngx_http_concertation_record_t;


/* a command of the store, with room for its arguments */
typedef struct {
    ngx_http_concertation_call_t    call;
    const char                     *argv[NGX_HTTP_CONCERTATION_STORE_ARGS];
    size_t                          argvlen[NGX_HTTP_CONCERTATION_STORE_ARGS];
    u_char                          nkeys[NGX_INT_T_LEN];
    u_char                          ttl[NGX_INT_T_LEN];
} ngx_http_concertation_store_cmd_t;


/*
 * Redis's answer, classified; answered: 0 when none came (CC_REPLY_FAILED),
 * and maybe_sent then says whether Redis may have run the command.
 */
typedef void (*ngx_http_concertation_stored_pt)(void *data, cc_reply_t *rep,
    ngx_uint_t answered, ngx_uint_t maybe_sent);


/* an answer being stored */
typedef struct {
    ngx_http_concertation_store_cmd_t     cmd;
    ngx_http_concertation_stored_pt       handler;
    void                                (*spooled)(void *data, ngx_int_t rc);
    void                                 *ctx;       /* of both */
    ngx_str_t                             data;       /* normalised */
    ngx_str_t                             dedup;      /* idempotency */
    ngx_str_t                             index;      /* spooled:<id> */
    ngx_array_t                          *limit_keys; /* shared limits */
    ngx_array_t                          *limit_args;
    ngx_http_concertation_spool_waiter_t  spool;
    ngx_shm_zone_t                       *spool_keys;
    /* concertation_redis_wait: the WAIT after the write */
    ngx_http_concertation_replicated_t    replicated;
    long long                             stored_wait;
    unsigned                              replicate:1;
    int64_t                               received_ms;
    char                                  id[CC_ID_LEN + 1];
    char                                  received_at[CC_TIME_LEN + 1];
    char                                  client[CC_CLIENT_KEY_LEN + 1];
} ngx_http_concertation_store_t;


/* the id, the reception time and the pseudonymised client of a record */
ngx_int_t ngx_http_concertation_store_record(ngx_http_request_t *r,
    ngx_http_concertation_store_t *st);
/* an idempotency key: the store keeps its HMAC, never the key */
ngx_int_t ngx_http_concertation_store_dedup(ngx_http_request_t *r,
    ngx_http_concertation_store_t *st, ngx_str_t *key);
/* the limits counted in Redis too, if any */
ngx_int_t ngx_http_concertation_store_limits(ngx_http_request_t *r,
    ngx_http_concertation_store_t *st);

/* NGX_OK: the handler will be called once */
ngx_int_t ngx_http_concertation_store_send(ngx_http_request_t *r,
    ngx_http_concertation_store_t *st, ngx_http_concertation_stored_pt handler,
    void *data);

/*
 * The idempotency key of an answer this server spooled and has not
 * replayed yet: NGX_OK and the first answer's id, NGX_DECLINED otherwise.
 */
ngx_int_t ngx_http_concertation_store_spooled_before(ngx_http_request_t *r,
    ngx_http_concertation_store_t *st, char *id);

/*
 * Into the local spool: NGX_OK on disk (202); NGX_AGAIN: st->spooled is
 * called once it is (or is not); NGX_DECLINED: there is no spool; NGX_ERROR.
 * Redis may have run the command: the replay finds its key there.
 */
ngx_int_t ngx_http_concertation_store_spool(ngx_http_request_t *r,
    ngx_http_concertation_store_t *st);

/* how long a deduplication key lives: an idempotency key's, the index's */
ngx_msec_t ngx_http_concertation_store_dedup_ttl(ngx_str_t *dedup);

/* the store script's command, for a submission or a replay */
ngx_int_t ngx_http_concertation_store_script(
    ngx_http_concertation_store_cmd_t *sc, ngx_http_concertation_record_t *s,
    ngx_http_concertation_reply_pt handler, void *data);


#endif /* _NGX_HTTP_CONCERTATION_STORE_H_INCLUDED_ */
