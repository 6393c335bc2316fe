
/*
 * concertation: limit_zone (issue 3; being written).
 */


#include "ngx_http_concertation.h"


ngx_int_t
ngx_http_concertation_limit_check(ngx_http_request_t *r)
{
    return NGX_DECLINED;
}
