/*
 * concertation-notify's Redis connection: hiredis' blocking client (this
 * is a program of its own, not an nginx worker), with a timeout, and a
 * fresh connection after any failure.
 */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"
#include "cc_master.h"


int
notify_connect(notify_t *n)
{
    int             port;
    char            host[256], err[1024];
    const char     *colon;
    redisReply     *r;
    struct timeval  tv = { 5, 0 };

    if (n->rc != NULL) {
        return 0;
    }

    port = 0;

    if (n->sentinel) {
        host[0] = '\0';

    } else if (n->redis[0] == '/') {
        if (strlen(n->redis) >= sizeof(host)) {
            notify_log("error", "--redis: socket path too long");
            return -1;
        }

        strcpy(host, n->redis);

    } else {
        colon = strrchr(n->redis, ':');
        if (colon == NULL || (size_t) (colon - n->redis) >= sizeof(host)) {
            notify_log("error", "--redis: expected host:port or a socket "
                       "path, not \"%s\"", n->redis);
            return -1;
        }

        memcpy(host, n->redis, colon - n->redis);
        host[colon - n->redis] = '\0';
        port = atoi(colon + 1);
    }

    /* through the sentinels: asked again at every new connection */

    n->rc = cc_master_connect(host, port,
                              n->sentinel ? &n->sentinels : NULL,
                              n->sentinel_password, n->redis_password, tv,
                              err, sizeof(err));

    if (n->rc == NULL) {
        notify_log("warn", "Redis %s: %s",
                   n->sentinel ? n->sentinel : n->redis, err);
        return -1;
    }

    /* the group, from the stream's start: nothing registered before the
       notifier first ran is left without its message */

    r = redisCommand(n->rc, "XGROUP CREATE %s %s 0 MKSTREAM", n->stream,
                     n->group);

    if (r == NULL || (r->type == REDIS_REPLY_ERROR
                      && strncmp(r->str, "BUSYGROUP", 9) != 0))
    {
        notify_log("warn", "Redis %s: XGROUP CREATE: %s", n->redis,
                   r ? r->str : n->rc->errstr);
        freeReplyObject(r);
        notify_drop(n);
        return -1;
    }

    freeReplyObject(r);

    return 0;
}


void
notify_drop(notify_t *n)
{
    if (n->rc) {
        redisFree(n->rc);
        n->rc = NULL;
    }
}


/* a command; NULL (and the connection dropped) when Redis failed */

redisReply *
notify_cmd(notify_t *n, const char *fmt, ...)
{
    va_list      ap;
    redisReply  *r;

    if (notify_connect(n) != 0) {
        return NULL;
    }

    va_start(ap, fmt);
    r = redisvCommand(n->rc, fmt, ap);
    va_end(ap);

    if (r == NULL) {
        notify_log("warn", "Redis %s: %s", n->redis, n->rc->errstr);
        notify_drop(n);
        return NULL;
    }

    if (r->type == REDIS_REPLY_ERROR) {
        notify_log("warn", "Redis %s: %s", n->redis, r->str);
        freeReplyObject(r);
        return NULL;
    }

    return r;
}
