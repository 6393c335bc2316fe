
/*
 * concertation: the consultation window (concertation_window), and the
 * phase it gives a location: before, open, closed ($concertation_phase).
 */

#ifndef _NGX_HTTP_CONCERTATION_WINDOW_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_WINDOW_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "cc_messages.h"


struct ngx_http_concertation_window_s {
    time_t                      start;
    time_t                      end;         /* its own second is open */
    char                       *not_open;    /* the 403 text, with its date */
};


char *ngx_http_concertation_set_window(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
ngx_int_t ngx_http_concertation_window_variables(ngx_conf_t *cf);

/*
 * NGX_DECLINED while the window is open; NGX_OK when it is not, with the
 * message to answer (*text: its text, the opening date written in).
 */
ngx_int_t ngx_http_concertation_window_check(ngx_http_request_t *r,
    cc_msg_e *msg, const char **text);
/* the same for a window (NULL: always open), e.g. another location's */
ngx_int_t ngx_http_concertation_window_of(ngx_http_concertation_window_t *w,
    cc_msg_e *msg, const char **text);


#endif /* _NGX_HTTP_CONCERTATION_WINDOW_H_INCLUDED_ */
