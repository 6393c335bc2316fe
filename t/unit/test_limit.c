#include <stdint.h>

#include "cc_test.h"
#include "cc_limit.h"

/* rate-limit arithmetic: rate parsing and GCRA decisions */


static uint64_t
rate(const char *s)
{
    uint64_t  interval;

    interval = 0;

    return cc_limit_parse_rate(s, strlen(s), &interval) == 0 ? interval : 0;
}


static void
test_limit_parse(void)
{
    uint64_t  iv;

    CHECK(rate("5r/s") == 200000);
    CHECK(rate("5r/m") == 12000000);
    CHECK(rate("50r/h") == 72000000);
    CHECK(rate("50r/d") == 1728000000);
    CHECK(rate("1r/s") == 1000000);
    CHECK(rate("1000000r/s") == 1);
    CHECK(rate("1r/d") == 86400000000ULL);
    CHECK(rate("1000000000r/d") == 87);         /* 86.4 us, rounded up */
    CHECK(rate("7r/s") == 142858);              /* rounded up: never faster */
    CHECK(rate("0005r/m") == 12000000);
    CHECK(rate("00000000005r/m") == 0);        /* eleven digits */

    /* refused: every value is tested through the same (text, length) call */
    CHECK(rate("0r/s") == 0);
    CHECK(rate("1000001r/s") == 0);             /* under a microsecond */
    CHECK(rate("10000000000r/s") == 0);         /* count too large */
    CHECK(rate("99999999999999999999999r/s") == 0);
    CHECK(rate("") == 0);
    CHECK(rate("r/s") == 0);
    CHECK(rate("5") == 0);
    CHECK(rate("5r") == 0);
    CHECK(rate("5r/") == 0);
    CHECK(rate("5r/y") == 0);
    CHECK(rate("5r/S") == 0);
    CHECK(rate("5r/ss") == 0);
    CHECK(rate("5 r/s") == 0);
    CHECK(rate("-5r/s") == 0);
    CHECK(rate("+5r/s") == 0);
    CHECK(rate("5x/s") == 0);
    CHECK(rate("5r-s") == 0);

    /* the length bounds the text: no NUL needed, nothing read past it */
    iv = 0;
    CHECK(cc_limit_parse_rate("5r/mXXX", 4, &iv) == 0 && iv == 12000000);
    CHECK(cc_limit_parse_rate("5r/m", 3, &iv) == -1);
}


static void
test_limit_burst(void)
{
    int         i, ok;
    uint64_t    tat, next, ra;
    cc_limit_t  l;

    /* 5r/m with a burst of 3: three pass at once, the fourth waits 36 s */
    l.interval = rate("5r/m");
    l.burst = 3;

    tat = 0;
    ok = 1;

    for (i = 0; i < 3; i++) {
        ok &= cc_limit_decide(&l, tat, 1000000, &tat, &ra);
    }

    CHECK(ok);
    CHECK(tat == 1000000ULL * 1000 + 3 * 12000000ULL);

    next = 42;
    ra = 0;
    CHECK(cc_limit_decide(&l, tat, 1000000, &next, &ra) == 0);
    CHECK(ra == 12);                 /* one interval until there is room */
    CHECK(next == 42);               /* nothing to store when refused */

    /* 11.001 s later: still 1 s to wait (rounded up, not down to 0) */
    CHECK(cc_limit_decide(&l, tat, 1000000 + 11001, &next, &ra) == 0);
    CHECK(ra == 1);

    /* 11.999 s later: 1 ms left, still 1 s, never 0 */
    CHECK(cc_limit_decide(&l, tat, 1000000 + 11999, &next, &ra) == 0);
    CHECK(ra == 1);

    /* exactly one interval later: room for one, not two */
    CHECK(cc_limit_decide(&l, tat, 1000000 + 12000, &tat, &ra) == 1);
    CHECK(cc_limit_decide(&l, tat, 1000000 + 12000, &next, &ra) == 0);
    CHECK(ra == 12);

    /* after the whole bucket drained: three again, the fourth refused */
    tat = 1000000ULL * 1000 + 4 * 12000000ULL;
    ok = 1;

    for (i = 0; i < 3; i++) {
        ok &= cc_limit_decide(&l, tat, 1000000 + 48000 + 36000, &tat, &ra);
    }

    CHECK(ok);
    CHECK(cc_limit_decide(&l, tat, 1000000 + 48000 + 36000, &next, &ra)
          == 0);
    CHECK(ra == 12);

    /* burst 1: one request per interval, the second one refused */
    l.interval = rate("1r/m");
    l.burst = 1;
    tat = 0;
    CHECK(cc_limit_decide(&l, tat, 5000, &tat, &ra) == 1);
    CHECK(cc_limit_decide(&l, tat, 5000, &next, &ra) == 0);
    CHECK(ra == 60);
    CHECK(cc_limit_decide(&l, tat, 5000 + 59999, &next, &ra) == 0);
    CHECK(ra == 1);
    CHECK(cc_limit_decide(&l, tat, 5000 + 60000, &next, &ra) == 1);

    /* sub-second interval: Retry-After is still a whole second */
    l.interval = rate("5r/s");
    l.burst = 2;
    tat = 0;
    CHECK(cc_limit_decide(&l, tat, 0, &tat, &ra) == 1);
    CHECK(cc_limit_decide(&l, tat, 0, &tat, &ra) == 1);
    CHECK(cc_limit_decide(&l, tat, 0, &next, &ra) == 0);
    CHECK(ra == 1);
    CHECK(cc_limit_decide(&l, tat, 199, &next, &ra) == 0);
    CHECK(cc_limit_decide(&l, tat, 200, &next, &ra) == 1);

    /* a steady client at exactly the rate is never refused */
    l.interval = rate("5r/m");
    l.burst = 1;
    tat = 0;
    ok = 1;

    for (i = 0; i < 1000; i++) {
        ok &= cc_limit_decide(&l, tat, (uint64_t) i * 12000, &tat, &ra);
    }

    CHECK(ok);
}


