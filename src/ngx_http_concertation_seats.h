
/*
 * concertation: an event's seats in Redis, as the registration scripts
 * keep them.
 */

#ifndef _NGX_HTTP_CONCERTATION_SEATS_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_SEATS_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "ngx_http_concertation_scripts.h"
#include "cc_events.h"


/*
 * The Redis keys of an event's registrations, as the scripts take them:
 * "<prefix><event>:event", ":waitlist", ":emails", ":regs", and the stream
 * shared by all events, "<prefix>inscriptions" (no hash tag of their own,
 * so that with a prefix "{concertation}:" they share one Cluster slot).
 */
#define NGX_HTTP_CONCERTATION_EVENT_KEYS  5

ngx_int_t ngx_http_concertation_seats_keys(ngx_pool_t *pool,
    ngx_str_t *prefix, const cc_event_t *event, ngx_str_t *keys);

/*
 * A registration script's command (register.lua, cancel.lua): the event's
 * keys, the arguments given, then the event's capacity (and its waiting
 * list's, for register.lua).  ec lives as long as the command.
 */
#define NGX_HTTP_CONCERTATION_EVENT_ARGS  20

typedef struct {
    ngx_http_concertation_call_t    call;
    ngx_str_t                       keys[NGX_HTTP_CONCERTATION_EVENT_KEYS];
    const char                     *argv[NGX_HTTP_CONCERTATION_EVENT_ARGS];
    size_t                          argvlen[NGX_HTTP_CONCERTATION_EVENT_ARGS];
    u_char                          capacity[NGX_INT_T_LEN];
    u_char                          waitlist[NGX_INT_T_LEN];
} ngx_http_concertation_event_cmd_t;

ngx_int_t ngx_http_concertation_seats_call(
    ngx_http_concertation_event_cmd_t *ec, ngx_uint_t script,
    const cc_event_t *event, ngx_str_t *args, ngx_uint_t nargs,
    ngx_http_concertation_reply_pt handler, void *data);


#endif /* _NGX_HTTP_CONCERTATION_SEATS_H_INCLUDED_ */
