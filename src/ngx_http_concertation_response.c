
/*
 * concertation: answers, as JSON for scripts and as French HTML pages for
 * browsers posting a plain form.  The texts are src/core/cc_messages.c's,
 * the bodies are made in src/core/.  Each answer records its outcome in
 * the request's tally (ngx_http_concertation_metrics.c).
 */


#include "ngx_http_concertation_response.h"
#include "ngx_http_concertation_headers.h"
#include "ngx_http_concertation_abuse.h"
#include "ngx_http_concertation_metrics.h"
#include "ngx_http_concertation_pages.h"
#include "ngx_http_concertation_form_view.h"
#include "cc_http.h"
#include "cc_record.h"


static ngx_int_t ngx_http_concertation_send(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *type, char *body);
static ngx_int_t ngx_http_concertation_retry_after(ngx_http_request_t *r,
    uint64_t seconds);
static char *ngx_http_concertation_message_page(ngx_http_request_t *r,
    const char *title, const char *text);


static ngx_str_t  ngx_http_concertation_json_type =
    ngx_string("application/json");
static ngx_str_t  ngx_http_concertation_html_type =
    ngx_string("text/html; charset=utf-8");


ngx_http_concertation_format_e
ngx_http_concertation_format(ngx_http_request_t *r)
{
    ngx_str_t  *accept;

    /* the first Accept counts when there are several */
    (void) ngx_http_concertation_header(r, "Accept", sizeof("Accept") - 1,
                                        &accept);

    return accept && cc_accept_prefers_html((char *) accept->data,
                                            accept->len)
           ? NGX_HTTP_CONCERTATION_HTML : NGX_HTTP_CONCERTATION_JSON;
}


ngx_int_t
ngx_http_concertation_send_message(ngx_http_request_t *r, cc_msg_e msg)
{
    return ngx_http_concertation_send_text(r, msg, cc_message(msg)->text);
}


ngx_int_t
ngx_http_concertation_send_text(ngx_http_request_t *r, cc_msg_e msg,
    const char *text)
{
    char                *body;
    const cc_message_t  *m;

    m = cc_message(msg);

    ngx_http_concertation_metrics_outcome(r, m->status, m->code, NULL);

    if (m->status == NGX_HTTP_SERVICE_UNAVAILABLE
        && ngx_http_concertation_retry_after(r,
               (uint64_t) ngx_http_concertation_loc_conf(r)->retry_after)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_HTML) {
        body = ngx_http_concertation_message_page(r, m->status >= 500
                                    ? CC_PAGE_UNAVAILABLE_TITLE
                                    : CC_PAGE_ERROR_TITLE, text);

        return ngx_http_concertation_send(r, m->status,
                                          &ngx_http_concertation_html_type,
                                          body);
    }

    body = cc_error_body_json(m->field, m->code, text);

    return ngx_http_concertation_send(r, m->status,
                                      &ngx_http_concertation_json_type, body);
}


