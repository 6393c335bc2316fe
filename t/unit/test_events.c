#include <stdint.h>
#include <stdlib.h>

#include "cc_events.h"
#include "cc_test.h"

/* the programme loader: the real files, and every refusal named */


/* loads buf; NULL on failure, with the message in err */

static cc_events_t *
load(const char *buf, char *err, size_t errlen)
{
    return cc_events_load_buffer("prog.json", buf, strlen(buf), err, errlen);
}


/* refused, the message contains every one of the needles */

static int
refused(const char *buf, const char *why1, const char *why2)
{
    char          err[512];
    cc_events_t  *ev;

    ev = load(buf, err, sizeof(err));

    if (ev != NULL) {
        fprintf(stderr, "  accepted: %s\n", buf);
        cc_events_free(ev);
        return 0;
    }

    if (strncmp(err, "prog.json: ", 11) != 0 || strstr(err, why1) == NULL
        || (why2 && strstr(err, why2) == NULL))
    {
        fprintf(stderr, "  \"%s\" (expected \"%s\", \"%s\")\n", err, why1,
                why2 ? why2 : "");
        return 0;
    }

    return 1;
}


#define EV(props)                                                             \
    "{\"events\":[{\"id\":\"a-1\",\"kind\":\"atelier\",\"title\":\"T\","     \
    "\"capacity\":10,\"waitlist\":2" props "}]}"

#define DATED  ",\"start\":\"2022-03-08T14:00:00+01:00\","                    \
               "\"end\":\"2022-03-08T17:00:00+01:00\""


static void
test_events_real(void)
{
    char               err[512];
    cc_events_t       *ev;
    const cc_event_t  *e;

    ev = cc_events_load_file("../../conf/events.json", err, sizeof(err));
    CHECK(ev != NULL);
    if (ev == NULL) {
        fprintf(stderr, "  %s\n", err);
        return;
    }

    CHECK(ev->n == 11);

    e = cc_events_find(ev, "atelier-caen", 12);
    CHECK(e != NULL);
    if (e != NULL) {
        CHECK_STR(e->kind, "atelier");
        CHECK_STR(e->department, "14");
        CHECK_HAS(e->place, "14 rue Clos Herbert");
        CHECK(e->dated);
        /* 2022-03-08T14:00:00+01:00 = 13:00Z */
        CHECK(e->start == 1646744400);
        CHECK(e->end == 1646744400 + 3 * 3600);
        CHECK(e->start_offset == 3600);
        CHECK(e->deadline == e->start);
        CHECK(e->capacity == 60 && e->waitlist == 20);
    }

    e = cc_events_find(ev, "atelier-martot", 14);
    CHECK(e != NULL && strcmp(e->department, "27") == 0);
    e = cc_events_find(ev, "atelier-cherbourg", 17);
    CHECK(e != NULL && strcmp(e->department, "50") == 0);
    e = cc_events_find(ev, "atelier-alencon", 15);
    CHECK(e != NULL && strcmp(e->department, "61") == 0);
    e = cc_events_find(ev, "atelier-rouen", 13);
    CHECK(e != NULL && strcmp(e->department, "76") == 0);

    e = cc_events_find(ev, "conference-caen", 15);
    CHECK(e != NULL && e->dated && strcmp(e->kind, "conference") == 0);
    if (e != NULL) {
        CHECK(e->start_offset == 7200);     /* summer time on 29 March */
    }

    e = cc_events_find(ev, "webinaire-tourisme", 18);
    CHECK(e != NULL);
    if (e != NULL) {
        CHECK(!e->dated);
        CHECK(e->deadline == INT64_MAX);
        CHECK_STR(e->kind, "webinaire");
        CHECK_STR(e->place, "");
    }

    CHECK(cc_events_find(ev, "webinaire-transitions", 21) != NULL);
    CHECK(cc_events_find(ev, "webinaire-territoires", 21) != NULL);
    CHECK(cc_events_find(ev, "webinaire-formation", 19) != NULL);
    CHECK(cc_events_find(ev, "webinaire-cooperation", 21) != NULL);

    /* lengths are exact: prefixes, longer ids and NULs do not match */
    CHECK(cc_events_find(ev, "atelier-cae", 11) == NULL);
    CHECK(cc_events_find(ev, "atelier-caenx", 13) == NULL);
    CHECK(cc_events_find(ev, "atelier-caen\0x", 14) == NULL);
    CHECK(cc_events_find(ev, "atelier-caenx", 12) != NULL);
    CHECK(cc_events_find(ev, "", 0) == NULL);

    cc_events_free(ev);

    /* the demo programme holds the same ids, in the future */
    ev = cc_events_load_file("../../conf/events.demo.json", err,
                             sizeof(err));
    CHECK(ev != NULL);
    if (ev != NULL) {
        CHECK(ev->n == 11);
        e = cc_events_find(ev, "atelier-caen", 12);
        CHECK(e != NULL && e->start > 1795000000);     /* 2026-11 */
        cc_events_free(ev);
    }

    CHECK(cc_events_load_file("../../conf/nope.json", err, sizeof(err))
          == NULL);
    CHECK_HAS(err, "nope.json: cannot open");
}


