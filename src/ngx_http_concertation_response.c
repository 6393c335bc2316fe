
/*
 * concertation: answers, as JSON for scripts and as French HTML pages for
 * browsers posting a plain form.  The bodies are made in src/core/.
 */


#include "ngx_http_concertation.h"


static ngx_int_t ngx_http_concertation_send(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *type, char *body);


static ngx_str_t  ngx_http_concertation_json_type =
    ngx_string("application/json");
static ngx_str_t  ngx_http_concertation_html_type =
    ngx_string("text/html; charset=utf-8");


ngx_http_concertation_format_e
ngx_http_concertation_format(ngx_http_request_t *r)
{
    ngx_str_t  *accept;

    /* the first Accept counts when there are several */
    (void) ngx_http_concertation_header(r, "Accept", sizeof("Accept") - 1,
                                        &accept);

    return accept && cc_accept_prefers_html((char *) accept->data,
                                            accept->len)
           ? NGX_HTTP_CONCERTATION_HTML : NGX_HTTP_CONCERTATION_JSON;
}


ngx_int_t
ngx_http_concertation_send_error(ngx_http_request_t *r, ngx_uint_t status,
    const char *field, const char *code, const char *message)
{
    char                              *body;
    u_char                            *p;
    ngx_str_t                          value;
    u_char                             buf[NGX_TIME_T_LEN];
    ngx_http_concertation_loc_conf_t  *clcf;

    ngx_http_concertation_metrics_outcome(r, status, code, NULL);

    if (status == NGX_HTTP_SERVICE_UNAVAILABLE) {
        clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

        p = ngx_sprintf(buf, "%T", clcf->retry_after);
        value.len = p - buf;
        value.data = ngx_pnalloc(r->pool, value.len);
        if (value.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_memcpy(value.data, buf, value.len);

        if (ngx_http_concertation_add_header(r, "Retry-After", &value)
            == NULL)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_HTML) {
        body = cc_message_page_html(status >= 500
                                    ? "Service momentanément indisponible"
                                    : "Votre envoi n'a pas pu être traité",
                                    message);

        return ngx_http_concertation_send(r, status,
                                          &ngx_http_concertation_html_type,
                                          body);
    }

    body = cc_error_body_json(field, code, message);

    return ngx_http_concertation_send(r, status,
                                      &ngx_http_concertation_json_type, body);
}


ngx_int_t
ngx_http_concertation_send_invalid(ngx_http_request_t *r, ngx_uint_t status,
    json_t *errors, json_t *submitted)
{
    char                              *body, *action;
    cc_page_plumbing_t                 pl;
    ngx_http_concertation_loc_conf_t  *clcf;

    ngx_http_concertation_metrics_outcome(r, status, NULL, NULL);

    if (ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_JSON) {
        return ngx_http_concertation_send(r, status,
                                          &ngx_http_concertation_json_type,
                                          cc_errors_body_json(errors));
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    /* the redisplayed form posts back to where this one was posted */

    action = ngx_pnalloc(r->pool, r->uri.len + 1);
    if (action == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *ngx_cpymem(action, r->uri.data, r->uri.len) = '\0';

    /* a fresh form token and the honeypot, where they are configured */

    if (ngx_http_concertation_abuse_plumbing(r, &pl) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    body = cc_errors_page_html_ex(clcf->schema, errors, submitted, action,
                                  &pl);

    return ngx_http_concertation_send(r, status,
                                      &ngx_http_concertation_html_type, body);
}


ngx_int_t
ngx_http_concertation_send_created(ngx_http_request_t *r, ngx_uint_t status,
    const char *id)
{
    char                              *body;
    u_char                            *p;
    size_t                             len;
    ngx_str_t                          location;
    ngx_table_elt_t                   *h;
    ngx_http_concertation_loc_conf_t  *clcf;

    /* 201, 202; an idempotency key seen before is recorded by the store */
    ngx_http_concertation_metrics_outcome(r, status, NULL, id);

    if (ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_JSON) {
        body = ngx_alloc(sizeof("{\"id\":\"\"}") + CC_ID_LEN,
                         r->connection->log);
        if (body == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        *ngx_sprintf((u_char *) body, "{\"id\":\"%s\"}", id) = '\0';

        /* 201: in Redis; 202: in the local spool, on its way there */
        return ngx_http_concertation_send(r, status,
                                          &ngx_http_concertation_json_type,
                                          body);
    }

    /* a browser goes on to the thank-you page: reloading it posts nothing */

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    len = clcf->thanks.len + sizeof("?id=") - 1 + CC_ID_LEN;

    location.data = ngx_pnalloc(r->pool, len);
    if (location.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(location.data, clcf->thanks.data, clcf->thanks.len);
    p = ngx_cpymem(p, ngx_strlchr(clcf->thanks.data,
                                  clcf->thanks.data + clcf->thanks.len, '?')
                      ? "&id=" : "?id=",
                   sizeof("?id=") - 1);
    p = ngx_cpymem(p, id, CC_ID_LEN);
    location.len = p - location.data;

    h = ngx_http_concertation_add_header(r, "Location", &location);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.location = h;

    return ngx_http_concertation_send(r, NGX_HTTP_SEE_OTHER,
               &ngx_http_concertation_html_type,
               cc_message_page_html("Merci pour votre réponse",
                                    "Votre réponse est enregistrée."));
}


/* sends a malloc()ed body (NULL: no memory) and frees it */

static ngx_int_t
ngx_http_concertation_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, char *body)
{
    size_t        len;
    ngx_buf_t    *b;

    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = ngx_strlen(body);

    b = ngx_create_temp_buf(r->pool, len ? len : 1);
    if (b == NULL) {
        free(body);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->pos, body, len);
    free(body);

    /* nginx knows no reason phrase for these */

    if (status == NGX_HTTP_CONCERTATION_UNPROCESSABLE) {
        ngx_str_set(&r->headers_out.status_line,
                    "422 Unprocessable Entity");
    }

    return ngx_http_concertation_send_buf(r, status, type, "no-store", b);
}


/*
 * Every answer the module makes goes out here: b is the whole body, sent
 * with its status, type and Cache-Control (a HEAD gets the headers only).
 */

ngx_int_t
ngx_http_concertation_send_buf(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, const char *cache_control, ngx_buf_t *b)
{
    ngx_int_t     rc;
    ngx_str_t     value;
    ngx_chain_t   out;

    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;
    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;

    value.data = (u_char *) cache_control;
    value.len = ngx_strlen(cache_control);

    if (ngx_http_concertation_add_header(r, "Cache-Control", &value)
        == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (r->method == NGX_HTTP_HEAD) {
        r->header_only = 1;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* *value: the request's header, NULL when absent; NGX_DECLINED when sent
   twice */

ngx_int_t
ngx_http_concertation_header(ngx_http_request_t *r, const char *name,
    size_t len, ngx_str_t **value)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    *value = NULL;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            if (*value) {
                return NGX_DECLINED;
            }

            *value = &h[i].value;
        }
    }

    return NGX_OK;
}


ngx_table_elt_t *
ngx_http_concertation_add_header(ngx_http_request_t *r, const char *key,
    ngx_str_t *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NULL;
    }

    h->hash = 1;
    h->key.data = (u_char *) key;
    h->key.len = ngx_strlen(key);
    h->value = *value;

    return h;
}
