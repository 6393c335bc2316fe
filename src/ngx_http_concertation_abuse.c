
/*
 * concertation: abuse controls without a third-party captcha.
 *
 *   - the origin of a post: Origin, or Sec-Fetch-Site without it  (403)
 *   - a form token signed with the server secret, carrying its issue
 *     time: too fresh, too old, forged or missing is refused           (403)
 *   - a honeypot field that people never see and must stay empty   (403)
 *   - body bounds: the schema's worst case, a total read deadline  (413, 408)
 *
 * Everything is off until configured.  The decisions are made in
 * src/core/ (cc_abuse.c, cc_token.c); this file reads headers, keeps the
 * deadline timer and answers.
 */


#include "ngx_http_concertation.h"


#define NGX_HTTP_CONCERTATION_TOKEN_FIELD  "_jeton"
#define NGX_HTTP_CONCERTATION_MIN_SECRET   16

/* token, honeypot, idempotency key and JSON whitespace, beyond the fields */
#define NGX_HTTP_CONCERTATION_PLUMBING     2048


typedef struct {
    ngx_http_request_t         *request;
    ngx_event_t                 deadline;
    unsigned                    answered:1;
} ngx_http_concertation_body_ctx_t;


static ngx_int_t ngx_http_concertation_form_token_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);
static u_char *ngx_http_concertation_mint(ngx_http_request_t *r,
    ngx_msec_t backdate, size_t *len);
static ngx_int_t ngx_http_concertation_endpoint_handler(
    ngx_http_request_t *r);
static void ngx_http_concertation_body_deadline(ngx_event_t *ev);
static void ngx_http_concertation_body_cleanup(void *data);
static void ngx_http_concertation_token_key_cleanup(void *data);


static ngx_str_t  ngx_http_concertation_no_origin = ngx_string("(none)");


