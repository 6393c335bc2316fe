
/*
 * concertation: request headers read once, answer headers added.
 */

#ifndef _NGX_HTTP_CONCERTATION_HEADERS_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_HEADERS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* *value: the request's header, NULL when absent; NGX_DECLINED when sent
   twice */
ngx_int_t ngx_http_concertation_header(ngx_http_request_t *r,
    const char *name, size_t len, ngx_str_t **value);
ngx_table_elt_t *ngx_http_concertation_add_header(ngx_http_request_t *r,
    const char *key, ngx_str_t *value);


#endif /* _NGX_HTTP_CONCERTATION_HEADERS_H_INCLUDED_ */
