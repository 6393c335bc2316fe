/*
 * cc_limit_parse_rate(): strictness and the interval's bounds; the parsed
 * rate then drives cc_limit_decide() with times from the input, which must
 * never wrap round or refuse without a wait.
 */

#include <stdint.h>

#include "cc_limit.h"
#include "fuzz_common.h"


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    size_t      i;
    uint64_t    interval, tat, next, ra, now;
    cc_limit_t  l;

    interval = 0;

    if (cc_limit_parse_rate((const char *) data, size, &interval) != 0) {
        return 0;
    }

    /* an accepted rate is digits, "r/" and a unit, at most one per us */
    FUZZ_ASSERT(size >= 4 && size <= 13);
    FUZZ_ASSERT(data[size - 3] == 'r' && data[size - 2] == '/');
    FUZZ_ASSERT(strchr("smhd", data[size - 1]) != NULL);

    for (i = 0; i < size - 3; i++) {
        FUZZ_ASSERT(data[i] >= '0' && data[i] <= '9');
    }

    FUZZ_ASSERT(interval >= 1 && interval <= 86400ULL * CC_LIMIT_USEC);

    /* the burst and a time from the digits: a deterministic workout */
    l.interval = interval;
    l.burst = (size % 5) + 1;
    now = (uint64_t) data[0] << 40 | (uint64_t) size << 8 | data[1];
    tat = 0;

    for (i = 0; i < l.burst; i++) {
        FUZZ_ASSERT(cc_limit_decide(&l, tat, now, &next, &ra) == 1);
        FUZZ_ASSERT(next > tat);
        tat = next;
    }

    FUZZ_ASSERT(cc_limit_decide(&l, tat, now, &next, &ra) == 0);
    FUZZ_ASSERT(ra >= 1 && ra <= interval / CC_LIMIT_USEC + 1);

    return 0;
}
