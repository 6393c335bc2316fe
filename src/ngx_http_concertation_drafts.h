
/*
 * concertation: drafts in Redis — an answer not sent yet, kept under a key
 * derived from a random resume code (the code itself is never stored), for
 * a time (concertation_drafts), then gone.  A draft is not an answer: it
 * is not in the stream, not exported; it is deleted once the answer is in.
 */

#ifndef _NGX_HTTP_CONCERTATION_DRAFTS_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_DRAFTS_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "ngx_http_concertation_scripts.h"


#define NGX_HTTP_CONCERTATION_DRAFT_CODE_LEN  22    /* 128 bits, base64url */


/* a command on a draft, with room for its arguments */
typedef struct {
    ngx_http_concertation_call_t    call;
    const char                     *argv[5];
    size_t                          argvlen[5];
    u_char                          ttl[NGX_INT64_LEN];
    ngx_str_t                       key;
} ngx_http_concertation_draft_cmd_t;


/* a new resume code, NGX_HTTP_CONCERTATION_DRAFT_CODE_LEN chars and a NUL */
ngx_int_t ngx_http_concertation_draft_code(u_char *out);
/* 1 when code has the form of a resume code */
ngx_uint_t ngx_http_concertation_draft_code_valid(ngx_str_t *code);

/*
 * SET <prefix>brouillon:<form>:<HMAC of the code> json PX ttl, or GET it:
 * NGX_OK, the handler will be called once (reply NULL: no answer);
 * NGX_ERROR, it will not.  form: the form's location configuration.
 */
ngx_int_t ngx_http_concertation_draft_save(ngx_http_request_t *r,
    ngx_http_concertation_loc_conf_t *form, ngx_str_t *code,
    ngx_str_t *json, ngx_http_concertation_draft_cmd_t *dc,
    ngx_http_concertation_reply_pt handler, void *data);
ngx_int_t ngx_http_concertation_draft_load(ngx_http_request_t *r,
    ngx_http_concertation_loc_conf_t *form, ngx_str_t *code,
    ngx_http_concertation_draft_cmd_t *dc,
    ngx_http_concertation_reply_pt handler, void *data);
/* DEL, not waited for: a draft left behind expires all the same */
void ngx_http_concertation_draft_forget(ngx_http_request_t *r,
    ngx_http_concertation_loc_conf_t *form, ngx_str_t *code);


#endif /* _NGX_HTTP_CONCERTATION_DRAFTS_H_INCLUDED_ */
