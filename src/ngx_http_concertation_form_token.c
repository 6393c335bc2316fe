
/*
 * concertation: form tokens for pages: a fresh one each time the variable
 * is read, or each time the endpoint is asked (never cached).  The token
 * itself is made by the abuse controls (ngx_http_concertation_abuse.c).
 */


#include "ngx_http_concertation_form_token.h"
#include "ngx_http_concertation_abuse.h"
#include "ngx_http_concertation_response.h"


static ngx_int_t ngx_http_concertation_form_token_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_concertation_form_token_handler(
    ngx_http_request_t *r);


static ngx_str_t  ngx_http_concertation_form_token_name =
    ngx_string("concertation_form_token");


ngx_int_t
ngx_http_concertation_form_token_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var;

    var = ngx_http_add_variable(cf, &ngx_http_concertation_form_token_name,
                                NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_concertation_form_token_variable;

    return NGX_OK;
}


/* $concertation_form_token: a fresh token each time it is read */

static ngx_int_t
ngx_http_concertation_form_token_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    size_t   len;
    u_char  *p;

    p = ngx_http_concertation_abuse_mint(r, &len);

    if (p == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = p;
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


char *
ngx_http_concertation_form_token_endpoint(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *hclcf;

    hclcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (hclcf->handler != NULL) {
        return "is duplicate, or the location already has a handler";
    }

    hclcf->handler = ngx_http_concertation_form_token_handler;

    return NGX_CONF_OK;
}


/* concertation_form_token_endpoint: {"jeton":"..."}, never cached */

static ngx_int_t
ngx_http_concertation_form_token_handler(ngx_http_request_t *r)
{
    size_t        len;
    u_char       *token, *p;
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_str_t     value;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    token = ngx_http_concertation_abuse_mint(r, &len);
    if (token == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_create_temp_buf(r->pool, sizeof("{\"jeton\":\"\"}\n") - 1 + len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(b->last, "{\"jeton\":\"", sizeof("{\"jeton\":\"") - 1);
    p = ngx_cpymem(p, token, len);
    b->last = ngx_cpymem(p, "\"}\n", sizeof("\"}\n") - 1);

    ngx_str_set(&value, "application/json");

    return ngx_http_concertation_send_buf(r, NGX_HTTP_OK, &value, "no-store",
                                          b);
}
