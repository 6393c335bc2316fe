/*
 * The status page's bodies (src/core/cc_metrics.c): the outcome of an
 * answer, the latency buckets, and the Prometheus text and JSON written
 * from a snapshot, checked line by line.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cc_test.h"
#include "cc_metrics.h"


static void
test_metrics_outcome(void)
{
    CHECK(cc_metrics_outcome(201, NULL) == CC_OUTCOME_ACCEPTED);
    CHECK(cc_metrics_outcome(202, NULL) == CC_OUTCOME_SPOOLED);
    CHECK(cc_metrics_outcome(422, NULL) == CC_OUTCOME_INVALID);
    CHECK(cc_metrics_outcome(400, "malformed") == CC_OUTCOME_MALFORMED);
    CHECK(cc_metrics_outcome(429, "rate_limited")
          == CC_OUTCOME_RATE_LIMITED);
    CHECK(cc_metrics_outcome(403, "not_open") == CC_OUTCOME_WINDOW);
    CHECK(cc_metrics_outcome(410, "closed") == CC_OUTCOME_WINDOW);
    CHECK(cc_metrics_outcome(403, "cross_site") == CC_OUTCOME_ABUSE);
    CHECK(cc_metrics_outcome(403, NULL) == CC_OUTCOME_ABUSE);
    CHECK(cc_metrics_outcome(503, "unavailable")
          == CC_OUTCOME_STORAGE_ERROR);
    CHECK(cc_metrics_outcome(413, "too_large") == CC_OUTCOME_TOO_LARGE);
    CHECK(cc_metrics_outcome(409, "complet") == CC_OUTCOME_FULL);
    CHECK(cc_metrics_outcome(405, NULL) == CC_OUTCOME_METHOD);
    CHECK(cc_metrics_outcome(408, NULL) == CC_OUTCOME_OTHER);
    CHECK(cc_metrics_outcome(411, NULL) == CC_OUTCOME_OTHER);
    CHECK(cc_metrics_outcome(415, NULL) == CC_OUTCOME_OTHER);
    CHECK(cc_metrics_outcome(404, "not_found") == CC_OUTCOME_OTHER);
    CHECK(cc_metrics_outcome(500, NULL) == CC_OUTCOME_OTHER);

    CHECK_STR(cc_metrics_outcome_name(CC_OUTCOME_RATE_LIMITED),
              "rate_limited");
    CHECK_STR(cc_metrics_outcome_name(CC_OUTCOME_STORAGE_ERROR),
              "storage_error");
    CHECK_STR(cc_metrics_outcome_name(CC_OUTCOME_OTHER), "other");
    CHECK(cc_metrics_outcome_name(CC_OUTCOME_N) == NULL);
    CHECK_STR(cc_metrics_reg_state_name(CC_REG_STATE_WAITLISTED),
              "waitlisted");
    CHECK(cc_metrics_reg_state_name(CC_REG_STATE_N) == NULL);
    CHECK_STR(cc_metrics_redis_state_name(CC_REDIS_CONNECTING),
              "connecting");
}


static void
test_metrics_bucket(void)
{
    CHECK(cc_metrics_bucket(0) == 0);
    CHECK(cc_metrics_bucket(500) == 0);         /* le is inclusive */
    CHECK(cc_metrics_bucket(501) == 1);
    CHECK(cc_metrics_bucket(1000) == 1);
    CHECK(cc_metrics_bucket(4999) == 3);
    CHECK(cc_metrics_bucket(1000000) == CC_METRICS_BOUNDS - 1);
    CHECK(cc_metrics_bucket(1000001) == CC_METRICS_BOUNDS);
    CHECK(cc_metrics_bucket(UINT64_MAX) == CC_METRICS_BOUNDS);
}


/* the snapshot both formats are written from */

static cc_metrics_form_t    forms[2];
static cc_metrics_event_t   events[1];
static cc_metrics_worker_t  workers[2];
static cc_metrics_zone_t    zones[1];


