
/*
 * concertation: the rate limits of a location.  Counted in this server's
 * zones (ngx_http_concertation_limit_zone.c) before the body is read; with
 * concertation_limit_redis, also in Redis, inside the store's one round
 * trip (src/scripts/store.lua), so that every nginx server behind a load
 * balancer shares them.
 */


#include "ngx_http_concertation_limit.h"
#include "ngx_http_concertation_keys.h"


static ngx_int_t ngx_http_concertation_limit_exempt(ngx_http_request_t *r,
    ngx_http_complex_value_t *cv);


void *
ngx_http_concertation_limit_create_conf(ngx_conf_t *cf)
{
    ngx_http_concertation_limit_conf_t  *lcf;

    lcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_limit_conf_t));
    if (lcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     lcf->exempt = NULL;
     */

    lcf->limits = NGX_CONF_UNSET_PTR;
    lcf->dry_run = NGX_CONF_UNSET;
    lcf->redis = NGX_CONF_UNSET;
    lcf->log_level = NGX_CONF_UNSET_UINT;

    return lcf;
}


char *
ngx_http_concertation_limit_merge_conf(ngx_conf_t *cf,
    ngx_http_concertation_limit_conf_t *prev,
    ngx_http_concertation_limit_conf_t *conf)
{
    ngx_conf_merge_ptr_value(conf->limits, prev->limits, NULL);
    ngx_conf_merge_value(conf->dry_run, prev->dry_run, 0);
    ngx_conf_merge_value(conf->redis, prev->redis, 0);
    ngx_conf_merge_uint_value(conf->log_level, prev->log_level, NGX_LOG_ERR);

    if (conf->exempt == NULL) {
        conf->exempt = prev->exempt;
    }

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_concertation_limit_check(ngx_http_request_t *r,
    uint64_t *retry_after)
{
    size_t                               len;
    ngx_int_t                            rc;
    ngx_uint_t                           which;
    ngx_http_concertation_limit_t       *lim;
    ngx_http_concertation_limit_conf_t  *lcf;
    u_char                               key[NGX_HTTP_CONCERTATION_KEY_LEN];

    lcf = ngx_http_concertation_loc_conf(r)->limit;

    if (lcf->limits == NULL || lcf->limits->nelts == 0) {
        return NGX_DECLINED;
    }

    switch (ngx_http_concertation_limit_exempt(r, lcf->exempt)) {
    case NGX_OK:
        return NGX_DECLINED;
    case NGX_ERROR:
        return NGX_ERROR;
    }

    len = ngx_http_concertation_client_masked(r, key);
    lim = lcf->limits->elts;

    rc = ngx_http_concertation_limit_zone_count(lim, lcf->limits->nelts,
                                                key, len, retry_after,
                                                &which);
    switch (rc) {

    case NGX_OK:
        return NGX_DECLINED;

    case NGX_DECLINED:
        /* fail closed, said */
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "concertation_limit: no room in zone \"%V\" "
                      "to count the client, request refused",
                      &lim[which].shm_zone->shm.name);
        return NGX_AGAIN;

    default: /* NGX_BUSY */
        ngx_log_error(lcf->log_level, r->connection->log, 0,
                      "concertation_limit: limiting requests%s by zone "
                      "\"%V\", retry after %uL s",
                      lcf->dry_run ? ", dry run" : "",
                      &lim[which].shm_zone->shm.name, *retry_after);

        return lcf->dry_run ? NGX_DECLINED : NGX_BUSY;
    }
}


/*
 * concertation_limit_redis on: see ngx_http_concertation_limit.h.
 */

ngx_int_t
ngx_http_concertation_limit_redis_args(ngx_http_request_t *r,
    const char *client, ngx_array_t *keys, ngx_array_t *args)
{
    u_char                            *p;
    size_t                             len;
    ngx_str_t                         *k, *a;
    ngx_uint_t                         i;
    ngx_http_concertation_limit_t     *lim;
    ngx_http_concertation_loc_conf_t  *clcf;
    ngx_http_concertation_limit_conf_t  *lcf;

    clcf = ngx_http_concertation_loc_conf(r);
    lcf = clcf->limit;

    if (!lcf->redis || lcf->limits == NULL || lcf->limits->nelts == 0)
    {
        return NGX_DECLINED;
    }

    switch (ngx_http_concertation_limit_exempt(r, lcf->exempt)) {

    case NGX_OK:
        return NGX_DECLINED;

    case NGX_DECLINED:
        break;

    default:
        return NGX_ERROR;
    }

    lim = lcf->limits->elts;

    for (i = 0; i < lcf->limits->nelts; i++) {
        k = ngx_array_push(keys);
        a = ngx_array_push_n(args, 2);
        if (k == NULL || a == NULL) {
            return NGX_ERROR;
        }

        len = clcf->prefix.len + sizeof("limit::") - 1
              + lim[i].shm_zone->shm.name.len + CC_CLIENT_KEY_LEN;

        k->data = ngx_pnalloc(r->pool, len + 2 * NGX_INT64_LEN);
        if (k->data == NULL) {
            return NGX_ERROR;
        }

        p = ngx_sprintf(k->data, "%Vlimit:%V:%s", &clcf->prefix,
                        &lim[i].shm_zone->shm.name, client);
        k->len = p - k->data;

        a[0].data = p;
        p = ngx_sprintf(p, "%uL", lim[i].limit.interval);
        a[0].len = p - a[0].data;

        a[1].data = p;
        p = ngx_sprintf(p, "%uL", lim[i].limit.burst);
        a[1].len = p - a[1].data;
    }

    return NGX_OK;
}


