#include <stdint.h>

#include "cc_test.h"
#include "cc_time.h"

/* the consultation window's timestamps, French dates and phases */


static int
parses(const char *s, int64_t want_t, int want_offset)
{
    int          offset;
    int64_t      t;
    const char  *err;

    t = -1;
    offset = -1;
    err = cc_time_parse(s, strlen(s), &t, &offset);

    if (err != NULL || t != want_t || offset != want_offset) {
        fprintf(stderr, "  \"%s\": %s, t=%lld offset=%d\n", s,
                err ? err : "ok", (long long) t, offset);
        return 0;
    }

    return 1;
}


/* refused, and the reason contains "why" */

static int
refused(const char *s, const char *why)
{
    int          offset;
    int64_t      t;
    const char  *err;

    err = cc_time_parse(s, strlen(s), &t, &offset);

    if (err == NULL || strstr(err, why) == NULL) {
        fprintf(stderr, "  \"%s\": %s (expected \"%s\")\n", s,
                err ? err : "accepted", why);
        return 0;
    }

    return 1;
}


static const char *
fr(int64_t t, int offset)
{
    static char  buf[CC_TIME_FR_LEN];

    if (cc_time_format_fr(t, offset, buf) == 0) {
        return NULL;
    }

    return buf;
}


void
test_time(void)
{
    int          offset;
    int64_t      t, start, end;
    char         buf[CC_TIME_FR_LEN];
    const char  *s;

    /* the real window, across the change to summer time on 27 March */

    CHECK(parses("2022-02-08T09:00:00+01:00", 1644307200, 3600));
    CHECK(parses("2022-04-25T23:59:59+02:00", 1650923999, 7200));
    CHECK(parses("2022-02-08T08:00:00Z", 1644307200, 0));
    CHECK(parses("2022-02-08T08:00:00z", 1644307200, 0));
    CHECK(parses("2022-02-08t08:00:00+00:00", 1644307200, 0));
    CHECK(parses("2022-04-25T21:59:59Z", 1650923999, 0));

    /* the night of the change: 02:00 CET is 03:00 CEST, the same instant */
    CHECK(parses("2022-03-27T02:00:00+01:00", 1648342800, 3600));
    CHECK(parses("2022-03-27T03:00:00+02:00", 1648342800, 7200));

    /* epoch, negative offsets, extremes */
    CHECK(parses("1970-01-01T00:00:00Z", 0, 0));
    CHECK(parses("1969-12-31T23:59:59Z", -1, 0));
    CHECK(parses("1970-01-01T00:00:00-05:30", 19800, -19800));
    CHECK(parses("1970-01-01T00:00:00+23:59", -86340, 86340));
    CHECK(parses("0000-01-01T00:00:00Z", -62167219200LL, 0));
    CHECK(parses("9999-12-31T23:59:59Z", 253402300799LL, 0));
    CHECK(parses("2038-01-19T03:14:08Z", 2147483648LL, 0));

    /* leap years: 2024 and 2000 have 29 February, 2022, 2100, 1900 not */
    CHECK(parses("2024-02-29T12:00:00Z", 1709208000, 0));
    CHECK(parses("2000-02-29T00:00:00Z", 951782400, 0));
    CHECK(parses("2024-03-01T00:00:00Z", 1709251200, 0));
    CHECK(refused("2022-02-29T12:00:00Z", "no such day"));
    CHECK(refused("2100-02-29T12:00:00Z", "no such day"));
    CHECK(refused("1900-02-29T12:00:00Z", "no such day"));
    CHECK(parses("2022-12-31T23:59:59+01:00", 1672527599, 3600));

    /* every rejection */
    CHECK(refused("2022-02-30T09:00:00+01:00", "no such day"));
    CHECK(refused("2022-04-31T09:00:00+01:00", "no such day"));
    CHECK(refused("2022-02-00T09:00:00+01:00", "no such day"));
    CHECK(refused("2022-13-08T09:00:00+01:00", "no such month"));
    CHECK(refused("2022-00-08T09:00:00+01:00", "no such month"));
    CHECK(refused("2022-02-08T24:00:00+01:00", "time of day"));
    CHECK(refused("2022-02-08T23:60:00+01:00", "time of day"));
    CHECK(refused("2022-02-08T23:59:60+01:00", "time of day"));
    CHECK(refused("2022-02-08T09:00:00", "missing UTC offset"));
    CHECK(refused("2022-02-08T09:00:00 ", "missing UTC offset"));
    CHECK(refused("2022-02-08T09:00:00+01", "+HH:MM"));
    CHECK(refused("2022-02-08T09:00:00+0100", "+HH:MM"));
    CHECK(refused("2022-02-08T09:00:00+1:00", "+HH:MM"));
    CHECK(refused("2022-02-08T09:00:00+24:00", "out of range"));
    CHECK(refused("2022-02-08T09:00:00-24:00", "out of range"));
    CHECK(refused("2022-02-08T09:00:00+01:60", "out of range"));
    CHECK(refused("2022-02-08T09:00:00-00:00", "unknown offset"));
    CHECK(refused("2022-02-08T09:00:00.000+01:00", "fractions"));
    CHECK(refused("2022-02-08T09:00:00,5Z", "fractions"));
    CHECK(refused("2022-02-08T09:00:00+01:00x", "after the UTC offset"));
    CHECK(refused("2022-02-08T09:00:00+01:00 ", "after the UTC offset"));
    CHECK(refused("2022-02-08T09:00:00ZZ", "after the UTC offset"));
    CHECK(refused("2022-02-08 09:00:00+01:00", "\"T\""));
    CHECK(refused("2022-02-08", "expected YYYY-MM-DDTHH:MM:SS"));
    CHECK(refused("", "expected YYYY-MM-DDTHH:MM:SS"));
    CHECK(refused("22-02-08T09:00:00+01:00", "YYYY-MM-DD"));
    CHECK(refused("+2022-02-08T09:00:00Z", "YYYY-MM-DD"));
    CHECK(refused("2022/02/08T09:00:00+01:00", "YYYY-MM-DD"));
    CHECK(refused("2022-2-08T09:00:00+01:00", "YYYY-MM-DD"));
    CHECK(refused("2022-02-08T9:00:00+01:00", "HH:MM:SS"));
    CHECK(refused("2022-02-08T09:00+01:00", "HH:MM:SS"));
    CHECK(refused("2022-02-08T09:00:0a+01:00", "HH:MM:SS"));
    CHECK(refused("2022-02-08T09:00:00 +01:00", "missing UTC offset"));
    CHECK(refused("2022-02-08T09:00:00Europe/Paris", "missing UTC offset"));

    /* the whole of len counts: an embedded NUL is trailing garbage */
    CHECK(cc_time_parse("2022-02-08T09:00:00Z\0", 21, &t, &offset) != NULL);
    /* and nothing is read past len */
    CHECK(cc_time_parse("2022-02-08T09:00:00+01:00", 24, &t, &offset)
          != NULL);

    /* French, in the timestamp's own offset */

    CHECK_STR(fr(1644307200, 3600), "mardi 8 février 2022 à 9 h 00");
    CHECK_STR(fr(1650923999, 7200), "lundi 25 avril 2022 à 23 h 59");
    /* the same instants read in UTC */
    CHECK_STR(fr(1644307200, 0), "mardi 8 février 2022 à 8 h 00");
    CHECK_STR(fr(1650923999, 0), "lundi 25 avril 2022 à 21 h 59");
    CHECK_STR(fr(0, -3600), "mercredi 31 décembre 1969 à 23 h 00");
    CHECK_STR(fr(1646092800, 0), "mardi 1er mars 2022 à 0 h 00");
    CHECK_STR(fr(1659312000, 3600 * 2), "lundi 1er août 2022 à 2 h 00");
    CHECK_STR(fr(1709208000, 0), "jeudi 29 février 2024 à 12 h 00");
    CHECK_STR(fr(1664575140, 7200), "vendredi 30 septembre 2022 à 23 h 59");
    CHECK_STR(fr(1664575140 + 60, 7200), "samedi 1er octobre 2022 à 0 h 00");
    CHECK_STR(fr(1672527599, 3600), "samedi 31 décembre 2022 à 23 h 59");
    CHECK_STR(fr(1663452000, 0), "samedi 17 septembre 2022 à 22 h 00");
    CHECK_STR(fr(1668729600, 0), "vendredi 18 novembre 2022 à 0 h 00");
    CHECK_STR(fr(-62167219200LL, 0), "samedi 1er janvier 0000 à 0 h 00");
    CHECK_STR(fr(253402300799LL, 0), "vendredi 31 décembre 9999 à 23 h 59");
    CHECK(fr(253402300800LL, 0) == NULL);
    CHECK(fr(-62167219201LL, 0) == NULL);
    /* the bounds are on the local date: 0000-01-01T00:00:00+23:59 is told */
    CHECK(parses("0000-01-01T00:00:00+23:59", -62167219200LL - 86340, 86340));
    CHECK_STR(fr(-62167219200LL - 86340, 86340),
              "samedi 1er janvier 0000 à 0 h 00");
    CHECK_STR(fr(253402300799LL + 86340, -86340),
              "vendredi 31 décembre 9999 à 23 h 59");
    CHECK(fr(INT64_MAX, 0) == NULL);
    CHECK(fr(INT64_MIN, 0) == NULL);
    CHECK(fr(0, 86401) == NULL);

    /* the longest day and month names fit */
    CHECK(cc_time_format_fr(1664402400, 0, buf) > 0);
    CHECK_STR(buf, "mercredi 28 septembre 2022 à 22 h 00");

    /* parse and format agree, whatever the offset */
    s = "2022-03-27T01:59:59+01:00";
    CHECK(cc_time_parse(s, strlen(s), &t, &offset) == NULL);
    CHECK_STR(fr(t, offset), "dimanche 27 mars 2022 à 1 h 59");
    CHECK_STR(fr(t + 1, 7200), "dimanche 27 mars 2022 à 3 h 00");

    /* phases, exact to the second; the end's own second is open */

    start = 1644307200;
    end = 1650923999;

    CHECK(cc_time_phase(start, end, start - 1) == CC_PHASE_BEFORE);
    CHECK(cc_time_phase(start, end, start) == CC_PHASE_OPEN);
    CHECK(cc_time_phase(start, end, start + 1) == CC_PHASE_OPEN);
    CHECK(cc_time_phase(start, end, end - 1) == CC_PHASE_OPEN);
    CHECK(cc_time_phase(start, end, end) == CC_PHASE_OPEN);
    CHECK(cc_time_phase(start, end, end + 1) == CC_PHASE_CLOSED);
    CHECK(cc_time_phase(start, end, 0) == CC_PHASE_BEFORE);
    CHECK(cc_time_phase(start, end, INT64_MAX) == CC_PHASE_CLOSED);
    /* a window of one second */
    CHECK(cc_time_phase(start, start, start) == CC_PHASE_OPEN);
    CHECK(cc_time_phase(start, start, start + 1) == CC_PHASE_CLOSED);

    CHECK_STR(cc_phase_name(CC_PHASE_BEFORE), "before");
    CHECK_STR(cc_phase_name(CC_PHASE_OPEN), "open");
    CHECK_STR(cc_phase_name(CC_PHASE_CLOSED), "closed");
}