static void
test_metrics_snapshot(cc_metrics_t *m)
{
    memset(forms, 0, sizeof(forms));
    memset(events, 0, sizeof(events));
    memset(workers, 0, sizeof(workers));
    memset(zones, 0, sizeof(zones));

    forms[0].name = "questionnaire";
    forms[0].outcomes[CC_OUTCOME_ACCEPTED] = 7;
    forms[0].outcomes[CC_OUTCOME_RATE_LIMITED] = 2;
    forms[1].name = "we\"ird\\na\nme";
    forms[1].outcomes[CC_OUTCOME_OTHER] = 18446744073709551615ULL;

    events[0].id = "atelier-caen";
    events[0].states[CC_REG_STATE_CONFIRMED] = 3;
    events[0].states[CC_REG_STATE_CANCELLED] = 1;

    workers[0].worker = 0;
    workers[0].state = CC_REDIS_UP;
    workers[0].reconnects = 4;
    workers[0].buckets[0] = 5;
    workers[0].buckets[2] = 1;
    workers[0].buckets[CC_METRICS_BOUNDS] = 2;
    workers[0].latency_sum_us = 3001234;
    workers[0].spool_bytes = 1234;
    workers[0].spool_records = 2;
    workers[0].replayed = 9;
    workers[0].replay_duplicates = 1;
    workers[0].replay_skipped = 3;
    workers[0].quarantined = 4;
    workers[0].unconfirmed = 6;

    workers[1].worker = 1;
    workers[1].state = CC_REDIS_DOWN;

    zones[0].name = "par_ip";
    zones[0].used = 12;
    zones[0].capacity = 1000;

    memset(m, 0, sizeof(cc_metrics_t));
    m->forms = forms;
    m->nforms = 2;
    m->events = events;
    m->nevents = 1;
    m->workers = workers;
    m->nworkers = 2;
    m->zones = zones;
    m->nzones = 1;
    m->spool_capacity = 268435456;
}


/* every line a comment or "name{labels} value"; HELP and TYPE first */

static int
test_metrics_lines_valid(const char *text)
{
    char          name[128], *line, *copy, *save, *sp;
    size_t        n;
    const char   *p;
    char          typed[64][96];
    size_t        ntyped, i;
    int           ok;

    copy = strdup(text);
    if (copy == NULL) {
        return 0;
    }

    ntyped = 0;
    ok = 1;

    for (line = strtok_r(copy, "\n", &save); line && ok;
         line = strtok_r(NULL, "\n", &save))
    {
        if (strncmp(line, "# HELP concertation_", 20) == 0) {
            continue;
        }

        if (strncmp(line, "# TYPE concertation_", 20) == 0) {
            sp = strchr(line + 7, ' ');
            if (sp == NULL || ntyped == 64) {
                ok = 0;
                break;
            }

            n = (size_t) (sp - (line + 7));
            if (n >= sizeof(typed[0])) {
                ok = 0;
                break;
            }

            memcpy(typed[ntyped], line + 7, n);
            typed[ntyped++][n] = '\0';
            continue;
        }

        if (strncmp(line, "concertation_", 13) != 0) {
            ok = 0;
            break;
        }

        for (p = line; (*p >= 'a' && *p <= 'z') || *p == '_'; p++) {
            /* void */
        }

        /* labels, or none: "name value" */
        n = (size_t) (p - line);
        if ((*p != '{' && *p != ' ') || n >= sizeof(name)) {
            ok = 0;
            break;
        }

        memcpy(name, line, n);
        name[n] = '\0';

        /* a histogram's series belong to its family */
        for (i = 0; i < ntyped; i++) {
            if (strcmp(name, typed[i]) == 0
                || (strncmp(name, typed[i], strlen(typed[i])) == 0
                    && (strcmp(name + strlen(typed[i]), "_bucket") == 0
                        || strcmp(name + strlen(typed[i]), "_sum") == 0
                        || strcmp(name + strlen(typed[i]), "_count") == 0)))
            {
                break;
            }
        }

        if (i == ntyped) {
            ok = 0;
            break;
        }

        if (*p == ' ') {
            if (p[1] < '0' || p[1] > '9') {
                ok = 0;
            }

            continue;
        }

        /* the labels, with escapes, then " value" */
        for (p++; *p && *p != '}'; p++) {
            if (*p == '\\') {
                p++;
                if (*p != '\\' && *p != '"' && *p != 'n') {
                    ok = 0;
                }
            }
        }

        if (*p != '}' || p[1] != ' ' || p[2] < '0' || p[2] > '9') {
            ok = 0;
        }
    }

    free(copy);

    return ok;
}