static void
test_events_rules(void)
{
    char               err[512];
    cc_events_t       *ev;
    const cc_event_t  *e;

    /* minimal undated and dated events */
    ev = load(EV(""), err, sizeof(err));
    CHECK(ev != NULL);
    if (ev != NULL) {
        e = cc_events_find(ev, "a-1", 3);
        CHECK(e != NULL && !e->dated && e->deadline == INT64_MAX);
        CHECK(e != NULL && e->capacity == 10 && e->waitlist == 2);
        cc_events_free(ev);
    }

    ev = load(EV(DATED ",\"deadline\":\"2022-03-07T12:00:00Z\""), err,
              sizeof(err));
    CHECK(ev != NULL);
    if (ev != NULL) {
        CHECK(ev->events[0].deadline == 1646654400);
        CHECK(ev->events[0].start_offset == 3600);
        cc_events_free(ev);
    }

    /* a deadline on an undated event is kept */
    ev = load(EV(",\"deadline\":\"2022-03-07T12:00:00Z\""), err, sizeof(err));
    CHECK(ev != NULL && ev->events[0].deadline == 1646654400);
    cc_events_free(ev);

    /* zero waiting places is fine; end == start too */
    ev = load("{\"events\":[{\"id\":\"x\",\"kind\":\"webinaire\","
              "\"title\":\"W\",\"capacity\":1,\"waitlist\":0,"
              "\"start\":\"2022-03-08T14:00:00+01:00\","
              "\"end\":\"2022-03-08T13:00:00Z\"}]}", err, sizeof(err));
    CHECK(ev != NULL);
    cc_events_free(ev);

    CHECK(refused("[", "invalid JSON", NULL));
    CHECK(refused("[]", "JSON object", NULL));
    CHECK(refused("{}", "\"events\" is missing", NULL));
    CHECK(refused("{\"events\":[]}", "non-empty array", NULL));
    CHECK(refused("{\"events\":[],\"x\":1}", "unknown top-level", "\"x\""));
    CHECK(refused("{\"events\":[1]}", "event #1", "JSON object"));
    CHECK(refused("{\"events\":[{\"kind\":\"atelier\"}]}", "event #1",
                  "\"id\" is missing"));
    CHECK(refused("{\"events\":[{\"id\":\"Caen\"}]}", "event #1", "\"id\""));
    CHECK(refused("{\"events\":[{\"id\":\"a b\"}]}", "event #1", "\"id\""));
    CHECK(refused("{\"events\":[{\"id\":\"a\\u0000\"}]}", "invalid JSON",
                  NULL));
    CHECK(refused("{\"events\":[{\"id\":\"\"}]}", "event #1", "\"id\""));
    CHECK(refused("{\"events\":[{\"id\":3}]}", "event #1", "\"id\""));
    CHECK(refused("{\"events\":[{\"id\":\"a\",\"id\":\"b\"}]}",
                  "invalid JSON", "duplicate"));

    CHECK(refused("{\"events\":[{\"id\":\"a-1\",\"kind\":\"atelier\","
                  "\"title\":\"T\",\"capacity\":1,\"waitlist\":0},"
                  "{\"id\":\"a-1\",\"kind\":\"atelier\",\"title\":\"T\","
                  "\"capacity\":1,\"waitlist\":0}]}",
                  "event \"a-1\"", "already used by event #1"));

    CHECK(refused(EV(",\"capcity\":3"), "event \"a-1\"",
                  "unknown property \"capcity\""));
    CHECK(refused("{\"events\":[{\"id\":\"a-1\",\"title\":\"T\"}]}",
                  "event \"a-1\"", "\"kind\" is missing"));
    CHECK(refused("{\"events\":[{\"id\":\"a-1\",\"kind\":\"seminaire\","
                  "\"title\":\"T\"}]}", "event \"a-1\"", "\"kind\""));
    CHECK(refused("{\"events\":[{\"id\":\"a-1\",\"kind\":\"atelier\"}]}",
                  "event \"a-1\"", "\"title\" is missing"));
    CHECK(refused("{\"events\":[{\"id\":\"a-1\",\"kind\":\"atelier\","
                  "\"title\":\"\"}]}", "event \"a-1\"", "\"title\""));
    CHECK(refused(EV(",\"place\":1"), "event \"a-1\"", "\"place\""));
    CHECK(refused(EV(",\"department\":\"Calvados\""), "event \"a-1\"",
                  "\"department\""));
    CHECK(refused(EV(",\"department\":14"), "event \"a-1\"",
                  "\"department\""));

    CHECK(refused(EV(",\"start\":\"2022-03-08T14:00:00+01:00\""),
                  "event \"a-1\"", "\"end\" is missing"));
    CHECK(refused(EV(",\"end\":\"2022-03-08T14:00:00+01:00\""),
                  "event \"a-1\"", "\"start\" is missing"));
    CHECK(refused(EV(",\"start\":\"2022-03-08T14:00:00\","
                     "\"end\":\"2022-03-08T17:00:00+01:00\""),
                  "event \"a-1\"", "\"start\""));
    CHECK(refused(EV(",\"start\":\"2022-03-08T14:00:00+01:00\","
                     "\"end\":\"2022-02-30T17:00:00+01:00\""),
                  "event \"a-1\"", "\"end\""));
    CHECK(refused(EV(",\"start\":\"2022-03-08T14:00:00+01:00\","
                     "\"end\":\"2022-03-08T13:59:59+01:00\""),
                  "event \"a-1\"", "\"end\" is before \"start\""));
    CHECK(refused(EV(",\"start\":1646744400,\"end\":1646744400"),
                  "event \"a-1\"", "\"start\""));
    CHECK(refused(EV(DATED ",\"deadline\":\"demain\""), "event \"a-1\"",
                  "\"deadline\""));

    CHECK(refused("{\"events\":[{\"id\":\"a-1\",\"kind\":\"atelier\","
                  "\"title\":\"T\",\"waitlist\":0}]}", "event \"a-1\"",
                  "\"capacity\" is missing"));
    CHECK(refused("{\"events\":[{\"id\":\"a-1\",\"kind\":\"atelier\","
                  "\"title\":\"T\",\"capacity\":0,\"waitlist\":0}]}",
                  "event \"a-1\"", "\"capacity\" (0)"));
    CHECK(refused("{\"events\":[{\"id\":\"a-1\",\"kind\":\"atelier\","
                  "\"title\":\"T\",\"capacity\":1.5,\"waitlist\":0}]}",
                  "event \"a-1\"", "\"capacity\" must be an integer"));
    CHECK(refused("{\"events\":[{\"id\":\"a-1\",\"kind\":\"atelier\","
                  "\"title\":\"T\",\"capacity\":1,\"waitlist\":-1}]}",
                  "event \"a-1\"", "\"waitlist\" (-1)"));
    CHECK(refused("{\"events\":[{\"id\":\"a-1\",\"kind\":\"atelier\","
                  "\"title\":\"T\",\"capacity\":1}]}",
                  "event \"a-1\"", "\"waitlist\" is missing"));

    /* the second event is named, not the first */
    CHECK(refused("{\"events\":[{\"id\":\"a-1\",\"kind\":\"atelier\","
                  "\"title\":\"T\",\"capacity\":1,\"waitlist\":0},"
                  "{\"id\":\"b-2\",\"kind\":\"atelier\",\"title\":\"T\","
                  "\"capacity\":1,\"waitlist\":0,\"lieu\":\"x\"}]}",
                  "event \"b-2\"", "\"lieu\""));

    /* a tiny buffer still gets a NUL-terminated message */
    memset(err, 'x', sizeof(err));
    CHECK(cc_events_load_buffer("prog.json", "{}", 2, err, 8) == NULL);
    CHECK(strlen(err) == 7);
    CHECK(cc_events_load_buffer("prog.json", "{}", 2, err, 0) == NULL);

    cc_events_free(NULL);
    CHECK(cc_events_find(NULL, "a", 1) == NULL);
}


void
test_events(void)
{
    test_events_real();
    test_events_rules();
}