ngx_int_t
ngx_http_concertation_send_limited(ngx_http_request_t *r,
    uint64_t retry_after)
{
    u_char      *p, *text;
    uint64_t     n;
    const char  *unit;
    u_char       wait[NGX_INT64_LEN + sizeof(" secondes")];

    if (ngx_http_concertation_retry_after(r, retry_after) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the wait in the largest unit that keeps it readable, rounded up */

    if (retry_after < 120) {
        n = retry_after;
        unit = n > 1 ? "secondes" : "seconde";

    } else if (retry_after < 2 * 3600) {
        n = (retry_after + 59) / 60;
        unit = "minutes";

    } else {
        n = (retry_after + 3599) / 3600;
        unit = "heures";
    }

    p = ngx_sprintf(wait, "%uL %s", n, unit);
    *p = '\0';

    text = ngx_pnalloc(r->pool, 512);
    if (text == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the table's text has one %s, for the wait */
    (void) snprintf((char *) text, 512,
                    cc_message(CC_MSG_RATE_LIMITED)->text, wait);

    return ngx_http_concertation_send_text(r, CC_MSG_RATE_LIMITED,
                                           (const char *) text);
}


static ngx_int_t
ngx_http_concertation_retry_after(ngx_http_request_t *r, uint64_t seconds)
{
    ngx_str_t  value;

    value.data = ngx_pnalloc(r->pool, NGX_INT64_LEN);
    if (value.data == NULL) {
        return NGX_ERROR;
    }

    value.len = ngx_sprintf(value.data, "%uL", seconds) - value.data;

    return ngx_http_concertation_add_header(r, "Retry-After", &value)
           ? NGX_OK : NGX_ERROR;
}


ngx_int_t
ngx_http_concertation_send_invalid(ngx_http_request_t *r, ngx_uint_t status,
    cc_errors_t *errors, json_t *submitted)
{
    return ngx_http_concertation_send_invalid_ex(r, status, errors,
                                                 submitted, NULL);
}


ngx_int_t
ngx_http_concertation_send_invalid_ex(ngx_http_request_t *r,
    ngx_uint_t status, cc_errors_t *errors, json_t *submitted,
    const char *before)
{
    char                          *body;
    ngx_http_concertation_view_t   view;

    ngx_http_concertation_metrics_outcome(r, status, NULL, NULL);

    if (ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_JSON) {
        return ngx_http_concertation_send(r, status,
                                          &ngx_http_concertation_json_type,
                                          cc_errors_json(errors, NULL));
    }

    /* the page is rare and made with jansson: the errors as an array */

    ngx_memzero(&view, sizeof(ngx_http_concertation_view_t));

    view.errors = cc_errors_to_json(errors);
    view.submitted = submitted;
    view.before = before;

    if (view.errors == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the page of the form, the same HTML, the answers and errors added */

    body = ngx_http_concertation_form_view(r, &view);
    json_decref(view.errors);

    return ngx_http_concertation_send(r, status,
                                      &ngx_http_concertation_html_type, body);
}


ngx_int_t
ngx_http_concertation_send_refused(ngx_http_request_t *r, json_t *submitted)
{
    ngx_int_t            rc;
    cc_errors_t         *errors;
    const cc_message_t  *m;

    m = cc_message(CC_MSG_REFUSED);
    errors = NULL;

    if (cc_errors_add(&errors, NULL, 0, m->code, m->text) != 0) {
        cc_errors_free(errors);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_concertation_send_invalid(r, m->status, errors, submitted);
    cc_errors_free(errors);

    return rc;
}


ngx_int_t
ngx_http_concertation_send_created(ngx_http_request_t *r, ngx_uint_t status,
    const char *id)
{
    char                              *body;
    u_char                            *p;
    size_t                             len;
    ngx_str_t                          location;
    ngx_http_concertation_loc_conf_t  *clcf;

    ngx_http_concertation_metrics_outcome(r, status, NULL, id);

    if (ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_JSON) {
        body = ngx_alloc(sizeof("{\"id\":\"\"}") + CC_ID_LEN,
                         r->connection->log);
        if (body == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        *ngx_sprintf((u_char *) body, "{\"id\":\"%s\"}", id) = '\0';

        /* 201: in Redis; 202: in the local spool, on its way there */
        return ngx_http_concertation_send(r, status,
                                          &ngx_http_concertation_json_type,
                                          body);
    }

    /* a browser goes on to the thank-you page: reloading it posts nothing */

    clcf = ngx_http_concertation_loc_conf(r);

    len = clcf->thanks.len + sizeof("?id=") - 1 + CC_ID_LEN;

    location.data = ngx_pnalloc(r->pool, len);
    if (location.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_cpymem(location.data, clcf->thanks.data, clcf->thanks.len);
    p = ngx_cpymem(p, ngx_strlchr(clcf->thanks.data,
                                  clcf->thanks.data + clcf->thanks.len, '?')
                      ? "&id=" : "?id=",
                   sizeof("?id=") - 1);
    p = ngx_cpymem(p, id, CC_ID_LEN);
    location.len = p - location.data;

    return ngx_http_concertation_send_see_other(r, &location,
                                                CC_PAGE_THANKS_TITLE,
                                                CC_PAGE_THANKS_TEXT);
}


ngx_int_t
ngx_http_concertation_send_see_other(ngx_http_request_t *r,
    ngx_str_t *location, const char *title, const char *text)
{
    ngx_table_elt_t  *h;

    h = ngx_http_concertation_add_header(r, "Location", location);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.location = h;

    return ngx_http_concertation_send(r, NGX_HTTP_SEE_OTHER,
                                      &ngx_http_concertation_html_type,
                                      ngx_http_concertation_message_page(r,
                                          title, text));
}


ngx_int_t
ngx_http_concertation_send_page(ngx_http_request_t *r, ngx_uint_t status,
    const char *title, const char *text)
{
    return ngx_http_concertation_send(r, status,
                                      &ngx_http_concertation_html_type,
                                      ngx_http_concertation_message_page(r,
                                          title, text));
}


ngx_int_t
ngx_http_concertation_send_html(ngx_http_request_t *r, ngx_uint_t status,
    char *body)
{
    return ngx_http_concertation_send(r, status,
                                      &ngx_http_concertation_html_type, body);
}


ngx_int_t
ngx_http_concertation_send_json(ngx_http_request_t *r, ngx_uint_t status,
    char *body)
{
    return ngx_http_concertation_send(r, status,
                                      &ngx_http_concertation_json_type, body);
}


/* a page of one sentence, in the site's shell */

static char *
ngx_http_concertation_message_page(ngx_http_request_t *r, const char *title,
    const char *text)
{
    return cc_message_page_html_ex(
               &ngx_http_concertation_main_conf(r)->pages->shell, title,
               text);
}


/* sends a malloc()ed body (NULL: no memory) and frees it */

static ngx_int_t
ngx_http_concertation_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, char *body)
{
    size_t      len;
    ngx_buf_t  *b;

    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = ngx_strlen(body);

    b = ngx_create_temp_buf(r->pool, len ? len : 1);
    if (b == NULL) {
        free(body);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->pos, body, len);
    free(body);

    /* nginx knows no reason phrase for these */

    if (status == NGX_HTTP_CONCERTATION_UNPROCESSABLE) {
        ngx_str_set(&r->headers_out.status_line,
                    "422 Unprocessable Entity");
    }

    return ngx_http_concertation_send_buf(r, status, type, "no-store", b);
}


/*
 * Every answer the module makes goes out here: b is the whole body, sent
 * with its status, type and Cache-Control (a HEAD gets the headers only).
 */

ngx_int_t
ngx_http_concertation_send_buf(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, const char *cache_control, ngx_buf_t *b)
{
    u_char       *semi;
    ngx_int_t     rc;
    ngx_str_t     value;
    ngx_chain_t   out;

    /* the media type alone, as the filters (gzip_types...) look it up */
    semi = ngx_strlchr(type->data, type->data + type->len, ';');

    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = semi ? (size_t) (semi - type->data)
                                           : type->len;
    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;

    value.data = (u_char *) cache_control;
    value.len = ngx_strlen(cache_control);

    if (ngx_http_concertation_add_header(r, "Cache-Control", &value)
        == NULL)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (r->method == NGX_HTTP_HEAD) {
        r->header_only = 1;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}
