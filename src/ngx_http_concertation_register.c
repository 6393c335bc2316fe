
/*
 * concertation: registrations to the events of the programme.  After the
 * request pipeline (ngx_http_concertation_request.c) has validated the
 * form:
 *
 *   1 the event and the e-mail key; past the event's deadline, 410
 *   2 the record: id, reception time, pseudonymised client
 *   3 register.lua decides, atomically: already registered (the same
 *     answer again), a seat, the waiting list, or full
 *   4 the answer, with the cancellation token
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
#include "cc_registration.h"


#define NGX_HTTP_CONCERTATION_REG_FIELD      "evenement"
#define NGX_HTTP_CONCERTATION_REG_CONFIRMED  "/inscription-confirmee.html"
#define NGX_HTTP_CONCERTATION_REG_WAITING    "/inscription-attente.html"


typedef struct {
    ngx_http_concertation_req_t         rq;        /* first */
    ngx_http_concertation_store_t       st;        /* its record */
    ngx_str_t                           event_id;  /* as answered */
    ngx_str_t                           address;   /* as answered */
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
static ngx_int_t ngx_http_concertation_register_answer(ngx_http_request_t *r,
    ngx_uint_t status, const char *id, const char *event, ngx_str_t *st,
    long long position);
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
    ngx_str_t  args[6];

    args[0].data = (u_char *) ctx->st.id;
    args[0].len = CC_ID_LEN;
    args[1].data = (u_char *) ctx->st.received_at;
    args[1].len = CC_TIME_LEN;
    args[2] = ctx->event_id;
    args[3] = ctx->st.data;
    args[4].data = (u_char *) ctx->st.client;
    args[4].len = CC_CLIENT_KEY_LEN;
    args[5] = ctx->email;

    return ngx_http_concertation_seats_call(&ctx->cmd,
                                  NGX_HTTP_CONCERTATION_SCRIPT_REGISTER,
                                  ctx->event, args, 6,
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
        return ngx_http_concertation_send_message(r, CC_MSG_EVENT_FULL);
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

    return ngx_http_concertation_register_answer(r,
               code == 1 ? NGX_HTTP_CREATED : NGX_HTTP_OK, (char *) id,
               ctx->event->id, &status, reply->element[3]->integer);

unexpected:

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "unexpected reply to the registration script");

    return ngx_http_concertation_send_message(r, CC_MSG_UNAVAILABLE_REQUEST);
}


static ngx_int_t
ngx_http_concertation_register_answer(ngx_http_request_t *r,
    ngx_uint_t status, const char *id, const char *event, ngx_str_t *st,
    long long position)
{
    u_char     *p, *body;
    size_t      n, len;
    ngx_str_t   location;
    char        token[CC_REG_TOKEN_MAX_LEN + 1];

    n = cc_reg_token_make(ngx_http_concertation_main_conf(r)->keys
                          ->cancel_token,
                          id, event, ngx_strlen(event), token);
    if (n == 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = sizeof("{\"id\":\"\",\"statut\":\"\",\"position\":,"
                 "\"evenement\":\"\",\"jeton_annulation\":\"\"}")
          + CC_ID_LEN + st->len + NGX_INT64_LEN + ngx_strlen(event) + n
          + sizeof("?id=&evenement=&position=&jeton=")
          + sizeof(NGX_HTTP_CONCERTATION_REG_CONFIRMED);

    if (ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_JSON) {
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

    /* a browser goes on to a page saying which; reloading it posts nothing */

    body = ngx_pnalloc(r->pool, len);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

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

    return ngx_http_concertation_send_see_other(r, &location,
                                                CC_PAGE_REGISTERED_TITLE,
                                                CC_PAGE_REGISTERED_TEXT);
}


static ngx_int_t
ngx_http_concertation_register_expired(ngx_http_request_t *r,
    ngx_uint_t maybe_sent)
{
    return ngx_http_concertation_send_message(r, CC_MSG_UNAVAILABLE_REQUEST);
}
