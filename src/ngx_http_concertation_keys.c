
/*
 * concertation: the keys of the server secret.  Each use has a key of its
 * own, derived from the secret and a context (src/core/cc_record.c), so
 * that a token of one kind is never valid as another nor as a client key.
 * They are made once, at configuration time, and freed with the cycle.
 */


#include "ngx_http_concertation_keys.h"
#include "cc_token.h"
#include "cc_registration.h"


static ngx_int_t ngx_http_concertation_keys_derive(ngx_conf_t *cf,
    ngx_str_t *secret, const char *context, cc_hmac_t **key);
static void ngx_http_concertation_keys_cleanup(void *data);


void *
ngx_http_concertation_keys_create(ngx_conf_t *cf)
{
    ngx_http_concertation_keys_t  *keys;

    keys = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_keys_t));
    if (keys == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     keys->secret = { 0, NULL };
     *     keys->client = NULL;
     *     ...
     */

    keys->ipv6_prefix = NGX_CONF_UNSET_UINT;

    return keys;
}


/*
 * The keys are derived whenever the secret is long enough, so that a page
 * of any server block can carry $concertation_form_token.
 */

char *
ngx_http_concertation_keys_init(ngx_conf_t *cf,
    ngx_http_concertation_keys_t *keys, ngx_http_concertation_where_t *needed)
{
    ngx_conf_init_uint_value(keys->ipv6_prefix,
                             NGX_HTTP_CONCERTATION_IPV6_PREFIX);

    if (keys->secret.len < NGX_HTTP_CONCERTATION_MIN_SECRET) {

        if (needed == NULL) {
            return NGX_CONF_OK;
        }

        ngx_http_concertation_conf_error(cf, needed,
                           "\"%V\" needs \"concertation_secret\" of at "
                           "least %d bytes in the http block (it keys the "
                           "pseudonymised client addresses and the tokens)",
                           &needed->directive,
                           NGX_HTTP_CONCERTATION_MIN_SECRET);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_concertation_keys_derive(cf, &keys->secret, NULL,
                                          &keys->client)
        != NGX_OK
        || ngx_http_concertation_keys_derive(cf, &keys->secret,
                                             CC_TOKEN_CONTEXT,
                                             &keys->form_token)
           != NGX_OK
        || ngx_http_concertation_keys_derive(cf, &keys->secret,
                                             CC_REG_CONTEXT,
                                             &keys->cancel_token)
           != NGX_OK
        || ngx_http_concertation_keys_derive(cf, &keys->secret,
                                             CC_IDEMPOTENCY_CONTEXT,
                                             &keys->idempotency)
           != NGX_OK
        || ngx_http_concertation_keys_derive(cf, &keys->secret,
                                             CC_DRAFT_CONTEXT,
                                             &keys->drafts)
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* context NULL: the secret itself */

static ngx_int_t
ngx_http_concertation_keys_derive(ngx_conf_t *cf, ngx_str_t *secret,
    const char *context, cc_hmac_t **key)
{
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_ERROR;
    }

    *key = context ? cc_hmac_derive(secret->data, secret->len, context)
                   : cc_hmac_new(secret->data, secret->len);

    if (*key == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "could not derive the %s key from "
                           "\"concertation_secret\"",
                           context ? context : "client");
        return NGX_ERROR;
    }

    cln->handler = ngx_http_concertation_keys_cleanup;
    cln->data = *key;

    return NGX_OK;
}


static void
ngx_http_concertation_keys_cleanup(void *data)
{
    cc_hmac_free(data);
}


/* concertation_client_ipv6_prefix N; */

char *
ngx_http_concertation_ipv6_prefix(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (cmcf->keys->ipv6_prefix != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    n = ngx_atoi(value[1].data, value[1].len);

    if (n < 0 || n > 128) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid IPv6 prefix length \"%V\": expected "
                           "0 to 128", &value[1]);
        return NGX_CONF_ERROR;
    }

    cmcf->keys->ipv6_prefix = (ngx_uint_t) n;

    return NGX_CONF_OK;
}


/*
 * The masked client address after the realip module; the same masking
 * pseudonymises the stored records.  A unix socket peer counts as 0.0.0.0.
 */

size_t
ngx_http_concertation_client_masked(ngx_http_request_t *r, u_char *key)
{
    int                                 family;
    struct sockaddr                    *sa;
    const unsigned char                *addr;
    ngx_http_concertation_main_conf_t  *cmcf;

    cmcf = ngx_http_concertation_main_conf(r);

    sa = r->connection->sockaddr;
    family = 4;
    addr = (const unsigned char *) "\0\0\0\0";

    switch (sa->sa_family) {

    case AF_INET:
        addr = (const unsigned char *) &((struct sockaddr_in *) sa)->sin_addr;
        break;

#if (NGX_HAVE_INET6)
    case AF_INET6:
        family = 6;
        addr = ((struct sockaddr_in6 *) sa)->sin6_addr.s6_addr;
        break;
#endif
    }

    return cc_client_mask(family, addr, (unsigned) cmcf->keys->ipv6_prefix,
                          key);
}


ngx_int_t
ngx_http_concertation_client_key(ngx_http_request_t *r, char *out)
{
    size_t                              len;
    ngx_http_concertation_main_conf_t  *cmcf;
    u_char                              masked[20];

    cmcf = ngx_http_concertation_main_conf(r);

    len = ngx_http_concertation_client_masked(r, masked);

    if (cc_hmac_hex(cmcf->keys->client, masked, len, out) != 0) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "HMAC-SHA256 failed");
        return NGX_ERROR;
    }

    return NGX_OK;
}
