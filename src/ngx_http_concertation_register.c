
/*
 * concertation: registrations to the events of the programme.  After the
 * request pipeline (ngx_http_concertation_request.c) has validated the
 * form:
 *
 *   1 the event and the e-mail key; past the event's deadline, 410
 *   2 the record: id, reception time, pseudonymised client
 *   3 register.lua decides, atomically: already registered (the same
 *     answer again), a seat, the waiting list, or full
 *   4 the answer, with the cancellation token: JSON, or for a browser a
 *     page naming the event (confirmed, waiting list and its position, or
 *     full: the form again with the events that still have room)
 *
 * Registrations are never spooled: their seats are counted in Redis.
 */


#include "ngx_http_concertation_register.h"
#include "ngx_http_concertation_request.h"
#include "ngx_http_concertation_response.h"
#include "ngx_http_concertation_store.h"
#include "ngx_http_concertation_programme.h"
#include "ngx_http_concertation_seats.h"
#include "ngx_http_concertation_keys.h"
#include "ngx_http_concertation_limit.h"
#include "ngx_http_concertation_metrics.h"
#include "ngx_http_concertation_form_view.h"
#include "ngx_http_concertation_pages.h"
#include "cc_registration.h"
#include "cc_reg_html.h"


#define NGX_HTTP_CONCERTATION_REG_FIELD      "evenement"
/* the name kept with the registration, for its pages and e-mails */
#define NGX_HTTP_CONCERTATION_REG_NAME_MAX   256


typedef struct {
    ngx_http_concertation_req_t         rq;        /* first */
    ngx_http_concertation_store_t       st;        /* its record */
    ngx_str_t                           event_id;  /* as answered */
    ngx_str_t                           address;   /* as answered */
    ngx_str_t                           first;     /* prenom */
    ngx_str_t                           last;      /* nom */
    ngx_str_t                           name;      /* "Prénom Nom" */
    const cc_event_t                   *event;
    ngx_str_t                           email;     /* the e-mail key */
    ngx_http_concertation_event_cmd_t   cmd;
} ngx_http_concertation_register_ctx_t;


static void ngx_http_concertation_register_value(
    ngx_http_concertation_req_t *rq, const char *name, const char *s,
    size_t len);
static ngx_int_t ngx_http_concertation_register_start(
    ngx_http_concertation_req_t *rq, char *normalised, size_t len);
static ngx_int_t ngx_http_concertation_register_prepare(
    ngx_http_concertation_register_ctx_t *ctx);
static ngx_int_t ngx_http_concertation_register_send(
    ngx_http_concertation_register_ctx_t *ctx);
static void ngx_http_concertation_register_reply(void *data,
    redisReply *reply);
static ngx_int_t ngx_http_concertation_register_decode(
    ngx_http_concertation_register_ctx_t *ctx, redisReply *reply);
static ngx_int_t ngx_http_concertation_register_answer(
    ngx_http_concertation_register_ctx_t *ctx, ngx_uint_t status,
    const char *id, ngx_str_t *st, long long position);
static ngx_int_t ngx_http_concertation_register_full(
    ngx_http_concertation_register_ctx_t *ctx);
static ngx_int_t ngx_http_concertation_register_expired(
    ngx_http_request_t *r, ngx_uint_t maybe_sent);
static void ngx_http_concertation_register_free(void *data);


const ngx_http_concertation_endpoint_t  ngx_http_concertation_register = {
    "register",
    sizeof(ngx_http_concertation_register_ctx_t),
    CC_MSG_METHOD_FORM,
    CC_MSG_TYPE_FORM,
    CC_MSG_TOO_LARGE_FORM,
    0,
    1,
    1,
    ngx_http_concertation_register_value,
    ngx_http_concertation_register_start,
    ngx_http_concertation_register_expired
};


/*
 * concertation_registration on: the location's form registers people to
 * the programme's events, whose seats its pages show (read from Redis by
 * the counters' cache, under this location's key prefix).
 */

char *
ngx_http_concertation_registration(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    char                               *rv;
    ngx_http_concertation_main_conf_t  *cmcf;

    rv = ngx_http_concertation_conf_slot(cf, cmd, conf);

    if (rv != NGX_CONF_OK || clcf->registration != 1) {
        return rv;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_concertation_module);

    if (!cmcf->programme->shown) {
        ngx_http_concertation_conf_where(cf, &cmcf->programme->shown_where);
        cmcf->programme->shown = 1;
    }

    if (cmcf->programme->prefix == NULL) {
        cmcf->programme->prefix = &clcf->prefix;
    }

    return NGX_CONF_OK;
}


