/*
 * The status page's bodies (cc_metrics.h): Prometheus text 0.0.4 and JSON.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cc_metrics.h"


const uint64_t  cc_metrics_bounds_us[CC_METRICS_BOUNDS] = {
    500, 1000, 2000, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
    1000000
};

/* the same bounds as Prometheus "le" labels, in seconds */
static const char  *cc_metrics_le[CC_METRICS_BUCKETS] = {
    "0.0005", "0.001", "0.002", "0.005", "0.01", "0.025", "0.05", "0.1",
    "0.25", "0.5", "1", "+Inf"
};

static const char  *cc_metrics_outcomes[CC_OUTCOME_N] = {
    "accepted", "spooled", "duplicate", "invalid", "malformed",
    "rate_limited", "window", "abuse", "storage_error", "too_large", "full",
    "cancelled", "method", "other", "draft"
};

static const char  *cc_metrics_reg_states[CC_REG_STATE_N] = {
    "confirmed", "waitlisted", "full", "cancelled"
};

static const char  *cc_metrics_redis_states[CC_REDIS_STATE_N] = {
    "down", "connecting", "up"
};


typedef struct {
    char    *data;
    size_t   len;
    size_t   size;
    int      failed;
} cc_buf_t;


static void cc_buf_printf(cc_buf_t *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void cc_buf_label(cc_buf_t *b, const char *value);
static void cc_buf_family(cc_buf_t *b, const char *name, const char *type,
    const char *help);


const char *
cc_metrics_outcome_name(unsigned outcome)
{
    return outcome < CC_OUTCOME_N ? cc_metrics_outcomes[outcome] : NULL;
}


const char *
cc_metrics_reg_state_name(unsigned state)
{
    return state < CC_REG_STATE_N ? cc_metrics_reg_states[state] : NULL;
}


const char *
cc_metrics_redis_state_name(unsigned state)
{
    return state < CC_REDIS_STATE_N ? cc_metrics_redis_states[state] : NULL;
}


cc_outcome_e
cc_metrics_outcome(unsigned status, const char *code)
{
    switch (status) {

    case 200:
    case 201:
        if (code != NULL && strcmp(code, "draft") == 0) {
            return CC_OUTCOME_DRAFT;
        }

        return (code != NULL && strcmp(code, "cancelled") == 0)
               ? CC_OUTCOME_CANCELLED : CC_OUTCOME_ACCEPTED;

    case 202:
        return CC_OUTCOME_SPOOLED;

    case 400:
        return CC_OUTCOME_MALFORMED;

    case 403:
        return (code != NULL && strcmp(code, "not_open") == 0)
               ? CC_OUTCOME_WINDOW : CC_OUTCOME_ABUSE;

    case 405:
        return CC_OUTCOME_METHOD;

    case 409:
        return CC_OUTCOME_FULL;

    case 410:
        return CC_OUTCOME_WINDOW;

    case 413:
        return CC_OUTCOME_TOO_LARGE;

    case 422:
        return CC_OUTCOME_INVALID;

    case 429:
        return CC_OUTCOME_RATE_LIMITED;

    case 503:
        return CC_OUTCOME_STORAGE_ERROR;

    default:
        return CC_OUTCOME_OTHER;
    }
}


unsigned
cc_metrics_bucket(uint64_t us)
{
    unsigned  i;

    for (i = 0; i < CC_METRICS_BOUNDS; i++) {
        if (us <= cc_metrics_bounds_us[i]) {
            return i;
        }
    }

    return CC_METRICS_BOUNDS;
}


static void
cc_buf_printf(cc_buf_t *b, const char *fmt, ...)
{
    int       n;
    char     *p;
    size_t    size;
    va_list   ap;

    if (b->failed) {
        return;
    }

    for ( ;; ) {
        va_start(ap, fmt);
        n = vsnprintf(b->data + b->len, b->size - b->len, fmt, ap);
        va_end(ap);

        if (n < 0) {
            b->failed = 1;
            return;
        }

        if ((size_t) n < b->size - b->len) {
            b->len += (size_t) n;
            return;
        }

        size = 2 * b->size + (size_t) n + 1;
        p = realloc(b->data, size);

        if (p == NULL) {
            b->failed = 1;
            return;
        }

        b->data = p;
        b->size = size;
    }
}


/* a label value, with \\, \" and \n escaped as the text format wants */

static void
cc_buf_label(cc_buf_t *b, const char *value)
{
    const char  *p;

    for (p = value; *p; p++) {
        switch (*p) {
        case '\\':
            cc_buf_printf(b, "\\\\");
            break;
        case '"':
            cc_buf_printf(b, "\\\"");
            break;
        case '\n':
            cc_buf_printf(b, "\\n");
            break;
        default:
            cc_buf_printf(b, "%c", *p);
        }
    }
}


static void
cc_buf_family(cc_buf_t *b, const char *name, const char *type,
    const char *help)
{
    cc_buf_printf(b, "# HELP concertation_%s %s\n# TYPE concertation_%s %s\n",
                  name, help, name, type);
}


/* name{label="value"[,label2="value2"]} n */

static void
cc_buf_sample(cc_buf_t *b, const char *name, const char *l1, const char *v1,
    const char *l2, const char *v2, uint64_t n)
{
    cc_buf_printf(b, "concertation_%s{%s=\"", name, l1);
    cc_buf_label(b, v1);

    if (l2) {
        cc_buf_printf(b, "\",%s=\"", l2);
        cc_buf_label(b, v2);
    }

    cc_buf_printf(b, "\"} %llu\n", (unsigned long long) n);
}


char *
cc_metrics_prometheus(const cc_metrics_t *m, size_t *len)
{
    size_t                      i;
    unsigned                    j;
    uint64_t                    sum;
    cc_buf_t                    b;
    const cc_metrics_worker_t  *w;
    char                        worker[24];

    b.size = 4096;
    b.len = 0;
    b.failed = 0;
    b.data = malloc(b.size);

    if (b.data == NULL) {
        return NULL;
    }

    b.data[0] = '\0';

    cc_buf_family(&b, "requests_total", "counter",
                  "Answers of the form locations, by form and outcome.");

    for (i = 0; i < m->nforms; i++) {
        for (j = 0; j < CC_OUTCOME_N; j++) {
            cc_buf_sample(&b, "requests_total", "form", m->forms[i].name,
                          "outcome", cc_metrics_outcomes[j],
                          m->forms[i].outcomes[j]);
        }
    }

    cc_buf_family(&b, "registrations_total", "counter",
                  "Registrations decided, by event and state.");

    for (i = 0; i < m->nevents; i++) {
        for (j = 0; j < CC_REG_STATE_N; j++) {
            cc_buf_sample(&b, "registrations_total", "event",
                          m->events[i].id, "state",
                          cc_metrics_reg_states[j], m->events[i].states[j]);
        }
    }

    cc_buf_family(&b, "redis_connection_state", "gauge",
                  "The Redis connection of each worker: 1 for its state.");

    for (i = 0; i < m->nworkers; i++) {
        snprintf(worker, sizeof(worker), "%u", m->workers[i].worker);

        for (j = 0; j < CC_REDIS_STATE_N; j++) {
            cc_buf_sample(&b, "redis_connection_state", "worker", worker,
                          "state", cc_metrics_redis_states[j],
                          m->workers[i].state == j);
        }
    }

    cc_buf_family(&b, "redis_reconnects_total", "counter",
                  "Connections to Redis attempted after a failure.");

    for (i = 0; i < m->nworkers; i++) {
        snprintf(worker, sizeof(worker), "%u", m->workers[i].worker);
        cc_buf_sample(&b, "redis_reconnects_total", "worker", worker,
                      NULL, NULL, m->workers[i].reconnects);
    }

    cc_buf_family(&b, "redis_latency_seconds", "histogram",
                  "Time from a command queued to its reply.");

    for (i = 0; i < m->nworkers; i++) {
        w = &m->workers[i];
        snprintf(worker, sizeof(worker), "%u", w->worker);

        for (sum = 0, j = 0; j < CC_METRICS_BUCKETS; j++) {
            sum += w->buckets[j];
            cc_buf_sample(&b, "redis_latency_seconds_bucket", "worker",
                          worker, "le", cc_metrics_le[j], sum);
        }

        cc_buf_printf(&b, "concertation_redis_latency_seconds_sum"
                      "{worker=\"%s\"} %llu.%06llu\n", worker,
                      (unsigned long long) (w->latency_sum_us / 1000000),
                      (unsigned long long) (w->latency_sum_us % 1000000));
        cc_buf_sample(&b, "redis_latency_seconds_count", "worker", worker,
                      NULL, NULL, sum);
    }

#define cc_worker_family(name, type, help, field)                             \
    cc_buf_family(&b, name, type, help);                                      \
    for (i = 0; i < m->nworkers; i++) {                                       \
        snprintf(worker, sizeof(worker), "%u", m->workers[i].worker);         \
        cc_buf_sample(&b, name, "worker", worker, NULL, NULL,                 \
                      m->workers[i].field);                                   \
    }

    cc_buf_family(&b, "spool_capacity_bytes", "gauge",
                  "The most bytes one worker's spool may hold (max_size); "
                  "0 without a spool.");
    cc_buf_printf(&b, "concertation_spool_capacity_bytes %llu\n",
                  (unsigned long long) m->spool_capacity);

    cc_worker_family("spool_bytes", "gauge",
                     "Bytes of answers in the local spool, to be replayed.",
                     spool_bytes)
    cc_worker_family("spool_records", "gauge",
                     "Answers this worker spooled that wait to be replayed.",
                     spool_records)
    cc_worker_family("spool_replayed_total", "counter",
                     "Spooled answers the replay stored in Redis.",
                     replayed)
    cc_worker_family("spool_replay_duplicates_total", "counter",
                     "Spooled answers the replay found in Redis already.",
                     replay_duplicates)
    cc_worker_family("spool_replay_skipped_total", "counter",
                     "Corrupt or torn spool records the replay skipped.",
                     replay_skipped)
    cc_worker_family("spool_quarantined_total", "counter",
                     "Spooled answers Redis refused for good, kept in a "
                     "quarantine file.",
                     quarantined)
    cc_worker_family("redis_wait_unconfirmed_total", "counter",
                     "Answers the replicas did not confirm within "
                     "concertation_redis_wait's timeout, spooled as well.",
                     unconfirmed)

#undef cc_worker_family

    cc_buf_family(&b, "limit_zone_clients", "gauge",
                  "Clients counted in a rate-limit zone.");

    for (i = 0; i < m->nzones; i++) {
        cc_buf_sample(&b, "limit_zone_clients", "zone", m->zones[i].name,
                      NULL, NULL, m->zones[i].used);
    }

    cc_buf_family(&b, "limit_zone_capacity", "gauge",
                  "Clients a rate-limit zone holds before it forgets the "
                  "least recently seen (approximate).");

    for (i = 0; i < m->nzones; i++) {
        cc_buf_sample(&b, "limit_zone_capacity", "zone", m->zones[i].name,
                      NULL, NULL, m->zones[i].capacity);
    }

    if (b.failed) {
        free(b.data);
        return NULL;
    }

    *len = b.len;

    return b.data;
}


/* jansson's integers are signed: a counter past 2^63 stays at the top */

static json_t *
cc_json_u64(uint64_t n)
{
    return json_integer(n > INT64_MAX ? (json_int_t) INT64_MAX
                                      : (json_int_t) n);
}


static int
cc_json_set(json_t *o, const char *key, json_t *v)
{
    return v == NULL || json_object_set_new(o, key, v) != 0 ? -1 : 0;
}


char *
cc_metrics_json(const cc_metrics_t *m, size_t *len)
{
    int                         rc;
    char                       *text;
    size_t                      i;
    json_t                     *root, *forms, *events, *workers, *zones, *o;
    json_t                     *redis, *lat, *buckets, *spool;
    unsigned                    j;
    uint64_t                    sum;
    const cc_metrics_worker_t  *w;

    root = json_object();
    forms = json_object();
    events = json_object();
    workers = json_array();
    zones = json_object();

    rc = (root == NULL) ? -1 : 0;
    rc |= cc_json_set(root, "forms", forms);
    rc |= cc_json_set(root, "events", events);
    rc |= cc_json_set(root, "workers", workers);
    rc |= cc_json_set(root, "limit_zones", zones);
    rc |= cc_json_set(root, "spool_capacity_bytes",
                      cc_json_u64(m->spool_capacity));

    for (i = 0; rc == 0 && i < m->nforms; i++) {
        o = json_object();
        rc |= cc_json_set(forms, m->forms[i].name, o);

        for (j = 0; rc == 0 && j < CC_OUTCOME_N; j++) {
            rc |= cc_json_set(o, cc_metrics_outcomes[j],
                        cc_json_u64(m->forms[i].outcomes[j]));
        }
    }

    for (i = 0; rc == 0 && i < m->nevents; i++) {
        o = json_object();
        rc |= cc_json_set(events, m->events[i].id, o);

        for (j = 0; rc == 0 && j < CC_REG_STATE_N; j++) {
            rc |= cc_json_set(o, cc_metrics_reg_states[j],
                        cc_json_u64(m->events[i].states[j]));
        }
    }

    for (i = 0; rc == 0 && i < m->nworkers; i++) {
        w = &m->workers[i];

        o = json_object();
        redis = json_object();
        lat = json_object();
        buckets = json_object();
        spool = json_object();

        rc |= (o == NULL || json_array_append_new(workers, o) != 0) ? -1 : 0;
        rc |= cc_json_set(o, "worker", json_integer(w->worker));
        rc |= cc_json_set(o, "redis", redis);
        rc |= cc_json_set(o, "spool", spool);
        rc |= cc_json_set(redis, "state",
                          json_string(cc_metrics_redis_state_name(w->state)
                                      ? cc_metrics_redis_state_name(w->state)
                                      : "down"));
        rc |= cc_json_set(redis, "reconnects",
                          cc_json_u64(w->reconnects));
        rc |= cc_json_set(redis, "wait_unconfirmed",
                          cc_json_u64(w->unconfirmed));
        rc |= cc_json_set(redis, "latency", lat);
        rc |= cc_json_set(lat, "buckets", buckets);

        /* cumulative, keyed by "le", as in the text */
        for (sum = 0, j = 0; rc == 0 && j < CC_METRICS_BUCKETS; j++) {
            sum += w->buckets[j];
            rc |= cc_json_set(buckets, cc_metrics_le[j],
                              cc_json_u64(sum));
        }

        rc |= cc_json_set(lat, "count", cc_json_u64(sum));
        rc |= cc_json_set(lat, "sum_us",
                          cc_json_u64(w->latency_sum_us));

        rc |= cc_json_set(spool, "bytes",
                          cc_json_u64(w->spool_bytes));
        rc |= cc_json_set(spool, "records",
                          cc_json_u64(w->spool_records));
        rc |= cc_json_set(spool, "replayed",
                          cc_json_u64(w->replayed));
        rc |= cc_json_set(spool, "replay_duplicates",
                          cc_json_u64(w->replay_duplicates));
        rc |= cc_json_set(spool, "replay_skipped",
                          cc_json_u64(w->replay_skipped));
        rc |= cc_json_set(spool, "quarantined",
                          cc_json_u64(w->quarantined));
    }

    for (i = 0; rc == 0 && i < m->nzones; i++) {
        o = json_object();
        rc |= cc_json_set(zones, m->zones[i].name, o);
        rc |= cc_json_set(o, "clients",
                          cc_json_u64(m->zones[i].used));
        rc |= cc_json_set(o, "capacity",
                          cc_json_u64(m->zones[i].capacity));
    }

    text = (rc == 0) ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER)
                     : NULL;

    /* json_object_set_new() took (or freed) every value, even on failure */
    json_decref(root);

    if (text != NULL) {
        *len = strlen(text);
    }

    return text;
}
