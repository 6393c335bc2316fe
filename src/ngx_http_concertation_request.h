
/*
 * concertation: the pipeline every POST endpoint runs, in this order —
 *
 *   1 method, window, limits, origin, body headers   (nothing read yet)
 *   2 body read, within its total deadline           (in memory or a file)
 *   3 validated with the endpoint's schema           (every error at once)
 *   4 abuse verdict on the form's "_" fields
 *   5 the endpoint's start(): its Redis command      (waited for: _wait.h)
 *
 * — and the table each endpoint declares it with.
 */

#ifndef _NGX_HTTP_CONCERTATION_REQUEST_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_REQUEST_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "ngx_http_concertation_metrics.h"
#include "ngx_http_concertation_wait.h"
#include "ngx_http_concertation_abuse.h"
#include "cc_messages.h"


/* every request context of an endpoint starts with one */
typedef struct {
    ngx_http_concertation_tally_t       tally;   /* first: the log reads it */
    ngx_http_concertation_wait_t        wait;
    ngx_http_request_t                 *request;
    ngx_event_t                         body_deadline;
    ngx_str_t                           idempotency;  /* the form's field */
    ngx_str_t                           resume;   /* the draft's code */
    json_t                             *submitted;  /* HTML: as posted */
    ngx_http_concertation_abuse_fields_t  abuse;
    unsigned                            body_timed_out:1;
    unsigned                            idempotency_bad:1;
    unsigned                            draft:1;  /* "save, come back" */
} ngx_http_concertation_req_t;


struct ngx_http_concertation_endpoint_s {
    const char                 *what;         /* "store the submission" */
    size_t                      ctx_size;     /* a req_t, first */
    cc_msg_e                    method;       /* the 405's text */
    cc_msg_e                    type;         /* the 415's */
    cc_msg_e                    too_large;    /* the 413's */
    off_t                       max_body;     /* 0: the location's */
    unsigned                    window:1;     /* the consultation window */
    unsigned                    abuse:1;      /* origin, token, honeypot */

    /* a single value of a valid answer (copied: s lives for the call) */
    void                      (*value)(ngx_http_concertation_req_t *rq,
                                       const char *name, const char *s,
                                       size_t len);
    /* the answer is valid; NGX_DONE: waiting (on Redis) */
    ngx_int_t                 (*start)(ngx_http_concertation_req_t *rq,
                                       char *normalised, size_t len);
    /* Redis did not answer in time */
    ngx_int_t                 (*expired)(ngx_http_request_t *r,
                                         ngx_uint_t maybe_sent);
};


/*
 * A location whose POSTs go through the pipeline: its schema (taken, and
 * freed with the configuration), where it was declared, its handler; it
 * needs Redis and the secret.  endpoint NULL: chosen at merge (a form's).
 */
char *ngx_http_concertation_request_conf(ngx_conf_t *cf,
    ngx_http_concertation_loc_conf_t *clcf, cc_schema_t *schema,
    const ngx_http_concertation_endpoint_t *endpoint);

/* the content handler of every POST endpoint */
ngx_int_t ngx_http_concertation_request_handler(ngx_http_request_t *r);

/* for a GET endpoint: NGX_DECLINED to go on, or the 405 sent */
ngx_int_t ngx_http_concertation_request_get(ngx_http_request_t *r,
    cc_msg_e msg);

/* the endpoint's Redis command is on its way: wait for it */
ngx_int_t ngx_http_concertation_request_wait(ngx_http_concertation_req_t *rq,
    ngx_http_concertation_call_t *call);


#endif /* _NGX_HTTP_CONCERTATION_REQUEST_H_INCLUDED_ */