static void
test_metrics_text(void)
{
    char          *text;
    size_t         len;
    cc_metrics_t   m;

    test_metrics_snapshot(&m);

    text = cc_metrics_prometheus(&m, &len);
    CHECK(text != NULL);
    if (text == NULL) {
        return;
    }

    CHECK(len == strlen(text));
    CHECK(len > 0 && text[len - 1] == '\n');
    CHECK(test_metrics_lines_valid(text));

    CHECK_HAS(text, "# TYPE concertation_requests_total counter\n");
    CHECK_HAS(text, "\nconcertation_requests_total{form=\"questionnaire\","
                    "outcome=\"accepted\"} 7\n");
    CHECK_HAS(text, "\nconcertation_requests_total{form=\"questionnaire\","
                    "outcome=\"rate_limited\"} 2\n");
    CHECK_HAS(text, "\nconcertation_requests_total{form=\"questionnaire\","
                    "outcome=\"spooled\"} 0\n");
    /* escaped label value, and a counter at its maximum */
    CHECK_HAS(text, "{form=\"we\\\"ird\\\\na\\nme\",outcome=\"other\"} "
                    "18446744073709551615\n");

    CHECK_HAS(text, "\nconcertation_registrations_total{event="
                    "\"atelier-caen\",state=\"confirmed\"} 3\n");
    CHECK_HAS(text, "\nconcertation_registrations_total{event="
                    "\"atelier-caen\",state=\"cancelled\"} 1\n");
    CHECK_HAS(text, "\nconcertation_registrations_total{event="
                    "\"atelier-caen\",state=\"full\"} 0\n");

    CHECK_HAS(text, "\nconcertation_redis_connection_state{worker=\"0\","
                    "state=\"up\"} 1\n");
    CHECK_HAS(text, "\nconcertation_redis_connection_state{worker=\"0\","
                    "state=\"down\"} 0\n");
    CHECK_HAS(text, "\nconcertation_redis_connection_state{worker=\"1\","
                    "state=\"down\"} 1\n");
    CHECK_HAS(text, "\nconcertation_redis_reconnects_total{worker=\"0\"} "
                    "4\n");

    /* cumulative buckets, +Inf equal to the count */
    CHECK_HAS(text, "# TYPE concertation_redis_latency_seconds histogram\n");
    CHECK_HAS(text, "\nconcertation_redis_latency_seconds_bucket{worker="
                    "\"0\",le=\"0.0005\"} 5\n");
    CHECK_HAS(text, "\nconcertation_redis_latency_seconds_bucket{worker="
                    "\"0\",le=\"0.001\"} 5\n");
    CHECK_HAS(text, "\nconcertation_redis_latency_seconds_bucket{worker="
                    "\"0\",le=\"0.002\"} 6\n");
    CHECK_HAS(text, "\nconcertation_redis_latency_seconds_bucket{worker="
                    "\"0\",le=\"1\"} 6\n");
    CHECK_HAS(text, "\nconcertation_redis_latency_seconds_bucket{worker="
                    "\"0\",le=\"+Inf\"} 8\n");
    CHECK_HAS(text, "\nconcertation_redis_latency_seconds_count{worker="
                    "\"0\"} 8\n");
    CHECK_HAS(text, "\nconcertation_redis_latency_seconds_sum{worker="
                    "\"0\"} 3.001234\n");
    CHECK_HAS(text, "\nconcertation_redis_latency_seconds_sum{worker="
                    "\"1\"} 0.000000\n");

    CHECK_HAS(text, "\nconcertation_spool_bytes{worker=\"0\"} 1234\n");
    CHECK_HAS(text, "\nconcertation_spool_records{worker=\"0\"} 2\n");
    CHECK_HAS(text, "\nconcertation_spool_replayed_total{worker=\"0\"} 9\n");
    CHECK_HAS(text, "\nconcertation_spool_replay_duplicates_total{worker="
                    "\"0\"} 1\n");
    CHECK_HAS(text, "\nconcertation_spool_replay_skipped_total{worker="
                    "\"0\"} 3\n");
    CHECK_HAS(text, "\nconcertation_spool_quarantined_total{worker="
                    "\"0\"} 4\n");
    CHECK_HAS(text, "\nconcertation_redis_wait_unconfirmed_total{worker="
                    "\"0\"} 6\n");
    CHECK_HAS(text, "\nconcertation_spool_capacity_bytes 268435456\n");
    CHECK_HAS(text, "\nconcertation_limit_zone_clients{zone=\"par_ip\"} "
                    "12\n");
    CHECK_HAS(text, "\nconcertation_limit_zone_capacity{zone=\"par_ip\"} "
                    "1000\n");

    free(text);

    /* nothing configured: the families alone, still valid */
    memset(&m, 0, sizeof(cc_metrics_t));
    text = cc_metrics_prometheus(&m, &len);
    CHECK(text != NULL);
    CHECK(text && test_metrics_lines_valid(text));
    CHECK_NOT_HAS(text ? text : "{", "{");
    free(text);

    /* a broken line is caught by the checker itself */
    CHECK(!test_metrics_lines_valid("concertation_x{a=\"b\"} 1\n"));
    CHECK(!test_metrics_lines_valid("# TYPE concertation_x counter\n"
                                    "concertation_x{a=\"b\\q\"} 1\n"));
    CHECK(test_metrics_lines_valid("# TYPE concertation_x counter\n"
                                   "concertation_x{a=\"b\"} 1\n"));
}


