
/*
 * concertation: the submission request, step by step.
 *
 *   1 method and body headers   (nothing read yet)
 *   2 body read                 (bounded by client_max_body_size)
 *   3 validate                  (src/core, every error at once)
 *   4 store                     (ngx_http_concertation_store.c)
 *   5 respond                   (201/202/303, or 4xx/503 in French)
 */


#include "ngx_http_concertation.h"


static ngx_int_t ngx_http_concertation_refuse_method(ngx_http_request_t *r,
    char *allow, const char *message);
static ngx_int_t ngx_http_concertation_check_body(ngx_http_request_t *r);
static void ngx_http_concertation_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_concertation_read_body(ngx_http_request_t *r,
    ngx_str_t *body);
static char *ngx_http_concertation_validate(ngx_http_request_t *r,
    ngx_str_t *body, size_t *len, ngx_str_t *idempotency, ngx_int_t *rc);


ngx_int_t
ngx_http_concertation_handler(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_concertation_check_method(r,
                            "Ce formulaire s'envoie avec la méthode POST.");
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_concertation_window_check(r);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_concertation_limit_check(r);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_concertation_abuse_check(r);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    rc = ngx_http_concertation_check_body(r);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    r->request_body_in_single_buf = 1;

    if (ngx_http_concertation_abuse_body_start(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_read_client_request_body(r,
                                           ngx_http_concertation_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        /* nginx answers: the body-read deadline must not */
        (void) ngx_http_concertation_abuse_body_done(r);
        return rc;
    }

    return NGX_DONE;
}


/*
 * What can be refused before a byte of the body is read; NGX_DECLINED lets
 * the request go on.
 */

ngx_int_t
ngx_http_concertation_check_method(ngx_http_request_t *r,
    const char *message)
{
    if (r->method != NGX_HTTP_POST) {
        return ngx_http_concertation_refuse_method(r, "POST", message);
    }

    return NGX_DECLINED;
}


/* the same for what is only read: the programme, the status page */

ngx_int_t
ngx_http_concertation_check_get(ngx_http_request_t *r, const char *message)
{
    ngx_int_t  rc;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return ngx_http_concertation_refuse_method(r, "GET, HEAD", message);
    }

    rc = ngx_http_discard_request_body(r);

    return rc == NGX_OK ? NGX_DECLINED : rc;
}


static ngx_int_t
ngx_http_concertation_refuse_method(ngx_http_request_t *r, char *allow,
    const char *message)
{
    ngx_str_t  value;

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    value.data = (u_char *) allow;
    value.len = ngx_strlen(allow);

    if (ngx_http_concertation_add_header(r, "Allow", &value) == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_concertation_send_error(r, NGX_HTTP_NOT_ALLOWED, NULL,
                                            "method_not_allowed", message);
}


/* JSON or a form, in UTF-8: NGX_DECLINED, else the 415 sent */

ngx_int_t
ngx_http_concertation_check_content_type(ngx_http_request_t *r,
    const char *message)
{
    ngx_table_elt_t  *h;

    h = r->headers_in.content_type;

    if (h == NULL
        || cc_content_type((char *) h->value.data, h->value.len)
           == CC_BODY_UNSUPPORTED)
    {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_concertation_send_error(r,
                   NGX_HTTP_UNSUPPORTED_MEDIA_TYPE, NULL,
                   "unsupported_media_type", message);
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_concertation_check_body(ngx_http_request_t *r)
{
    ngx_int_t                          rc;
    ngx_http_concertation_loc_conf_t  *clcf;

    rc = ngx_http_concertation_check_content_type(r,
                   "Le formulaire doit être envoyé en JSON "
                   "(application/json) ou comme un formulaire HTML "
                   "(application/x-www-form-urlencoded), encodé en UTF-8.");
    if (rc != NGX_DECLINED) {
        return rc;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    if (r->headers_in.content_length_n < 0) {
        if (ngx_http_discard_request_body(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_concertation_send_error(r,
                   NGX_HTTP_LENGTH_REQUIRED, NULL, "length_required",
                   "La longueur de l'envoi (Content-Length) doit être "
                   "indiquée.");
    }

    if (r->headers_in.content_length_n > clcf->max_body_size) {
        /* the body is not read: close once the client had the answer */
        r->keepalive = 0;
        r->lingering_close = 1;

        return ngx_http_concertation_send_error(r,
                   NGX_HTTP_REQUEST_ENTITY_TOO_LARGE, NULL, "too_large",
                   "Votre réponse est trop volumineuse pour être "
                   "enregistrée. Raccourcissez vos textes et renvoyez-la.");
    }

    return NGX_DECLINED;
}


static void
ngx_http_concertation_body_handler(ngx_http_request_t *r)
{
    char       *normalised;
    size_t      len;
    ngx_int_t   rc;
    ngx_str_t   body, field, key;

    if (ngx_http_concertation_abuse_body_done(r) == NGX_DONE) {
        /* the body-read deadline has answered and finalized already */
        return;
    }

    rc = ngx_http_concertation_read_body(r, &body);

    if (rc == NGX_OK) {
        normalised = ngx_http_concertation_validate(r, &body, &len, &field,
                                                    &rc);

        if (normalised) {
            rc = ngx_http_concertation_idempotency_key(r, &field, &key);

            if (rc != NGX_DECLINED) {
                free(normalised);
                ngx_http_finalize_request(r, rc);
                return;
            }

            rc = ngx_http_concertation_store(r, normalised, len, &key);

            if (rc == NGX_DONE) {
                /* finalized when Redis answers or the deadline passes */
                return;
            }
        }
    }

    ngx_http_finalize_request(r, rc);
}


/* the body in one piece; it may have been buffered to a temporary file */

static ngx_int_t
ngx_http_concertation_read_body(ngx_http_request_t *r, ngx_str_t *body)
{
    u_char       *p;
    size_t        len;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    body->len = 0;
    body->data = (u_char *) "";

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return NGX_OK;
    }

    cl = r->request_body->bufs;

    if (cl->next == NULL && !cl->buf->in_file) {
        body->data = cl->buf->pos;
        body->len = cl->buf->last - cl->buf->pos;
        return NGX_OK;
    }

    len = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        len += ngx_buf_size(cl->buf);
    }

    p = ngx_pnalloc(r->pool, len + 1);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    body->data = p;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (!b->in_file) {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
            continue;
        }

        /* a local file nginx has just written: served from the page cache */
        n = ngx_read_file(b->file, p, b->file_last - b->file_pos,
                          b->file_pos);

        if (n != b->file_last - b->file_pos) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p += n;
    }

    body->len = p - body->data;

    return NGX_OK;
}


/*
 * The normalised answer (JSON text, malloc()ed: the store takes it), or
 * NULL once the errors were answered with *rc.
 */

static char *
ngx_http_concertation_validate(ngx_http_request_t *r, ngx_str_t *body,
    size_t *len, ngx_str_t *idempotency, ngx_int_t *rc)
{
    int                                json;
    char                              *text;
    json_t                            *errors, *submitted, **sub;
    cc_reserved_t                      reserved;
    ngx_table_elt_t                   *h;
    cc_validation_e                    v;
    ngx_http_concertation_loc_conf_t  *clcf;
    ngx_http_concertation_reserved_t   res;

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);
    h = r->headers_in.content_type;

    /* the form token and the honeypot, read with the answer (issue 3) */

    ngx_memzero(&res, sizeof(ngx_http_concertation_reserved_t));
    res.request = r;
    reserved.handler = ngx_http_concertation_abuse_reserved;
    reserved.data = &res;

    /* what was submitted only serves to redisplay an HTML form */

    submitted = NULL;
    sub = ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_HTML
          ? &submitted : NULL;

    json = cc_content_type((char *) h->value.data, h->value.len)
           == CC_BODY_JSON;

    if (json) {
        v = cc_validate_json_ex(clcf->schema, (char *) body->data, body->len,
                                &text, len, &errors, sub, &reserved);

    } else {
        v = cc_validate_urlencoded_ex(clcf->schema, (char *) body->data,
                                      body->len, &text, len, &errors, sub,
                                      &reserved);
    }

    /* a refused post is refused before its fields are discussed */

    if ((v == CC_VALID || v == CC_INVALID)
        && ngx_http_concertation_abuse_verdict(r, &res) != NGX_OK)
    {
        free(text);
        json_decref(errors);

        if (sub && submitted == NULL) {
            submitted = cc_submitted_body(clcf->schema, json,
                                          (char *) body->data, body->len);
        }

        *rc = ngx_http_concertation_abuse_refuse(r, submitted);
        json_decref(submitted);
        return NULL;
    }

    switch (v) {

    case CC_VALID:
        /* a malformed key is refused, not silently ignored: data NULL */
        *idempotency = res.idempotency;

        if (res.idempotency_bad) {
            idempotency->data = NULL;
            idempotency->len = 1;
        }

        return text;

    case CC_INVALID:
    case CC_MALFORMED:
        *rc = ngx_http_concertation_send_invalid(r,
                  v == CC_INVALID ? NGX_HTTP_CONCERTATION_UNPROCESSABLE
                                  : NGX_HTTP_BAD_REQUEST,
                  errors, submitted);
        json_decref(errors);
        json_decref(submitted);
        return NULL;

    default:
        *rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
        return NULL;
    }
}
