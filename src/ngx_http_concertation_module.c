
/*
 * concertation: the module — its directives, its configuration made of
 * each concern's part, and the worker's life cycle.
 */


#include "ngx_http_concertation.h"
#include "ngx_http_concertation_form.h"
#include "ngx_http_concertation_register.h"
#include "ngx_http_concertation_cancel.h"
#include "ngx_http_concertation_events.h"
#include "ngx_http_concertation_form_token.h"
#include "ngx_http_concertation_form_page.h"
#include "ngx_http_concertation_pages.h"
#include "ngx_http_concertation_status.h"
#include "ngx_http_concertation_request.h"
#include "ngx_http_concertation_spool_replay.h"
#include "ngx_http_concertation_scripts.h"
#include "ngx_http_concertation_spool.h"
#include "ngx_http_concertation_redis.h"
#include "ngx_http_concertation_programme.h"
#include "ngx_http_concertation_limit.h"
#include "ngx_http_concertation_window.h"
#include "ngx_http_concertation_abuse.h"
#include "ngx_http_concertation_keys.h"
#include "ngx_http_concertation_metrics.h"


static ngx_int_t ngx_http_concertation_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_concertation_postconfiguration(ngx_conf_t *cf);
static void *ngx_http_concertation_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_concertation_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_concertation_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_concertation_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_concertation_init_process(ngx_cycle_t *cycle);
static void ngx_http_concertation_exit_process(ngx_cycle_t *cycle);


/* the directives set by nginx's own setters, on their concern's part */

#define ngx_http_concertation_main_part(part)                                 \
    offsetof(ngx_http_concertation_main_conf_t, part)
#define ngx_http_concertation_loc_part(part)                                  \
    offsetof(ngx_http_concertation_loc_conf_t, part)

static ngx_http_concertation_slot_t  ngx_http_concertation_redis_str =
    { ngx_conf_set_str_slot, ngx_http_concertation_main_part(redis),
      NULL, 0 };
static ngx_http_concertation_slot_t  ngx_http_concertation_redis_num =
    { ngx_conf_set_num_slot, ngx_http_concertation_main_part(redis),
      NULL, 0 };
static ngx_http_concertation_slot_t  ngx_http_concertation_redis_msec =
    { ngx_conf_set_msec_slot, ngx_http_concertation_main_part(redis),
      NULL, 0 };
static ngx_http_concertation_slot_t  ngx_http_concertation_keys_str =
    { ngx_conf_set_str_slot, ngx_http_concertation_main_part(keys),
      NULL, 0 };
static ngx_http_concertation_slot_t  ngx_http_concertation_loc_msec =
    { ngx_conf_set_msec_slot, NGX_HTTP_CONCERTATION_WHOLE, NULL, 0 };
static ngx_http_concertation_slot_t  ngx_http_concertation_loc_sec =
    { ngx_conf_set_sec_slot, NGX_HTTP_CONCERTATION_WHOLE, NULL, 0 };
static ngx_http_concertation_slot_t  ngx_http_concertation_loc_str =
    { ngx_conf_set_str_slot, NGX_HTTP_CONCERTATION_WHOLE, NULL, 0 };
static ngx_http_concertation_slot_t  ngx_http_concertation_loc_flag =
    { ngx_conf_set_flag_slot, NGX_HTTP_CONCERTATION_WHOLE, NULL, 0 };
static ngx_http_concertation_slot_t  ngx_http_concertation_limit_flag =
    { ngx_conf_set_flag_slot, ngx_http_concertation_loc_part(limit),
      NULL, 0 };
static ngx_http_concertation_slot_t  ngx_http_concertation_limit_level =
    { ngx_conf_set_enum_slot, ngx_http_concertation_loc_part(limit),
      ngx_http_concertation_limit_log_levels, 0 };
static ngx_http_concertation_slot_t  ngx_http_concertation_abuse_missing =
    { ngx_conf_set_enum_slot, ngx_http_concertation_loc_part(abuse),
      ngx_http_concertation_origin_missing, 0 };
static ngx_http_concertation_slot_t  ngx_http_concertation_abuse_token =
    { ngx_conf_set_flag_slot, ngx_http_concertation_loc_part(abuse), NULL,
      offsetof(ngx_http_concertation_abuse_conf_t, form_token_where) };
static ngx_http_concertation_slot_t  ngx_http_concertation_abuse_min_time =
    { ngx_conf_set_msec_slot, ngx_http_concertation_loc_part(abuse), NULL,
      offsetof(ngx_http_concertation_abuse_conf_t, min_time_where) };