static void
test_metrics_json(void)
{
    char          *text;
    size_t         len;
    json_t        *root, *w0, *b;
    cc_metrics_t   m;

    test_metrics_snapshot(&m);

    text = cc_metrics_json(&m, &len);
    CHECK(text != NULL);
    if (text == NULL) {
        return;
    }

    CHECK(len == strlen(text));

    root = json_loads(text, 0, NULL);
    CHECK(root != NULL);

    CHECK(json_integer_value(json_object_get(json_object_get(
              json_object_get(root, "forms"), "questionnaire"), "accepted"))
          == 7);
    CHECK(json_integer_value(json_object_get(json_object_get(
              json_object_get(root, "forms"), "we\"ird\\na\nme"), "other"))
          == INT64_MAX);   /* clamped to what JSON integers hold */
    CHECK(json_integer_value(json_object_get(json_object_get(
              json_object_get(root, "events"), "atelier-caen"),
              "confirmed")) == 3);

    w0 = json_array_get(json_object_get(root, "workers"), 0);
    CHECK(json_integer_value(json_object_get(w0, "worker")) == 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(w0, "redis"),
                                                "state")), "up");
    CHECK(json_integer_value(json_object_get(json_object_get(w0, "redis"),
                                             "reconnects")) == 4);

    b = json_object_get(json_object_get(json_object_get(w0, "redis"),
                                        "latency"), "buckets");
    CHECK(json_integer_value(json_object_get(b, "0.002")) == 6);
    CHECK(json_integer_value(json_object_get(b, "+Inf")) == 8);
    CHECK(json_object_size(b) == CC_METRICS_BUCKETS);
    CHECK(json_integer_value(json_object_get(json_object_get(
              json_object_get(w0, "redis"), "latency"), "sum_us"))
          == 3001234);
    CHECK(json_integer_value(json_object_get(json_object_get(w0, "spool"),
                                             "replay_skipped")) == 3);
    CHECK(json_integer_value(json_object_get(json_object_get(w0, "spool"),
                                             "quarantined")) == 4);
    CHECK(json_integer_value(json_object_get(json_object_get(w0, "redis"),
                                             "wait_unconfirmed")) == 6);
    CHECK(json_integer_value(json_object_get(json_object_get(
              json_object_get(root, "limit_zones"), "par_ip"), "clients"))
          == 12);
    CHECK(json_array_size(json_object_get(root, "workers")) == 2);

    json_decref(root);
    free(text);
}


void
test_metrics(void)
{
    test_metrics_outcome();
    test_metrics_bucket();
    test_metrics_text();
    test_metrics_json();
}
