
/*
 * concertation: module definition, directives and worker life cycle.
 */


#include "ngx_http_concertation.h"
#include <ngx_sha1.h>

#include "ngx_http_concertation_scripts.h"


#define NGX_HTTP_CONCERTATION_MIN_SECRET  16


static ngx_int_t ngx_http_concertation_preconfiguration(ngx_conf_t *cf);
static void *ngx_http_concertation_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_concertation_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_concertation_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_concertation_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static char *ngx_http_concertation_redis(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_concertation_form(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_concertation_set_msec(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_concertation_set_sec(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_concertation_set_num(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_concertation_name_value(ngx_conf_t *cf, char *rv);
static void ngx_http_concertation_schema_cleanup(void *data);
static void ngx_http_concertation_hmac_cleanup(void *data);
static void ngx_http_concertation_script_sha(ngx_str_t *script, u_char *sha);
static ngx_int_t ngx_http_concertation_init_process(ngx_cycle_t *cycle);
static void ngx_http_concertation_exit_process(ngx_cycle_t *cycle);


static ngx_conf_enum_t  ngx_http_concertation_origin_missing[] = {
    { ngx_string("refuse"), 0 },
    { ngx_string("allow"), 1 },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_concertation_commands[] = {

    { ngx_string("concertation_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_redis,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("concertation_redis_password"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_concertation_main_conf_t, redis_password),
      NULL },

    { ngx_string("concertation_redis_database"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_set_num,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_concertation_main_conf_t, redis_database),
      NULL },

    { ngx_string("concertation_redis_connect_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_set_msec,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_concertation_main_conf_t, redis_connect_timeout),
      NULL },

    { ngx_string("concertation_secret"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_concertation_main_conf_t, secret),
      NULL },

    { ngx_string("concertation_redis_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_set_msec,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, timeout),
      NULL },

    { ngx_string("concertation_redis_prefix"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, prefix),
      NULL },

    { ngx_string("concertation_retry_after"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_set_sec,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, retry_after),
      NULL },

    { ngx_string("concertation_thanks"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, thanks),
      NULL },

    { ngx_string("concertation_form"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_concertation_form,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* the consultation window: ngx_http_concertation_window.c */
    { ngx_string("concertation_window"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE12,
      ngx_http_concertation_set_window,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* rate limits: ngx_http_concertation_limit_zone.c */
    { ngx_string("concertation_limit_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_limit_zone,
      0,
      0,
      NULL },

    { ngx_string("concertation_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE23,
      ngx_http_concertation_limit,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("concertation_limit_exempt"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_limit_exempt_conf,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("concertation_limit_dry_run"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, limit_dry_run),
      NULL },

    { ngx_string("concertation_limit_redis"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, limit_redis),
      NULL },

    { ngx_string("concertation_limit_log_level"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, limit_log_level),
      ngx_http_concertation_limit_log_levels },

    { ngx_string("concertation_client_ipv6_prefix"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_ipv6_prefix,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },


    /* abuse controls: ngx_http_concertation_abuse.c */

    { ngx_string("concertation_origin"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_concertation_origin,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("concertation_origin_missing"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, origin_missing),
      &ngx_http_concertation_origin_missing },

    { ngx_string("concertation_form_token"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, form_token),
      NULL },

    { ngx_string("concertation_form_min_time"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_set_msec,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, form_min_time),
      NULL },

    { ngx_string("concertation_form_max_age"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_set_msec,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, form_max_age),
      NULL },

    { ngx_string("concertation_honeypot"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_honeypot,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("concertation_body_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_concertation_set_msec,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, body_timeout),
      NULL },

    /* registrations: the programme, ngx_http_concertation_events.c */

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

    { ngx_string("concertation_form_token_endpoint"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_concertation_form_token_endpoint,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    /* registrations: ngx_http_concertation_registration.c */

    { ngx_string("concertation_registration"),
      NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_concertation_loc_conf_t, registration),
      NULL },

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
    NULL,                                  /* postconfiguration */

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


/*
 * Variables are added here, before any directive that could use them is
 * read; one call per concern, each defined in its own glue file.
 */

static ngx_int_t
ngx_http_concertation_preconfiguration(ngx_conf_t *cf)
{
    /* variables of the consultation window: ngx_http_concertation_window.c */
    if (ngx_http_concertation_window_variables(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    /* variables of the abuse controls: ngx_http_concertation_abuse.c */
    if (ngx_http_concertation_abuse_variables(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    /* the access log's: ngx_http_concertation_metrics.c */
    if (ngx_http_concertation_metrics_variables(cf) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void *
ngx_http_concertation_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_concertation_main_conf_t  *cmcf;

    cmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_main_conf_t));
    if (cmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     cmcf->redis = NULL;
     *     cmcf->redis_password = { 0, NULL };
     *     cmcf->secret = { 0, NULL };
     *     cmcf->used = 0;
     */

    cmcf->redis_database = NGX_CONF_UNSET;
    cmcf->redis_connect_timeout = NGX_CONF_UNSET_MSEC;
    cmcf->ipv6_prefix = NGX_CONF_UNSET_UINT;
    cmcf->events_interval = NGX_CONF_UNSET_MSEC;

    return cmcf;
}


static char *
ngx_http_concertation_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    ngx_pool_cleanup_t  *cln;

    ngx_conf_init_value(cmcf->redis_database, 0);
    ngx_conf_init_msec_value(cmcf->redis_connect_timeout, 500);

    /*
     * The scripts of src/scripts/, compiled in by config, and the digests
     * EVALSHA names them by.
     */

    cmcf->store_script.data =
                          (u_char *) ngx_http_concertation_script_store;
    cmcf->store_script.len =
                          sizeof(ngx_http_concertation_script_store) - 1;
    ngx_http_concertation_script_sha(&cmcf->store_script,
                                     cmcf->store_script_sha);

    cmcf->register_script.data =
                          (u_char *) ngx_http_concertation_script_register;
    cmcf->register_script.len =
                          sizeof(ngx_http_concertation_script_register) - 1;
    ngx_http_concertation_script_sha(&cmcf->register_script,
                                     cmcf->register_script_sha);

    cmcf->cancel_script.data = (u_char *) ngx_http_concertation_script_cancel;
    cmcf->cancel_script.len = sizeof(ngx_http_concertation_script_cancel) - 1;
    ngx_http_concertation_script_sha(&cmcf->cancel_script,
                                     cmcf->cancel_script_sha);

    /* once a second at most: EVAL, no digest kept */
    cmcf->events_script.data =
                          (u_char *) ngx_http_concertation_script_event_counts;
    cmcf->events_script.len =
                          sizeof(ngx_http_concertation_script_event_counts) - 1;

    if (ngx_http_concertation_abuse_init_main_conf(cf, cmcf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    /* registrations: the programme's cache, ngx_http_concertation_events.c */
    if (ngx_http_concertation_events_init_main_conf(cf, cmcf) != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }
    ngx_conf_init_uint_value(cmcf->ipv6_prefix,
                             NGX_HTTP_CONCERTATION_IPV6_PREFIX);

    if (cmcf->redis_database < 0) {
        return "concertation_redis_database must not be negative";
    }

    /* the counters' zone: ngx_http_concertation_metrics.c */
    if (ngx_http_concertation_metrics_init_main_conf(cf, cmcf)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (!cmcf->used) {
        return NGX_CONF_OK;
    }

    if (cmcf->redis == NULL) {
        return "concertation_form needs \"concertation_redis\" "
               "in the http block";
    }

    if (cmcf->secret.len < NGX_HTTP_CONCERTATION_MIN_SECRET) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "concertation_form needs \"concertation_secret\" "
                           "of at least %d bytes in the http block "
                           "(it keys the pseudonymised client addresses)",
                           NGX_HTTP_CONCERTATION_MIN_SECRET);
        return NGX_CONF_ERROR;
    }

    cmcf->hmac = cc_hmac_new(cmcf->secret.data, cmcf->secret.len);
    if (cmcf->hmac == NULL) {
        return "could not key HMAC-SHA256 with concertation_secret";
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        cc_hmac_free(cmcf->hmac);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_concertation_hmac_cleanup;
    cln->data = cmcf->hmac;

    if (ngx_http_concertation_store_init_main_conf(cf, cmcf) != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    /* registrations: the cancellation-token key */
    return ngx_http_concertation_registration_init_main_conf(cf, cmcf);
}


/*
 * The first two words of a script's command: EVALSHA and its digest, or,
 * once Redis said NOSCRIPT (after a SCRIPT FLUSH, a restart, a failover:
 * the script did not run), EVAL and its text.
 */

void
ngx_http_concertation_script_cmd(ngx_str_t *script, u_char *sha,
    ngx_uint_t eval, const char **argv, size_t *len)
{
    if (eval) {
        argv[0] = "EVAL";
        len[0] = 4;
        argv[1] = (const char *) script->data;
        len[1] = script->len;

    } else {
        argv[0] = "EVALSHA";
        len[0] = 7;
        argv[1] = (const char *) sha;
        len[1] = 40;
    }
}


/* the digest EVALSHA names a script by */

static void
ngx_http_concertation_script_sha(ngx_str_t *script, u_char *sha)
{
    ngx_uint_t   i;
    ngx_sha1_t   sha1;
    u_char       digest[20];

    ngx_sha1_init(&sha1);
    ngx_sha1_update(&sha1, script->data, script->len);
    ngx_sha1_final(digest, &sha1);

    for (i = 0; i < 20; i++) {
        sha = ngx_sprintf(sha, "%02xd", digest[i]);
    }
}


static void
ngx_http_concertation_hmac_cleanup(void *data)
{
    cc_hmac_free(data);
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
     */

    clcf->timeout = NGX_CONF_UNSET_MSEC;
    clcf->retry_after = NGX_CONF_UNSET;

    clcf->window = NGX_CONF_UNSET_PTR;

    clcf->limits = NGX_CONF_UNSET_PTR;
    clcf->limit_dry_run = NGX_CONF_UNSET;
    clcf->limit_redis = NGX_CONF_UNSET;
    clcf->limit_log_level = NGX_CONF_UNSET_UINT;

    clcf->origins = NGX_CONF_UNSET_PTR;
    clcf->origin_missing = NGX_CONF_UNSET_UINT;
    clcf->form_token = NGX_CONF_UNSET;
    clcf->form_min_time = NGX_CONF_UNSET_MSEC;
    clcf->form_max_age = NGX_CONF_UNSET_MSEC;
    clcf->honeypot.data = NGX_CONF_UNSET_PTR;
    clcf->body_timeout = NGX_CONF_UNSET_MSEC;

    clcf->registration = NGX_CONF_UNSET;
    clcf->cancellation = NGX_CONF_UNSET;

    return clcf;
}


static char *
ngx_http_concertation_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_concertation_loc_conf_t *prev = parent;
    ngx_http_concertation_loc_conf_t *conf = child;

    ngx_http_core_loc_conf_t  *hclcf;

    ngx_conf_merge_msec_value(conf->timeout, prev->timeout, 1000);
    ngx_conf_merge_sec_value(conf->retry_after, prev->retry_after, 5);
    ngx_conf_merge_str_value(conf->prefix, prev->prefix, "concertation:");
    ngx_conf_merge_str_value(conf->thanks, prev->thanks, "/merci.html");

    if (conf->timeout == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"concertation_redis_timeout\" must be positive");
        return NGX_CONF_ERROR;
    }

    ngx_conf_merge_ptr_value(conf->window, prev->window, NULL);

    ngx_conf_merge_ptr_value(conf->limits, prev->limits, NULL);
    ngx_conf_merge_value(conf->limit_dry_run, prev->limit_dry_run, 0);
    ngx_conf_merge_value(conf->limit_redis, prev->limit_redis, 0);
    ngx_conf_merge_uint_value(conf->limit_log_level, prev->limit_log_level,
                              NGX_LOG_ERR);

    if (conf->limit_exempt == NULL) {
        conf->limit_exempt = prev->limit_exempt;
    }

    if (ngx_http_concertation_abuse_merge(cf, prev, conf) != NGX_CONF_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_concertation_registration_merge(cf, prev, conf)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (conf->form.len == 0) {
        return NGX_CONF_OK;
    }

    /*
     * The module enforces client_max_body_size itself, so that an oversized
     * answer is refused in French like every other error rather than with
     * nginx's own page before the handler runs; bodies must come with a
     * Content-Length for that (a form post always does).
     */

    hclcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    conf->max_body_size = hclcf->client_max_body_size
                          ? hclcf->client_max_body_size : NGX_MAX_OFF_T_VALUE;
    hclcf->client_max_body_size = 0;

    /* no honest answer is larger than the schema's worst case (issue 3) */

    if ((off_t) ngx_http_concertation_abuse_max_body(conf->schema)
        < conf->max_body_size)
    {
        conf->max_body_size = ngx_http_concertation_abuse_max_body(
                                                              conf->schema);
    }

    conf->stream.len = conf->prefix.len + conf->form.len;
    conf->stream.data = ngx_pnalloc(cf->pool, conf->stream.len);
    if (conf->stream.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(ngx_cpymem(conf->stream.data, conf->prefix.data,
                          conf->prefix.len),
               conf->form.data, conf->form.len);

    return NGX_CONF_OK;
}


static char *
ngx_http_concertation_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    ngx_str_t  *value;
    ngx_url_t   u;

    if (cmcf->redis != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    /*
     * The address is resolved here, once: a worker never waits on DNS.
     */

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = value[1];
    u.default_port = 6379;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid Redis address \"%V\"%s%s",
                           &value[1], u.err ? ": " : "",
                           u.err ? u.err : "");
        return NGX_CONF_ERROR;
    }

    if (u.naddrs == 0 || u.uri.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid Redis address \"%V\": expected "
                           "host:port or unix:/path", &value[1]);
        return NGX_CONF_ERROR;
    }

    cmcf->redis = &u.addrs[0];

    return NGX_CONF_OK;
}


static char *
ngx_http_concertation_form(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    u_char                             *p;
    ngx_str_t                          *value, path;
    ngx_pool_cleanup_t                 *cln;
    ngx_http_core_loc_conf_t           *hclcf;
    ngx_http_concertation_main_conf_t  *cmcf;
    char                                err[512];

    if (clcf->schema != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].len > 64) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid form name \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    for (p = value[1].data; p < value[1].data + value[1].len; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
              || *p == '_' || *p == '-'))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid form name \"%V\": use a-z, 0-9, "
                               "\"_\" and \"-\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    path = value[2];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    clcf->form = value[1];
    clcf->schema = cc_schema_load_file((char *) path.data, err, sizeof(err));

    if (clcf->schema == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid schema: %s", err);
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        cc_schema_free(clcf->schema);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_concertation_schema_cleanup;
    cln->data = clcf->schema;

    cmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_concertation_module);
    cmcf->used = 1;

    /* its counters, shown from the start: ngx_http_concertation_metrics.c */
    if (ngx_http_concertation_metrics_form(cf, &clcf->form) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    hclcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    hclcf->handler = ngx_http_concertation_handler;

    return NGX_CONF_OK;
}


/*
 * nginx's own setters say "invalid value" without the value: these name it,
 * so that a typo is found from the message alone.
 */

static char *
ngx_http_concertation_set_msec(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    return ngx_http_concertation_name_value(cf,
                                     ngx_conf_set_msec_slot(cf, cmd, conf));
}


static char *
ngx_http_concertation_set_sec(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_http_concertation_name_value(cf,
                                     ngx_conf_set_sec_slot(cf, cmd, conf));
}


static char *
ngx_http_concertation_set_num(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    return ngx_http_concertation_name_value(cf,
                                     ngx_conf_set_num_slot(cf, cmd, conf));
}


static char *
ngx_http_concertation_name_value(ngx_conf_t *cf, char *rv)
{
    ngx_str_t  *value;

    if (rv == NGX_CONF_OK || rv == NGX_CONF_ERROR) {
        return rv;
    }

    value = cf->args->elts;

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\" directive %s \"%V\"",
                       &value[0], rv, &value[1]);

    return NGX_CONF_ERROR;
}


static void
ngx_http_concertation_schema_cleanup(void *data)
{
    cc_schema_free(data);
}


static ngx_int_t
ngx_http_concertation_init_process(ngx_cycle_t *cycle)
{
    ngx_http_concertation_main_conf_t  *cmcf;

    cmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_concertation_module);

    /* registrations: the programme's counters need Redis too */
    if (cmcf == NULL || (!cmcf->used && !cmcf->events_status)) {
        return NGX_OK;
    }

    if (ngx_http_concertation_redis_init(cycle, cmcf) != NGX_OK) {
        return NGX_ERROR;
    }

    /* a spool that cannot be opened is logged: the worker answers 503 */
    (void) ngx_http_concertation_spool_init_process(cycle, cmcf);

    return ngx_http_concertation_events_init_process(cycle, cmcf);
}


static void
ngx_http_concertation_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_concertation_spool_exit_process(cycle);
    ngx_http_concertation_redis_exit(cycle);
}
