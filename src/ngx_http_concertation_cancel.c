
/*
 * concertation: the cancellation of a registration.
 *
 *   GET ?jeton=...   shows the registration (lookup.lua, read only) and a
 *                    button: a link followed by a mail scanner or a link
 *                    preview cancels nothing
 *   POST jeton=...   (or {"jeton": ...}) read and checked like any form
 *                    (its one field is the token), then cancel.lua frees
 *                    the seat and gives it to the first person waiting
 *
 * The token is taken out of the request line once read, so that neither
 * the access log nor an error line carries it, whatever the log format.
 */


#include "ngx_http_concertation_cancel.h"
#include "ngx_http_concertation_request.h"
#include "ngx_http_concertation_response.h"
#include "ngx_http_concertation_programme.h"
#include "ngx_http_concertation_seats.h"
#include "ngx_http_concertation_keys.h"
#include "ngx_http_concertation_metrics.h"
#include "ngx_http_concertation_pages.h"
#include "ngx_http_concertation_wait.h"
#include "cc_registration.h"
#include "cc_reg_html.h"
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
    ngx_str_t                           link;      /* GET: the token */
    ngx_http_concertation_wait_t        show;      /* GET: its wait */
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
    ngx_http_concertation_cancel_ctx_t *ctx, redisReply *reply);
static ngx_int_t ngx_http_concertation_cancel_expired(ngx_http_request_t *r,
    ngx_uint_t maybe_sent);
static ngx_int_t ngx_http_concertation_cancel_handler(ngx_http_request_t *r);
static void ngx_http_concertation_cancel_shown(void *data,
    redisReply *reply);
static void ngx_http_concertation_cancel_view(
    ngx_http_concertation_cancel_ctx_t *ctx, cc_reg_view_t *v,
    cc_reg_status_e status, redisReply *name);


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

    cc_schema_t                    *schema;
    ngx_http_core_loc_conf_t       *core;
    ngx_http_concertation_pages_t      *pages;
    ngx_http_concertation_main_conf_t  *cmcf;
    char                                err[256];

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

    if (ngx_http_concertation_request_conf(cf, clcf, schema,
                                           &ngx_http_concertation_cancel)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    /* GET shows, POST cancels */

    core = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    core->handler = ngx_http_concertation_cancel_handler;

    /* the links (pages, e-mails) lead to the first such location */

    cmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_concertation_module);
    pages = cmcf->pages;

    if (pages->cancel.len == 0) {
        pages->cancel = core->name;
    }

    return NGX_CONF_OK;
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


/* the token: its registration, its event, that event's keys */

