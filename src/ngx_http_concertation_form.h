
/*
 * concertation: the form of a location (concertation_form).
 */

#ifndef _NGX_HTTP_CONCERTATION_FORM_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_FORM_H_INCLUDED_


#include "ngx_http_concertation.h"


char *ngx_http_concertation_form(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
/* a location with a form, once merged: its endpoint, bounds, stream */
char *ngx_http_concertation_form_merge(ngx_conf_t *cf,
    ngx_http_concertation_loc_conf_t *conf);


#endif /* _NGX_HTTP_CONCERTATION_FORM_H_INCLUDED_ */
