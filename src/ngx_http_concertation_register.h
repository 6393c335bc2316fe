
/*
 * concertation: the registration endpoint (concertation_registration on):
 * a seat, a place on the waiting list, or "full", decided in one script.
 */

#ifndef _NGX_HTTP_CONCERTATION_REGISTER_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_REGISTER_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "cc_events.h"


extern const ngx_http_concertation_endpoint_t  ngx_http_concertation_register;

/* a registration location offers exactly the programme's events */
char *ngx_http_concertation_registration(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_concertation_register_check(ngx_conf_t *cf,
    ngx_http_concertation_loc_conf_t *clcf, cc_events_t *events);


#endif /* _NGX_HTTP_CONCERTATION_REGISTER_H_INCLUDED_ */