static ngx_int_t
ngx_http_concertation_cancel_token(ngx_http_concertation_cancel_ctx_t *ctx)
{
    int                                  v;
    ngx_http_request_t                  *r;
    ngx_http_concertation_main_conf_t   *cmcf;

    r = ctx->rq.request;
    cmcf = ngx_http_concertation_main_conf(r);

    if (ctx->token.data == NULL) {
        return ngx_http_concertation_send_message(r, CC_MSG_TOKEN_MALFORMED);
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

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_concertation_cancel_start(ngx_http_concertation_req_t *rq,
    char *normalised, size_t len)
{
    ngx_int_t                            rc;
    ngx_time_t                          *tp;
    ngx_http_concertation_cancel_ctx_t  *ctx;

    /* only the token serves */
    free(normalised);

    ctx = (ngx_http_concertation_cancel_ctx_t *) rq;

    rc = ngx_http_concertation_cancel_token(ctx);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    tp = ngx_timeofday();
    cc_time_rfc3339_ms((int64_t) tp->sec * 1000 + tp->msec,
                       ctx->received_at);

    if (ngx_http_concertation_cancel_send(ctx) != NGX_OK) {
        return ngx_http_concertation_send_message(rq->request,
                                                 CC_MSG_UNAVAILABLE_REQUEST);
    }

    return ngx_http_concertation_request_wait(rq, &ctx->cmd.call);
}


/*
 * The request line without the token: the access log's $request, the
 * error log's "request:", $request_uri and $args all read these.
 */

static void
ngx_http_concertation_cancel_mask(ngx_http_request_t *r)
{
    u_char  *p;

    p = ngx_pnalloc(r->pool, r->method_name.len + r->uri.len
                             + r->http_protocol.len
                             + sizeof(" ?jeton=- "));
    if (p == NULL) {
        return;
    }

    r->request_line.data = p;
    r->request_line.len = ngx_sprintf(p, "%V %V?jeton=-%s%V",
                                      &r->method_name, &r->uri,
                                      r->http_protocol.len ? " " : "",
                                      &r->http_protocol)
                          - p;

    r->unparsed_uri.data = p + r->method_name.len + 1;
    r->unparsed_uri.len = r->uri.len + sizeof("?jeton=-") - 1;
    r->args.data = r->unparsed_uri.data + r->uri.len + 1;
    r->args.len = sizeof("jeton=-") - 1;
}


static ngx_int_t
ngx_http_concertation_cancel_late(ngx_http_request_t *r,
    ngx_uint_t maybe_sent)
{
    return ngx_http_concertation_send_message(r, CC_MSG_UNAVAILABLE_REQUEST);
}


/* GET: the registration behind the link, and the button */

static ngx_int_t
ngx_http_concertation_cancel_handler(ngx_http_request_t *r)
{
    u_char                              *dst, *src;
    ngx_int_t                            rc;
    ngx_str_t                            arg, args[1];
    ngx_http_concertation_cancel_ctx_t  *ctx;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return ngx_http_concertation_request_handler(r);
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_concertation_cancel_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->rq.request = r;

    if (ngx_http_arg(r, (u_char *) "jeton", sizeof("jeton") - 1, &arg)
        == NGX_OK
        && arg.len <= CC_REG_TOKEN_MAX_LEN * 3)
    {
        ctx->token.data = ngx_pnalloc(r->pool, arg.len + 1);
        if (ctx->token.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        dst = ctx->token.data;
        src = arg.data;
        ngx_unescape_uri(&dst, &src, arg.len, 0);
        ctx->token.len = dst - ctx->token.data;
        *dst = '\0';
    }

    ngx_http_concertation_cancel_mask(r);

    rc = ngx_http_concertation_cancel_token(ctx);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (ngx_http_concertation_wait_init(&ctx->show, r,
                                        "read a registration",
                                        ngx_http_concertation_cancel_late)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    args[0].data = (u_char *) ctx->id;
    args[0].len = CC_ID_LEN;

    if (ngx_http_concertation_seats_call(&ctx->cmd,
                                  NGX_HTTP_CONCERTATION_SCRIPT_LOOKUP,
                                  ctx->event, args, 1,
                                  ngx_http_concertation_cancel_shown, ctx)
        != NGX_OK)
    {
        return ngx_http_concertation_send_message(r,
                                                 CC_MSG_UNAVAILABLE_REQUEST);
    }

    r->main->count++;
    ngx_http_concertation_wait_arm(&ctx->show, &ctx->cmd.call,
                                   ngx_http_concertation_loc_conf(r)->timeout);

    return NGX_DONE;
}


/* {0}, or {1, status, e-mail, name, position} */

static void
ngx_http_concertation_cancel_shown(void *data, redisReply *reply)
{
    ngx_http_concertation_cancel_ctx_t *ctx = data;

    u_char              *p;
    ngx_int_t            rc;
    redisReply         **e;
    cc_reg_view_t        v;
    cc_reg_status_e      status;
    ngx_http_request_t  *r;

    r = ctx->rq.request;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY
        || reply->elements < 1
        || reply->element[0]->type != REDIS_REPLY_INTEGER
        || (reply->element[0]->integer == 1
            && (reply->elements < 5
                || reply->element[1]->type != REDIS_REPLY_STRING
                || reply->element[4]->type != REDIS_REPLY_INTEGER)))
    {
        rc = ngx_http_concertation_send_message(r,
                                                CC_MSG_UNAVAILABLE_REQUEST);
        goto done;
    }

    if (reply->element[0]->integer == 0) {
        rc = ngx_http_concertation_send_message(r,
                                             CC_MSG_REGISTRATION_NOT_FOUND);
        goto done;
    }

    e = reply->element;

    status = ngx_strncmp(e[1]->str, "confirmed", e[1]->len) == 0
             ? CC_REG_CONFIRMED
             : ngx_strncmp(e[1]->str, "waitlisted", e[1]->len) == 0
               ? CC_REG_WAITLISTED : CC_REG_CANCELLED;

    if (ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_JSON) {
        p = ngx_alloc(sizeof("{\"id\":\"\",\"evenement\":\"\",\"statut\":"
                             "\"liste_attente\",\"position\":}")
                      + CC_ID_LEN + CC_REG_EVENT_MAX + NGX_INT64_LEN,
                      r->connection->log);
        if (p == NULL) {
            rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
            goto done;
        }

        *ngx_sprintf(p, "{\"id\":\"%s\",\"evenement\":\"%s\",\"statut\":"
                     "\"%s\",\"position\":%L}", ctx->id, ctx->event_id,
                     status == CC_REG_CONFIRMED ? "confirmee"
                     : status == CC_REG_WAITLISTED ? "liste_attente"
                                                   : "annulee",
                     (int64_t) e[4]->integer) = '\0';

        rc = ngx_http_concertation_send_json(r, NGX_HTTP_OK, (char *) p);
        goto done;
    }

    ngx_http_concertation_cancel_view(ctx, &v, status, e[3]);
    v.position = e[4]->integer;

    rc = ngx_http_concertation_send_html(r, NGX_HTTP_OK,
             cc_reg_cancel_html(
                 &ngx_http_concertation_main_conf(r)->pages->shell, &v));

done:

    ngx_http_concertation_wait_done(&ctx->show, rc);
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
        rc = ngx_http_concertation_cancel_answer(ctx, reply);
    }

    ngx_http_concertation_wait_done(&ctx->rq.wait, rc);
}


static ngx_int_t
ngx_http_concertation_cancel_answer(ngx_http_concertation_cancel_ctx_t *ctx,
    redisReply *reply)
{
    u_char              *p, *body;
    redisReply          *e;
    cc_reg_view_t        v;
    cc_reg_status_e      was;
    ngx_http_request_t  *r;

    r = ctx->rq.request;

    /* {1, promoted, status before, name} */

    was = CC_REG_CONFIRMED;

    if (reply->elements >= 3 && reply->element[2]->type == REDIS_REPLY_STRING)
    {
        e = reply->element[2];

        if (e->len == sizeof("waitlisted") - 1
            && ngx_strncmp(e->str, "waitlisted", e->len) == 0)
        {
            was = CC_REG_WAITLISTED;

        } else if (e->len == sizeof("cancelled") - 1
                   && ngx_strncmp(e->str, "cancelled", e->len) == 0)
        {
            was = CC_REG_CANCELLED;
        }
    }

    if (was != CC_REG_CANCELLED) {
        ngx_http_concertation_metrics_event(r, ctx->event,
                                            CC_REG_STATE_CANCELLED);
    }

    ngx_http_concertation_metrics_outcome(r, NGX_HTTP_OK, "cancelled",
                                          ctx->id);

    if (ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_HTML) {
        ngx_http_concertation_cancel_view(ctx, &v, was,
                               reply->elements >= 4 ? reply->element[3]
                                                    : NULL);

        return ngx_http_concertation_send_html(r, NGX_HTTP_OK,
                   cc_reg_cancelled_html(
                       &ngx_http_concertation_main_conf(r)->pages->shell, &v,
                       reply->elements >= 2
                       && reply->element[1]->type == REDIS_REPLY_STRING
                       && reply->element[1]->len > 0));
    }

    body = ngx_alloc(sizeof("{\"id\":\"\",\"statut\":\"annulee\","
                            "\"evenement\":\"\",\"deja_annulee\":false}")
                     + CC_ID_LEN + CC_REG_EVENT_MAX, r->connection->log);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(body, "{\"id\":\"%s\",\"statut\":\"annulee\","
                    "\"evenement\":\"%s\",\"deja_annulee\":%s}", ctx->id,
                    ctx->event_id, was == CC_REG_CANCELLED ? "true"
                                                           : "false");
    *p = '\0';

    return ngx_http_concertation_send_json(r, NGX_HTTP_OK, (char *) body);
}


/* what the pages show of a registration */

static void
ngx_http_concertation_cancel_view(ngx_http_concertation_cancel_ctx_t *ctx,
    cc_reg_view_t *v, cc_reg_status_e status, redisReply *name)
{
    u_char                         *p;
    ngx_http_request_t             *r;
    ngx_http_concertation_pages_t  *pages;

    r = ctx->rq.request;
    pages = ngx_http_concertation_main_conf(r)->pages;

    ngx_memzero(v, sizeof(cc_reg_view_t));
    v->event = ctx->event;
    v->status = status;
    v->token = (char *) ctx->token.data;
    v->cancel = (char *) pages->cancel.data;
    v->signup = pages->signup.len ? (char *) pages->signup.data : NULL;
    v->mailed = ngx_http_concertation_loc_conf(r)->notify;

    if (name != NULL && name->type == REDIS_REPLY_STRING && name->len) {
        p = ngx_pnalloc(r->pool, name->len + 1);

        if (p != NULL) {
            *ngx_cpymem(p, name->str, name->len) = '\0';
            v->name = (char *) p;
        }
    }
}


static ngx_int_t
ngx_http_concertation_cancel_expired(ngx_http_request_t *r,
    ngx_uint_t maybe_sent)
{
    return ngx_http_concertation_send_message(r, CC_MSG_UNAVAILABLE_REQUEST);
}