static ngx_http_concertation_slot_t  ngx_http_concertation_abuse_max_age =
    { ngx_conf_set_msec_slot, ngx_http_concertation_loc_part(abuse), NULL,
      offsetof(ngx_http_concertation_abuse_conf_t, max_age_where) };
static ngx_http_concertation_slot_t  ngx_http_concertation_abuse_msec =
    { ngx_conf_set_msec_slot, ngx_http_concertation_loc_part(abuse),
      NULL, 0 };


#define NGX_HTTP_CONCERTATION_ANY_LEVEL                                       \
    (NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF)


static ngx_command_t  ngx_http_concertation_commands[] = {

    /* Redis: ngx_http_concertation_redis.c */

    { ngx_string("concertation_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_redis,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("concertation_redis_sentinel"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_concertation_redis_sentinel,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("concertation_redis_wait"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE2,
      ngx_http_concertation_redis_wait,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("concertation_redis_password"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_concertation_redis_conf_t, password),
      &ngx_http_concertation_redis_str },

    { ngx_string("concertation_redis_database"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_concertation_redis_conf_t, database),
      &ngx_http_concertation_redis_num },

    { ngx_string("concertation_redis_connect_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_concertation_redis_conf_t, connect_timeout),
      &ngx_http_concertation_redis_msec },

    /* the secret and the client key: ngx_http_concertation_keys.c */

    { ngx_string("concertation_secret"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_concertation_keys_t, secret),
      &ngx_http_concertation_keys_str },

    { ngx_string("concertation_client_ipv6_prefix"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_ipv6_prefix,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    /* the form of a location */

    { ngx_string("concertation_redis_timeout"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_TAKE1,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, timeout),
      &ngx_http_concertation_loc_msec },

    { ngx_string("concertation_redis_prefix"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_TAKE1,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, prefix),
      &ngx_http_concertation_loc_str },

    { ngx_string("concertation_retry_after"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_TAKE1,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, retry_after),
      &ngx_http_concertation_loc_sec },

    { ngx_string("concertation_thanks"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_TAKE1,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, thanks),
      &ngx_http_concertation_loc_str },

    { ngx_string("concertation_form"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_concertation_form,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* the pages the module writes: _form_page.c, _pages.c */

    { ngx_string("concertation_form_page"),
      NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_concertation_form_page,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("concertation_drafts"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, drafts),
      &ngx_http_concertation_loc_msec },

    { ngx_string("concertation_page_fragments"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_page_fragments,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    /* the consultation window: ngx_http_concertation_window.c */

    { ngx_string("concertation_window"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_TAKE12,
      ngx_http_concertation_set_window,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* rate limits: ngx_http_concertation_limit.c, _limit_zone.c */

    { ngx_string("concertation_limit_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_limit_zone,
      0,
      0,
      NULL },

    { ngx_string("concertation_limit"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_TAKE23,
      ngx_http_concertation_limit,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("concertation_limit_exempt"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_TAKE1,
      ngx_http_concertation_limit_exempt_conf,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("concertation_limit_dry_run"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_FLAG,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_limit_conf_t, dry_run),
      &ngx_http_concertation_limit_flag },

    { ngx_string("concertation_limit_redis"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_FLAG,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_limit_conf_t, redis),
      &ngx_http_concertation_limit_flag },

    { ngx_string("concertation_limit_log_level"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_TAKE1,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_limit_conf_t, log_level),
      &ngx_http_concertation_limit_level },

    /* abuse controls: ngx_http_concertation_abuse.c */

    { ngx_string("concertation_origin"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_1MORE,
      ngx_http_concertation_origin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("concertation_origin_missing"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_TAKE1,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_abuse_conf_t, origin_missing),
      &ngx_http_concertation_abuse_missing },

    { ngx_string("concertation_form_token"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_FLAG,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_abuse_conf_t, form_token),
      &ngx_http_concertation_abuse_token },

    { ngx_string("concertation_form_min_time"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_TAKE1,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_abuse_conf_t, form_min_time),
      &ngx_http_concertation_abuse_min_time },

    { ngx_string("concertation_form_max_age"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_TAKE1,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_abuse_conf_t, form_max_age),
      &ngx_http_concertation_abuse_max_age },

    { ngx_string("concertation_honeypot"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_TAKE1,
      ngx_http_concertation_honeypot,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("concertation_body_timeout"),
      NGX_HTTP_CONCERTATION_ANY_LEVEL|NGX_CONF_TAKE1,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_abuse_conf_t, body_timeout),
      &ngx_http_concertation_abuse_msec },

    /* form tokens for pages: ngx_http_concertation_form_token.c */

    { ngx_string("concertation_form_token_endpoint"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_concertation_form_token_endpoint,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* the programme: ngx_http_concertation_programme.c, _events.c */

    { ngx_string("concertation_events"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_events_conf,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("concertation_events_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_concertation_events_cache,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("concertation_events_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_concertation_events_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* registrations: ngx_http_concertation_register.c, _cancel.c */

    { ngx_string("concertation_registration"),
      NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_http_concertation_registration,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, registration),
      &ngx_http_concertation_loc_flag },

    { ngx_string("concertation_registration_mail"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_http_concertation_conf_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, notify),
      &ngx_http_concertation_loc_flag },

    { ngx_string("concertation_cancellation"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_concertation_cancellation,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* the local spool: ngx_http_concertation_spool.c */

    { ngx_string("concertation_spool"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_concertation_spool_conf,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    /* the status page: ngx_http_concertation_status.c */

    { ngx_string("concertation_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_concertation_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_concertation_module_ctx = {
    ngx_http_concertation_preconfiguration, /* preconfiguration */
    ngx_http_concertation_postconfiguration, /* postconfiguration */

    ngx_http_concertation_create_main_conf, /* create main configuration */
    ngx_http_concertation_init_main_conf,  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_concertation_create_loc_conf, /* create location configuration */
    ngx_http_concertation_merge_loc_conf   /* merge location configuration */
};


ngx_module_t  ngx_http_concertation_module = {
    NGX_MODULE_V1,
    &ngx_http_concertation_module_ctx,     /* module context */
    ngx_http_concertation_commands,        /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_concertation_init_process,    /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_concertation_exit_process,    /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


/* variables are added before any directive that could use them is read */

static ngx_int_t
ngx_http_concertation_preconfiguration(ngx_conf_t *cf)
{
    if (ngx_http_concertation_window_variables(cf) != NGX_OK
        || ngx_http_concertation_form_token_variables(cf) != NGX_OK
        || ngx_http_concertation_metrics_variables(cf) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_concertation_postconfiguration(ngx_conf_t *cf)
{
    return ngx_http_concertation_metrics_log_phase(cf);
}


static void *
ngx_http_concertation_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_concertation_main_conf_t  *cmcf;

    cmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_main_conf_t));
    if (cmcf == NULL) {
        return NULL;
    }

    cmcf->redis = ngx_http_concertation_redis_create_conf(cf);
    cmcf->keys = ngx_http_concertation_keys_create(cf);
    cmcf->programme = ngx_http_concertation_programme_create_conf(cf);
    cmcf->spool = ngx_http_concertation_spool_create_conf(cf);
    cmcf->pages = ngx_http_concertation_pages_create(cf);

    if (cmcf->redis == NULL || cmcf->keys == NULL || cmcf->programme == NULL
        || cmcf->spool == NULL || cmcf->pages == NULL)
    {
        return NULL;
    }

    return cmcf;
}


static char *
ngx_http_concertation_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    char                           *rv;
    ngx_http_concertation_where_t  *redis;

    ngx_http_concertation_scripts_init();

    /* what needs Redis: a form, or a page showing the programme's seats */

    redis = cmcf->used ? &cmcf->first_use
                       : cmcf->programme->shown ? &cmcf->programme->shown_where
                                                : NULL;

    rv = ngx_http_concertation_redis_init_conf(cf, cmcf->redis, redis);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    /* an answer the replicas did not confirm in time goes to the spool */

    if (cmcf->redis->wait_replicas && cmcf->spool->path.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"concertation_redis_wait\" needs "
                           "\"concertation_spool\": an answer the replicas "
                           "do not confirm in time goes to the spool");
        return NGX_CONF_ERROR;
    }

    rv = ngx_http_concertation_keys_init(cf, cmcf->keys,
                                         cmcf->used ? &cmcf->first_use
                                                    : NULL);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    rv = ngx_http_concertation_programme_init_conf(cf, cmcf->programme);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    rv = ngx_http_concertation_pages_init(cf, cmcf->pages);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    return ngx_http_concertation_metrics_init(cf, cmcf->used,
                                              cmcf->programme->events);
}


static void *
ngx_http_concertation_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_concertation_loc_conf_t  *clcf;

    clcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_loc_conf_t));
    if (clcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     clcf->form = { 0, NULL };
     *     clcf->schema = NULL;
     *     clcf->prefix = { 0, NULL };
     *     clcf->stream = { 0, NULL };
     *     clcf->thanks = { 0, NULL };
     *     clcf->endpoint = NULL;
     */

    clcf->timeout = NGX_CONF_UNSET_MSEC;
    clcf->drafts = NGX_CONF_UNSET_MSEC;
    clcf->retry_after = NGX_CONF_UNSET;
    clcf->registration = NGX_CONF_UNSET;
    clcf->notify = NGX_CONF_UNSET;
    clcf->window = NGX_CONF_UNSET_PTR;

    clcf->limit = ngx_http_concertation_limit_create_conf(cf);
    clcf->abuse = ngx_http_concertation_abuse_create_conf(cf);

    if (clcf->limit == NULL || clcf->abuse == NULL) {
        return NULL;
    }

    return clcf;
}


static char *
ngx_http_concertation_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_concertation_loc_conf_t *prev = parent;
    ngx_http_concertation_loc_conf_t *conf = child;

    ngx_http_concertation_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_concertation_module);

    ngx_conf_merge_msec_value(conf->timeout, prev->timeout, 1000);
    ngx_conf_merge_msec_value(conf->drafts, prev->drafts, 0);
    ngx_conf_merge_sec_value(conf->retry_after, prev->retry_after, 5);
    ngx_conf_merge_str_value(conf->prefix, prev->prefix, "concertation:");
    ngx_conf_merge_str_value(conf->thanks, prev->thanks, "/merci.html");
    ngx_conf_merge_value(conf->registration, prev->registration, 0);
    ngx_conf_merge_value(conf->notify, prev->notify, 0);
    ngx_conf_merge_ptr_value(conf->window, prev->window, NULL);

    if (conf->timeout == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"concertation_redis_timeout\" must be positive");
        return NGX_CONF_ERROR;
    }

    if (conf->form.len && cmcf->redis->wait_replicas
        && conf->timeout <= cmcf->redis->wait_timeout)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"concertation_redis_timeout\" (%M ms) must be "
                           "longer than the timeout of "
                           "\"concertation_redis_wait\" (%M ms): the "
                           "request waits for WAIT's answer", conf->timeout,
                           cmcf->redis->wait_timeout);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_concertation_limit_merge_conf(cf, prev->limit, conf->limit)
        != NGX_CONF_OK
        || ngx_http_concertation_abuse_merge_conf(cf, prev->abuse,
                                   conf->abuse, conf->form.len != 0,
                                   cmcf->keys->form_token)
           != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if ((conf->registration || conf->endpoint == &ngx_http_concertation_cancel)
        && cmcf->programme->events == NULL)
    {
        ngx_http_concertation_conf_error(cf,
                           conf->form_where.file.len ? &conf->form_where
                                                     : NULL,
                           "\"concertation_registration\" and "
                           "\"concertation_cancellation\" need "
                           "\"concertation_events\" in the http block");
        return NGX_CONF_ERROR;
    }

    if (conf->form.len == 0) {
        return NGX_CONF_OK;
    }

    return ngx_http_concertation_form_merge(cf, conf);
}


static ngx_int_t
ngx_http_concertation_init_process(ngx_cycle_t *cycle)
{
    ngx_http_concertation_main_conf_t  *cmcf;

    cmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_concertation_module);

    /* the programme's counters need Redis too */
    if (cmcf == NULL || (!cmcf->used && !cmcf->programme->shown)) {
        return NGX_OK;
    }

    if (ngx_http_concertation_redis_init(cycle, cmcf->redis) != NGX_OK) {
        return NGX_ERROR;
    }

    /* a spool that cannot be opened is logged: the worker answers 503 */
    (void) ngx_http_concertation_spool_init_process(cycle, cmcf->spool);

    if (ngx_http_concertation_spool_replay_init(cycle, cmcf->spool,
                                                cmcf->redis)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_concertation_programme_init_process(cycle,
                                                        cmcf->programme);
}


static void
ngx_http_concertation_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_concertation_spool_replay_exit(cycle);
    ngx_http_concertation_spool_exit_process(cycle);
    ngx_http_concertation_redis_exit(cycle);
}
