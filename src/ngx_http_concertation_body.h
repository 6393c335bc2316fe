
/*
 * concertation: the bound on a body that comes without a Content-Length
 * (HTTP/1.1 chunked, HTTP/2 without the header), applied while it is read.
 *
 * A body with a length is measured before a byte is read (request.c); one
 * without is counted as nginx decodes it, by a request body filter of its
 * own module in the same file: the byte that passes the bound ends the
 * reading and the endpoint's 413 is sent at once, from a posted event
 * (never from inside nginx's body reader), the rest of the body being
 * drained by the lingering close.
 */

#ifndef _NGX_HTTP_CONCERTATION_BODY_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_BODY_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "cc_messages.h"


/* count this request's body against max; msg: the 413 to send past it */
ngx_int_t ngx_http_concertation_body_bound(ngx_http_request_t *r, off_t max,
    cc_msg_e msg);

/* 1 once the body has passed its bound (its 413 sent, or about to be) */
ngx_uint_t ngx_http_concertation_body_over(ngx_http_request_t *r);


#endif /* _NGX_HTTP_CONCERTATION_BODY_H_INCLUDED_ */
