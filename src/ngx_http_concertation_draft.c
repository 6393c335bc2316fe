
/*
 * concertation: a draft posted with the form.  What was submitted (the
 * answers as typed, valid or not: a draft may be half done) is kept, the
 * form plumbing ("_" names) left out, under a new resume code, or under
 * the code of the draft it was resumed from, so that its link stays the
 * same.  The person gets the form again, with the link to keep; a script
 * gets {"reprise": link}.  The limits, the window and the abuse controls
 * have applied as to an answer; the body bound too.
 */


#include "ngx_http_concertation_draft.h"
#include "ngx_http_concertation_drafts.h"
#include "ngx_http_concertation_wait.h"
#include "ngx_http_concertation_response.h"
#include "ngx_http_concertation_form_view.h"
#include "ngx_http_concertation_metrics.h"
#include "ngx_http_concertation_pages.h"


typedef struct {
    ngx_http_concertation_req_t        *rq;
    ngx_http_concertation_draft_cmd_t   cmd;
    json_t                             *submitted;
    ngx_str_t                           code;
    ngx_str_t                           json;
} ngx_http_concertation_draft_t;


static void ngx_http_concertation_draft_saved(void *data, redisReply *reply);
static ngx_int_t ngx_http_concertation_draft_late(ngx_http_request_t *r,
    ngx_uint_t maybe_sent);
static void ngx_http_concertation_draft_cleanup(void *data);


ngx_uint_t
ngx_http_concertation_draft_field(ngx_http_concertation_req_t *rq,
    const char *name, size_t name_len, const char *value, size_t value_len)
{
    if (name_len == sizeof("_brouillon") - 1
        && ngx_strncmp(name, "_brouillon", name_len) == 0)
    {
        rq->draft = value != NULL && value_len > 0;
        return 1;
    }

    if (name_len == sizeof("_reprise") - 1
        && ngx_strncmp(name, "_reprise", name_len) == 0)
    {
        rq->resume.len = 0;

        if (value == NULL || value_len > NGX_HTTP_CONCERTATION_DRAFT_CODE_LEN)
        {
            return 1;
        }

        rq->resume.data = ngx_pnalloc(rq->request->pool, value_len + 1);
        if (rq->resume.data == NULL) {
            return 1;
        }

        *ngx_cpymem(rq->resume.data, value, value_len) = '\0';
        rq->resume.len = value_len;

        if (!ngx_http_concertation_draft_code_valid(&rq->resume)) {
            rq->resume.len = 0;
        }

        return 1;
    }

    return 0;
}


/* the answers as typed, without the form's plumbing, as compact JSON */

static ngx_int_t
ngx_http_concertation_draft_text(ngx_http_concertation_draft_t *d)
{
    char        *text;
    void        *tmp;
    const char  *key;
    json_t      *v;

    json_object_foreach_safe(d->submitted, tmp, key, v) {
        if (key[0] == '_') {
            json_object_del(d->submitted, key);
        }
    }

    text = json_dumps(d->submitted, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        return NGX_ERROR;
    }

    d->json.len = ngx_strlen(text);
    d->json.data = ngx_pnalloc(d->rq->request->pool, d->json.len);

    if (d->json.data != NULL) {
        ngx_memcpy(d->json.data, text, d->json.len);
    }

    free(text);

    return d->json.data ? NGX_OK : NGX_ERROR;
}


