
/*
 * concertation: the consultation window.
 *
 *   concertation_window 2022-02-08T09:00:00+01:00 2022-04-25T23:59:59+02:00;
 *
 * Submissions before the opening get 403 with the opening date, after the
 * close 410; $concertation_phase ("before", "open", "closed") lets the
 * configuration switch static pages.  The timestamps are parsed and the
 * French message is made once, when the configuration is read: a request
 * only compares two integers with ngx_time().
 */


#include "ngx_http_concertation_window.h"
#include "cc_time.h"


static cc_phase_e ngx_http_concertation_phase(ngx_http_request_t *r);
static ngx_int_t ngx_http_concertation_phase_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_concertation_parse_time(ngx_conf_t *cf,
    ngx_str_t *value, const char *which, time_t *t, int *offset);


static ngx_str_t  ngx_http_concertation_phase_name =
    ngx_string("concertation_phase");


char *
ngx_http_concertation_set_window(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    int                              start_offset, end_offset;
    size_t                           len;
    time_t                           start, end;
    ngx_str_t                       *value;
    ngx_http_concertation_window_t  *w;
    char                             date[CC_TIME_FR_LEN];

    if (clcf->window != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    /* "off" lifts a window inherited from an enclosing level */

    if (cf->args->nelts == 2) {
        if (value[1].len == 3
            && ngx_strncmp(value[1].data, "off", 3) == 0)
        {
            clcf->window = NULL;
            return NGX_CONF_OK;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"concertation_window\" needs a start and an end "
                           "(or \"off\"), got only \"%V\"", &value[1]);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_concertation_parse_time(cf, &value[1], "start", &start,
                                         &start_offset)
        != NGX_OK
        || ngx_http_concertation_parse_time(cf, &value[2], "end", &end,
                                            &end_offset)
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (end < start) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"concertation_window\": the end \"%V\" is "
                           "before the start \"%V\"", &value[2], &value[1]);
        return NGX_CONF_ERROR;
    }

    /*
     * The opening is told in the offset it was written in: the operator
     * writes Paris time, and the public reads Paris time.
     */

    if (cc_time_format_fr(start, start_offset, date) == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"concertation_window\": cannot write the "
                           "start \"%V\" as a date", &value[1]);
        return NGX_CONF_ERROR;
    }

    w = ngx_palloc(cf->pool, sizeof(ngx_http_concertation_window_t));
    if (w == NULL) {
        return NGX_CONF_ERROR;
    }

    len = ngx_strlen(cc_message(CC_MSG_NOT_OPEN)->text) + ngx_strlen(date);

    w->not_open = ngx_pnalloc(cf->pool, len);
    if (w->not_open == NULL) {
        return NGX_CONF_ERROR;
    }

    /* the table's text has one %s, for the date */
    (void) snprintf(w->not_open, len, cc_message(CC_MSG_NOT_OPEN)->text,
                    date);

    w->start = start;
    w->end = end;

    clcf->window = w;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_concertation_parse_time(ngx_conf_t *cf, ngx_str_t *value,
    const char *which, time_t *t, int *offset)
{
    int64_t      v;
    const char  *err;

    err = cc_time_parse((const char *) value->data, value->len, &v, offset);

    if (err != NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"concertation_window\": invalid %s \"%V\": %s "
                           "(expected e.g. 2022-02-08T09:00:00+01:00)",
                           which, value, err);
        return NGX_ERROR;
    }

    if (sizeof(time_t) < sizeof(int64_t)
        && (v > NGX_MAX_INT32_VALUE || v < -NGX_MAX_INT32_VALUE))
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"concertation_window\": %s \"%V\" is out of "
                           "the range of this system's time_t",
                           which, value);
        return NGX_ERROR;
    }

    *t = (time_t) v;

    return NGX_OK;
}


ngx_int_t
ngx_http_concertation_window_check(ngx_http_request_t *r, cc_msg_e *msg,
    const char **text)
{
    return ngx_http_concertation_window_of(
               ngx_http_concertation_loc_conf(r)->window, msg, text);
}


ngx_int_t
ngx_http_concertation_window_of(ngx_http_concertation_window_t *w,
    cc_msg_e *msg, const char **text)
{
    switch (w ? cc_time_phase(w->start, w->end, ngx_time())
              : CC_PHASE_OPEN)
    {

    case CC_PHASE_OPEN:
        return NGX_DECLINED;

    case CC_PHASE_BEFORE:
        *msg = CC_MSG_NOT_OPEN;
        *text = w->not_open;
        return NGX_OK;

    default: /* CC_PHASE_CLOSED */
        *msg = CC_MSG_CLOSED;
        *text = cc_message(CC_MSG_CLOSED)->text;
        return NGX_OK;
    }
}


/*
 * The phase of the request's location, by the cached time of the event loop:
 * every request handled in one loop iteration sees the same second.
 */

static cc_phase_e
ngx_http_concertation_phase(ngx_http_request_t *r)
{
    ngx_http_concertation_loc_conf_t  *clcf;

    clcf = ngx_http_concertation_loc_conf(r);

    if (clcf->window == NULL) {
        return CC_PHASE_OPEN;
    }

    return cc_time_phase(clcf->window->start, clcf->window->end,
                         ngx_time());
}


ngx_int_t
ngx_http_concertation_window_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var;

    /*
     * Not cacheable: the phase belongs to the location, and an internal
     * redirect (try_files, error_page) lands in another one.
     */

    var = ngx_http_add_variable(cf, &ngx_http_concertation_phase_name,
                                NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_concertation_phase_variable;

    return NGX_OK;
}


static ngx_int_t
ngx_http_concertation_phase_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const char  *name;

    name = cc_phase_name(ngx_http_concertation_phase(r));

    v->len = ngx_strlen(name);
    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->data = (u_char *) name;

    return NGX_OK;
}
