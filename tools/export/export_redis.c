/*
 * The Redis connection: hiredis' blocking API (a command-line tool, not a
 * server), the password from the environment, never from argv.
 */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "cc_master.h"

#define EXPORT_MAX_ARGS  64


void
export_connect(export_t *ex)
{
    int              port;
    char             host[1024], err[1024];
    const char      *pw, *where;
    redisReply      *r;
    struct timeval   tv;
    cc_sentinels_t   sentinels;

    port = 0;
    where = ex->opts->sentinel ? ex->opts->sentinel : ex->opts->redis;

    if (ex->opts->sentinel) {
        if (cc_sentinels_parse(ex->opts->sentinel, &sentinels, err,
                               sizeof(err))
            != 0)
        {
            export_die(EX_USAGE_ERR, "--sentinelle : %s", err);
        }

    } else if (cc_export_parse_redis(ex->opts->redis, host, sizeof(host),
                                     &port)
               != 0)
    {
        export_die(EX_USAGE_ERR, "adresse Redis invalide : %s",
                   ex->opts->redis);
    }

    tv.tv_sec = 5;
    tv.tv_usec = 0;

    pw = getenv("CONCERTATION_REDIS_PASSWORD");

    ex->redis = cc_master_connect(host, port,
                                  ex->opts->sentinel ? &sentinels : NULL,
                                  getenv("CONCERTATION_SENTINEL_PASSWORD"),
                                  pw, tv, err, sizeof(err));

    if (ex->redis == NULL) {
        export_die(EX_REDIS, "connexion à Redis (%s) impossible : %s",
                   where, err);
    }

    /* a batch of XRANGE on a busy server may take a while, never forever */
    tv.tv_sec = 60;
    redisSetTimeout(ex->redis, tv);

    if (ex->opts->database) {
        snprintf(host, sizeof(host), "%d", ex->opts->database);
        r = export_cmdv(ex, "SELECT", host, NULL);
        if (r->type == REDIS_REPLY_ERROR) {
            export_die(EX_REDIS, "SELECT %s : %s", host, r->str);
        }

        freeReplyObject(r);
    }
}


/* a reply, or the end: the connection is lost */

redisReply *
export_cmd(export_t *ex, int argc, const char **argv, const size_t *lens)
{
    redisReply  *r;

    r = redisCommandArgv(ex->redis, argc, argv, lens);

    if (r == NULL) {
        export_die(EX_REDIS, "Redis (%s) : %s", ex->opts->redis,
                   ex->redis->errstr[0] ? ex->redis->errstr
                                        : "connexion perdue");
    }

    if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOAUTH", 6) == 0) {
        export_die(EX_REDIS, "Redis demande un mot de passe : "
                   "CONCERTATION_REDIS_PASSWORD");
    }

    return r;
}


redisReply *
export_cmdv(export_t *ex, ...)
{
    int          argc;
    va_list      ap;
    const char  *argv[EXPORT_MAX_ARGS], *s;

    argc = 0;
    va_start(ap, ex);

    while ((s = va_arg(ap, const char *)) != NULL && argc < EXPORT_MAX_ARGS) {
        argv[argc++] = s;
    }

    va_end(ap);

    return export_cmd(ex, argc, argv, NULL);
}


int
export_is_error(redisReply *r, const char *prefix)
{
    return r->type == REDIS_REPLY_ERROR
           && (prefix == NULL || strncmp(r->str, prefix, strlen(prefix)) == 0);
}