ngx_int_t
ngx_http_concertation_draft_post(ngx_http_concertation_req_t *rq,
    ngx_str_t *body, int json, json_t *submitted)
{
    char                              *text;
    size_t                             len;
    cc_errors_t                       *errors;
    ngx_http_request_t                *r;
    ngx_pool_cleanup_t                *cln;
    ngx_http_concertation_draft_t     *d;
    ngx_http_concertation_loc_conf_t  *clcf;

    r = rq->request;
    clcf = ngx_http_concertation_loc_conf(r);

    /* a script's draft: the body read again, for what was submitted */

    if (submitted == NULL) {
        text = NULL;
        errors = NULL;

        (void) (json ? cc_validate_json_ex(clcf->schema, (char *) body->data,
                                           body->len, &text, &len, &errors,
                                           &submitted, NULL)
                     : cc_validate_urlencoded_ex(clcf->schema,
                                           (char *) body->data, body->len,
                                           &text, &len, &errors, &submitted,
                                           NULL));
        free(text);
        cc_errors_free(errors);

        if (submitted == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    d = ngx_pcalloc(r->pool, sizeof(ngx_http_concertation_draft_t));
    cln = ngx_pool_cleanup_add(r->pool, 0);

    if (d == NULL || cln == NULL) {
        json_decref(submitted);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    d->rq = rq;
    d->submitted = submitted;
    cln->handler = ngx_http_concertation_draft_cleanup;
    cln->data = d;

    /* a resumed draft keeps its code, so that its link stays the same */

    if (rq->resume.len) {
        d->code = rq->resume;

    } else {
        d->code.data = ngx_pnalloc(r->pool,
                                   NGX_HTTP_CONCERTATION_DRAFT_CODE_LEN + 1);
        if (d->code.data == NULL
            || ngx_http_concertation_draft_code(d->code.data) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        d->code.len = NGX_HTTP_CONCERTATION_DRAFT_CODE_LEN;
    }

    if (ngx_http_concertation_draft_text(d) != NGX_OK
        || ngx_http_concertation_wait_init(&rq->wait, r, "keep a draft",
                                           ngx_http_concertation_draft_late)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_concertation_draft_save(r, clcf, &d->code, &d->json,
                                         &d->cmd,
                                         ngx_http_concertation_draft_saved, d)
        != NGX_OK)
    {
        return ngx_http_concertation_send_message(r,
                                             CC_MSG_UNAVAILABLE_REQUEST);
    }

    ngx_http_concertation_wait_arm(&rq->wait, &d->cmd.call, clcf->timeout);

    return NGX_DONE;
}


static void
ngx_http_concertation_draft_cleanup(void *data)
{
    ngx_http_concertation_draft_t *d = data;

    json_decref(d->submitted);
}


/* the link to keep: the page of the form, "?reprise=<code>" */

static u_char *
ngx_http_concertation_draft_link(ngx_http_request_t *r,
    ngx_http_concertation_draft_t *d)
{
    u_char                            *link;
    ngx_str_t                         *uri;
    ngx_http_concertation_loc_conf_t  *clcf;

    clcf = ngx_http_concertation_loc_conf(r);
    uri = &clcf->shown_by->uri;

    link = ngx_pnalloc(r->pool, uri->len + sizeof("?reprise=") + d->code.len);
    if (link != NULL) {
        ngx_sprintf(link, "%V?reprise=%V%Z", uri, &d->code);
    }

    return link;
}


static void
ngx_http_concertation_draft_saved(void *data, redisReply *reply)
{
    ngx_http_concertation_draft_t *d = data;

    u_char                        *link, *p;
    ngx_int_t                      rc;
    ngx_http_request_t            *r;
    ngx_http_concertation_view_t   view;

    r = d->rq->request;

    if (reply == NULL || reply->type != REDIS_REPLY_STATUS) {
        rc = ngx_http_concertation_send_message(r,
                                                CC_MSG_UNAVAILABLE_REQUEST);
        ngx_http_concertation_wait_done(&d->rq->wait, rc);
        return;
    }

    ngx_http_concertation_metrics_outcome(r, NGX_HTTP_OK, "draft", NULL);

    link = ngx_http_concertation_draft_link(r, d);
    if (link == NULL) {
        ngx_http_concertation_wait_done(&d->rq->wait,
                                        NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    if (ngx_http_concertation_format(r) == NGX_HTTP_CONCERTATION_JSON) {
        p = ngx_alloc(ngx_strlen(link) + sizeof("{\"reprise\":\"\"}"),
                      r->connection->log);
        if (p != NULL) {
            ngx_sprintf(p, "{\"reprise\":\"%s\"}%Z", link);
        }

        rc = ngx_http_concertation_send_json(r, NGX_HTTP_OK, (char *) p);
        ngx_http_concertation_wait_done(&d->rq->wait, rc);
        return;
    }

    /* the form again, its answers in, with the link to keep */

    ngx_memzero(&view, sizeof(ngx_http_concertation_view_t));
    view.submitted = d->submitted;
    view.draft = (char *) link;
    view.resume = (char *) d->code.data;

    rc = ngx_http_concertation_send_html(r, NGX_HTTP_OK,
                                   ngx_http_concertation_form_view(r, &view));

    ngx_http_concertation_wait_done(&d->rq->wait, rc);
}


static ngx_int_t
ngx_http_concertation_draft_late(ngx_http_request_t *r,
    ngx_uint_t maybe_sent)
{
    return ngx_http_concertation_send_message(r, CC_MSG_UNAVAILABLE_REQUEST);
}


void
ngx_http_concertation_draft_answered(ngx_http_concertation_req_t *rq)
{
    if (rq->resume.len) {
        ngx_http_concertation_draft_forget(rq->request,
                                   ngx_http_concertation_loc_conf(rq->request),
                                   &rq->resume);
    }
}