static ngx_http_variable_t  ngx_http_concertation_abuse_vars[] = {

    { ngx_string("concertation_form_token"), NULL,
      ngx_http_concertation_form_token_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_concertation_abuse_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_concertation_abuse_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/*
 * The token key is derived whenever a secret is there, so that a page of
 * any server block can carry $concertation_form_token.
 */

char *
ngx_http_concertation_abuse_init_main_conf(ngx_conf_t *cf,
    ngx_http_concertation_main_conf_t *cmcf)
{
    ngx_pool_cleanup_t  *cln;

    if (cmcf->secret.len < NGX_HTTP_CONCERTATION_MIN_SECRET) {
        return NGX_CONF_OK;
    }

    cmcf->token_key = cc_token_key(cmcf->secret.data, cmcf->secret.len);
    if (cmcf->token_key == NULL) {
        return "could not derive the form token key from concertation_secret";
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        cc_hmac_free(cmcf->token_key);
        cmcf->token_key = NULL;
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_concertation_token_key_cleanup;
    cln->data = cmcf->token_key;

    return NGX_CONF_OK;
}


static void
ngx_http_concertation_token_key_cleanup(void *data)
{
    cc_hmac_free(data);
}


/* concertation_origin https://a.fr http://127.0.0.1:8080 ... | off */

char *
ngx_http_concertation_origin(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    char        **o;
    size_t        n;
    ngx_str_t    *value;
    ngx_uint_t    i;
    char          canon[CC_ORIGIN_MAX];

    if (clcf->origins != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (cf->args->nelts == 2
        && ngx_strcmp(value[1].data, "off") == 0)
    {
        clcf->origins = NULL;
        return NGX_CONF_OK;
    }

    clcf->origins = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                     sizeof(char *));
    if (clcf->origins == NULL) {
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

        o = ngx_array_push(clcf->origins);
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

    u_char     *p;
    ngx_str_t  *value;

    if (clcf->honeypot.data != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        ngx_str_null(&clcf->honeypot);
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
    clcf->honeypot = value[1];

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid honeypot name \"%V\": use \"_\" followed by "
                       "a-z, A-Z, 0-9, \"_\" and \"-\" (at most 64), other "
                       "than \"" NGX_HTTP_CONCERTATION_TOKEN_FIELD "\" and "
                       "\"_idempotency_key\"", &value[1]);

    return NGX_CONF_ERROR;
}


char *
ngx_http_concertation_form_token_endpoint(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *hclcf;

    hclcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (hclcf->handler != NULL) {
        return "is duplicate, or the location already has a handler";
    }

    hclcf->handler = ngx_http_concertation_endpoint_handler;

    return NGX_CONF_OK;
}


char *
ngx_http_concertation_abuse_merge(ngx_conf_t *cf,
    ngx_http_concertation_loc_conf_t *prev,
    ngx_http_concertation_loc_conf_t *conf)
{
    ngx_http_concertation_main_conf_t  *cmcf;

    ngx_conf_merge_ptr_value(conf->origins, prev->origins, NULL);
    ngx_conf_merge_uint_value(conf->origin_missing, prev->origin_missing, 0);
    ngx_conf_merge_value(conf->form_token, prev->form_token, 0);
    ngx_conf_merge_msec_value(conf->form_min_time, prev->form_min_time,
                              5000);
    ngx_conf_merge_msec_value(conf->form_max_age, prev->form_max_age,
                              2 * 60 * 60 * 1000);
    ngx_conf_merge_msec_value(conf->body_timeout, prev->body_timeout, 0);

    if (conf->honeypot.data == NGX_CONF_UNSET_PTR) {
        conf->honeypot = prev->honeypot.data == NGX_CONF_UNSET_PTR
                         ? (ngx_str_t) ngx_null_string : prev->honeypot;
    }

    if (conf->form_max_age && conf->form_min_time >= conf->form_max_age) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"concertation_form_min_time\" must be shorter "
                           "than \"concertation_form_max_age\"");
        return NGX_CONF_ERROR;
    }

    if (conf->form_token && conf->form.len) {
        cmcf = ngx_http_conf_get_module_main_conf(cf,
                                               ngx_http_concertation_module);

        if (cmcf->token_key == NULL) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "\"concertation_form_token\" needs "
                               "\"concertation_secret\" of at least %d "
                               "bytes in the http block",
                               NGX_HTTP_CONCERTATION_MIN_SECRET);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


size_t
ngx_http_concertation_abuse_max_body(cc_schema_t *schema)
{
    return cc_schema_max_body(schema, NGX_HTTP_CONCERTATION_PLUMBING);
}


/* before the body: where does the post come from? */

ngx_int_t
ngx_http_concertation_abuse_check(ngx_http_request_t *r)
{
    ngx_int_t                          rc;
    ngx_str_t                         *origin, *site;
    ngx_http_concertation_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    if (clcf->origins == NULL) {
        return NGX_DECLINED;
    }

    /* a header sent twice is not trusted: the check refuses */

    if (ngx_http_concertation_header(r, "Origin", sizeof("Origin") - 1,
                                     &origin)
        == NGX_OK
        && ngx_http_concertation_header(r, "Sec-Fetch-Site",
                                        sizeof("Sec-Fetch-Site") - 1, &site)
           == NGX_OK
        && cc_origin_allowed((const char *const *) clcf->origins->elts,
                             clcf->origins->nelts,
                             origin ? (char *) origin->data : NULL,
                             origin ? origin->len : 0,
                             site ? (char *) site->data : NULL,
                             site ? site->len : 0,
                             clcf->origin_missing == 1))
    {
        return NGX_DECLINED;
    }

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "concertation: cross-site post refused, origin \"%V\"",
                  origin ? origin : &ngx_http_concertation_no_origin);

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_concertation_send_error(r, NGX_HTTP_FORBIDDEN, NULL,
             "cross_site",
             "Cet envoi ne provient pas du site de la concertation\xc2\xa0"
             "; il a été refusé. Répondez depuis le formulaire du site.");

    return rc;
}


/* the reserved "_" fields, as the body readers meet them (cc_reserved_pt) */

void
ngx_http_concertation_abuse_reserved(void *data, const char *name,
    size_t name_len, const char *value, size_t value_len)
{
    ngx_http_concertation_reserved_t *res = data;

    ngx_http_concertation_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(res->request,
                                        ngx_http_concertation_module);

    if (name_len == sizeof(NGX_HTTP_CONCERTATION_TOKEN_FIELD) - 1
        && ngx_strncmp(name, NGX_HTTP_CONCERTATION_TOKEN_FIELD, name_len)
           == 0)
    {
        res->ntokens++;

        if (value == NULL || value_len > sizeof(res->token)) {
            res->token_bad = 1;
            return;
        }

        ngx_memcpy(res->token, value, value_len);
        res->token_len = value_len;
        return;
    }

    /* not an abuse control: the store reads it (the last one counts) */

    if (name_len == sizeof("_idempotency_key") - 1
        && ngx_strncmp(name, "_idempotency_key", name_len) == 0)
    {
        res->idempotency.len = 0;
        res->idempotency_bad = 1;

        if (value == NULL || value_len == 0 || value_len > 255) {
            return;
        }

        res->idempotency.data = ngx_pnalloc(res->request->pool, value_len);
        if (res->idempotency.data == NULL) {
            return;
        }

        ngx_memcpy(res->idempotency.data, value, value_len);
        res->idempotency.len = value_len;
        res->idempotency_bad = 0;
        return;
    }

    if (clcf->honeypot.len == name_len
        && ngx_strncmp(name, clcf->honeypot.data, name_len) == 0
        && (value == NULL || value_len > 0))
    {
        res->honeypot_filled = 1;
    }
}


/* after the body: NGX_OK to go on, NGX_DECLINED to refuse */

ngx_int_t
ngx_http_concertation_abuse_verdict(ngx_http_request_t *r,
    ngx_http_concertation_reserved_t *res)
{
    int64_t                             now;
    ngx_time_t                         *tp;
    const char                         *why;
    cc_token_status_e                   st;
    ngx_http_concertation_loc_conf_t   *clcf;
    ngx_http_concertation_main_conf_t  *cmcf;

    static const char  *reasons[] = {
        "form token valid", "form token missing", "form token malformed",
        "form token forged", "form token too fresh", "form token too old"
    };

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    if (res->honeypot_filled) {
        why = "honeypot filled";
        goto refused;
    }

    if (!clcf->form_token) {
        return NGX_OK;
    }

    if (res->ntokens > 1 || res->token_bad) {
        why = "form token sent twice or not a string";
        goto refused;
    }

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_concertation_module);
    tp = ngx_timeofday();
    now = (int64_t) tp->sec * 1000 + tp->msec;

    st = cc_token_check(cmcf->token_key, (char *) res->token,
                        res->ntokens ? res->token_len : 0, now,
                        (int64_t) clcf->form_min_time,
                        (int64_t) clcf->form_max_age, NULL);

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
 * One generic answer whatever the reason, so that a robot learns nothing;
 * a person gets the form back with what they wrote and a fresh token.
 */

ngx_int_t
ngx_http_concertation_abuse_refuse(ngx_http_request_t *r, json_t *submitted)
{
    json_t     *errors;
    ngx_int_t   rc;

    errors = json_pack("[{s:n,s:s,s:s}]", "field", "code", "refused",
                       "message",
                       "Votre envoi n'a pas pu être accepté. Si vous "
                       "répondez vous-même au questionnaire, vérifiez vos "
                       "réponses et renvoyez le formulaire.");
    if (errors == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_concertation_send_invalid(r, NGX_HTTP_FORBIDDEN, errors,
                                            submitted);
    json_decref(errors);

    return rc;
}


/*
 * The token and honeypot of a redisplayed form.  Its token is backdated by
 * the minimum fill time: the person has already spent that time on the
 * form, and must be able to send it again at once.
 */

ngx_int_t
ngx_http_concertation_abuse_plumbing(ngx_http_request_t *r,
    cc_page_plumbing_t *pl)
{
    size_t                             len;
    u_char                            *token;
    ngx_http_concertation_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    pl->token_name = NULL;
    pl->token = NULL;
    pl->honeypot = clcf->honeypot.len ? (char *) clcf->honeypot.data : NULL;

    if (!clcf->form_token) {
        return NGX_OK;
    }

    token = ngx_http_concertation_mint(r, clcf->form_min_time, &len);
    if (token == NULL) {
        return NGX_ERROR;
    }

    pl->token_name = NGX_HTTP_CONCERTATION_TOKEN_FIELD;
    pl->token = (char *) token;

    return NGX_OK;
}


/* a NUL-terminated token in the request's pool, or NULL */

static u_char *
ngx_http_concertation_mint(ngx_http_request_t *r, ngx_msec_t backdate,
    size_t *len)
{
    u_char                             *p;
    int64_t                             now;
    ngx_time_t                         *tp;
    ngx_http_concertation_main_conf_t  *cmcf;

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_concertation_module);

    if (cmcf == NULL || cmcf->token_key == NULL) {
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
    now = (int64_t) tp->sec * 1000 + tp->msec - (int64_t) backdate;

    *len = cc_token_make(cmcf->token_key, now, (char *) p);

    if (*len == 0) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "HMAC-SHA256 failed");
        return NULL;
    }

    return p;
}


/* $concertation_form_token: a fresh token each time it is read */

static ngx_int_t
ngx_http_concertation_form_token_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    size_t   len;
    u_char  *p;

    p = ngx_http_concertation_mint(r, 0, &len);

    if (p == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->data = p;
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


/* concertation_form_token_endpoint: {"jeton":"..."}, never cached */

static ngx_int_t
ngx_http_concertation_endpoint_handler(ngx_http_request_t *r)
{
    size_t        len;
    u_char       *token, *p;
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_str_t     value;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    token = ngx_http_concertation_mint(r, 0, &len);
    if (token == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_create_temp_buf(r->pool, sizeof("{\"jeton\":\"\"}\n") - 1 + len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(b->last, "{\"jeton\":\"", sizeof("{\"jeton\":\"") - 1);
    p = ngx_cpymem(p, token, len);
    b->last = ngx_cpymem(p, "\"}\n", sizeof("\"}\n") - 1);

    ngx_str_set(&value, "application/json");

    return ngx_http_concertation_send_buf(r, NGX_HTTP_OK, &value, "no-store",
                                          b);
}


/*
 * The total body-read deadline.  nginx's client_body_timeout bounds each
 * read; a client trickling a byte every few seconds passes it for ever.
 * The timer lives in the request's pool, and the pool cleanup deletes it
 * whatever way the request ends.
 */

ngx_int_t
ngx_http_concertation_abuse_body_start(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t                *cln;
    ngx_http_concertation_body_ctx_t  *ctx;
    ngx_http_concertation_loc_conf_t  *clcf;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    if (clcf->body_timeout == 0) {
        return NGX_OK;
    }

    cln = ngx_pool_cleanup_add(r->pool,
                               sizeof(ngx_http_concertation_body_ctx_t));
    if (cln == NULL) {
        return NGX_ERROR;
    }

    ctx = cln->data;
    ngx_memzero(ctx, sizeof(ngx_http_concertation_body_ctx_t));

    ctx->request = r;
    ctx->deadline.handler = ngx_http_concertation_body_deadline;
    ctx->deadline.data = ctx;
    ctx->deadline.log = r->connection->log;

    cln->handler = ngx_http_concertation_body_cleanup;

    ngx_add_timer(&ctx->deadline, clcf->body_timeout);

    return NGX_OK;
}


/* the body is in: NGX_OK, or NGX_DONE when the deadline has answered */

ngx_int_t
ngx_http_concertation_abuse_body_done(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t                *cln;
    ngx_http_concertation_body_ctx_t  *ctx;

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler != ngx_http_concertation_body_cleanup) {
            continue;
        }

        ctx = cln->data;

        if (ctx->answered) {
            return NGX_DONE;
        }

        if (ctx->deadline.timer_set) {
            ngx_del_timer(&ctx->deadline);
        }

        break;
    }

    return NGX_OK;
}


static void
ngx_http_concertation_body_deadline(ngx_event_t *ev)
{
    ngx_http_concertation_body_ctx_t *ctx = ev->data;

    ngx_int_t            rc;
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ctx->request;
    c = r->connection;

    /*
     * Only a body still being read is cut short: a request that nginx has
     * answered otherwise (and keeps for a lingering close) is left alone.
     */

    if (r->done || r->request_body == NULL || r->request_body->rest == 0) {
        return;
    }

    ngx_log_error(NGX_LOG_INFO, c->log, 0,
                  "concertation: client did not send its body in time");

    ctx->answered = 1;

    /*
     * Stop the body reader before answering: the request is finalized
     * here, once, and the rest of the body is drained by nginx's
     * lingering close, never handed to the validation.
     */

    r->read_event_handler = ngx_http_block_reading;
    r->keepalive = 0;
    r->lingering_close = 1;

    rc = ngx_http_concertation_send_error(r, NGX_HTTP_REQUEST_TIME_OUT, NULL,
             "timeout",
             "Votre envoi a pris trop de temps et n'a pas été enregistré. "
             "Vérifiez votre connexion et renvoyez le formulaire.");

    ngx_http_finalize_request(r, rc);
    ngx_http_run_posted_requests(c);
}


static void
ngx_http_concertation_body_cleanup(void *data)
{
    ngx_http_concertation_body_ctx_t *ctx = data;

    if (ctx->deadline.timer_set) {
        ngx_del_timer(&ctx->deadline);
    }
}
