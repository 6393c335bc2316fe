/*
 * cc_time_parse(): strict, and in agreement with the C library's calendar;
 * cc_time_format_fr(): bounded, UTF-8, never fails in range; the phase.
 */

#define _DEFAULT_SOURCE     /* timegm() and gmtime_r(), to compare with */

#include <stdint.h>
#include <time.h>

#include "cc_time.h"
#include "cc_utf8.h"
#include "fuzz_common.h"


static int
num(const unsigned char *p, size_t n)
{
    int  v;

    for (v = 0; n; n--, p++) {
        v = v * 10 + (*p - '0');
    }

    return v;
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int          offset, sign;
    char        *s, out[CC_TIME_FR_LEN];
    size_t       n;
    int64_t      t, start, end, now;
    struct tm    tm, back;
    time_t       utc;
    const char  *err;

    /* an exact-size copy: reading past len is caught by ASan */

    s = malloc(size ? size : 1);
    if (s == NULL) {
        return 0;
    }

    memcpy(s, data, size);

    t = 0;
    offset = 0;
    err = cc_time_parse(s, size, &t, &offset);

    if (err == NULL) {
        FUZZ_ASSERT(size == 20 || size == 25);
        FUZZ_ASSERT(offset % 60 == 0);
        FUZZ_ASSERT(offset > -86400 && offset < 86400);

        /* the fields are a real date and time: the C library agrees */

        memset(&tm, 0, sizeof(tm));
        tm.tm_year = num(data, 4) - 1900;
        tm.tm_mon = num(data + 5, 2) - 1;
        tm.tm_mday = num(data + 8, 2);
        tm.tm_hour = num(data + 11, 2);
        tm.tm_min = num(data + 14, 2);
        tm.tm_sec = num(data + 17, 2);

        utc = timegm(&tm);
        FUZZ_ASSERT((int64_t) utc - offset == t);

        FUZZ_ASSERT(gmtime_r(&utc, &back) != NULL);
        FUZZ_ASSERT(back.tm_year == tm.tm_year && back.tm_mon == tm.tm_mon
                    && back.tm_mday == tm.tm_mday
                    && back.tm_hour == tm.tm_hour
                    && back.tm_min == tm.tm_min
                    && back.tm_sec == tm.tm_sec);

        if (size == 25) {
            sign = data[19] == '-' ? -1 : 1;
            FUZZ_ASSERT(offset == sign * (num(data + 20, 2) * 3600
                                          + num(data + 23, 2) * 60));
            FUZZ_ASSERT(offset != 0 || sign > 0);
        } else {
            FUZZ_ASSERT(offset == 0);
        }

        /* a parsed time can always be told in French */

        n = cc_time_format_fr(t, offset, out);
        FUZZ_ASSERT(n > 0 && n < CC_TIME_FR_LEN && strlen(out) == n);
        FUZZ_ASSERT(cc_utf8_valid(out, n));
    }

    free(s);

    /* the formatter and the phase on arbitrary numbers */

    if (size >= 2 * sizeof(int64_t) + sizeof(int)) {
        memcpy(&start, data, sizeof(int64_t));
        memcpy(&now, data + sizeof(int64_t), sizeof(int64_t));
        memcpy(&offset, data + 2 * sizeof(int64_t), sizeof(int));

        n = cc_time_format_fr(start, offset, out);
        FUZZ_ASSERT(n < CC_TIME_FR_LEN);

        if (n > 0) {
            FUZZ_ASSERT(strlen(out) == n && cc_utf8_valid(out, n));
        }

        end = (start > INT64_MAX - 0xffff) ? start : start + (now & 0xffff);

        switch (cc_time_phase(start, end, now)) {
        case CC_PHASE_BEFORE:
            FUZZ_ASSERT(now < start);
            break;
        case CC_PHASE_OPEN:
            FUZZ_ASSERT(start <= now && now <= end);
            break;
        case CC_PHASE_CLOSED:
            FUZZ_ASSERT(now > end);
            break;
        }
    }

    return 0;
}
