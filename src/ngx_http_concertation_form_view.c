
/*
 * concertation: the page of a form, made by src/core (cc_form_page_html())
 * from the form's definition; this file gathers what the page carries from
 * the configuration and the request.
 */


#include <openssl/rand.h>

#include "ngx_http_concertation_form_view.h"
#include "ngx_http_concertation_abuse.h"
#include "ngx_http_concertation_pages.h"
#include "ngx_http_concertation_programme.h"
#include "cc_http.h"
#include "cc_reg_html.h"


/* a fresh idempotency key for a page view: a UUID of random bits */

static u_char *
ngx_http_concertation_view_key(ngx_http_request_t *r)
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


static char *
ngx_http_concertation_view_cstr(ngx_http_request_t *r, ngx_str_t *s)
{
    u_char  *p;

    p = ngx_pnalloc(r->pool, s->len + 1);
    if (p != NULL) {
        *ngx_cpymem(p, s->data, s->len) = '\0';
    }

    return (char *) p;
}


char *
ngx_http_concertation_form_view(ngx_http_request_t *r,
    ngx_http_concertation_view_t *v)
{
    size_t                              len;
    u_char                             *token;
    cc_form_page_t                      fp;
    cc_page_plumbing_t                  pl;
    ngx_http_concertation_loc_conf_t   *form;
    ngx_http_concertation_main_conf_t  *cmcf;

    form = v->form ? v->form : ngx_http_concertation_loc_conf(r);
    cmcf = ngx_http_concertation_main_conf(r);

    ngx_memzero(&fp, sizeof(cc_form_page_t));

    /* a form shown again posts back to where it was posted */
    fp.action = v->action ? v->action
                          : ngx_http_concertation_view_cstr(r, &r->uri);
    fp.thanks = form->registration ? NULL : (char *) form->thanks.data;
    fp.notice = v->notice;
    fp.draft = v->draft;
    fp.resume = v->resume;
    fp.current = v->current;
    fp.drafts = form->drafts ? 1 : 0;
    fp.fragment = v->fragment;
    fp.fields = form->fields_html;
    fp.before = v->before;
    fp.native = form->registration == 1;
    fp.pl = &pl;

    if (v->fresh) {
        token = ngx_http_concertation_abuse_mint(r, &len);
        fp.key = (char *) ngx_http_concertation_view_key(r);

        if (token == NULL || fp.key == NULL) {
            return NULL;
        }

        pl.token_name = NGX_HTTP_CONCERTATION_TOKEN_FIELD;
        pl.token = (char *) token;
        pl.honeypot = form->abuse->honeypot.len
                      ? (char *) form->abuse->honeypot.data : NULL;

    } else if (ngx_http_concertation_abuse_plumbing(r,
                   json_string_value(json_object_get(v->submitted,
                                          NGX_HTTP_CONCERTATION_TOKEN_FIELD)),
                   &pl) != NGX_OK)
    {
        return NULL;
    }

    if (fp.action == NULL) {
        return NULL;
    }

    return cc_form_page_html(form->schema, &cmcf->pages->shell, v->errors,
                             v->submitted, &fp);
}


char *
ngx_http_concertation_view_programme(ngx_http_request_t *r,
    ngx_uint_t room_only, const cc_event_t *except)
{
    char                               *html;
    u_char                             *p;
    size_t                              len;
    cc_seats_t                         *seats;
    ngx_http_concertation_programme_t  *pg;

    pg = ngx_http_concertation_main_conf(r)->programme;

    seats = pg->zone ? ngx_http_concertation_programme_seats(pg, r->pool)
                     : NULL;

    html = cc_programme_html(pg->events, seats, (int64_t) ngx_time(),
                             (int) room_only, except);
    if (html == NULL) {
        return NULL;
    }

    len = ngx_strlen(html);
    p = ngx_pnalloc(r->pool, len + 1);

    if (p != NULL) {
        ngx_memcpy(p, html, len + 1);
    }

    free(html);

    return (char *) p;
}
