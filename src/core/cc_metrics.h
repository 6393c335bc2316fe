/*
 * The status page's bodies: a snapshot of the counters (copied out of
 * shared memory by ngx_http_concertation_metrics.c) written as the
 * Prometheus text exposition format 0.0.4 or as JSON.  No nginx header
 * here: the snapshot is plain data, the text is malloc()ed.
 */

#ifndef CC_METRICS_H
#define CC_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* what became of a request to a module location (the log's outcome too) */
typedef enum {
    CC_OUTCOME_ACCEPTED = 0,   /* 201: in Redis */
    CC_OUTCOME_SPOOLED,        /* 202: in the local spool */
    CC_OUTCOME_DUPLICATE,      /* an idempotency key or a registration seen */
    CC_OUTCOME_INVALID,        /* 422 */
    CC_OUTCOME_MALFORMED,      /* 400 */
    CC_OUTCOME_RATE_LIMITED,   /* 429 */
    CC_OUTCOME_WINDOW,         /* 403 not_open, 410 closed */
    CC_OUTCOME_ABUSE,          /* other 403: cross-site, token, honeypot */
    CC_OUTCOME_STORAGE_ERROR,  /* 503 */
    CC_OUTCOME_TOO_LARGE,      /* 413 */
    CC_OUTCOME_FULL,           /* 409: an event with no seat left */
    CC_OUTCOME_CANCELLED,      /* a registration cancelled */
    CC_OUTCOME_METHOD,         /* 405 */
    CC_OUTCOME_OTHER,          /* 404, 408, 415, ... */
    CC_OUTCOME_DRAFT,          /* a draft kept, not an answer */
    CC_OUTCOME_N
} cc_outcome_e;

/* registrations, per event */
typedef enum {
    CC_REG_STATE_CONFIRMED = 0,
    CC_REG_STATE_WAITLISTED,
    CC_REG_STATE_FULL,
    CC_REG_STATE_CANCELLED,
    CC_REG_STATE_N
} cc_reg_state_e;

/* the Redis connection of a worker */
typedef enum {
    CC_REDIS_DOWN = 0,
    CC_REDIS_CONNECTING,
    CC_REDIS_UP,
    CC_REDIS_STATE_N
} cc_redis_state_e;

/*
 * Round-trip latency buckets, upper bounds in microseconds (0.5 ms to 1 s);
 * the last bucket, +Inf, takes the rest.
 */
#define CC_METRICS_BOUNDS   11
#define CC_METRICS_BUCKETS  (CC_METRICS_BOUNDS + 1)

extern const uint64_t  cc_metrics_bounds_us[CC_METRICS_BOUNDS];

typedef struct {
    const char   *name;                  /* NUL-terminated */
    uint64_t      outcomes[CC_OUTCOME_N];
} cc_metrics_form_t;

typedef struct {
    const char   *id;
    uint64_t      states[CC_REG_STATE_N];
} cc_metrics_event_t;

typedef struct {
    unsigned      worker;                /* nginx's worker number */
    unsigned      state;                 /* cc_redis_state_e */
    uint64_t      reconnects;
    uint64_t      buckets[CC_METRICS_BUCKETS];  /* per bucket, not summed */
    uint64_t      latency_sum_us;
    uint64_t      spool_bytes;           /* waiting to be replayed */
    uint64_t      spool_records;
    uint64_t      replayed;              /* stored by a replay */
    uint64_t      replay_duplicates;     /* were in Redis already */
    uint64_t      replay_skipped;        /* corrupt or torn */
    uint64_t      quarantined;           /* refused by Redis for good */
    uint64_t      unconfirmed;           /* WAIT fell short: spooled too */
} cc_metrics_worker_t;

typedef struct {
    const char   *name;
    uint64_t      used;                  /* clients counted */
    uint64_t      capacity;              /* that fit, about */
} cc_metrics_zone_t;

typedef struct {
    const cc_metrics_form_t    *forms;
    size_t                      nforms;
    const cc_metrics_event_t   *events;
    size_t                      nevents;
    const cc_metrics_worker_t  *workers;
    size_t                      nworkers;
    const cc_metrics_zone_t    *zones;
    size_t                      nzones;
    uint64_t                    spool_capacity;  /* max_size, per worker */
} cc_metrics_t;

/* "accepted", "rate_limited", ...; NULL out of range */
const char *cc_metrics_outcome_name(unsigned outcome);
const char *cc_metrics_reg_state_name(unsigned state);
const char *cc_metrics_redis_state_name(unsigned state);

/*
 * The outcome of an answer from its status and its error code (the "code"
 * of the JSON error body; NULL when none): 403 "not_open" is the window's,
 * any other 403 the abuse controls'.
 */
cc_outcome_e cc_metrics_outcome(unsigned status, const char *code);

/* the bucket of a latency: 0 .. CC_METRICS_BUCKETS - 1 */
unsigned cc_metrics_bucket(uint64_t us);

/*
 * The bodies, malloc()ed and NUL-terminated, their length in *len; NULL
 * when out of memory.  The Prometheus text names every metric
 * "concertation_...", gives each a HELP and a TYPE line, and writes label
 * values escaped as the format says.
 */
char *cc_metrics_prometheus(const cc_metrics_t *m, size_t *len);
char *cc_metrics_json(const cc_metrics_t *m, size_t *len);

#endif /* CC_METRICS_H */