/* NGX_OK: exempt; NGX_DECLINED: counted */

static ngx_int_t
ngx_http_concertation_limit_exempt(ngx_http_request_t *r,
    ngx_http_complex_value_t *cv)
{
    ngx_str_t  val;

    if (cv == NULL) {
        return NGX_DECLINED;
    }

    if (ngx_http_complex_value(r, cv, &val) != NGX_OK) {
        return NGX_ERROR;
    }

    if (val.len == 0 || (val.len == 1 && val.data[0] == '0')) {
        return NGX_DECLINED;
    }

    return NGX_OK;
}


/* concertation_limit zone=name rate=5r/m [burst=N]; */

char *
ngx_http_concertation_limit(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    ngx_http_concertation_limit_conf_t  *lcf = clcf->limit;
    ngx_int_t                       burst;
    ngx_str_t                      *value, s;
    ngx_uint_t                      i, j;
    uint64_t                        interval;
    ngx_shm_zone_t                 *shm_zone;
    ngx_http_concertation_limit_t  *lim, *limits;

    value = cf->args->elts;

    shm_zone = NULL;
    interval = 0;
    burst = 1;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {
            s.len = value[i].len - 5;
            s.data = value[i].data + 5;

            if (s.len == 0) {
                goto invalid;
            }

            shm_zone = ngx_http_concertation_limit_zone_get(cf, &s);
            if (shm_zone == NULL) {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "rate=", 5) == 0) {
            if (cc_limit_parse_rate((char *) value[i].data + 5,
                                    value[i].len - 5, &interval)
                != 0)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid rate \"%V\": expected a count "
                                   "of 1 to 1000000 per second, such as "
                                   "5r/s, 5r/m, 50r/h or 50r/d", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "burst=", 6) == 0) {
            burst = ngx_atoi(value[i].data + 6, value[i].len - 6);

            if (burst < 1 || burst > (ngx_int_t) CC_LIMIT_MAX_BURST) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid burst \"%V\": expected 1 to %ui",
                                   &value[i], (ngx_uint_t) CC_LIMIT_MAX_BURST);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        goto invalid;
    }

    if (shm_zone == NULL || interval == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" needs zone= and rate=", &value[0]);
        return NGX_CONF_ERROR;
    }

    if (lcf->limits == NGX_CONF_UNSET_PTR || lcf->limits == NULL) {
        lcf->limits = ngx_array_create(cf->pool, 2,
                                        sizeof(ngx_http_concertation_limit_t));
        if (lcf->limits == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    limits = lcf->limits->elts;

    if (lcf->limits->nelts == NGX_HTTP_CONCERTATION_LIMITS) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "at most %d concertation_limit per location",
                           NGX_HTTP_CONCERTATION_LIMITS);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < lcf->limits->nelts; i++) {
        if (shm_zone == limits[i].shm_zone) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "zone \"%V\" is already limited here: "
                               "a second limit needs a zone of its own",
                               &shm_zone->shm.name);
            return NGX_CONF_ERROR;
        }
    }

    lim = ngx_array_push(lcf->limits);
    if (lim == NULL) {
        return NGX_CONF_ERROR;
    }

    /* kept sorted by zone name: the order in which zones are locked */

    limits = lcf->limits->elts;

    for (i = 0; i < lcf->limits->nelts - 1; i++) {
        if (ngx_memn2cmp(shm_zone->shm.name.data,
                         limits[i].shm_zone->shm.name.data,
                         shm_zone->shm.name.len,
                         limits[i].shm_zone->shm.name.len)
            < 0)
        {
            break;
        }
    }

    for (j = lcf->limits->nelts - 1; j > i; j--) {
        limits[j] = limits[j - 1];
    }

    limits[i].shm_zone = shm_zone;
    limits[i].limit.interval = interval;
    limits[i].limit.burst = (uint64_t) burst;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


/* concertation_limit_exempt $variable; */

char *
ngx_http_concertation_limit_exempt_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    ngx_http_concertation_limit_conf_t  *lcf = clcf->limit;
    ngx_str_t                         *value;
    ngx_http_compile_complex_value_t   ccv;

    if (lcf->exempt != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    lcf->exempt = ngx_palloc(cf->pool,
                                    sizeof(ngx_http_complex_value_t));
    if (lcf->exempt == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = lcf->exempt;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


ngx_conf_enum_t  ngx_http_concertation_limit_log_levels[] = {
    { ngx_string("info"), NGX_LOG_INFO },
    { ngx_string("notice"), NGX_LOG_NOTICE },
    { ngx_string("warn"), NGX_LOG_WARN },
    { ngx_string("error"), NGX_LOG_ERR },
    { ngx_null_string, 0 }
};
