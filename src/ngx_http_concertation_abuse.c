
/*
 * concertation: abuse controls without a third-party captcha.
 *
 *   - the origin of a post: Origin, or Sec-Fetch-Site without it
 *   - a form token signed with the server secret, carrying its issue
 *     time: too fresh, too old, forged or missing is refused
 *   - a honeypot field that people never see and must stay empty
 *   - body bounds: the schema's worst case
 *
 * Everything is off until configured.  The decisions are made in
 * src/core/ (cc_abuse.c, cc_token.c); this file reads headers and fields
 * and gives verdicts: the request pipeline answers (one answer whatever
 * the reason, so that a robot learns nothing).
 */


#include "ngx_http_concertation_abuse.h"
#include "ngx_http_concertation_keys.h"
#include "ngx_http_concertation_headers.h"
#include "cc_abuse.h"


/* token, honeypot, idempotency key and JSON whitespace, beyond the fields */
#define NGX_HTTP_CONCERTATION_PLUMBING     2048


static ngx_str_t  ngx_http_concertation_no_origin = ngx_string("(none)");


ngx_conf_enum_t  ngx_http_concertation_origin_missing[] = {
    { ngx_string("refuse"), 0 },
    { ngx_string("allow"), 1 },
    { ngx_null_string, 0 }
};


void *
ngx_http_concertation_abuse_create_conf(ngx_conf_t *cf)
{
    ngx_http_concertation_abuse_conf_t  *acf;

    acf = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_abuse_conf_t));
    if (acf == NULL) {
        return NULL;
    }

    acf->origins = NGX_CONF_UNSET_PTR;
    acf->origin_missing = NGX_CONF_UNSET_UINT;
    acf->form_token = NGX_CONF_UNSET;
    acf->form_min_time = NGX_CONF_UNSET_MSEC;
    acf->form_max_age = NGX_CONF_UNSET_MSEC;
    acf->honeypot.data = NGX_CONF_UNSET_PTR;
    acf->body_timeout = NGX_CONF_UNSET_MSEC;

    return acf;
}


/* form: the location has a form; token_key: NULL without a secret */

char *
ngx_http_concertation_abuse_merge_conf(ngx_conf_t *cf,
    ngx_http_concertation_abuse_conf_t *prev,
    ngx_http_concertation_abuse_conf_t *conf, ngx_uint_t form,
    cc_hmac_t *token_key)
{
    ngx_conf_merge_ptr_value(conf->origins, prev->origins, NULL);
    ngx_conf_merge_uint_value(conf->origin_missing, prev->origin_missing, 0);
    ngx_conf_merge_value(conf->form_token, prev->form_token, 0);
    ngx_conf_merge_msec_value(conf->form_min_time, prev->form_min_time,
                              5000);
    ngx_conf_merge_msec_value(conf->form_max_age, prev->form_max_age,
                              2 * 60 * 60 * 1000);
    ngx_conf_merge_msec_value(conf->body_timeout, prev->body_timeout, 0);

    if (conf->form_token_where.file.len == 0) {
        conf->form_token_where = prev->form_token_where;
    }

    if (conf->min_time_where.file.len == 0) {
        conf->min_time_where = prev->min_time_where;
    }

    if (conf->max_age_where.file.len == 0) {
        conf->max_age_where = prev->max_age_where;
    }

    if (conf->honeypot.data == NGX_CONF_UNSET_PTR) {
        conf->honeypot = prev->honeypot.data == NGX_CONF_UNSET_PTR
                         ? (ngx_str_t) ngx_null_string : prev->honeypot;
    }

    if (conf->form_max_age && conf->form_min_time >= conf->form_max_age) {
        ngx_http_concertation_conf_error(cf,
                           conf->min_time_where.file.len
                           ? &conf->min_time_where : &conf->max_age_where,
                           "\"concertation_form_min_time\" must be shorter "
                           "than \"concertation_form_max_age\" (%M ms, "
                           "against %M ms)", conf->form_min_time,
                           conf->form_max_age);
        return NGX_CONF_ERROR;
    }

    if (conf->form_token && form && token_key == NULL) {
        ngx_http_concertation_conf_error(cf, &conf->form_token_where,
                           "\"concertation_form_token\" needs "
                           "\"concertation_secret\" of at least %d "
                           "bytes in the http block",
                           NGX_HTTP_CONCERTATION_MIN_SECRET);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* concertation_origin https://a.fr http://127.0.0.1:8080 ... | off */

char *
ngx_http_concertation_origin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    ngx_http_concertation_abuse_conf_t  *acf = clcf->abuse;
    char        **o;
    size_t        n;
    ngx_str_t    *value;
    ngx_uint_t    i;
    char          canon[CC_ORIGIN_MAX];

    if (acf->origins != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2
        && ngx_strcmp(value[1].data, "off") == 0)
    {
        acf->origins = NULL;
        return NGX_CONF_OK;
    }

    acf->origins = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                     sizeof(char *));
    if (acf->origins == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 1; i < cf->args->nelts; i++) {
        n = cc_origin_canon((char *) value[i].data, value[i].len, 1, canon);

        if (n == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid origin \"%V\": expected "
                               "http(s)://host[:port], without a path",
                               &value[i]);
            return NGX_CONF_ERROR;
        }

        o = ngx_array_push(acf->origins);
        if (o == NULL) {
            return NGX_CONF_ERROR;
        }

        *o = ngx_pnalloc(cf->pool, n + 1);
        if (*o == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_memcpy(*o, canon, n + 1);
    }

    return NGX_CONF_OK;
}


