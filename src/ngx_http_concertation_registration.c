
/*
 * concertation: registrations to the events of the programme.
 *
 * A registration location is a concertation_form location whose store is
 * the register.lua script instead of a plain XADD: the handler
 * (ngx_http_concertation_handler.c) calls prepare() once the answer is
 * valid, send() to talk to Redis and reply() with Redis's answer.  The
 * cancellation location is handled here from end to end.
 */


#include "ngx_http_concertation.h"
#include "cc_registration.h"
#include "cc_urlencoded.h"


#define NGX_HTTP_CONCERTATION_GONE         410
#define NGX_HTTP_CONCERTATION_REG_FIELD    "evenement"
#define NGX_HTTP_CONCERTATION_REG_CONFIRMED  "/inscription-confirmee.html"
#define NGX_HTTP_CONCERTATION_REG_WAITING    "/inscription-attente.html"
#define NGX_HTTP_CONCERTATION_CANCEL_MAX_BODY  2048


struct ngx_http_concertation_registration_s {
    const cc_event_t                   *event;
    ngx_str_t                           email;    /* the e-mail key */
    ngx_str_t                           keys[5];
};


typedef struct {
    ngx_http_concertation_wait_t        wait;      /* first */
    ngx_http_concertation_registration_t  reg;
    unsigned                            eval:1;
    char                                id[CC_ID_LEN + 1];
    char                                event[CC_REG_EVENT_MAX + 1];
    char                                received_at[CC_TIME_LEN + 1];
} ngx_http_concertation_cancel_ctx_t;


static ngx_int_t ngx_http_concertation_reg_keys(ngx_http_request_t *r,
    ngx_http_concertation_registration_t *reg);
static ngx_int_t ngx_http_concertation_reg_send_body(ngx_http_request_t *r,
    ngx_uint_t status, const char *type, u_char *body, size_t len);
static ngx_int_t ngx_http_concertation_reg_answer(ngx_http_request_t *r,
    ngx_uint_t status, const char *id, const char *event, ngx_str_t *st,
    long long position);
static ngx_int_t ngx_http_concertation_cancel_handler(ngx_http_request_t *r);
static void ngx_http_concertation_cancel_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_concertation_cancel_token(ngx_http_request_t *r,
    ngx_str_t *body, ngx_str_t *token, ngx_int_t *rc);
static ngx_int_t ngx_http_concertation_cancel_start(ngx_http_request_t *r,
    ngx_str_t *token);
static ngx_int_t ngx_http_concertation_cancel_send(
    ngx_http_concertation_cancel_ctx_t *ctx);
static void ngx_http_concertation_cancel_reply(void *data,
    redisReply *reply);
static ngx_int_t ngx_http_concertation_reg_unavailable(ngx_http_request_t *r);
static void ngx_http_concertation_reg_key_cleanup(void *data);


/* configuration */

char *
ngx_http_concertation_cancellation(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    ngx_http_core_loc_conf_t           *hclcf;
    ngx_http_concertation_main_conf_t  *cmcf;

    if (clcf->cancellation == 1) {
        return "is duplicate";
    }

    clcf->cancellation = 1;

    cmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_concertation_module);
    cmcf->used = 1;

    hclcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    hclcf->handler = ngx_http_concertation_cancel_handler;

    return NGX_CONF_OK;
}


/* called by init_main_conf once the secret is known to be long enough */

