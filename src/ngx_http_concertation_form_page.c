
/*
 * concertation: the page of a form (concertation_form_page).  The location
 * names the address the form posts to; the form's location gives the
 * definition, the window, the abuse controls and the thank-you page, so
 * that nothing is said twice.  While the consultation is open the page is
 * the form, rendered by src/core from the definition, with a fresh form
 * token and idempotency key: the same HTML as the page shown again after
 * an error.  Before and after, the pages named for those phases are served
 * (an internal redirect), or a sentence saying why the form is not there.
 *
 *   location = /questionnaire.html {
 *       concertation_form_page /api/questionnaire
 *                              before=/consultation-a-venir.html
 *                              closed=/consultation-fermee.html;
 *   }
 *
 * "fragment" gives the form alone, for a page that includes it with SSI.
 * Where the form keeps drafts, "?reprise=<code>" shows a draft's answers
 * (read from Redis, not blocking the worker), or says it is not found.
 */


#include "ngx_http_concertation_form_page.h"
#include "ngx_http_concertation_response.h"
#include "ngx_http_concertation_form_view.h"
#include "ngx_http_concertation_wait.h"
#include "ngx_http_concertation_drafts.h"
#include "ngx_http_concertation_window.h"
#include "ngx_http_concertation_pages.h"
#include "cc_http.h"


static ngx_int_t ngx_http_concertation_form_page_handler(
    ngx_http_request_t *r);


char *
ngx_http_concertation_form_page(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    ngx_str_t                     *value, *to;
    ngx_uint_t                     i;
    ngx_http_core_loc_conf_t      *core;
    ngx_http_concertation_page_t  *page;

    core = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->page != NULL || core->handler != NULL) {
        return "is duplicate, or the location already has a handler";
    }

    page = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_page_t));
    if (page == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;
    page->action = value[1];

    if (page->action.len == 0 || page->action.data[0] != '/') {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid form address "
                           "\"%V\": the address the form posts to, starting "
                           "with \"/\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {
        to = NULL;

        if (ngx_strncmp(value[i].data, "before=", 7) == 0) {
            to = &page->before;
            value[i].data += 7;
            value[i].len -= 7;

        } else if (ngx_strncmp(value[i].data, "closed=", 7) == 0) {
            to = &page->closed;
            value[i].data += 7;
            value[i].len -= 7;

        } else if (value[i].len == 8
                   && ngx_strncmp(value[i].data, "fragment", 8) == 0)
        {
            page->fragment = 1;
            continue;
        }

        if (to == NULL || value[i].len == 0 || value[i].data[0] != '/') {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter "
                               "\"%V\" (expected before=/page, closed=/page "
                               "or fragment)", &value[i]);
            return NGX_CONF_ERROR;
        }

        *to = value[i];
    }

    ngx_http_concertation_conf_where(cf, &page->where);
    page->uri = core->name;

    if (ngx_http_concertation_pages_add_page(cf, page) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    clcf->page = page;
    core->handler = ngx_http_concertation_form_page_handler;

    return NGX_CONF_OK;
}


/* a page being shown: with a draft, it waits on Redis first */

typedef struct {
    ngx_http_concertation_wait_t         wait;
    ngx_http_concertation_draft_cmd_t    cmd;
    ngx_str_t                            code;
    ngx_http_request_t                  *request;
} ngx_http_concertation_page_ctx_t;


