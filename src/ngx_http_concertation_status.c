
/*
 * concertation: the concertation_status page, the counters of
 * ngx_http_concertation_metrics.c in the Prometheus text exposition format
 * 0.0.4, or as JSON on request (Accept: application/json, ?format=json).
 * The bodies are written in src/core/cc_metrics.c.
 */


#include "ngx_http_concertation.h"


static ngx_int_t ngx_http_concertation_status_handler(ngx_http_request_t *r);
static ngx_uint_t ngx_http_concertation_status_json(ngx_http_request_t *r);


/* concertation_status; */

char *
ngx_http_concertation_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *hclcf;

    /* the counters' zone, even in a configuration without a form */
    if (ngx_http_concertation_metrics_zone(cf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    hclcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    hclcf->handler = ngx_http_concertation_status_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_concertation_status_handler(ngx_http_request_t *r)
{
    char          *text;
    size_t         len;
    ngx_int_t      rc;
    ngx_buf_t     *b;
    ngx_str_t      value;
    ngx_uint_t     json;
    cc_metrics_t   m;

    rc = ngx_http_concertation_check_get(r,
                         "La page d'état se consulte avec la méthode GET.");
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (ngx_http_concertation_metrics_snapshot(r, &m) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    json = ngx_http_concertation_status_json(r);

    text = json ? cc_metrics_json(&m, &len) : cc_metrics_prometheus(&m, &len);
    if (text == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_create_temp_buf(r->pool, len ? len : 1);
    if (b == NULL) {
        free(text);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->pos, text, len);
    free(text);

    if (json) {
        ngx_str_set(&value, "application/json");

    } else {
        ngx_str_set(&value, "text/plain; version=0.0.4; charset=utf-8");
    }

    return ngx_http_concertation_send_buf(r, NGX_HTTP_OK, &value, "no-store",
                                          b);
}


/* ?format=json, or an Accept that names application/json */

static ngx_uint_t
ngx_http_concertation_status_json(ngx_http_request_t *r)
{
    ngx_str_t         arg;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    if (ngx_http_arg(r, (u_char *) "format", 6, &arg) == NGX_OK) {
        return arg.len == 4 && ngx_strncmp(arg.data, "json", 4) == 0;
    }

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return 0;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == sizeof("Accept") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Accept",
                               sizeof("Accept") - 1) == 0
            && ngx_strlcasestrn(h[i].value.data,
                                h[i].value.data + h[i].value.len,
                                (u_char *) "application/json",
                                sizeof("application/json") - 2)
               != NULL)
        {
            return 1;
        }
    }
}
