
/*
 * concertation: the Redis scripts and the commands that call them.
 */


#include "ngx_http_concertation_scripts.h"
#include "ngx_http_concertation_scripts_text.h"

#include <ngx_sha1.h>


typedef struct {
    ngx_str_t                   text;
    u_char                      sha[40];
} ngx_http_concertation_script_t;


static void ngx_http_concertation_call_reply(void *data, redisReply *reply);


static ngx_http_concertation_script_t
    ngx_http_concertation_scripts[NGX_HTTP_CONCERTATION_SCRIPTS] = {
    { ngx_null_string, "" },
    { ngx_string(ngx_http_concertation_script_store), "" },
    { ngx_string(ngx_http_concertation_script_register), "" },
    { ngx_string(ngx_http_concertation_script_cancel), "" },
    { ngx_string(ngx_http_concertation_script_event_counts), "" },
    { ngx_string(ngx_http_concertation_script_lookup), "" },
};


/* the digests EVALSHA names the scripts by: the same in every process */

void
ngx_http_concertation_scripts_init(void)
{
    u_char                          *p;
    ngx_uint_t                       i, j;
    ngx_sha1_t                       sha1;
    ngx_http_concertation_script_t  *s;
    u_char                           digest[20];

    for (i = 1; i < NGX_HTTP_CONCERTATION_SCRIPTS; i++) {
        s = &ngx_http_concertation_scripts[i];

        ngx_sha1_init(&sha1);
        ngx_sha1_update(&sha1, s->text.data, s->text.len);
        ngx_sha1_final(digest, &sha1);

        p = s->sha;

        for (j = 0; j < 20; j++) {
            p = ngx_sprintf(p, "%02xd", digest[j]);
        }
    }
}


ngx_int_t
ngx_http_concertation_call(ngx_http_concertation_call_t *call)
{
    ngx_http_concertation_script_t  *s;

    if (call->script != NGX_HTTP_CONCERTATION_NO_SCRIPT) {
        s = &ngx_http_concertation_scripts[call->script];

        if (call->eval) {
            call->argv[0] = "EVAL";
            call->argvlen[0] = 4;
            call->argv[1] = (const char *) s->text.data;
            call->argvlen[1] = s->text.len;

        } else {
            call->argv[0] = "EVALSHA";
            call->argvlen[0] = 7;
            call->argv[1] = (const char *) s->sha;
            call->argvlen[1] = 40;
        }
    }

    call->maybe_sent = 0;
    call->cmd = ngx_http_concertation_redis_send(call->argc, call->argv,
                                      call->argvlen,
                                      ngx_http_concertation_call_reply, call);

    return call->cmd ? NGX_OK : NGX_ERROR;
}


static void
ngx_http_concertation_call_reply(void *data, redisReply *reply)
{
    ngx_http_concertation_call_t *call = data;

    if (reply == NULL) {
        call->maybe_sent = ngx_http_concertation_redis_sent(call->cmd);
    }

    call->cmd = NULL;

    if (reply && reply->type == REDIS_REPLY_ERROR
        && call->script != NGX_HTTP_CONCERTATION_NO_SCRIPT && !call->eval
        && reply->len >= 8 && ngx_strncmp(reply->str, "NOSCRIPT", 8) == 0)
    {
        call->eval = 1;

        if (ngx_http_concertation_call(call) == NGX_OK) {
            return;
        }

        reply = NULL;
    }

    call->handler(call->data, reply);
}


ngx_uint_t
ngx_http_concertation_call_cancel(ngx_http_concertation_call_t *call)
{
    ngx_uint_t  maybe_sent;

    /* its reply may be in, and the caller still waiting on what follows */

    if (call->forget) {
        call->forget(call->data);
    }

    if (call->cmd == NULL) {
        return 0;
    }

    maybe_sent = ngx_http_concertation_redis_cancel(call->cmd);
    call->cmd = NULL;

    return maybe_sent;
}
