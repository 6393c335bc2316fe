
/*
 * concertation: the counters in shared memory, and what each request
 * answered ($concertation_outcome, $concertation_form, $concertation_id).
 * An answer records its outcome in the request's tally; nginx's log phase
 * counts it, once per request, whatever path the answer took.
 */

#ifndef _NGX_HTTP_CONCERTATION_METRICS_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_METRICS_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "cc_metrics.h"
#include "cc_events.h"


#define NGX_HTTP_CONCERTATION_METRICS_FORMS    64
#define NGX_HTTP_CONCERTATION_METRICS_EVENTS   512
#define NGX_HTTP_CONCERTATION_METRICS_WORKERS  64
#define NGX_HTTP_CONCERTATION_METRICS_NAME     64
#define NGX_HTTP_CONCERTATION_METRICS_NONE     ((ngx_uint_t) -1)


/*
 * What a request answered.  Every request context of the module starts
 * with one (ngx_http_concertation_req_t, _request.h): the module's context
 * slot of a request is read as a tally by the log phase.
 */
typedef struct {
    const cc_event_t                   *event;
    unsigned                            outcome:5;   /* cc_outcome_e */
    unsigned                            state:3;     /* cc_reg_state_e */
    unsigned                            recorded:1;
    unsigned                            has_state:1;
    u_char                              id[40];      /* CC_ID_LEN at most */
    size_t                              id_len;
} ngx_http_concertation_tally_t;


/* the zone: forms and events alike, the name first */

typedef struct {
    u_char                              len;
    u_char                       name[NGX_HTTP_CONCERTATION_METRICS_NAME];
    ngx_atomic_t                        outcomes[CC_OUTCOME_N];
} ngx_http_concertation_metrics_form_t;


typedef struct {
    u_char                              len;
    u_char                       name[NGX_HTTP_CONCERTATION_METRICS_NAME];
    ngx_atomic_t                        states[CC_REG_STATE_N];
} ngx_http_concertation_metrics_event_t;


typedef struct {
    ngx_atomic_t                        pid;       /* the worker writing */
    ngx_atomic_t                        state;     /* cc_redis_state_e */
    ngx_atomic_t                        reconnects;
    ngx_atomic_t                        buckets[CC_METRICS_BUCKETS];
    ngx_atomic_t                        latency_sum_us;
    ngx_atomic_t                        spool_bytes;
    ngx_atomic_t                        spool_records;
    ngx_atomic_t                        replayed;
    ngx_atomic_t                        replay_duplicates;
    ngx_atomic_t                        replay_skipped;
    ngx_atomic_t                        quarantined;
    ngx_atomic_t                        unconfirmed;
} ngx_http_concertation_metrics_worker_t;


typedef struct {
    ngx_atomic_t                        nforms;
    ngx_atomic_t                        nevents;
    ngx_http_concertation_metrics_form_t
                               forms[NGX_HTTP_CONCERTATION_METRICS_FORMS];
    ngx_http_concertation_metrics_event_t
                               events[NGX_HTTP_CONCERTATION_METRICS_EVENTS];
    ngx_http_concertation_metrics_worker_t
                               workers[NGX_HTTP_CONCERTATION_METRICS_WORKERS];
} ngx_http_concertation_metrics_sh_t;


typedef struct {
    ngx_str_t                           name;
    ngx_uint_t                          slot;
} ngx_http_concertation_metrics_conf_form_t;


typedef struct {
    ngx_http_concertation_metrics_sh_t  *sh;
    ngx_slab_pool_t                    *shpool;
    ngx_array_t                         forms;   /* this configuration's */
    cc_events_t                        *events;  /* the programme's */
    ngx_uint_t                         *event_slots;  /* per event */
    ngx_uint_t                          nevents;
} ngx_http_concertation_metrics_ctx_t;


/* configuration */
ngx_int_t ngx_http_concertation_metrics_variables(ngx_conf_t *cf);
ngx_int_t ngx_http_concertation_metrics_log_phase(ngx_conf_t *cf);
/* a form's counters, shown from the start */
ngx_int_t ngx_http_concertation_metrics_form(ngx_conf_t *cf,
    ngx_str_t *form);
/* the zone, for a configuration that counts (or shows) anything */
ngx_int_t ngx_http_concertation_metrics_zone(ngx_conf_t *cf);
char *ngx_http_concertation_metrics_init(ngx_conf_t *cf, ngx_uint_t used,
    cc_events_t *events);

/* this worker's zone, NULL when it has none */
ngx_http_concertation_metrics_ctx_t *ngx_http_concertation_metrics_ctx(void);

/* an answer: its outcome from (status, code), the first one counts */
void ngx_http_concertation_metrics_outcome(ngx_http_request_t *r,
    ngx_uint_t status, const char *code, const char *id);
/* an idempotency key or a registration seen before: the first answer */
void ngx_http_concertation_metrics_duplicate(ngx_http_request_t *r,
    const char *id);
/* a registration's event and what became of it */
void ngx_http_concertation_metrics_event(ngx_http_request_t *r,
    const cc_event_t *event, cc_reg_state_e state);


#endif /* _NGX_HTTP_CONCERTATION_METRICS_H_INCLUDED_ */
