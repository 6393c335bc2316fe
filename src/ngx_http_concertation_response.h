
/*
 * concertation: the answers, as JSON for scripts and as French HTML pages
 * for browsers posting a plain form.  Their texts are src/core/
 * cc_messages.c's; the bodies are written in src/core/.
 */

#ifndef _NGX_HTTP_CONCERTATION_RESPONSE_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_RESPONSE_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "cc_messages.h"
#include "cc_errors.h"

#include <jansson.h>


typedef enum {
    NGX_HTTP_CONCERTATION_JSON = 0,
    NGX_HTTP_CONCERTATION_HTML
} ngx_http_concertation_format_e;


ngx_http_concertation_format_e ngx_http_concertation_format(
    ngx_http_request_t *r);

/* one of the table's messages */
ngx_int_t ngx_http_concertation_send_message(ngx_http_request_t *r,
    cc_msg_e msg);
/* the same, with its text formatted already */
ngx_int_t ngx_http_concertation_send_text(ngx_http_request_t *r,
    cc_msg_e msg, const char *text);
/* 429, with Retry-After and the wait in words */
ngx_int_t ngx_http_concertation_send_limited(ngx_http_request_t *r,
    uint64_t retry_after);
/* field errors (422), an unreadable body (400): the form again in HTML */
ngx_int_t ngx_http_concertation_send_invalid(ngx_http_request_t *r,
    ngx_uint_t status, cc_errors_t *errors, json_t *submitted);
/* the same, with HTML above the form (NULL: none) */
ngx_int_t ngx_http_concertation_send_invalid_ex(ngx_http_request_t *r,
    ngx_uint_t status, cc_errors_t *errors, json_t *submitted,
    const char *before);
/* an abuse control's refusal (403): the form again, with a fresh token */
ngx_int_t ngx_http_concertation_send_refused(ngx_http_request_t *r,
    json_t *submitted);
/* 201, 202 {"id"}; a browser goes on to the thank-you page */
ngx_int_t ngx_http_concertation_send_created(ngx_http_request_t *r,
    ngx_uint_t status, const char *id);
/* a page of the site's shell */
ngx_int_t ngx_http_concertation_send_page(ngx_http_request_t *r,
    ngx_uint_t status, const char *title, const char *text);
/* an HTML page (malloc()ed, freed here; NULL: no memory), no-store */
ngx_int_t ngx_http_concertation_send_html(ngx_http_request_t *r,
    ngx_uint_t status, char *body);
/* a JSON document (malloc()ed, freed here; NULL: no memory) */
ngx_int_t ngx_http_concertation_send_json(ngx_http_request_t *r,
    ngx_uint_t status, char *body);
/* 303 to location, with a page saying so */
ngx_int_t ngx_http_concertation_send_see_other(ngx_http_request_t *r,
    ngx_str_t *location, const char *title, const char *text);
/* every answer goes out here: b is the whole body */
ngx_int_t ngx_http_concertation_send_buf(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *type, const char *cache_control,
    ngx_buf_t *b);


#endif /* _NGX_HTTP_CONCERTATION_RESPONSE_H_INCLUDED_ */
