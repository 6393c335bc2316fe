
/*
 * concertation: the handshake of a new Redis connection.  Its replies fill
 * the handshake's state, which the connection reads after each reply: a
 * refused AUTH or SELECT, or a Redis that is not a master, drops the
 * connection; TIME's answer makes it ready.  Until then the queue holds
 * every other command back: none may run in the wrong database, or on a
 * replica.
 */


#include "ngx_http_concertation_redis_handshake.h"
#include "cc_reply.h"


static void ngx_http_concertation_handshake_auth(void *data,
    redisReply *reply);
static void ngx_http_concertation_handshake_select(void *data,
    redisReply *reply);
static void ngx_http_concertation_handshake_refused(
    ngx_http_concertation_handshake_t *hs, const char *what,
    redisReply *reply);
static void ngx_http_concertation_handshake_role(void *data,
    redisReply *reply);
static void ngx_http_concertation_handshake_time(void *data,
    redisReply *reply);
static void ngx_http_concertation_handshake_push(
    ngx_http_concertation_queue_t *q, int argc, const char **argv,
    const size_t *len, ngx_http_concertation_reply_pt handler,
    ngx_http_concertation_handshake_t *hs);


void
ngx_http_concertation_handshake_start(ngx_http_concertation_handshake_t *hs,
    ngx_http_concertation_queue_t *q, ngx_http_concertation_redis_conf_t *rcf,
    ngx_log_t *log)
{
    u_char      *p;
    size_t       len[2];
    const char  *argv[2];
    u_char       db[NGX_INT_T_LEN];

    hs->log = log;
    hs->error = NULL;
    hs->done = 0;
    q->hold = 1;

    if (rcf->password.len) {
        argv[0] = "AUTH";
        len[0] = 4;
        argv[1] = (const char *) rcf->password.data;
        len[1] = rcf->password.len;

        ngx_http_concertation_handshake_push(q, 2, argv, len,
                                    ngx_http_concertation_handshake_auth, hs);
    }

    if (rcf->database) {
        p = ngx_sprintf(db, "%i", rcf->database);

        argv[0] = "SELECT";
        len[0] = 6;
        argv[1] = (const char *) db;
        len[1] = p - db;

        ngx_http_concertation_handshake_push(q, 2, argv, len,
                                  ngx_http_concertation_handshake_select, hs);
    }

    /* a replica, or a demoted master, takes no answer */

    argv[0] = "ROLE";
    len[0] = 4;

    ngx_http_concertation_handshake_push(q, 1, argv, len,
                                    ngx_http_concertation_handshake_role, hs);

    /*
     * Its answer says the connection went through the handshake; TIME
     * rather than PING, to know how Redis's clock stands to ours.
     */

    argv[0] = "TIME";
    len[0] = 4;

    ngx_http_concertation_handshake_push(q, 1, argv, len,
                                    ngx_http_concertation_handshake_time, hs);
}


/*
 * A command that cannot be queued (no memory) fails the handshake: the
 * connection is never made ready, and is dropped at its first reply.
 */

static void
ngx_http_concertation_handshake_push(ngx_http_concertation_queue_t *q,
    int argc, const char **argv, const size_t *len,
    ngx_http_concertation_reply_pt handler,
    ngx_http_concertation_handshake_t *hs)
{
    ngx_http_concertation_cmd_t  *cmd;

    cmd = ngx_http_concertation_queue_push(q, argc, argv, len, handler, hs);

    if (cmd == NULL) {
        hs->error = argv[0];
        return;
    }

    cmd->handshake = 1;
}


static void
ngx_http_concertation_handshake_role(void *data, redisReply *reply)
{
    ngx_http_concertation_handshake_t *hs = data;

    size_t       len;
    cc_role_e    role;
    const char  *text;

    if (reply == NULL) {
        return;
    }

    role = cc_reply_role(reply, &text, &len);

    if (role == CC_ROLE_REPLICA) {
        ngx_log_error(NGX_LOG_ERR, hs->log, 0,
                      "Redis is not a master (ROLE: %*s): no command sent "
                      "to it", len, text);
        hs->error = "ROLE";
        return;
    }

    /*
     * An error (a Redis older than 2.8.12, or ROLE renamed away by the
     * operator) or another shape: writes will tell, READONLY dropping the
     * connection then.
     */

    if (role == CC_ROLE_UNKNOWN) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, hs->log, 0,
                       "concertation: ROLE gave no role, going on");
    }
}


static void
ngx_http_concertation_handshake_auth(void *data, redisReply *reply)
{
    ngx_http_concertation_handshake_refused(data, "AUTH", reply);
}


static void
ngx_http_concertation_handshake_select(void *data, redisReply *reply)
{
    ngx_http_concertation_handshake_refused(data, "SELECT", reply);
}


static void
ngx_http_concertation_handshake_refused(ngx_http_concertation_handshake_t *hs,
    const char *what, redisReply *reply)
{
    if (reply == NULL || reply->type != REDIS_REPLY_ERROR) {
        return;
    }

    ngx_log_error(NGX_LOG_ERR, hs->log, 0, "Redis refused %s: %*s", what,
                  (size_t) reply->len, reply->str);

    hs->error = what;
}


static void
ngx_http_concertation_handshake_time(void *data, redisReply *reply)
{
    ngx_http_concertation_handshake_t *hs = data;

    ngx_int_t    sec, usec;
    ngx_time_t  *tp;

    if (reply == NULL) {
        return;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        ngx_http_concertation_handshake_refused(hs, "TIME", reply);
        return;
    }

    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2
        && reply->element[0]->type == REDIS_REPLY_STRING
        && reply->element[1]->type == REDIS_REPLY_STRING)
    {
        sec = ngx_atoi((u_char *) reply->element[0]->str,
                       reply->element[0]->len);
        usec = ngx_atoi((u_char *) reply->element[1]->str,
                        reply->element[1]->len);

        if (sec != NGX_ERROR && usec != NGX_ERROR) {
            ngx_time_update();
            tp = ngx_timeofday();

            hs->clock_offset = (int64_t) sec * 1000 + usec / 1000
                               - ((int64_t) tp->sec * 1000 + tp->msec);
            hs->clock = 1;
        }
    }

    hs->done = 1;
}