/*
 * A registration location must offer exactly the programme's events: a
 * schema out of step with the programme is a configuration error, found
 * when nginx starts rather than by the first person to register.
 */

char *
ngx_http_concertation_register_check(ngx_conf_t *cf,
    ngx_http_concertation_loc_conf_t *clcf, cc_events_t *events)
{
    char  err[512];

    if (clcf->limit->redis) {
        ngx_http_concertation_conf_error(cf, &clcf->form_where,
                           "\"concertation_registration\" cannot be "
                           "combined with \"concertation_limit_redis\"");
        return NGX_CONF_ERROR;
    }

    if (cc_reg_check_schema(clcf->schema, NGX_HTTP_CONCERTATION_REG_FIELD,
                            events, err, sizeof(err))
        != 0)
    {
        ngx_http_concertation_conf_error(cf, &clcf->form_where,
                           "registration schema of \"%V\": %s",
                           &clcf->form, err);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_concertation_register_start(ngx_http_concertation_req_t *rq,
    char *normalised, size_t len)
{
    ngx_int_t                              rc;
    ngx_pool_cleanup_t                    *cln;
    ngx_http_request_t                    *r;
    ngx_http_concertation_register_ctx_t  *ctx;

    r = rq->request;
    ctx = (ngx_http_concertation_register_ctx_t *) rq;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        free(normalised);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln->handler = ngx_http_concertation_register_free;
    cln->data = normalised;

    ctx->st.data.data = (u_char *) normalised;
    ctx->st.data.len = len;

    rc = ngx_http_concertation_register_prepare(ctx);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (ngx_http_concertation_store_record(r, &ctx->st) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_concertation_register_send(ctx) != NGX_OK) {
        return ngx_http_concertation_send_message(r,
                                                 CC_MSG_UNAVAILABLE_REQUEST);
    }

    return ngx_http_concertation_request_wait(rq, &ctx->cmd.call);
}


static void
ngx_http_concertation_register_free(void *data)
{
    free(data);
}


/* the event and the e-mail address, as the validation reads them */

static void
ngx_http_concertation_register_value(ngx_http_concertation_req_t *rq,
    const char *name, const char *s, size_t len)
{
    ngx_str_t                             *to;
    ngx_http_concertation_register_ctx_t  *ctx;

    ctx = (ngx_http_concertation_register_ctx_t *) rq;

    if (ngx_strcmp(name, NGX_HTTP_CONCERTATION_REG_FIELD) == 0) {
        to = &ctx->event_id;

    } else if (ngx_strcmp(name, "email") == 0) {
        to = &ctx->address;

    } else if (ngx_strcmp(name, "prenom") == 0) {
        to = &ctx->first;

    } else if (ngx_strcmp(name, "nom") == 0) {
        to = &ctx->last;

    } else {
        return;
    }

    to->data = ngx_pnalloc(rq->request->pool, len + 1);
    if (to->data == NULL) {
        return;
    }

    *ngx_cpymem(to->data, s, len) = '\0';
    to->len = len;
}


/* before Redis: the event, the e-mail key, the deadline */

static ngx_int_t
ngx_http_concertation_register_prepare(
    ngx_http_concertation_register_ctx_t *ctx)
{
    ngx_http_request_t                  *r;
    ngx_http_concertation_programme_t   *pg;

    r = ctx->rq.request;
    pg = ngx_http_concertation_main_conf(r)->programme;

    if (ctx->event_id.data == NULL || ctx->address.data == NULL) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                      "a registration without \"evenement\" or \"email\": "
                      "check the schema");
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->event = cc_events_find(pg->events, (char *) ctx->event_id.data,
                                ctx->event_id.len);

    if (ctx->event == NULL) {
        return ngx_http_concertation_send_message(r, CC_MSG_UNKNOWN_EVENT);
    }

    ctx->email.data = ngx_pnalloc(r->pool, ctx->address.len + 1);
    if (ctx->email.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->email.len = cc_reg_email_key((char *) ctx->address.data,
                                      ctx->address.len,
                                      (char *) ctx->email.data,
                                      ctx->address.len + 1);

    if (ctx->email.len == 0) {
        return ngx_http_concertation_send_message(r, CC_MSG_EMAIL_REQUIRED);
    }

    /* "Prénom Nom", one line (the validator refused line breaks), bounded */

    ctx->name.data = ngx_pnalloc(r->pool, ctx->first.len + 1
                                          + ctx->last.len);
    if (ctx->name.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->name.len = ngx_sprintf(ctx->name.data, "%V%s%V", &ctx->first,
                                ctx->first.len && ctx->last.len ? " " : "",
                                &ctx->last)
                    - ctx->name.data;

    if (ctx->name.len > NGX_HTTP_CONCERTATION_REG_NAME_MAX) {
        ctx->name.len = NGX_HTTP_CONCERTATION_REG_NAME_MAX;

        /* not in the middle of a character */
        while (ctx->name.len
               && (ctx->name.data[ctx->name.len] & 0xc0) == 0x80)
        {
            ctx->name.len--;
        }
    }

    /* past the deadline, Redis is not even asked */

    if ((int64_t) ngx_time() > ctx->event->deadline) {
        return ngx_http_concertation_send_message(r,
                                               CC_MSG_REGISTRATION_CLOSED);
    }

    if (ngx_http_concertation_seats_keys(r->pool,
                                   &ngx_http_concertation_loc_conf(r)->prefix,
                                   ctx->event, ctx->cmd.keys)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_concertation_register_send(ngx_http_concertation_register_ctx_t *ctx)
{
    ngx_str_t  args[7];

    args[0].data = (u_char *) ctx->st.id;
    args[0].len = CC_ID_LEN;
    args[1].data = (u_char *) ctx->st.received_at;
    args[1].len = CC_TIME_LEN;
    args[2] = ctx->event_id;
    args[3] = ctx->st.data;
    args[4].data = (u_char *) ctx->st.client;
    args[4].len = CC_CLIENT_KEY_LEN;
    args[5] = ctx->email;
    args[6] = ctx->name;

    return ngx_http_concertation_seats_call(&ctx->cmd,
                                  NGX_HTTP_CONCERTATION_SCRIPT_REGISTER,
                                  ctx->event, args, 7,
                                  ngx_http_concertation_register_reply, ctx);
}


static void
ngx_http_concertation_register_reply(void *data, redisReply *reply)
{
    ngx_http_concertation_register_ctx_t *ctx = data;

    ngx_int_t            rc;
    ngx_http_request_t  *r;

    r = ctx->rq.request;

    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        if (reply) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "Redis did not register: %*s",
                          (size_t) reply->len, reply->str);
        }

        rc = ngx_http_concertation_send_message(r,
                                                CC_MSG_UNAVAILABLE_REQUEST);

    } else {
        rc = ngx_http_concertation_register_decode(ctx, reply);
    }

    ngx_http_concertation_wait_done(&ctx->rq.wait, rc);
}


/* {0|1, id, status, position}: 200 or 201; {2}: full */

static ngx_int_t
ngx_http_concertation_register_decode(
    ngx_http_concertation_register_ctx_t *ctx, redisReply *reply)
{
    long long            code;
    ngx_str_t            status;
    ngx_uint_t           waitlisted;
    ngx_http_request_t  *r;
    u_char               id[CC_ID_LEN + 1];

    r = ctx->rq.request;

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1
        || reply->element[0]->type != REDIS_REPLY_INTEGER)
    {
        goto unexpected;
    }

    code = reply->element[0]->integer;

    if (code == 2) {
        ngx_http_concertation_metrics_event(r, ctx->event,
                                            CC_REG_STATE_FULL);
        return ngx_http_concertation_register_full(ctx);
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

    waitlisted = reply->element[2]->len == sizeof("waitlisted") - 1
                 && ngx_strncmp(reply->element[2]->str, "waitlisted",
                                sizeof("waitlisted") - 1) == 0;

    if (waitlisted) {
        ngx_str_set(&status, "liste_attente");

    } else {
        ngx_str_set(&status, "confirmee");
    }

    if (code == 0) {
        /* registered before: the same answer again */
        ngx_http_concertation_metrics_duplicate(r, (char *) id);

    } else {
        ngx_http_concertation_metrics_event(r, ctx->event,
                                            waitlisted
                                            ? CC_REG_STATE_WAITLISTED
                                            : CC_REG_STATE_CONFIRMED);
        ngx_http_concertation_metrics_outcome(r, NGX_HTTP_CREATED, NULL,
                                              (char *) id);
    }

    return ngx_http_concertation_register_answer(ctx,
               code == 1 ? NGX_HTTP_CREATED : NGX_HTTP_OK, (char *) id,
               &status, reply->element[3]->integer);

unexpected:

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "unexpected reply to the registration script");

    return ngx_http_concertation_send_message(r, CC_MSG_UNAVAILABLE_REQUEST);
}


static ngx_int_t
ngx_http_concertation_register_answer(
    ngx_http_concertation_register_ctx_t *ctx, ngx_uint_t status,
    const char *id, ngx_str_t *st, long long position)
{
    u_char                         *p, *body;
    size_t                          n, len;
    const char                     *event;
    cc_reg_view_t                   v;
    ngx_http_request_t             *r;
    ngx_http_concertation_pages_t  *pages;
    char                            token[CC_REG_TOKEN_MAX_LEN + 1];

    r = ctx->rq.request;
    event = ctx->event->id;
    pages = ngx_http_concertation_main_conf(r)->pages;

    n = cc_reg_token_make(ngx_http_concertation_main_conf(r)->keys
                          ->cancel_token,
                          id, event, ngx_strlen(event), token);
    if (n == 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_JSON) {
        len = sizeof("{\"id\":\"\",\"statut\":\"\",\"position\":,"
                     "\"evenement\":\"\",\"jeton_annulation\":\"\"}")
              + CC_ID_LEN + st->len + NGX_INT64_LEN + ngx_strlen(event) + n;

        body = ngx_alloc(len, r->connection->log);
        if (body == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p = ngx_sprintf(body, "{\"id\":\"%s\",\"statut\":\"%V\",", id, st);

        if (position > 0) {
            p = ngx_sprintf(p, "\"position\":%L,", (int64_t) position);
        }

        p = ngx_sprintf(p, "\"evenement\":\"%s\",\"jeton_annulation\":"
                        "\"%s\"}", event, token);
        *p = '\0';

        return ngx_http_concertation_send_json(r, status, (char *) body);
    }

    /*
     * A browser gets the page itself, not a redirection to an address
     * carrying the token: the token stays out of the logged request lines
     * and of the history.  Posting again gives the same page (the person
     * is recognised by the address).
     */

    ngx_memzero(&v, sizeof(cc_reg_view_t));
    v.event = ctx->event;
    v.status = position > 0 ? CC_REG_WAITLISTED : CC_REG_CONFIRMED;
    v.position = position;
    v.name = (char *) ngx_pnalloc(r->pool, ctx->name.len + 1);
    v.email = (char *) ctx->email.data;
    v.token = token;
    v.cancel = pages->cancel.len ? (char *) pages->cancel.data : NULL;
    v.signup = pages->signup.len ? (char *) pages->signup.data : NULL;
    v.again = status == NGX_HTTP_OK;
    v.mailed = ngx_http_concertation_loc_conf(r)->notify;

    if (v.name == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *ngx_cpymem((u_char *) v.name, ctx->name.data, ctx->name.len) = '\0';

    return ngx_http_concertation_send_html(r, status,
                                    cc_reg_answer_html(&pages->shell, &v));
}


/* full: the form again, the event named, and the events with room */

static ngx_int_t
ngx_http_concertation_register_full(ngx_http_concertation_register_ctx_t *ctx)
{
    char                *before;
    ngx_int_t            rc;
    cc_errors_t         *errors;
    ngx_http_request_t  *r;
    const cc_message_t  *m;
    char                 text[CC_EVENT_TEXT_LEN];

    r = ctx->rq.request;
    m = cc_message(CC_MSG_EVENT_FULL);

    if (ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_JSON
        || ctx->rq.submitted == NULL)
    {
        return ngx_http_concertation_send_message(r, CC_MSG_EVENT_FULL);
    }

    errors = NULL;

    if (cc_reg_full_text(ctx->event, text, sizeof(text)) == 0
        || cc_errors_add(&errors, m->field, ngx_strlen(m->field), m->code,
                         text)
           != 0)
    {
        cc_errors_free(errors);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    before = ngx_http_concertation_view_programme(r, 1, ctx->event);

    rc = before ? ngx_http_concertation_send_invalid_ex(r, m->status, errors,
                                                  ctx->rq.submitted, before)
                : NGX_HTTP_INTERNAL_SERVER_ERROR;

    cc_errors_free(errors);

    return rc;
}


static ngx_int_t
ngx_http_concertation_register_expired(ngx_http_request_t *r,
    ngx_uint_t maybe_sent)
{
    return ngx_http_concertation_send_message(r, CC_MSG_UNAVAILABLE_REQUEST);
}
