
/*
 * concertation: the form of a location (concertation_form) — its schema,
 * loaded and checked when nginx reads its configuration, and what the
 * location merges into: its endpoint (the questionnaire's, or the
 * registration's), the bound on its bodies, its stream.
 */


#include "ngx_http_concertation_form.h"
#include "ngx_http_concertation_pages.h"
#include "ngx_http_concertation_submit.h"
#include "ngx_http_concertation_register.h"
#include "ngx_http_concertation_request.h"
#include "ngx_http_concertation_programme.h"
#include "ngx_http_concertation_abuse.h"
#include "ngx_http_concertation_metrics.h"
#include "cc_registration.h"


/* a location with a form: its endpoint, its limits, its stream */

char *
ngx_http_concertation_form_merge(ngx_conf_t *cf,
    ngx_http_concertation_loc_conf_t *conf)
{
    size_t                              max;
    ngx_http_core_loc_conf_t           *hclcf;
    ngx_http_concertation_main_conf_t  *cmcf;

    if (conf->registration) {
        cmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_concertation_module);

        if (ngx_http_concertation_register_check(cf, conf,
                                                 cmcf->programme->events)
            != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }

        conf->endpoint = &ngx_http_concertation_register;

    } else {
        conf->endpoint = &ngx_http_concertation_submit;
    }

    /*
     * The module enforces client_max_body_size itself, so that an oversized
     * answer is refused in French like every other error rather than with
     * nginx's own page before the handler runs; bodies must come with a
     * Content-Length for that (a form post always does).
     */

    hclcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    conf->max_body_size = hclcf->client_max_body_size
                          ? hclcf->client_max_body_size : NGX_MAX_OFF_T_VALUE;
    hclcf->client_max_body_size = 0;

    /* no honest answer is larger than the schema's worst case */

    max = ngx_http_concertation_abuse_max_body(conf->schema);

    if ((off_t) max < conf->max_body_size) {
        conf->max_body_size = max;
    }

    conf->stream.len = conf->prefix.len + conf->form.len;
    conf->stream.data = ngx_pnalloc(cf->pool, conf->stream.len);
    if (conf->stream.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(ngx_cpymem(conf->stream.data, conf->prefix.data,
                          conf->prefix.len),
               conf->form.data, conf->form.len);

    return NGX_CONF_OK;
}


char *
ngx_http_concertation_form(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    u_char                             *p;
    ngx_str_t                          *value, path;
    ngx_http_concertation_main_conf_t  *cmcf;
    char                                err[512];

    if (clcf->schema != NULL) {
        return "is duplicate, or the location has a form already";
    }

    value = cf->args->elts;

    if (value[1].len == 0 || value[1].len > 64) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid form name \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    for (p = value[1].data; p < value[1].data + value[1].len; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
              || *p == '_' || *p == '-'))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid form name \"%V\": use a-z, 0-9, "
                               "\"_\" and \"-\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    path = value[2];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    clcf->form = value[1];
    /* a registration form takes its events from the programme */

    cmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_concertation_module);
    clcf->schema = cc_reg_schema_load_file((char *) path.data,
                                           cmcf->programme->events, err,
                                           sizeof(err));

    if (clcf->schema == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid schema: %s", err);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_concertation_request_conf(cf, clcf, clcf->schema, NULL)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    /* its counters, shown from the start */
    if (ngx_http_concertation_metrics_form(cf, &clcf->form) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* a page may show it, by the address it posts to */
    if (ngx_http_concertation_pages_add_form(cf, clcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}