char *
ngx_http_concertation_registration_init_main_conf(ngx_conf_t *cf,
    ngx_http_concertation_main_conf_t *cmcf)
{
    ngx_pool_cleanup_t  *cln;

    cmcf->reg_token_key = cc_reg_token_key(cmcf->secret.data,
                                           cmcf->secret.len);
    if (cmcf->reg_token_key == NULL) {
        return "could not derive the cancellation-token key";
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        cc_hmac_free(cmcf->reg_token_key);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_concertation_reg_key_cleanup;
    cln->data = cmcf->reg_token_key;

    return NGX_CONF_OK;
}


static void
ngx_http_concertation_reg_key_cleanup(void *data)
{
    cc_hmac_free(data);
}


/*
 * A registration location must offer exactly the programme's events: a
 * schema out of step with the programme is a configuration error, found
 * when nginx starts rather than by the first person to register.
 */

char *
ngx_http_concertation_registration_merge(ngx_conf_t *cf,
    ngx_http_concertation_loc_conf_t *prev,
    ngx_http_concertation_loc_conf_t *conf)
{
    ngx_http_concertation_main_conf_t  *cmcf;
    char                                err[512];

    ngx_conf_merge_value(conf->registration, prev->registration, 0);

    if (conf->cancellation == NGX_CONF_UNSET) {
        conf->cancellation = 0;
    }

    if (!conf->registration && !conf->cancellation) {
        return NGX_CONF_OK;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_concertation_module);

    if (cmcf->events == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"concertation_registration\" and "
                           "\"concertation_cancellation\" need "
                           "\"concertation_events\" in the http block");
        return NGX_CONF_ERROR;
    }

    if (!conf->registration || conf->form.len == 0) {
        return NGX_CONF_OK;
    }

    if (conf->limit_redis) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"concertation_registration\" cannot be "
                           "combined with \"concertation_limit_redis\"");
        return NGX_CONF_ERROR;
    }

    if (cc_reg_check_schema(conf->schema, NGX_HTTP_CONCERTATION_REG_FIELD,
                            cmcf->events, err, sizeof(err))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "registration schema of \"%V\": %s",
                           &conf->form, err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* the store of a registration: before Redis */

ngx_int_t
ngx_http_concertation_registration_prepare(ngx_http_request_t *r,
    ngx_str_t *data, ngx_http_concertation_registration_t **out)
{
    size_t                                 len;
    json_t                                *root, *ev, *em;
    const char                            *event, *email;
    ngx_http_concertation_main_conf_t     *cmcf;
    ngx_http_concertation_registration_t  *reg;

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_concertation_module);

    reg = ngx_pcalloc(r->pool, sizeof(ngx_http_concertation_registration_t));
    if (reg == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the normalised answer: its event and e-mail were validated */

    root = json_loadb((char *) data->data, data->len, 0, NULL);
    ev = json_object_get(root, NGX_HTTP_CONCERTATION_REG_FIELD);
    em = json_object_get(root, "email");

    if (!json_is_string(ev) || !json_is_string(em)) {
        json_decref(root);
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "a registration without \"evenement\" or \"email\": "
                      "check the schema");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    event = json_string_value(ev);
    email = json_string_value(em);

    reg->event = cc_events_find(cmcf->events, event, ngx_strlen(event));

    if (reg->event == NULL) {
        json_decref(root);
        return ngx_http_concertation_send_error(r,
                   NGX_HTTP_CONCERTATION_UNPROCESSABLE,
                   NGX_HTTP_CONCERTATION_REG_FIELD, "unknown_event",
                   "Cet événement ne fait pas partie du programme.");
    }

    len = ngx_strlen(email);

    reg->email.data = ngx_pnalloc(r->pool, len + 1);
    if (reg->email.data == NULL) {
        json_decref(root);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    reg->email.len = cc_reg_email_key(email, len, (char *) reg->email.data,
                                      len + 1);
    json_decref(root);

    if (reg->email.len == 0) {
        return ngx_http_concertation_send_error(r,
                   NGX_HTTP_CONCERTATION_UNPROCESSABLE, "email", "required",
                   "Indiquez votre adresse électronique.");
    }

    /* past the deadline, Redis is not even asked */

    if ((int64_t) ngx_time() > reg->event->deadline) {
        return ngx_http_concertation_send_error(r, NGX_HTTP_CONCERTATION_GONE,
                   NGX_HTTP_CONCERTATION_REG_FIELD, "closed",
                   "Les inscriptions à cet événement sont closes.");
    }

    if (ngx_http_concertation_reg_keys(r, reg) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *out = reg;

    return NGX_DECLINED;
}


/*
 * "<prefix><event>:event" and its siblings, and the stream shared by all
 * events: no hash tag of their own, so that with the documented Cluster
 * setting (concertation_redis_prefix {concertation}:) a script's keys, the
 * stream included, live in one slot.
 */

static ngx_int_t
ngx_http_concertation_reg_keys(ngx_http_request_t *r,
    ngx_http_concertation_registration_t *reg)
{
    size_t                             len;
    ngx_uint_t                         i;
    ngx_http_concertation_loc_conf_t  *clcf;

    static const char  *names[] = { "event", "waitlist", "emails", "regs" };

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    len = ngx_strlen(reg->event->id);

    for (i = 0; i < 4; i++) {
        reg->keys[i].data = ngx_pnalloc(r->pool, clcf->prefix.len + len
                                                 + sizeof(":waitlist"));
        if (reg->keys[i].data == NULL) {
            return NGX_ERROR;
        }

        reg->keys[i].len = ngx_sprintf(reg->keys[i].data, "%V%s:%s",
                                       &clcf->prefix, reg->event->id,
                                       names[i])
                           - reg->keys[i].data;
    }

    reg->keys[4].data = ngx_pnalloc(r->pool, clcf->prefix.len
                                             + sizeof("inscriptions"));
    if (reg->keys[4].data == NULL) {
        return NGX_ERROR;
    }

    reg->keys[4].len = ngx_sprintf(reg->keys[4].data, "%Vinscriptions",
                                   &clcf->prefix)
                       - reg->keys[4].data;

    return NGX_OK;
}


/* EVALSHA, or EVAL once Redis said NOSCRIPT */

ngx_http_concertation_cmd_t *
ngx_http_concertation_registration_send(ngx_http_request_t *r,
    ngx_http_concertation_registration_t *reg, ngx_uint_t eval,
    const char *id, const char *received_at, const char *client,
    ngx_str_t *data, ngx_http_concertation_reply_pt handler, void *hdata)
{
    u_char                             *cap, *wait;
    size_t                              len[18];
    ngx_uint_t                          i;
    const char                         *argv[18];
    ngx_http_concertation_main_conf_t  *cmcf;
    u_char                              capacity[NGX_INT_T_LEN];
    u_char                              waitlist[NGX_INT_T_LEN];

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_concertation_module);

    cap = ngx_sprintf(capacity, "%ui", (ngx_uint_t) reg->event->capacity);
    wait = ngx_sprintf(waitlist, "%ui", (ngx_uint_t) reg->event->waitlist);

    ngx_http_concertation_script_cmd(&cmcf->register_script,
                                     cmcf->register_script_sha, eval,
                                     argv, len);

    argv[2] = "5";
    len[2] = 1;

    for (i = 0; i < 5; i++) {
        argv[3 + i] = (const char *) reg->keys[i].data;
        len[3 + i] = reg->keys[i].len;
    }

    argv[8] = id;
    len[8] = CC_ID_LEN;
    argv[9] = received_at;
    len[9] = CC_TIME_LEN;
    argv[10] = reg->event->id;
    len[10] = ngx_strlen(reg->event->id);
    argv[11] = (const char *) data->data;
    len[11] = data->len;
    argv[12] = client;
    len[12] = CC_CLIENT_KEY_LEN;
    argv[13] = (const char *) reg->email.data;
    len[13] = reg->email.len;
    argv[14] = (const char *) capacity;
    len[14] = cap - capacity;
    argv[15] = (const char *) waitlist;
    len[15] = wait - waitlist;

    return ngx_http_concertation_redis_send(16, argv, len, handler, hdata);
}


/* {0|1, id, status, position}: 200 or 201; {2}: full */

ngx_int_t
ngx_http_concertation_registration_reply(ngx_http_request_t *r,
    ngx_http_concertation_registration_t *reg, redisReply *reply)
{
    long long   code;
    ngx_str_t   status;
    u_char      id[CC_ID_LEN + 1];

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1
        || reply->element[0]->type != REDIS_REPLY_INTEGER)
    {
        goto unexpected;
    }

    code = reply->element[0]->integer;

    ngx_http_concertation_metrics_registration(r, reg->event, reply);

    if (code == 2) {
        return ngx_http_concertation_send_error(r, NGX_HTTP_CONFLICT,
                   NGX_HTTP_CONCERTATION_REG_FIELD, "complet",
                   "Cet événement est complet : il ne reste ni place ni "
                   "place sur la liste d'attente.");
    }

    if ((code != 0 && code != 1) || reply->elements < 4
        || reply->element[1]->type != REDIS_REPLY_STRING
        || reply->element[1]->len != CC_ID_LEN
        || reply->element[2]->type != REDIS_REPLY_STRING
        || reply->element[3]->type != REDIS_REPLY_INTEGER)
    {
        goto unexpected;
    }

    ngx_memcpy(id, reply->element[1]->str, CC_ID_LEN);
    id[CC_ID_LEN] = '\0';

    if (reply->element[2]->len == sizeof("waitlisted") - 1
        && ngx_strncmp(reply->element[2]->str, "waitlisted",
                       sizeof("waitlisted") - 1) == 0)
    {
        ngx_str_set(&status, "liste_attente");

    } else {
        ngx_str_set(&status, "confirmee");
    }

    return ngx_http_concertation_reg_answer(r,
               code == 1 ? NGX_HTTP_CREATED : NGX_HTTP_OK, (char *) id,
               reg->event->id, &status, reply->element[3]->integer);

unexpected:

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "unexpected reply to the registration script");

    return ngx_http_concertation_reg_unavailable(r);
}


