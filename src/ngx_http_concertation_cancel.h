
/*
 * concertation: the cancellation of a registration
 * (concertation_cancellation), with the signed token the registration
 * answered.
 */

#ifndef _NGX_HTTP_CONCERTATION_CANCEL_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_CANCEL_H_INCLUDED_


#include "ngx_http_concertation.h"


extern const ngx_http_concertation_endpoint_t  ngx_http_concertation_cancel;

char *ngx_http_concertation_cancellation(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_CONCERTATION_CANCEL_H_INCLUDED_ */