/*
 * concertation_honeypot _name | off: the name starts with "_" so that both
 * body readers hand it over as form plumbing, never as an unknown field.
 */

char *
ngx_http_concertation_honeypot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    ngx_http_concertation_abuse_conf_t  *acf = clcf->abuse;
    u_char     *p;
    ngx_str_t  *value;

    if (acf->honeypot.data != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_null(&acf->honeypot);
        return NGX_CONF_OK;
    }

    if (value[1].len < 2 || value[1].len > 64 || value[1].data[0] != '_'
        || ngx_strcmp(value[1].data, NGX_HTTP_CONCERTATION_TOKEN_FIELD) == 0
        || ngx_strcmp(value[1].data, "_idempotency_key") == 0)
    {
        goto invalid;
    }

    for (p = value[1].data + 1; p < value[1].data + value[1].len; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
        {
            goto invalid;
        }
    }

    /* value[1] is NUL-terminated: the error page takes it as a C string */
    acf->honeypot = value[1];

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid honeypot name \"%V\": use \"_\" followed by "
                       "a-z, A-Z, 0-9, \"_\" and \"-\" (at most 64), other "
                       "than \"" NGX_HTTP_CONCERTATION_TOKEN_FIELD "\" and "
                       "\"_idempotency_key\"", &value[1]);

    return NGX_CONF_ERROR;
}


size_t
ngx_http_concertation_abuse_max_body(cc_schema_t *schema)
{
    return cc_schema_max_body(schema, NGX_HTTP_CONCERTATION_PLUMBING);
}


/* before the body: where does the post come from? */

ngx_int_t
ngx_http_concertation_abuse_origin(ngx_http_request_t *r)
{
    ngx_str_t                           *origin, *site;
    ngx_http_concertation_abuse_conf_t  *acf;

    acf = ngx_http_concertation_loc_conf(r)->abuse;

    if (acf->origins == NULL) {
        return NGX_OK;
    }

    /* a header sent twice is not trusted: the check refuses */

    if (ngx_http_concertation_header(r, "Origin", sizeof("Origin") - 1,
                                     &origin)
        == NGX_OK
        && ngx_http_concertation_header(r, "Sec-Fetch-Site",
                                        sizeof("Sec-Fetch-Site") - 1, &site)
           == NGX_OK
        && cc_origin_allowed((const char *const *) acf->origins->elts,
                             acf->origins->nelts,
                             origin ? (char *) origin->data : NULL,
                             origin ? origin->len : 0,
                             site ? (char *) site->data : NULL,
                             site ? site->len : 0,
                             acf->origin_missing == 1))
    {
        return NGX_OK;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "concertation: cross-site post refused, origin \"%V\"",
                  origin ? origin : &ngx_http_concertation_no_origin);

    return NGX_DECLINED;
}


/* a "_" field of the body, as the readers meet it (cc_reserved_pt) */

ngx_uint_t
ngx_http_concertation_abuse_field(ngx_http_request_t *r,
    ngx_http_concertation_abuse_fields_t *f, const char *name,
    size_t name_len, const char *value, size_t value_len)
{
    ngx_http_concertation_abuse_conf_t  *acf;

    acf = ngx_http_concertation_loc_conf(r)->abuse;

    if (name_len == sizeof(NGX_HTTP_CONCERTATION_TOKEN_FIELD) - 1
        && ngx_strncmp(name, NGX_HTTP_CONCERTATION_TOKEN_FIELD, name_len)
           == 0)
    {
        f->ntokens++;

        if (value == NULL || value_len > sizeof(f->token)) {
            f->token_bad = 1;
            return 1;
        }

        ngx_memcpy(f->token, value, value_len);
        f->token_len = value_len;
        return 1;
    }

    if (acf->honeypot.len == name_len
        && ngx_strncmp(name, acf->honeypot.data, name_len) == 0)
    {
        if (value == NULL || value_len > 0) {
            f->honeypot_filled = 1;
        }

        return 1;
    }

    return 0;
}