static ngx_int_t
ngx_http_concertation_reg_answer(ngx_http_request_t *r, ngx_uint_t status,
    const char *id, const char *event, ngx_str_t *st, long long position)
{
    u_char                             *p, *body;
    size_t                              n, len;
    ngx_str_t                           location;
    ngx_table_elt_t                    *h;
    ngx_http_concertation_main_conf_t  *cmcf;
    char                                token[CC_REG_TOKEN_MAX_LEN + 1];

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_concertation_module);

    n = cc_reg_token_make(cmcf->reg_token_key, id, event, ngx_strlen(event),
                          token);
    if (n == 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = sizeof("{\"id\":\"\",\"statut\":\"\",\"position\":,"
                 "\"evenement\":\"\",\"jeton_annulation\":\"\"}")
          + CC_ID_LEN + st->len + NGX_INT64_LEN + ngx_strlen(event) + n
          + sizeof("?id=&evenement=&position=&jeton=")
          + sizeof(NGX_HTTP_CONCERTATION_REG_CONFIRMED);

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_JSON) {
        p = ngx_sprintf(body, "{\"id\":\"%s\",\"statut\":\"%V\",", id, st);

        if (position > 0) {
            p = ngx_sprintf(p, "\"position\":%L,", (int64_t) position);
        }

        p = ngx_sprintf(p, "\"evenement\":\"%s\",\"jeton_annulation\":"
                        "\"%s\"}", event, token);

        return ngx_http_concertation_reg_send_body(r, status,
                                                   "application/json",
                                                   body, p - body);
    }

    /* a browser goes on to a page saying which; reloading it posts nothing */

    p = ngx_sprintf(body, "%s?id=%s&evenement=%s",
                    position > 0 ? NGX_HTTP_CONCERTATION_REG_WAITING
                                 : NGX_HTTP_CONCERTATION_REG_CONFIRMED,
                    id, event);

    if (position > 0) {
        p = ngx_sprintf(p, "&position=%L", (int64_t) position);
    }

    p = ngx_sprintf(p, "&jeton=%s", token);

    location.data = body;
    location.len = p - body;

    h = ngx_http_concertation_add_header(r, "Location", &location);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.location = h;

    return ngx_http_concertation_reg_send_body(r, NGX_HTTP_SEE_OTHER,
               "text/html; charset=utf-8",
               (u_char *) "<!DOCTYPE html><html lang=\"fr\"><title>"
                          "Inscription enregistr\xc3\xa9" "e</title>"
                          "<p>Votre inscription est enregistr\xc3\xa9" "e."
                          "</p></html>\n",
               sizeof("<!DOCTYPE html><html lang=\"fr\"><title>"
                      "Inscription enregistr\xc3\xa9" "e</title>"
                      "<p>Votre inscription est enregistr\xc3\xa9" "e."
                      "</p></html>\n") - 1);
}