static void
test_limit_several(void)
{
    int         i, ok;
    uint64_t    tats[2], saved[2], ra;
    cc_limit_t  l[2];

    /* 5 per minute with a burst of 3, and 4 per day */
    l[0].interval = rate("5r/m");
    l[0].burst = 3;
    l[1].interval = rate("4r/d");
    l[1].burst = 4;

    tats[0] = tats[1] = 0;

    ok = 1;
    for (i = 0; i < 3; i++) {
        ok &= cc_limit_decide_all(l, tats, 2, 0, &ra);
    }

    CHECK(ok);

    /* the fourth is refused by the minute limit; the day keeps its count */
    saved[0] = tats[0];
    saved[1] = tats[1];
    CHECK(cc_limit_decide_all(l, tats, 2, 0, &ra) == 0);
    CHECK(ra == 12);
    CHECK(tats[0] == saved[0] && tats[1] == saved[1]);

    /* a minute later the fourth of the day passes, the fifth is refused
     * by the day limit, with the day's wait, and consumes no minute */
    CHECK(cc_limit_decide_all(l, tats, 2, 60000, &ra) == 1);
    saved[0] = tats[0];
    saved[1] = tats[1];
    CHECK(cc_limit_decide_all(l, tats, 2, 60000, &ra) == 0);
    CHECK(ra == 21600 - 60);
    CHECK(tats[0] == saved[0] && tats[1] == saved[1]);

    /* both refuse: the longer wait is given */
    CHECK(cc_limit_decide_all(l, tats, 2, 60000, &ra) == 0);
    CHECK(ra == 21540);

    /* no limit: always passes */
    CHECK(cc_limit_decide_all(l, tats, 0, 0, &ra) == 1);
}


static void
test_limit_overflow(void)
{
    uint64_t    tat, next, ra;
    cc_limit_t  l;

    /* a huge now: the TAT saturates rather than wraps round */
    l.interval = rate("1r/d");
    l.burst = CC_LIMIT_MAX_BURST;
    tat = 0;
    CHECK(cc_limit_decide(&l, tat, UINT64_MAX, &tat, &ra) == 1);
    CHECK(tat == UINT64_MAX);
    CHECK(cc_limit_decide(&l, tat, UINT64_MAX, &next, &ra) == 1);

    l.burst = 1;
    CHECK(cc_limit_decide(&l, tat, UINT64_MAX / 1000 - 1, &next, &ra) == 0);
    CHECK(ra >= 1);

    /* huge burst times huge interval: tau saturates, no wrap */
    l.interval = UINT64_MAX / 2;
    l.burst = CC_LIMIT_MAX_BURST;
    tat = 0;
    CHECK(cc_limit_decide(&l, tat, 1, &tat, &ra) == 1);
    CHECK(cc_limit_decide(&l, tat, 1, &tat, &ra) == 1);
    CHECK(tat == UINT64_MAX);
    CHECK(cc_limit_decide(&l, tat, 1, &next, &ra) == 1);

    /* saturated TAT with burst 1: refused, with a finite wait */
    l.burst = 1;
    CHECK(cc_limit_decide(&l, UINT64_MAX, 0, &next, &ra) == 0);
    CHECK(ra == UINT64_MAX / CC_LIMIT_USEC + 1);

    /* burst 0 is taken as 1, never as "no room at all" wrapping round */
    l.interval = rate("1r/s");
    l.burst = 0;
    tat = 0;
    CHECK(cc_limit_decide(&l, tat, 0, &tat, &ra) == 1);
    CHECK(cc_limit_decide(&l, tat, 0, &next, &ra) == 0);
    CHECK(ra == 1);

    /* the fastest rate at a realistic monotonic time */
    l.interval = rate("1000000r/s");
    l.burst = 1;
    tat = 0;
    CHECK(cc_limit_decide(&l, tat, 1700000000000ULL, &tat, &ra) == 1);
    CHECK(tat == 1700000000000000ULL + 1);
}


void
test_limit(void)
{
    test_limit_parse();
    test_limit_burst();
    test_limit_several();
    test_limit_overflow();
}
