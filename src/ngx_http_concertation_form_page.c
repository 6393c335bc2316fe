
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
 */


#include <openssl/rand.h>

#include "ngx_http_concertation_form_page.h"
#include "ngx_http_concertation_response.h"
#include "ngx_http_concertation_abuse.h"
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

    if (ngx_http_concertation_pages_add_page(cf, page) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    clcf->page = page;
    core->handler = ngx_http_concertation_form_page_handler;

    return NGX_CONF_OK;
}


/* a fresh idempotency key for this view: a UUID of random bits */

static u_char *
ngx_http_concertation_page_key(ngx_http_request_t *r)
{
    u_char  *key;
    u_char   b[16];

    if (RAND_bytes(b, sizeof(b)) != 1) {
        return NULL;
    }

    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;

    key = ngx_pnalloc(r->pool, 37);
    if (key == NULL) {
        return NULL;
    }

    ngx_sprintf(key, "%*xs-%*xs-%*xs-%*xs-%*xs%Z", (size_t) 4, b,
                (size_t) 2, b + 4, (size_t) 2, b + 6, (size_t) 2, b + 8,
                (size_t) 6, b + 10);

    return key;
}


static ngx_int_t
ngx_http_concertation_form_page_handler(ngx_http_request_t *r)
{
    size_t                              len;
    u_char                             *token, *key, *current;
    cc_msg_e                            msg;
    ngx_int_t                           rc;
    ngx_str_t                           type, *to;
    ngx_buf_t                          *b;
    const char                         *text;
    char                               *body;
    cc_form_page_t                      fp;
    cc_page_plumbing_t                  pl;
    ngx_http_concertation_page_t       *page;
    ngx_http_concertation_loc_conf_t   *form;
    ngx_http_concertation_main_conf_t  *cmcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    page = ngx_http_concertation_loc_conf(r)->page;
    form = page->form;
    cmcf = ngx_http_concertation_main_conf(r);

    /* before the opening and after the close: the page of that phase */

    if (ngx_http_concertation_window_of(form->window, &msg, &text)
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

    token = ngx_http_concertation_abuse_mint(r, 0, &len);
    key = ngx_http_concertation_page_key(r);
    current = ngx_pnalloc(r->pool, r->uri.len + 1);

    if (token == NULL || key == NULL || current == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *ngx_cpymem(current, r->uri.data, r->uri.len) = '\0';

    pl.token_name = NGX_HTTP_CONCERTATION_TOKEN_FIELD;
    pl.token = (char *) token;
    pl.honeypot = form->abuse->honeypot.len
                  ? (char *) form->abuse->honeypot.data : NULL;

    ngx_memzero(&fp, sizeof(cc_form_page_t));
    fp.action = (char *) page->action.data;
    fp.thanks = form->registration ? NULL : (char *) form->thanks.data;
    fp.key = (char *) key;
    fp.pl = &pl;
    fp.current = (char *) current;
    fp.fragment = page->fragment ? 1 : 0;

    body = cc_form_page_html(form->schema, &cmcf->pages->shell, NULL, NULL,
                             &fp);
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = ngx_strlen(body);

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        free(body);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->pos, body, len);
    free(body);

    ngx_str_set(&type, "text/html; charset=utf-8");

    /* a fresh token in every view: never cached */
    return ngx_http_concertation_send_buf(r, NGX_HTTP_OK, &type, "no-store",
                                          b);
}
