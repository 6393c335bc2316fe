
/*
 * concertation: abuse controls without a third-party captcha, as verdicts:
 * the origin of a post, a form token signed with the server secret and
 * carrying its issue time, a honeypot field.  The caller answers.
 */

#ifndef _NGX_HTTP_CONCERTATION_ABUSE_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_ABUSE_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "cc_token.h"
#include "cc_http.h"


#define NGX_HTTP_CONCERTATION_TOKEN_FIELD  "_jeton"


struct ngx_http_concertation_abuse_conf_s {
    ngx_array_t                *origins;      /* canonical, of char * */
    ngx_uint_t                  origin_missing;
    ngx_flag_t                  form_token;
    ngx_msec_t                  form_min_time;
    ngx_msec_t                  form_max_age;
    ngx_str_t                   honeypot;
    ngx_msec_t                  body_timeout;

    ngx_http_concertation_where_t  form_token_where;
    ngx_http_concertation_where_t  min_time_where;
    ngx_http_concertation_where_t  max_age_where;
};


/* the "_" fields of a body that the controls judge, as the reader meets them */
typedef struct {
    size_t                      token_len;
    ngx_uint_t                  ntokens;
    unsigned                    token_bad:1;
    unsigned                    honeypot_filled:1;
    u_char                      token[CC_TOKEN_MAX_LEN];
} ngx_http_concertation_abuse_fields_t;


void *ngx_http_concertation_abuse_create_conf(ngx_conf_t *cf);
char *ngx_http_concertation_abuse_merge_conf(ngx_conf_t *cf,
    ngx_http_concertation_abuse_conf_t *prev,
    ngx_http_concertation_abuse_conf_t *conf, ngx_uint_t form,
    cc_hmac_t *token_key);
char *ngx_http_concertation_origin(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_concertation_honeypot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

extern ngx_conf_enum_t  ngx_http_concertation_origin_missing[];

/* no honest answer is larger than the schema's worst case */
size_t ngx_http_concertation_abuse_max_body(cc_schema_t *schema);

/* before the body: NGX_OK when the post comes from an allowed origin */
ngx_int_t ngx_http_concertation_abuse_origin(ngx_http_request_t *r);

/* a "_" field of the body: 1 when it is one the controls judge */
ngx_uint_t ngx_http_concertation_abuse_field(ngx_http_request_t *r,
    ngx_http_concertation_abuse_fields_t *f, const char *name,
    size_t name_len, const char *value, size_t value_len);
/* after the body: NGX_OK to go on, NGX_DECLINED to refuse (logged) */
ngx_int_t ngx_http_concertation_abuse_verdict(ngx_http_request_t *r,
    ngx_http_concertation_abuse_fields_t *f);

/* a NUL-terminated form token in the request's pool, or NULL */
u_char *ngx_http_concertation_abuse_mint(ngx_http_request_t *r,
    size_t *len);
/*
 * the token and honeypot of a redisplayed form; sent: the token the form
 * was posted with (NUL-terminated), or NULL
 */
ngx_int_t ngx_http_concertation_abuse_plumbing(ngx_http_request_t *r,
    const char *sent, cc_page_plumbing_t *pl);


#endif /* _NGX_HTTP_CONCERTATION_ABUSE_H_INCLUDED_ */
