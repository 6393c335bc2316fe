
/*
 * concertation: where Redis is and how to talk to it (concertation_redis
 * and its siblings); the connection itself is ngx_http_concertation_redis.c.
 */


#include "ngx_http_concertation_redis.h"


/* configuration: the address is resolved here, once: a worker never waits
   on DNS */

void *
ngx_http_concertation_redis_create_conf(ngx_conf_t *cf)
{
    ngx_http_concertation_redis_conf_t  *rcf;

    rcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_redis_conf_t));
    if (rcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     rcf->addr = NULL;
     *     rcf->password = { 0, NULL };
     */

    rcf->database = NGX_CONF_UNSET;
    rcf->connect_timeout = NGX_CONF_UNSET_MSEC;

    return rcf;
}


/* needed: where the first directive that needs Redis is */

char *
ngx_http_concertation_redis_init_conf(ngx_conf_t *cf,
    ngx_http_concertation_redis_conf_t *rcf,
    ngx_http_concertation_where_t *needed)
{
    ngx_conf_init_value(rcf->database, 0);
    ngx_conf_init_msec_value(rcf->connect_timeout, 500);

    if (rcf->database < 0) {
        return "concertation_redis_database must not be negative";
    }

    if (needed && rcf->addr == NULL) {
        ngx_http_concertation_conf_error(cf, needed,
                           "\"%V\" needs \"concertation_redis\" in the "
                           "http block", &needed->directive);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_concertation_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    ngx_str_t  *value;
    ngx_url_t   u;

    if (cmcf->redis->addr != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

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

    cmcf->redis->addr = &u.addrs[0];

    return NGX_CONF_OK;
}
