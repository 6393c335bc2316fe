
/*
 * concertation: the cancellation of a registration: POST {"jeton": ...} or
 * jeton=..., read and checked like any form (its one field is the token),
 * then cancel.lua frees the seat, and gives it to the first person on the
 * waiting list.
 */


#include "ngx_http_concertation_cancel.h"
#include "ngx_http_concertation_request.h"
#include "ngx_http_concertation_response.h"
#include "ngx_http_concertation_programme.h"
#include "ngx_http_concertation_seats.h"
#include "ngx_http_concertation_keys.h"
#include "ngx_http_concertation_metrics.h"
#include "cc_registration.h"
#include "cc_record.h"
#include "cc_time.h"


#define NGX_HTTP_CONCERTATION_CANCEL_MAX_BODY  2048


typedef struct {
    ngx_http_concertation_req_t         rq;        /* first */
    ngx_str_t                           token;
    const cc_event_t                   *event;
    ngx_http_concertation_event_cmd_t   cmd;
    char                                id[CC_ID_LEN + 1];
    char                                event_id[CC_REG_EVENT_MAX + 1];
    char                                received_at[CC_TIME_LEN + 1];
} ngx_http_concertation_cancel_ctx_t;


static void ngx_http_concertation_cancel_value(
    ngx_http_concertation_req_t *rq, const char *name, const char *s,
    size_t len);
static ngx_int_t ngx_http_concertation_cancel_start(
    ngx_http_concertation_req_t *rq, char *normalised, size_t len);
static ngx_int_t ngx_http_concertation_cancel_send(
    ngx_http_concertation_cancel_ctx_t *ctx);
static void ngx_http_concertation_cancel_reply(void *data,
    redisReply *reply);
static ngx_int_t ngx_http_concertation_cancel_answer(
    ngx_http_concertation_cancel_ctx_t *ctx);
static ngx_int_t ngx_http_concertation_cancel_expired(ngx_http_request_t *r,
    ngx_uint_t maybe_sent);


const ngx_http_concertation_endpoint_t  ngx_http_concertation_cancel = {
    "cancel the registration",
    sizeof(ngx_http_concertation_cancel_ctx_t),
    CC_MSG_METHOD_CANCEL,
    CC_MSG_TYPE_CANCEL,
    CC_MSG_TOO_LARGE_CANCEL,
    NGX_HTTP_CONCERTATION_CANCEL_MAX_BODY,
    0,
    0,
    ngx_http_concertation_cancel_value,
    ngx_http_concertation_cancel_start,
    ngx_http_concertation_cancel_expired
};


/* the cancellation's form: one field, the token */

static const char  ngx_http_concertation_cancel_form[] =
    "{\"form\": \"annulation\","
    " \"title\": \"Annuler une inscription\","
    " \"fields\": [{\"name\": \"jeton\", \"type\": \"text\","
    " \"required\": true, \"label\": \"Jeton d'annulation\","
    " \"max_length\": 256}]}";


char *
ngx_http_concertation_cancellation(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    cc_schema_t  *schema;
    char          err[256];

    if (clcf->schema) {
        return "is duplicate, or the location has a form already";
    }

    schema = cc_schema_load_buffer("cancellation",
                                    ngx_http_concertation_cancel_form,
                                    sizeof(ngx_http_concertation_cancel_form)
                                    - 1, err, sizeof(err));
    if (schema == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s", err);
        return NGX_CONF_ERROR;
    }

    return ngx_http_concertation_request_conf(cf, clcf, schema,
                                              &ngx_http_concertation_cancel);
}


static void
ngx_http_concertation_cancel_value(ngx_http_concertation_req_t *rq,
    const char *name, const char *s, size_t len)
{
    ngx_http_concertation_cancel_ctx_t  *ctx;

    ctx = (ngx_http_concertation_cancel_ctx_t *) rq;

    ctx->token.data = ngx_pnalloc(rq->request->pool, len + 1);
    if (ctx->token.data == NULL) {
        return;
    }

    *ngx_cpymem(ctx->token.data, s, len) = '\0';
    ctx->token.len = len;
}


