
/*
 * concertation: the page of a form, rendered from its definition
 * (concertation_form_page): the site's shell, every section and question,
 * a fresh form token and idempotency key, the consultation's phase
 * respected.
 */

#ifndef _NGX_HTTP_CONCERTATION_FORM_PAGE_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_FORM_PAGE_H_INCLUDED_


#include "ngx_http_concertation.h"


char *ngx_http_concertation_form_page(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_CONCERTATION_FORM_PAGE_H_INCLUDED_ */
