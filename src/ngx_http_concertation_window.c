
/*
 * concertation: window (issue 3; being written).
 */


#include "ngx_http_concertation.h"


ngx_int_t
ngx_http_concertation_window_check(ngx_http_request_t *r)
{
    return NGX_DECLINED;
}