/* after the body: NGX_OK to go on, NGX_DECLINED to refuse */

ngx_int_t
ngx_http_concertation_abuse_verdict(ngx_http_request_t *r,
    ngx_http_concertation_abuse_fields_t *res)
{
    int64_t                             now;
    ngx_time_t                         *tp;
    const char                         *why;
    cc_token_status_e                   st;
    ngx_http_concertation_abuse_conf_t  *acf;

    static const char  *reasons[] = {
        "form token valid", "form token missing", "form token malformed",
        "form token forged", "form token too fresh", "form token too old"
    };

    acf = ngx_http_concertation_loc_conf(r)->abuse;

    if (res->honeypot_filled) {
        why = "honeypot filled";
        goto refused;
    }

    if (!acf->form_token) {
        return NGX_OK;
    }

    if (res->ntokens > 1 || res->token_bad) {
        why = "form token sent twice or not a string";
        goto refused;
    }

    tp = ngx_timeofday();
    now = (int64_t) tp->sec * 1000 + tp->msec;

    st = cc_token_check(ngx_http_concertation_main_conf(r)->keys->form_token,
                        (char *) res->token,
                        res->ntokens ? res->token_len : 0, now,
                        (int64_t) acf->form_min_time,
                        (int64_t) acf->form_max_age, NULL);

    if (st == CC_TOKEN_OK) {
        return NGX_OK;
    }

    why = reasons[st];

refused:

    /* info: a flood of robots must not flood the log at the usual level */
    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "concertation: submission refused: %s", why);

    return NGX_DECLINED;
}


/*
 * The token and honeypot of a redisplayed form.  Its token is the one the
 * form came with, when that one is of this key and not too old: the time
 * the person spent on the form still counts, and the minimum fill time
 * still holds from when the form was first served.  Otherwise (no token,
 * a forged or an expired one) it is a token of now: a client that posts
 * without a token to get one waits the minimum time like everybody.
 */

ngx_int_t
ngx_http_concertation_abuse_plumbing(ngx_http_request_t *r,
    const char *sent, cc_page_plumbing_t *pl)
{
    size_t                               len;
    u_char                              *token;
    int64_t                              now;
    ngx_time_t                          *tp;
    ngx_http_concertation_abuse_conf_t  *acf;
    ngx_http_concertation_main_conf_t   *cmcf;

    acf = ngx_http_concertation_loc_conf(r)->abuse;
    cmcf = ngx_http_concertation_main_conf(r);

    pl->token_name = NULL;
    pl->token = NULL;
    pl->honeypot = acf->honeypot.len ? (char *) acf->honeypot.data : NULL;

    if (!acf->form_token) {
        return NGX_OK;
    }

    pl->token_name = NGX_HTTP_CONCERTATION_TOKEN_FIELD;

    if (sent != NULL && cmcf && cmcf->keys->form_token) {
        tp = ngx_timeofday();
        now = (int64_t) tp->sec * 1000 + tp->msec;
        len = ngx_strlen(sent);

        if (len <= CC_TOKEN_MAX_LEN
            && cc_token_check(cmcf->keys->form_token, sent, len, now, 0,
                              (int64_t) acf->form_max_age, NULL)
               == CC_TOKEN_OK)
        {
            token = ngx_pnalloc(r->pool, len + 1);
            if (token == NULL) {
                return NGX_ERROR;
            }

            ngx_memcpy(token, sent, len + 1);
            pl->token = (char *) token;
            return NGX_OK;
        }
    }

    token = ngx_http_concertation_abuse_mint(r, &len);
    if (token == NULL) {
        return NGX_ERROR;
    }

    pl->token = (char *) token;

    return NGX_OK;
}


/* a NUL-terminated token in the request's pool, or NULL */

u_char *
ngx_http_concertation_abuse_mint(ngx_http_request_t *r, size_t *len)
{
    u_char                             *p;
    int64_t                             now;
    ngx_time_t                         *tp;
    cc_hmac_t                          *key;
    ngx_http_concertation_main_conf_t  *cmcf;

    cmcf = ngx_http_concertation_main_conf(r);
    key = cmcf ? cmcf->keys->form_token : NULL;

    if (key == NULL) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "a form token needs \"concertation_secret\" of at "
                      "least %d bytes", NGX_HTTP_CONCERTATION_MIN_SECRET);
        return NULL;
    }

    p = ngx_pnalloc(r->pool, CC_TOKEN_MAX_LEN + 1);
    if (p == NULL) {
        return NULL;
    }

    tp = ngx_timeofday();
    now = (int64_t) tp->sec * 1000 + tp->msec;

    *len = cc_token_make(key, now, (char *) p);

    if (*len == 0) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "HMAC-SHA256 failed");
        return NULL;
    }

    return p;
}
