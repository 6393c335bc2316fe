
/*
 * concertation: the keys the server secret gives, each for one use, and
 * the pseudonymised client (a masked address, keyed with the secret).
 */

#ifndef _NGX_HTTP_CONCERTATION_KEYS_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_KEYS_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "cc_record.h"


#define NGX_HTTP_CONCERTATION_MIN_SECRET   16
#define NGX_HTTP_CONCERTATION_IPV6_PREFIX  64


struct ngx_http_concertation_keys_s {
    ngx_str_t                   secret;       /* concertation_secret */
    ngx_uint_t                  ipv6_prefix;  /* of a client, the bits kept */

    /* derived at configuration time when the secret is long enough */
    cc_hmac_t                  *client;       /* the secret itself */
    cc_hmac_t                  *form_token;
    cc_hmac_t                  *cancel_token;
    cc_hmac_t                  *idempotency;
    cc_hmac_t                  *drafts;
};


void *ngx_http_concertation_keys_create(ngx_conf_t *cf);
/* needed: a directive that cannot do without the secret, named on error */
char *ngx_http_concertation_keys_init(ngx_conf_t *cf,
    ngx_http_concertation_keys_t *keys, ngx_http_concertation_where_t *needed);

char *ngx_http_concertation_ipv6_prefix(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

/* the client address as the limits and the records key it (cc_client_mask) */
size_t ngx_http_concertation_client_masked(ngx_http_request_t *r,
    u_char *key);
/* its HMAC, CC_CLIENT_KEY_LEN hex chars and a NUL */
ngx_int_t ngx_http_concertation_client_key(ngx_http_request_t *r, char *out);


#endif /* _NGX_HTTP_CONCERTATION_KEYS_H_INCLUDED_ */
