/*
 * What a Redis reply to the store path means: a plain XADD, or the store
 * script (src/scripts/store.lua), whose replies are checked strictly.
 */

#ifndef CC_REPLY_H
#define CC_REPLY_H

#include <stddef.h>

#include <hiredis/hiredis.h>

/* the longest entry id, submission id or cursor accepted */
#define CC_REPLY_ID_MAX  64

typedef enum {
    CC_REPLY_STORED = 0,   /* XADD string id, or script {1, entry id, wait} */
    CC_REPLY_DUPLICATE,    /* script {2, "status", "id"}: the first answer of
                              an idempotency key / replayed id */
    CC_REPLY_LIMITED,      /* script {0, wait seconds} */
    CC_REPLY_NOSCRIPT,     /* error starting "NOSCRIPT" */
    CC_REPLY_TRANSIENT,    /* error LOADING, READONLY, BUSY, OOM, MASTERDOWN,
                              TRYAGAIN, NOREPLICAS, CLUSTERDOWN, MISCONF
                              (Redis cannot persist), NOAUTH, NOPERM (its
                              configuration, not the command), or no
                              reply */
    CC_REPLY_FAILED        /* any other error (WRONGTYPE, CROSSSLOT, ERR…:
                              the command itself is refused, and would be
                              again), or a reply of an unexpected shape */
} cc_reply_kind_e;

typedef struct {
    cc_reply_kind_e   kind;
    long long         wait;        /* LIMITED: seconds >= 1;
                                      STORED: dry-run wait (0 = none) */
    const char       *status;      /* DUPLICATE: "201", "202"... */
    size_t            status_len;
    const char       *id;          /* DUPLICATE: the first id; STORED: the
                                      entry id */
    size_t            id_len;
    const char       *error;       /* the error text, for the log: Redis's
                                      own, or what was wrong with the shape */
    size_t            error_len;
} cc_reply_t;

/*
 * Classifies reply (NULL: no reply, TRANSIENT).  script = 0: the reply to a
 * plain XADD, a bulk string; otherwise the store script's array.  Unused
 * members are 0 / NULL; the strings point into reply (or are static) and
 * are not NUL-terminated.
 *
 * Shapes: the first element of a script reply is an integer; statuses are
 * bulk strings of 3 digits, 100 to 599; ids and cursors are bulk strings of
 * 1 to CC_REPLY_ID_MAX printable ASCII bytes, no space; waits are
 * integers (>= 1 for LIMITED, >= 0 for STORED); the array has exactly the
 * elements listed above.  An error reply is an error whatever script says.
 */
void cc_reply_classify(const redisReply *reply, int script, cc_reply_t *out);

/*
 * Caps the arrays reader will make at max_elements elements each (and
 * refuses negative counts).  hiredis 0.14 allocates an array's element
 * vector as soon as it reads "*<n>\r\n": a broken or hostile peer sending
 * "*2147483647\r\n" would make it malloc 16 GB.  Past the cap, the reader
 * fails with an out-of-memory error (redisReaderGetReply() returns
 * REDIS_ERR), and the caller drops the connection.
 *
 * reader must use hiredis's default reply functions (redisReaderCreate()).
 * The cap is the process's: the last call sets it for every capped reader.
 */
void cc_reply_reader_limit(redisReader *reader, size_t max_elements);

/*
 * Redis refuses writes because it is no longer (or not yet) the master a
 * writer needs: an error READONLY, MASTERDOWN or LOADING.  The connection
 * is worth nothing then; after a failover the master is elsewhere.
 */
int cc_reply_not_master(const redisReply *reply);

typedef enum {
    CC_ROLE_MASTER = 0,
    CC_ROLE_REPLICA,       /* "slave", or "sentinel": not where to write */
    CC_ROLE_UNKNOWN        /* an error (a Redis without ROLE), another shape */
} cc_role_e;

/* the reply to ROLE; *role points into it (its first element), for the log */
cc_role_e cc_reply_role(const redisReply *reply, const char **role,
    size_t *role_len);

/* an address a sentinel gave: host points into the reply, not terminated */
#define CC_REPLY_HOST_MAX  255

typedef struct {
    const char       *host;
    size_t            host_len;
    int               port;        /* 1 to 65535 */
} cc_reply_addr_t;

/*
 * The reply to SENTINEL GET-MASTER-ADDR-BY-NAME: an array of two bulk
 * strings, a host (printable, no space, at most CC_REPLY_HOST_MAX bytes)
 * and a port.  0 and addr; -1 for a nil (the sentinel knows no such
 * master), an error or another shape.
 */
int cc_reply_master_addr(const redisReply *reply, cc_reply_addr_t *addr);

/*
 * A message of a SUBSCRIBE +switch-master: ["message", "+switch-master",
 * "<name> <old ip> <old port> <new ip> <new port>"].  1 and the new
 * address when it is about the master called name; 0 for another master or
 * another channel; -1 for anything else (not a message, a payload of
 * another shape).
 */
int cc_reply_switch_master(const redisReply *reply, const char *name,
    size_t name_len, cc_reply_addr_t *addr);

#endif /* CC_REPLY_H */
