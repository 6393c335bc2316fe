/*
 * The tools' way to the Redis master: the sentinel list, and the question
 * every sentinel answers (SENTINEL GET-MASTER-ADDR-BY-NAME), its reply read
 * by src/core/cc_reply.c as the module reads it.
 */

#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1      /* usleep() */
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cc_master.h"
#include "cc_reply.h"


/* one "host[:port]" or "[v6][:port]" of len bytes */

static int
cc_sentinels_addr(const char *a, size_t len, char *host, int *port)
{
    char        *end, digits[8];
    long         p;
    size_t       hlen, dl;
    const char  *h, *colon;

    if (len == 0) {
        return -1;
    }

    if (a[0] == '[') {
        colon = memchr(a, ']', len);
        if (colon == NULL) {
            return -1;
        }

        h = a + 1;
        hlen = colon - h;
        colon = (size_t) (colon + 1 - a) < len ? colon + 1 : NULL;

        if (colon && *colon != ':') {
            return -1;
        }

    } else {
        h = a;
        colon = memchr(a, ':', len);
        hlen = colon ? (size_t) (colon - a) : len;
    }

    if (hlen == 0 || hlen >= CC_MASTER_HOST_MAX) {
        return -1;
    }

    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = 26379;

    if (colon) {
        dl = len - (colon + 1 - a);

        if (dl == 0 || dl >= sizeof(digits)) {
            return -1;
        }

        memcpy(digits, colon + 1, dl);
        digits[dl] = '\0';
        p = strtol(digits, &end, 10);

        if (*end != '\0' || p < 1 || p > 65535 || digits[0] == '+'
            || digits[0] == '-')
        {
            return -1;
        }

        *port = (int) p;
    }

    return 0;
}


int
cc_sentinels_parse(const char *spec, cc_sentinels_t *s, char *err,
    size_t errlen)
{
    size_t       len;
    const char  *at, *p, *comma;

    memset(s, 0, sizeof(cc_sentinels_t));

    at = strchr(spec, '@');

    if (at == NULL || at == spec
        || (size_t) (at - spec) >= sizeof(s->name)
        || memchr(spec, ' ', at - spec) != NULL)
    {
        snprintf(err, errlen, "expected NAME@host:port[,host:port…], not "
                 "\"%s\"", spec);
        return -1;
    }

    memcpy(s->name, spec, at - spec);
    s->name[at - spec] = '\0';

    for (p = at + 1; ; p = comma + 1) {
        comma = strchr(p, ',');
        len = comma ? (size_t) (comma - p) : strlen(p);

        if (s->n == CC_MASTER_MAX) {
            snprintf(err, errlen, "more than %d sentinels", CC_MASTER_MAX);
            return -1;
        }

        if (cc_sentinels_addr(p, len, s->host[s->n], &s->port[s->n]) != 0) {
            snprintf(err, errlen, "invalid sentinel address \"%.*s\"",
                     (int) len, p);
            return -1;
        }

        s->n++;

        if (comma == NULL) {
            break;
        }
    }

    return 0;
}


/* one sentinel's answer: 0, or -1 and why */