static ngx_int_t
ngx_http_concertation_page_send(ngx_http_request_t *r, json_t *submitted,
    const char *notice, ngx_str_t *resume)
{
    ngx_http_concertation_page_t  *page;
    ngx_http_concertation_view_t   view;

    page = ngx_http_concertation_loc_conf(r)->page;

    ngx_memzero(&view, sizeof(ngx_http_concertation_view_t));
    view.form = page->form;
    view.action = (char *) page->action.data;
    view.current = (char *) page->uri.data;
    view.submitted = submitted;
    view.notice = notice;
    view.resume = resume ? (char *) resume->data : NULL;
    view.fresh = 1;
    view.fragment = page->fragment;

    /* the registration page: the programme, its seats, then the form */

    if (page->form->registration == 1 && !page->fragment) {
        view.before = ngx_http_concertation_view_programme(r, 0, NULL);
        if (view.before == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    /* a fresh token in every view: never cached (send_html: no-store) */
    return ngx_http_concertation_send_html(r, NGX_HTTP_OK,
               ngx_http_concertation_form_view(r, &view));
}


/* the draft's answers, as they were submitted, or why there are none */

static void
ngx_http_concertation_page_draft(void *data, redisReply *reply)
{
    ngx_http_concertation_page_ctx_t *ctx = data;

    json_t              *sub;
    ngx_int_t            rc;
    ngx_http_request_t  *r;

    r = ctx->request;
    sub = NULL;

    if (reply != NULL && reply->type == REDIS_REPLY_STRING) {
        sub = json_loadb(reply->str, reply->len, 0, NULL);
    }

    if (json_is_object(sub)) {
        rc = ngx_http_concertation_page_send(r, sub, CC_PAGE_DRAFT_RESUMED,
                                             &ctx->code);

    } else {
        rc = ngx_http_concertation_page_send(r, NULL,
                 reply == NULL || reply->type == REDIS_REPLY_ERROR
                 ? CC_PAGE_DRAFT_UNAVAILABLE : CC_PAGE_DRAFT_NOT_FOUND,
                 NULL);
    }

    json_decref(sub);

    ngx_http_concertation_wait_done(&ctx->wait, rc);
}


static ngx_int_t
ngx_http_concertation_page_draft_late(ngx_http_request_t *r,
    ngx_uint_t maybe_sent)
{
    return ngx_http_concertation_page_send(r, NULL,
                                           CC_PAGE_DRAFT_UNAVAILABLE, NULL);
}


/* ?reprise=<code>: the draft is read from Redis, or said not found */

static ngx_int_t
ngx_http_concertation_page_resume(ngx_http_request_t *r, ngx_str_t *arg)
{
    ngx_http_concertation_page_t      *page;
    ngx_http_concertation_page_ctx_t  *ctx;

    page = ngx_http_concertation_loc_conf(r)->page;

    if (!ngx_http_concertation_draft_code_valid(arg)) {
        return ngx_http_concertation_page_send(r, NULL,
                                               CC_PAGE_DRAFT_NOT_FOUND, NULL);
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_concertation_page_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->request = r;
    ctx->code.data = ngx_pnalloc(r->pool, arg->len + 1);
    if (ctx->code.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *ngx_cpymem(ctx->code.data, arg->data, arg->len) = '\0';
    ctx->code.len = arg->len;

    if (ngx_http_concertation_wait_init(&ctx->wait, r, "read a draft",
                                        ngx_http_concertation_page_draft_late)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_concertation_draft_load(r, page->form, &ctx->code,
                                         &ctx->cmd,
                                         ngx_http_concertation_page_draft,
                                         ctx)
        != NGX_OK)
    {
        return ngx_http_concertation_page_send(r, NULL,
                                               CC_PAGE_DRAFT_UNAVAILABLE,
                                               NULL);
    }

    r->main->count++;
    ngx_http_concertation_wait_arm(&ctx->wait, &ctx->cmd.call,
                                   page->form->timeout);

    return NGX_DONE;
}


static ngx_int_t
ngx_http_concertation_form_page_handler(ngx_http_request_t *r)
{
    cc_msg_e                       msg;
    ngx_int_t                      rc;
    ngx_str_t                     *to, arg;
    const char                    *text;
    ngx_http_concertation_page_t  *page;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    page = ngx_http_concertation_loc_conf(r)->page;

    /* before the opening and after the close: the page of that phase */

    if (ngx_http_concertation_window_of(page->form->window, &msg, &text)
        == NGX_OK)
    {
        to = msg == CC_MSG_NOT_OPEN ? &page->before : &page->closed;

        if (to->len && r == r->main) {
            /* the content phase finalizes with what this returns */
            return ngx_http_internal_redirect(r, to, NULL);
        }

        return ngx_http_concertation_send_page(r, NGX_HTTP_OK,
                                   msg == CC_MSG_NOT_OPEN
                                   ? CC_PAGE_NOT_OPEN_TITLE
                                   : CC_PAGE_CLOSED_TITLE, text);
    }

    /* a draft's link: the page with the draft's answers */

    if (page->form->drafts && !page->fragment
        && ngx_http_arg(r, (u_char *) "reprise", sizeof("reprise") - 1, &arg)
           == NGX_OK)
    {
        return ngx_http_concertation_page_resume(r, &arg);
    }

    return ngx_http_concertation_page_send(r, NULL, NULL, NULL);
}
