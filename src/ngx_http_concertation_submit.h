
/*
 * concertation: the questionnaire's endpoint (concertation_form): an answer
 * validated, then stored in Redis or the local spool, answered 201 or 202.
 */

#ifndef _NGX_HTTP_CONCERTATION_SUBMIT_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_SUBMIT_H_INCLUDED_


#include "ngx_http_concertation.h"


extern const ngx_http_concertation_endpoint_t  ngx_http_concertation_submit;


#endif /* _NGX_HTTP_CONCERTATION_SUBMIT_H_INCLUDED_ */
