
/*
 * concertation: request headers read once (a header sent twice is not
 * trusted) and answer headers added.
 */


#include "ngx_http_concertation_headers.h"


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
