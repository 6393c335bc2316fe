
/*
 * concertation: where Redis is and how to talk to it (concertation_redis
 * and its siblings); the connection itself is ngx_http_concertation_redis.c.
 */


#include "ngx_http_concertation_redis.h"


static ngx_addr_t *ngx_http_concertation_redis_addr(ngx_conf_t *cf,
    ngx_str_t *value, in_port_t port, const char *what);


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

    if (needed && rcf->addr == NULL && rcf->sentinels == NULL) {
        ngx_http_concertation_conf_error(cf, needed,
                           "\"%V\" needs \"concertation_redis\" (or "
                           "\"concertation_redis_sentinel\") in the http "
                           "block", &needed->directive);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_concertation_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    ngx_str_t  *value;

    if (cmcf->redis->addr != NULL) {
        return "is duplicate";
    }

    if (cmcf->redis->sentinels != NULL) {
        return "is given with \"concertation_redis_sentinel\": the "
               "sentinels say where the master is";
    }

    value = cf->args->elts;

    cmcf->redis->addr = ngx_http_concertation_redis_addr(cf, &value[1],
                                                         6379, "Redis");

    return cmcf->redis->addr ? NGX_CONF_OK : NGX_CONF_ERROR;
}


/* host:port or unix:/path, resolved now; NULL (and said why) if not */

static ngx_addr_t *
ngx_http_concertation_redis_addr(ngx_conf_t *cf, ngx_str_t *value,
    in_port_t port, const char *what)
{
    ngx_url_t  u;

    ngx_memzero(&u, sizeof(ngx_url_t));

    u.url = *value;
    u.default_port = port;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid %s address \"%V\"%s%s", what,
                           value, u.err ? ": " : "", u.err ? u.err : "");
        return NULL;
    }

    if (u.naddrs == 0 || u.uri.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid %s address \"%V\": expected "
                           "host:port or unix:/path", what, value);
        return NULL;
    }

    return &u.addrs[0];
}


/*
 * concertation_redis_sentinel NAME ADDRESS... [password=SECRET]: the
 * master called NAME, where the sentinels at ADDRESS... (port 26379 by
 * default) say it is.  The password is the sentinels' own (their
 * requirepass); the master's is concertation_redis_password.
 */

char *
ngx_http_concertation_redis_sentinel(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    ngx_str_t                           *value;
    ngx_uint_t                           i;
    ngx_addr_t                          *a, *addr;
    ngx_http_concertation_redis_conf_t  *rcf;

    rcf = cmcf->redis;
    value = cf->args->elts;

    if (rcf->sentinels != NULL) {
        return "is duplicate";
    }

    if (rcf->addr != NULL) {
        return "is given with \"concertation_redis\": one of the two "
               "says where Redis is";
    }

    if (value[1].len == 0 || ngx_strlchr(value[1].data,
                                         value[1].data + value[1].len, ' '))
    {
        return "needs a master name without spaces, as the sentinels "
               "monitor it";
    }

    rcf->sentinel_name = value[1];

    rcf->sentinels = ngx_array_create(cf->pool, cf->args->nelts - 2,
                                      sizeof(ngx_addr_t));
    if (rcf->sentinels == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "password=", 9) == 0) {
            if (i != cf->args->nelts - 1 || value[i].len == 9) {
                return "takes \"password=\" last, not empty";
            }

            rcf->sentinel_password.data = value[i].data + 9;
            rcf->sentinel_password.len = value[i].len - 9;
            break;
        }

        addr = ngx_http_concertation_redis_addr(cf, &value[i], 26379,
                                                "Redis Sentinel");
        if (addr == NULL) {
            return NGX_CONF_ERROR;
        }

        a = ngx_array_push(rcf->sentinels);
        if (a == NULL) {
            return NGX_CONF_ERROR;
        }

        *a = *addr;
    }

    if (rcf->sentinels->nelts == 0) {
        return "needs the address of a sentinel at least";
    }

    return NGX_CONF_OK;
}


/*
 * concertation_redis_wait replicas=N timeout=TIME: an answer is
 * acknowledged (201) once N replicas have it, WAIT telling within TIME;
 * otherwise it is spooled as well (202).
 */

char *
ngx_http_concertation_redis_wait(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    ngx_int_t                            n;
    ngx_str_t                           *value, s;
    ngx_uint_t                           i;
    ngx_http_concertation_redis_conf_t  *rcf;

    rcf = cmcf->redis;
    value = cf->args->elts;

    if (rcf->wait_replicas) {
        return "is duplicate";
    }

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "replicas=", 9) == 0) {
            n = ngx_atoi(value[i].data + 9, value[i].len - 9);

            if (n < 1 || n > 100) {
                return "takes \"replicas=\" a number from 1 to 100";
            }

            rcf->wait_replicas = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "timeout=", 8) == 0) {
            s.data = value[i].data + 8;
            s.len = value[i].len - 8;

            rcf->wait_timeout = ngx_parse_time(&s, 0);

            if (rcf->wait_timeout == (ngx_msec_t) NGX_ERROR
                || rcf->wait_timeout == 0)
            {
                return "takes \"timeout=\" a positive time (50ms)";
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\": "
                           "expected replicas=N timeout=TIME", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (rcf->wait_replicas == 0 || rcf->wait_timeout == 0) {
        return "takes both replicas=N and timeout=TIME";
    }

    return NGX_CONF_OK;
}
