
/*
 * concertation: the status page (concertation_status): the counters in
 * the Prometheus text format, or as JSON.
 */

#ifndef _NGX_HTTP_CONCERTATION_STATUS_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_STATUS_H_INCLUDED_


#include "ngx_http_concertation.h"


char *ngx_http_concertation_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


#endif /* _NGX_HTTP_CONCERTATION_STATUS_H_INCLUDED_ */
