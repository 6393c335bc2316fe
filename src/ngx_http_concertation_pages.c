
/*
 * concertation: the site's shell for the module's pages, read once at
 * configuration time (the fragments' text lives in src/core's cc_shell_t,
 * freed with the configuration), and the forms pages show, found by the
 * address they post to.
 */


#include "ngx_http_concertation_pages.h"


static void ngx_http_concertation_shell_cleanup(void *data);
static void ngx_http_concertation_fields_cleanup(void *data);
static ngx_uint_t ngx_http_concertation_shown(
    ngx_http_concertation_pages_t *pages,
    ngx_http_concertation_loc_conf_t *form);


ngx_http_concertation_pages_t *
ngx_http_concertation_pages_create(ngx_conf_t *cf)
{
    ngx_http_concertation_pages_t  *pages;

    pages = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_pages_t));
    if (pages == NULL) {
        return NULL;
    }

    if (ngx_array_init(&pages->forms, cf->pool, 4,
                       sizeof(ngx_http_concertation_form_ref_t))
        != NGX_OK
        || ngx_array_init(&pages->pages, cf->pool, 4,
                          sizeof(ngx_http_concertation_page_t *))
           != NGX_OK)
    {
        return NULL;
    }

    return pages;
}


char *
ngx_http_concertation_page_fragments(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    char                 err[512];
    ngx_str_t           *value, dir;
    ngx_pool_cleanup_t  *cln;

    if (cmcf->pages->shell.head != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    dir = value[1];

    if (ngx_conf_full_name(cf->cycle, &dir, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    if (cc_shell_load(&cmcf->pages->shell, (char *) dir.data, err,
                      sizeof(err))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid page fragments: %s",
                           err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_concertation_shell_cleanup;
    cln->data = &cmcf->pages->shell;

    return NGX_CONF_OK;
}


static void
ngx_http_concertation_shell_cleanup(void *data)
{
    cc_shell_free(data);
}


static void
ngx_http_concertation_fields_cleanup(void *data)
{
    free(data);
}


/* 1 when a page shows the form, whole or as a fragment */

static ngx_uint_t
ngx_http_concertation_shown(ngx_http_concertation_pages_t *pages,
    ngx_http_concertation_loc_conf_t *form)
{
    ngx_uint_t                      i;
    ngx_http_concertation_page_t  **page;

    page = pages->pages.elts;

    for (i = 0; i < pages->pages.nelts; i++) {
        if (page[i]->form == form) {
            return 1;
        }
    }

    return 0;
}


ngx_int_t
ngx_http_concertation_pages_add_form(ngx_conf_t *cf,
    ngx_http_concertation_loc_conf_t *clcf)
{
    ngx_http_core_loc_conf_t           *core;
    ngx_http_concertation_main_conf_t  *cmcf;
    ngx_http_concertation_form_ref_t   *ref;

    cmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_concertation_module);
    core = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    ref = ngx_array_push(&cmcf->pages->forms);
    if (ref == NULL) {
        return NGX_ERROR;
    }

    ref->uri = core->name;
    ref->conf = clcf;

    return NGX_OK;
}


ngx_int_t
ngx_http_concertation_pages_add_page(ngx_conf_t *cf,
    ngx_http_concertation_page_t *page)
{
    ngx_http_concertation_page_t       **p;
    ngx_http_concertation_main_conf_t   *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_concertation_module);

    p = ngx_array_push(&cmcf->pages->pages);
    if (p == NULL) {
        return NGX_ERROR;
    }

    *p = page;

    return NGX_OK;
}


char *
ngx_http_concertation_pages_init(ngx_conf_t *cf,
    ngx_http_concertation_pages_t *pages)
{
    ngx_uint_t                          i, k;
    ngx_pool_cleanup_t                 *cln;
    ngx_http_concertation_page_t      **page;
    ngx_http_concertation_form_ref_t   *ref;

    page = pages->pages.elts;
    ref = pages->forms.elts;

    for (i = 0; i < pages->pages.nelts; i++) {
        for (k = 0; k < pages->forms.nelts; k++) {
            if (ref[k].uri.len == page[i]->action.len
                && ngx_strncmp(ref[k].uri.data, page[i]->action.data,
                               ref[k].uri.len) == 0)
            {
                page[i]->form = ref[k].conf;
                break;
            }
        }

        if (page[i]->form != NULL && !page[i]->fragment
            && page[i]->form->shown_by == NULL)
        {
            page[i]->form->shown_by = page[i];

            /* set in the form's own location: known before merging */
            if (page[i]->form->registration == 1 && pages->signup.len == 0) {
                pages->signup = page[i]->uri;
            }
        }

        if (page[i]->form == NULL) {
            ngx_http_concertation_conf_error(cf, &page[i]->where,
                               "no location with \"concertation_form\" is "
                               "named \"%V\" (the address the form posts "
                               "to, as in \"location = %V\")",
                               &page[i]->action, &page[i]->action);
            return NGX_CONF_ERROR;
        }
    }

    /* the questions of each shown form's empty page, rendered once */

    for (k = 0; k < pages->forms.nelts; k++) {
        if (!ngx_http_concertation_shown(pages, ref[k].conf)) {
            continue;
        }

        cln = ngx_pool_cleanup_add(cf->pool, 0);
        if (cln == NULL) {
            return NGX_CONF_ERROR;
        }

        ref[k].conf->fields_html = cc_form_fields_html(ref[k].conf->schema);
        if (ref[k].conf->fields_html == NULL) {
            return NGX_CONF_ERROR;
        }

        cln->handler = ngx_http_concertation_fields_cleanup;
        cln->data = ref[k].conf->fields_html;
    }

    /* a draft's link leads to the page of its form */

    for (k = 0; k < pages->forms.nelts; k++) {
        if (ref[k].conf->drafts != NGX_CONF_UNSET_MSEC
            && ref[k].conf->drafts != 0 && ref[k].conf->shown_by == NULL)
        {
            ngx_http_concertation_conf_error(cf, &ref[k].conf->form_where,
                               "\"concertation_drafts\" needs a page "
                               "showing the form \"%V\" "
                               "(\"concertation_form_page %V\", not a "
                               "fragment): a draft's link leads there",
                               &ref[k].conf->form, &ref[k].uri);
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}
