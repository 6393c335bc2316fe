
/*
 * concertation: the form token handed to pages — the variable
 * $concertation_form_token (for SSI) and the endpoint that gives one as
 * JSON (concertation_form_token_endpoint).
 */

#ifndef _NGX_HTTP_CONCERTATION_FORM_TOKEN_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_FORM_TOKEN_H_INCLUDED_


#include "ngx_http_concertation.h"


ngx_int_t ngx_http_concertation_form_token_variables(ngx_conf_t *cf);
char *ngx_http_concertation_form_token_endpoint(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);


#endif /* _NGX_HTTP_CONCERTATION_FORM_TOKEN_H_INCLUDED_ */
