
/*
 * concertation: the Redis scripts of src/scripts/ (compiled in by config),
 * and a command on its way to Redis: EVALSHA, and once Redis says NOSCRIPT
 * (after a SCRIPT FLUSH, a restart, a failover: the script did not run, so
 * sending it again duplicates nothing) EVAL, transparently, for every
 * caller.
 */

#ifndef _NGX_HTTP_CONCERTATION_SCRIPTS_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_SCRIPTS_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "ngx_http_concertation_redis.h"


typedef enum {
    NGX_HTTP_CONCERTATION_NO_SCRIPT = 0,     /* a plain command */
    NGX_HTTP_CONCERTATION_SCRIPT_STORE,
    NGX_HTTP_CONCERTATION_SCRIPT_REGISTER,
    NGX_HTTP_CONCERTATION_SCRIPT_CANCEL,
    NGX_HTTP_CONCERTATION_SCRIPT_EVENT_COUNTS,
    NGX_HTTP_CONCERTATION_SCRIPT_LOOKUP,
    NGX_HTTP_CONCERTATION_SCRIPTS
} ngx_http_concertation_script_e;


/*
 * A command and its reply.  The caller fills script, argv and argvlen
 * (for a script, argv[0] and argv[1] are left for the call to fill), which
 * stay valid until the handler is called, then ngx_http_concertation_call().
 */
typedef struct {
    ngx_http_concertation_cmd_t     *cmd;       /* in flight, or NULL */
    ngx_http_concertation_reply_pt   handler;
    void                            *data;
    const char                     **argv;
    size_t                          *argvlen;
    int                              argc;
    ngx_uint_t                       script;
    /* the caller's own to undo when the call is taken back, or NULL */
    void                           (*forget)(void *data);
    unsigned                         eval:1;
    unsigned                         maybe_sent:1;  /* a NULL reply's */
} ngx_http_concertation_call_t;


void ngx_http_concertation_scripts_init(void);

/* NGX_OK: the handler will be called, once; NGX_ERROR: it will not */
ngx_int_t ngx_http_concertation_call(ngx_http_concertation_call_t *call);
/* takes the command back: 1 when Redis may have run it all the same */
ngx_uint_t ngx_http_concertation_call_cancel(
    ngx_http_concertation_call_t *call);


#endif /* _NGX_HTTP_CONCERTATION_SCRIPTS_H_INCLUDED_ */
