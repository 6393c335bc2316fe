
/*
 * concertation: the submission path of a public consultation, inside nginx.
 *
 * What every glue file shares: the module, and its configuration as parts,
 * one per concern, each declared in that concern's own header.  The logic
 * lives in src/core/; t/layers draws the order in which the glue files may
 * call one another.
 */

#ifndef _NGX_HTTP_CONCERTATION_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_concertation_conf.h"
#include "cc_schema.h"


/* statuses nginx has in its status lines but no name for */
#define NGX_HTTP_CONCERTATION_GONE           410
#define NGX_HTTP_CONCERTATION_UNPROCESSABLE  422


/* the parts of the configuration, each declared in its own header */
typedef struct ngx_http_concertation_redis_conf_s
    ngx_http_concertation_redis_conf_t;          /* _redis.h */
typedef struct ngx_http_concertation_keys_s
    ngx_http_concertation_keys_t;                /* _keys.h */
typedef struct ngx_http_concertation_programme_s
    ngx_http_concertation_programme_t;           /* _programme.h */
typedef struct ngx_http_concertation_spool_conf_s
    ngx_http_concertation_spool_conf_t;          /* _spool.h */
typedef struct ngx_http_concertation_window_s
    ngx_http_concertation_window_t;              /* _window.h */
typedef struct ngx_http_concertation_limit_conf_s
    ngx_http_concertation_limit_conf_t;          /* _limit.h */
typedef struct ngx_http_concertation_abuse_conf_s
    ngx_http_concertation_abuse_conf_t;          /* _abuse.h */
typedef struct ngx_http_concertation_endpoint_s
    ngx_http_concertation_endpoint_t;            /* _request.h */
typedef struct ngx_http_concertation_pages_s
    ngx_http_concertation_pages_t;               /* _pages.h */
typedef struct ngx_http_concertation_page_s
    ngx_http_concertation_page_t;                /* _pages.h */


typedef struct {
    ngx_http_concertation_redis_conf_t      *redis;
    ngx_http_concertation_keys_t            *keys;
    ngx_http_concertation_programme_t       *programme;
    ngx_http_concertation_spool_conf_t      *spool;
    ngx_http_concertation_pages_t           *pages;

    /* the first directive that needs Redis and the secret */
    ngx_http_concertation_where_t            first_use;
    ngx_flag_t                               used;
} ngx_http_concertation_main_conf_t;


typedef struct {
    /* the form of the location, as the pipeline, store and answers see it */
    ngx_str_t                                form;
    cc_schema_t                             *schema;
    ngx_http_concertation_where_t            form_where;
    ngx_str_t                                prefix;   /* of Redis keys */
    ngx_str_t                                stream;   /* prefix + form */
    ngx_str_t                                thanks;
    ngx_msec_t                               timeout;  /* of Redis */
    time_t                                   retry_after;
    off_t                                    max_body_size;

    /* what the location's requests go through: _request.h */
    const ngx_http_concertation_endpoint_t  *endpoint;
    ngx_flag_t                               registration;
    ngx_flag_t                               notify;   /* e-mails sent */

    ngx_http_concertation_window_t          *window;  /* NULL: always */
    ngx_http_concertation_limit_conf_t      *limit;
    ngx_http_concertation_abuse_conf_t      *abuse;

    /* a page showing a form (concertation_form_page), or NULL */
    ngx_http_concertation_page_t            *page;

    /* a form: drafts kept that long (concertation_drafts; 0: none), and
       the page that shows it, where a draft's link leads */
    ngx_msec_t                               drafts;
    ngx_http_concertation_page_t            *shown_by;
    /* the questions of the empty form, rendered once for its pages */
    char                                    *fields_html;
} ngx_http_concertation_loc_conf_t;


#define ngx_http_concertation_loc_conf(r)                                     \
    ((ngx_http_concertation_loc_conf_t *)                                     \
        ngx_http_get_module_loc_conf(r, ngx_http_concertation_module))
#define ngx_http_concertation_main_conf(r)                                    \
    ((ngx_http_concertation_main_conf_t *)                                    \
        ngx_http_get_module_main_conf(r, ngx_http_concertation_module))


extern ngx_module_t  ngx_http_concertation_module;


#endif /* _NGX_HTTP_CONCERTATION_H_INCLUDED_ */
