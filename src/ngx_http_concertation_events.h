
/*
 * concertation: the programme's public view, GET /api/evenements
 * (concertation_events_status): each event with its seats left.
 */

#ifndef _NGX_HTTP_CONCERTATION_EVENTS_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_EVENTS_H_INCLUDED_


#include "ngx_http_concertation.h"


char *ngx_http_concertation_events_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_CONCERTATION_EVENTS_H_INCLUDED_ */