static ngx_int_t
ngx_http_concertation_cancel_start(ngx_http_concertation_req_t *rq,
    char *normalised, size_t len)
{
    int                                  v;
    ngx_time_t                          *tp;
    ngx_http_request_t                  *r;
    ngx_http_concertation_cancel_ctx_t  *ctx;
    ngx_http_concertation_main_conf_t   *cmcf;

    /* only the token serves */
    free(normalised);

    r = rq->request;
    ctx = (ngx_http_concertation_cancel_ctx_t *) rq;
    cmcf = ngx_http_concertation_main_conf(r);

    if (ctx->token.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    v = cc_reg_token_check(cmcf->keys->cancel_token,
                           (char *) ctx->token.data, ctx->token.len,
                           ctx->id, ctx->event_id);

    if (v == -1) {
        return ngx_http_concertation_send_message(r, CC_MSG_TOKEN_MALFORMED);
    }

    if (v != 0) {
        return ngx_http_concertation_send_message(r, CC_MSG_TOKEN_FORGED);
    }

    ctx->event = cc_events_find(cmcf->programme->events, ctx->event_id,
                                ngx_strlen(ctx->event_id));

    if (ctx->event == NULL) {
        return ngx_http_concertation_send_message(r,
                                                  CC_MSG_TOKEN_EVENT_GONE);
    }

    if (ngx_http_concertation_seats_keys(r->pool,
                                   &ngx_http_concertation_loc_conf(r)->prefix,
                                   ctx->event, ctx->cmd.keys)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    tp = ngx_timeofday();
    cc_time_rfc3339_ms((int64_t) tp->sec * 1000 + tp->msec,
                       ctx->received_at);

    if (ngx_http_concertation_cancel_send(ctx) != NGX_OK) {
        return ngx_http_concertation_send_message(r,
                                                 CC_MSG_UNAVAILABLE_REQUEST);
    }

    return ngx_http_concertation_request_wait(rq, &ctx->cmd.call);
}


static ngx_int_t
ngx_http_concertation_cancel_send(ngx_http_concertation_cancel_ctx_t *ctx)
{
    ngx_str_t  args[4];

    args[0].data = (u_char *) ctx->id;
    args[0].len = CC_ID_LEN;
    args[1].data = (u_char *) ctx->received_at;
    args[1].len = CC_TIME_LEN;
    args[2].data = (u_char *) ctx->event_id;
    args[2].len = ngx_strlen(ctx->event_id);
    ngx_str_set(&args[3], "");

    return ngx_http_concertation_seats_call(&ctx->cmd,
                                  NGX_HTTP_CONCERTATION_SCRIPT_CANCEL,
                                  ctx->event, args, 4,
                                  ngx_http_concertation_cancel_reply, ctx);
}


static void
ngx_http_concertation_cancel_reply(void *data, redisReply *reply)
{
    ngx_http_concertation_cancel_ctx_t *ctx = data;

    ngx_int_t            rc;
    ngx_http_request_t  *r;

    r = ctx->rq.request;

    if (reply == NULL) {
        rc = ngx_http_concertation_send_message(r,
                                                CC_MSG_UNAVAILABLE_REQUEST);

    } else if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1
               || reply->element[0]->type != REDIS_REPLY_INTEGER)
    {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "unexpected reply to the cancellation script%s%*s",
                      reply->type == REDIS_REPLY_ERROR ? ": " : "",
                      reply->type == REDIS_REPLY_ERROR ? reply->len : 0,
                      reply->str);
        rc = ngx_http_concertation_send_message(r,
                                                CC_MSG_UNAVAILABLE_REQUEST);

    } else if (reply->element[0]->integer == 0) {
        rc = ngx_http_concertation_send_message(r,
                                             CC_MSG_REGISTRATION_NOT_FOUND);

    } else {
        rc = ngx_http_concertation_cancel_answer(ctx);
    }

    ngx_http_concertation_wait_done(&ctx->rq.wait, rc);
}


static ngx_int_t
ngx_http_concertation_cancel_answer(ngx_http_concertation_cancel_ctx_t *ctx)
{
    u_char              *p, *body;
    ngx_http_request_t  *r;

    r = ctx->rq.request;

    ngx_http_concertation_metrics_event(r, ctx->event,
                                        CC_REG_STATE_CANCELLED);
    ngx_http_concertation_metrics_outcome(r, NGX_HTTP_OK, "cancelled",
                                          ctx->id);

    if (ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_HTML) {
        return ngx_http_concertation_send_page(r, NGX_HTTP_OK,
                                               CC_PAGE_CANCELLED_TITLE,
                                               CC_PAGE_CANCELLED_TEXT);
    }

    body = ngx_alloc(sizeof("{\"id\":\"\",\"statut\":\"annulee\","
                            "\"evenement\":\"\"}")
                     + CC_ID_LEN + CC_REG_EVENT_MAX, r->connection->log);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(body, "{\"id\":\"%s\",\"statut\":\"annulee\","
                    "\"evenement\":\"%s\"}", ctx->id, ctx->event_id);
    *p = '\0';

    return ngx_http_concertation_send_json(r, NGX_HTTP_OK, (char *) body);
}


static ngx_int_t
ngx_http_concertation_cancel_expired(ngx_http_request_t *r,
    ngx_uint_t maybe_sent)
{
    return ngx_http_concertation_send_message(r, CC_MSG_UNAVAILABLE_REQUEST);
}