static int
cc_sentinels_ask(const cc_sentinels_t *s, size_t i, const char *password,
    struct timeval timeout, char *host, size_t hostlen, int *port,
    char *err, size_t errlen)
{
    int              rc;
    redisReply      *r;
    redisContext    *c;
    cc_reply_addr_t  a;

    c = redisConnectWithTimeout(s->host[i], s->port[i], timeout);

    if (c == NULL || c->err) {
        snprintf(err, errlen, "sentinel %s:%d: %s", s->host[i], s->port[i],
                 c ? c->errstr : "out of memory");
        redisFree(c);
        return -1;
    }

    redisSetTimeout(c, timeout);
    rc = -1;

    if (password) {
        r = redisCommand(c, "AUTH %s", password);

        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            snprintf(err, errlen, "sentinel %s:%d: AUTH refused: %s",
                     s->host[i], s->port[i], r ? r->str : c->errstr);
            freeReplyObject(r);
            redisFree(c);
            return -1;
        }

        freeReplyObject(r);
    }

    r = redisCommand(c, "SENTINEL GET-MASTER-ADDR-BY-NAME %s", s->name);

    if (r != NULL && cc_reply_master_addr(r, &a) == 0
        && a.host_len < hostlen)
    {
        memcpy(host, a.host, a.host_len);
        host[a.host_len] = '\0';
        *port = a.port;
        rc = 0;

    } else {
        snprintf(err, errlen, "sentinel %s:%d knows no master \"%s\"%s%s",
                 s->host[i], s->port[i], s->name,
                 r && r->type == REDIS_REPLY_ERROR ? ": " : "",
                 r && r->type == REDIS_REPLY_ERROR ? r->str
                 : r ? "" : c->errstr);
    }

    freeReplyObject(r);
    redisFree(c);

    return rc;
}


int
cc_sentinels_master(const cc_sentinels_t *s, const char *password,
    struct timeval timeout, char *host, size_t hostlen, int *port,
    char *err, size_t errlen)
{
    size_t  i;

    for (i = 0; i < s->n; i++) {
        if (cc_sentinels_ask(s, i, password, timeout, host, hostlen, port,
                             err, errlen)
            == 0)
        {
            return 0;
        }
    }

    return -1;
}


int
cc_master_is_master(redisContext *c)
{
    int          rc;
    size_t       len;
    const char  *role;
    redisReply  *r;

    r = redisCommand(c, "ROLE");
    if (r == NULL) {
        return -1;
    }

    rc = cc_reply_role(r, &role, &len) == CC_ROLE_REPLICA ? 0 : 1;
    freeReplyObject(r);

    return rc;
}


/* AUTH with the master's password: 0, or -1 and why */

static int
cc_master_auth(redisContext *c, const char *password, char *err,
    size_t errlen)
{
    redisReply  *r;

    if (password == NULL || password[0] == '\0') {
        return 0;
    }

    r = redisCommand(c, "AUTH %s", password);

    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        snprintf(err, errlen, "AUTH refused: %s", r ? r->str : c->errstr);
        freeReplyObject(r);
        return -1;
    }

    freeReplyObject(r);
    return 0;
}


redisContext *
cc_master_connect(const char *host, int port, const cc_sentinels_t *s,
    const char *sentinel_password, const char *password,
    struct timeval timeout, char *err, size_t errlen)
{
    int            i, master;
    char           h[CC_MASTER_HOST_MAX];
    redisContext  *c;

    /*
     * During a failover a sentinel may name the old master a moment
     * longer, or the new one before it took the role: asked again, for
     * at most 10 × 0.5 s.
     */

    for (i = 0; i < (s ? 10 : 1); i++) {

        if (i) {
            usleep(500000);
        }

        if (s) {
            if (cc_sentinels_master(s, sentinel_password, timeout, h,
                                    sizeof(h), &port, err, errlen)
                != 0)
            {
                continue;
            }

            host = h;
        }

        c = port ? redisConnectWithTimeout(host, port, timeout)
                 : redisConnectUnixWithTimeout(host, timeout);

        if (c == NULL || c->err) {
            snprintf(err, errlen, "%s%s%d: %s", host, port ? ":" : "",
                     port, c ? c->errstr : "out of memory");
            redisFree(c);
            continue;
        }

        redisSetTimeout(c, timeout);

        if (cc_master_auth(c, password, err, errlen) != 0) {
            redisFree(c);
            return NULL;
        }

        master = s ? cc_master_is_master(c) : 1;

        if (master == 1) {
            return c;
        }

        snprintf(err, errlen, "%s:%d, named by the sentinels, is %s", host,
                 port, master ? "not answering ROLE" : "not a master (yet)");
        redisFree(c);
    }

    return NULL;
}
