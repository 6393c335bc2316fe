
/*
 * concertation: "Enregistrer et reprendre plus tard" — a post carrying
 * _brouillon is kept as a draft (ngx_http_concertation_drafts.c) instead
 * of being checked and stored as an answer, and answered with the form
 * again and the draft's link; an answer carrying _reprise deletes the
 * draft it comes from once it is in.
 */

#ifndef _NGX_HTTP_CONCERTATION_DRAFT_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_DRAFT_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "ngx_http_concertation_request.h"
#include <jansson.h>


/* _brouillon, _reprise: 1 when name was one of them (read into rq) */
ngx_uint_t ngx_http_concertation_draft_field(ngx_http_concertation_req_t *rq,
    const char *name, size_t name_len, const char *value, size_t value_len);

/*
 * The post is a draft: what was submitted (submitted, taken; NULL: read
 * again from the body) is kept in Redis.  The answer sent, or NGX_DONE.
 */
ngx_int_t ngx_http_concertation_draft_post(ngx_http_concertation_req_t *rq,
    ngx_str_t *body, int json, json_t *submitted);

/* an answer is in: the draft it came from goes */
void ngx_http_concertation_draft_answered(ngx_http_concertation_req_t *rq);


#endif /* _NGX_HTTP_CONCERTATION_DRAFT_H_INCLUDED_ */