static ngx_int_t
ngx_http_concertation_reg_send_body(ngx_http_request_t *r, ngx_uint_t status,
    const char *type, u_char *body, size_t len)
{
    ngx_buf_t  *b;
    ngx_str_t   value;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;

    value.data = (u_char *) type;
    value.len = ngx_strlen(type);

    return ngx_http_concertation_send_buf(r, status, &value, "no-store", b);
}


/* the cancellation: POST {"jeton": ...} or jeton=... */

static ngx_int_t
ngx_http_concertation_cancel_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_concertation_check_method(r,
                            "L'annulation s'envoie avec la méthode POST.");
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_concertation_limit_check(r);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_concertation_check_content_type(r,
                   "L'annulation doit être envoyée en JSON "
                   "(application/json) ou comme un formulaire HTML "
                   "(application/x-www-form-urlencoded).");
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (r->headers_in.content_length_n < 0
        || r->headers_in.content_length_n
           > NGX_HTTP_CONCERTATION_CANCEL_MAX_BODY)
    {
        r->keepalive = 0;
        r->lingering_close = 1;

        return ngx_http_concertation_send_error(r,
                   NGX_HTTP_REQUEST_ENTITY_TOO_LARGE, NULL, "too_large",
                   "Une demande d'annulation ne contient que le jeton "
                   "d'annulation.");
    }

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r,
                                           ngx_http_concertation_cancel_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_concertation_cancel_body(ngx_http_request_t *r)
{
    u_char       *p;
    ngx_int_t     rc;
    ngx_str_t     body, token;
    ngx_chain_t  *cl;

    /* at most NGX_HTTP_CONCERTATION_CANCEL_MAX_BODY bytes, in memory */

    body.len = 0;

    if (r->request_body && r->request_body->bufs) {
        for (cl = r->request_body->bufs; cl; cl = cl->next) {
            if (cl->buf->in_file) {
                ngx_http_finalize_request(r,
                                          NGX_HTTP_INTERNAL_SERVER_ERROR);
                return;
            }

            body.len += cl->buf->last - cl->buf->pos;
        }
    }

    body.data = ngx_pnalloc(r->pool, body.len + 1);
    if (body.data == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    p = body.data;

    if (r->request_body) {
        for (cl = r->request_body->bufs; cl; cl = cl->next) {
            p = ngx_cpymem(p, cl->buf->pos, cl->buf->last - cl->buf->pos);
        }
    }

    *p = '\0';

    if (ngx_http_concertation_cancel_token(r, &body, &token, &rc) != NGX_OK)
    {
        ngx_http_finalize_request(r, rc);
        return;
    }

    rc = ngx_http_concertation_cancel_start(r, &token);

    if (rc == NGX_DONE) {
        return;
    }

    ngx_http_finalize_request(r, rc);
}


static ngx_int_t
ngx_http_concertation_cancel_token(ngx_http_request_t *r, ngx_str_t *body,
    ngx_str_t *token, ngx_int_t *rc)
{
    size_t            i, n;
    json_t           *root, *j;
    cc_url_pair_t    *pairs;
    ngx_table_elt_t  *h;

    h = r->headers_in.content_type;
    token->len = 0;

    if (cc_content_type((char *) h->value.data, h->value.len)
        == CC_BODY_JSON)
    {
        root = json_loadb((char *) body->data, body->len, 0, NULL);
        j = json_object_get(root, "jeton");

        if (json_is_string(j)) {
            token->len = json_string_length(j);
            token->data = ngx_pnalloc(r->pool, token->len + 1);
            if (token->data == NULL) {
                json_decref(root);
                *rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
                return NGX_ERROR;
            }

            ngx_memcpy(token->data, json_string_value(j), token->len);
        }

        json_decref(root);

    } else if (cc_url_decode((char *) body->data, body->len, 16, &pairs, &n)
               == CC_URL_OK)
    {
        for (i = 0; i < n; i++) {
            if (ngx_strcmp(pairs[i].name, "jeton") == 0) {
                token->len = pairs[i].value_len;
                token->data = ngx_pnalloc(r->pool, token->len + 1);
                if (token->data == NULL) {
                    cc_url_pairs_free(pairs, n);
                    *rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
                    return NGX_ERROR;
                }

                ngx_memcpy(token->data, pairs[i].value, token->len);
                break;
            }
        }

        cc_url_pairs_free(pairs, n);
    }

    if (token->len == 0) {
        *rc = ngx_http_concertation_send_error(r,
                  NGX_HTTP_CONCERTATION_UNPROCESSABLE, "jeton", "required",
                  "Indiquez le jeton d'annulation reçu lors de votre "
                  "inscription.");
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_concertation_cancel_start(ngx_http_request_t *r, ngx_str_t *token)
{
    int                                  v;
    ngx_time_t                          *tp;
    ngx_http_concertation_cancel_ctx_t  *ctx;
    ngx_http_concertation_loc_conf_t    *clcf;
    ngx_http_concertation_main_conf_t   *cmcf;

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_concertation_module);
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_concertation_cancel_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->wait.request = r;

    v = cc_reg_token_check(cmcf->reg_token_key, (char *) token->data,
                           token->len, ctx->id, ctx->event);

    if (v == -1) {
        return ngx_http_concertation_send_error(r,
                   NGX_HTTP_CONCERTATION_UNPROCESSABLE, "jeton", "malformed",
                   "Ce jeton d'annulation est mal formé : copiez-le en "
                   "entier depuis le message de confirmation.");
    }

    if (v != 0) {
        return ngx_http_concertation_send_error(r, NGX_HTTP_FORBIDDEN,
                   "jeton", "forged",
                   "Ce jeton d'annulation n'est pas valable.");
    }

    ctx->reg.event = cc_events_find(cmcf->events, ctx->event,
                                    ngx_strlen(ctx->event));

    if (ctx->reg.event == NULL) {
        return ngx_http_concertation_send_error(r, NGX_HTTP_NOT_FOUND,
                   "jeton", "unknown_event",
                   "Cet événement ne fait plus partie du programme.");
    }

    if (ngx_http_concertation_reg_keys(r, &ctx->reg) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    tp = ngx_timeofday();
    cc_time_rfc3339_ms((int64_t) tp->sec * 1000 + tp->msec,
                       ctx->received_at);

    if (ngx_http_concertation_wait_init(&ctx->wait, r,
                                        "cancel the registration",
                                        ngx_http_concertation_reg_unavailable)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_concertation_cancel_send(ctx) != NGX_OK) {
        return ngx_http_concertation_reg_unavailable(r);
    }

    ngx_http_concertation_wait_arm(&ctx->wait, clcf->timeout);

    return NGX_DONE;
}


static ngx_int_t
ngx_http_concertation_cancel_send(ngx_http_concertation_cancel_ctx_t *ctx)
{
    u_char                             *cap;
    size_t                              len[13];
    ngx_uint_t                          i;
    const char                         *argv[13];
    ngx_http_concertation_main_conf_t  *cmcf;
    u_char                              capacity[NGX_INT_T_LEN];

    cmcf = ngx_http_get_module_main_conf(ctx->wait.request,
                                         ngx_http_concertation_module);

    cap = ngx_sprintf(capacity, "%ui",
                      (ngx_uint_t) ctx->reg.event->capacity);

    ngx_http_concertation_script_cmd(&cmcf->cancel_script,
                                     cmcf->cancel_script_sha, ctx->eval,
                                     argv, len);

    argv[2] = "5";
    len[2] = 1;

    for (i = 0; i < 5; i++) {
        argv[3 + i] = (const char *) ctx->reg.keys[i].data;
        len[3 + i] = ctx->reg.keys[i].len;
    }

    argv[8] = ctx->id;
    len[8] = CC_ID_LEN;
    argv[9] = ctx->received_at;
    len[9] = CC_TIME_LEN;
    argv[10] = ctx->event;
    len[10] = ngx_strlen(ctx->event);
    argv[11] = "";
    len[11] = 0;
    argv[12] = (const char *) capacity;
    len[12] = cap - capacity;

    ctx->wait.cmd = ngx_http_concertation_redis_send(13, argv, len,
                                   ngx_http_concertation_cancel_reply, ctx);

    return ctx->wait.cmd ? NGX_OK : NGX_ERROR;
}


static void
ngx_http_concertation_cancel_reply(void *data, redisReply *reply)
{
    ngx_http_concertation_cancel_ctx_t *ctx = data;

    u_char              *p, *body;
    size_t               len;
    ngx_http_request_t  *r;

    r = ctx->wait.request;
    ctx->wait.cmd = NULL;

    if (reply == NULL) {
        ngx_http_concertation_wait_done(&ctx->wait,
                                      ngx_http_concertation_reg_unavailable(r));
        return;
    }

    /* NOSCRIPT: the script did not run, sending it again duplicates nothing */

    if (reply->type == REDIS_REPLY_ERROR && !ctx->eval
        && reply->len >= 8 && ngx_strncmp(reply->str, "NOSCRIPT", 8) == 0)
    {
        ctx->eval = 1;

        if (ngx_http_concertation_cancel_send(ctx) == NGX_OK) {
            return;
        }
    }

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1
        || reply->element[0]->type != REDIS_REPLY_INTEGER)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "unexpected reply to the cancellation script%s%*s",
                      reply->type == REDIS_REPLY_ERROR ? ": " : "",
                      reply->type == REDIS_REPLY_ERROR ? reply->len : 0,
                      reply->str);
        ngx_http_concertation_wait_done(&ctx->wait,
                                      ngx_http_concertation_reg_unavailable(r));
        return;
    }

    if (reply->element[0]->integer == 0) {
        ngx_http_concertation_wait_done(&ctx->wait,
            ngx_http_concertation_send_error(r, NGX_HTTP_NOT_FOUND, "jeton",
                "not_found", "Cette inscription est introuvable."));
        return;
    }

    ngx_http_concertation_metrics_cancelled(r, ctx->reg.event, ctx->id);

    if (ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_HTML) {
        ngx_http_concertation_wait_done(&ctx->wait,
            ngx_http_concertation_reg_send_body(r, NGX_HTTP_OK,
                "text/html; charset=utf-8",
                (u_char *) "<!DOCTYPE html><html lang=\"fr\"><meta "
                "charset=\"utf-8\"><title>Inscription annul\xc3\xa9" "e"
                "</title><link rel=\"stylesheet\" href=\"/css/site.css\">"
                "<main><h1>Inscription annul\xc3\xa9" "e</h1><p>Votre "
                "inscription est annul\xc3\xa9" "e : votre place revient "
                "\xc3\xa0 la premi\xc3\xa8re personne de la liste "
                "d'attente.</p><p><a href=\"/\">Retour \xc3\xa0 la "
                "concertation</a></p></main></html>\n",
                sizeof("<!DOCTYPE html><html lang=\"fr\"><meta "
                "charset=\"utf-8\"><title>Inscription annul\xc3\xa9" "e"
                "</title><link rel=\"stylesheet\" href=\"/css/site.css\">"
                "<main><h1>Inscription annul\xc3\xa9" "e</h1><p>Votre "
                "inscription est annul\xc3\xa9" "e : votre place revient "
                "\xc3\xa0 la premi\xc3\xa8re personne de la liste "
                "d'attente.</p><p><a href=\"/\">Retour \xc3\xa0 la "
                "concertation</a></p></main></html>\n") - 1));
        return;
    }

    len = sizeof("{\"id\":\"\",\"statut\":\"annulee\",\"evenement\":\"\"}")
          + CC_ID_LEN + CC_REG_EVENT_MAX;

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        ngx_http_concertation_wait_done(&ctx->wait,
                                          NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    p = ngx_sprintf(body, "{\"id\":\"%s\",\"statut\":\"annulee\","
                    "\"evenement\":\"%s\"}", ctx->id, ctx->event);

    ngx_http_concertation_wait_done(&ctx->wait,
        ngx_http_concertation_reg_send_body(r, NGX_HTTP_OK,
                                            "application/json", body,
                                            p - body));
}


static ngx_int_t
ngx_http_concertation_reg_unavailable(ngx_http_request_t *r)
{
    return ngx_http_concertation_send_error(r,
               NGX_HTTP_SERVICE_UNAVAILABLE, NULL, "unavailable",
               "Le service est momentanément indisponible : votre demande "
               "n'a pas pu être enregistrée. Merci de réessayer dans "
               "quelques instants.");
}
