/*
 * The command-line tools' way to the Redis master (concertation-export,
 * concertation-notify): a fixed address, or the master that Redis
 * Sentinel names — the same master the module's workers follow
 * (concertation_redis_sentinel).  hiredis' blocking client: these are
 * programs of their own, not nginx workers.
 */

#ifndef CC_MASTER_H
#define CC_MASTER_H

#include <stddef.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#define CC_MASTER_HOST_MAX  1024
#define CC_MASTER_MAX       16     /* sentinels in a list */

typedef struct {
    char     name[256];            /* the master's, as the sentinels know it */
    char     host[CC_MASTER_MAX][CC_MASTER_HOST_MAX];
    int      port[CC_MASTER_MAX];
    size_t   n;
} cc_sentinels_t;

/*
 * "NAME@host[:port][,host[:port]…]" (port 26379 by default; IPv6 in
 * brackets): 0, or -1 and why in err.
 */
int cc_sentinels_parse(const char *spec, cc_sentinels_t *s, char *err,
    size_t errlen);

/*
 * Asks the sentinels in turn (AUTH password first when not NULL) for the
 * master's address: 0 and host, port; -1 and why in err (the last
 * sentinel's failure).
 */
int cc_sentinels_master(const cc_sentinels_t *s, const char *password,
    struct timeval timeout, char *host, size_t hostlen, int *port,
    char *err, size_t errlen);

/*
 * ROLE on an open (authenticated) connection: 1 a master, 0 a replica or
 * a sentinel, -1 no answer; a Redis without ROLE counts as a master.
 */
int cc_master_is_master(redisContext *c);

/*
 * A connection to the master, authenticated with password (NULL: none):
 * at host, port (0: host is a socket path) when s is NULL; otherwise where
 * the sentinels s say, checked with ROLE, and asked again for a few
 * seconds while a failover is under way.  NULL and why in err.
 */
redisContext *cc_master_connect(const char *host, int port,
    const cc_sentinels_t *s, const char *sentinel_password,
    const char *password, struct timeval timeout, char *err, size_t errlen);

#endif /* CC_MASTER_H */
