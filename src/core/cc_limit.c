/*
 * Per-client rate limits: rate parsing and GCRA decisions (cc_limit.h).
 */

#include "cc_limit.h"


static uint64_t
cc_sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}


static uint64_t
cc_sat_mul(uint64_t a, uint64_t b)
{
    return (b != 0 && a > UINT64_MAX / b) ? UINT64_MAX : a * b;
}


int
cc_limit_parse_rate(const char *s, size_t len, uint64_t *interval)
{
    size_t    i;
    uint64_t  count, period;

    count = 0;

    for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        if (i == 10) {
            /* ten digits hold every rate that is not refused below */
            return -1;
        }

        count = count * 10 + (uint64_t) (s[i] - '0');
    }

    if (i == 0 || count == 0 || len - i != 3 || s[i] != 'r'
        || s[i + 1] != '/')
    {
        return -1;
    }

    switch (s[i + 2]) {
    case 's':
        period = 1;
        break;
    case 'm':
        period = 60;
        break;
    case 'h':
        period = 3600;
        break;
    case 'd':
        period = 86400;
        break;
    default:
        return -1;
    }

    period *= CC_LIMIT_USEC;

    if (count > period) {
        /* under a microsecond between requests: nothing left to count */
        return -1;
    }

    *interval = period / count + (period % count != 0);

    return 0;
}


int
cc_limit_decide(const cc_limit_t *limit, uint64_t tat, uint64_t now_ms,
    uint64_t *new_tat, uint64_t *retry_after)
{
    uint64_t  now, tau, ahead, wait;

    now = cc_sat_mul(now_ms, 1000);

    if (tat < now) {
        /* the bucket has drained since: the client starts afresh */
        tat = now;
    }

    /* how far ahead of now the bucket may be filled and still take one */
    tau = cc_sat_mul(limit->burst ? limit->burst - 1 : 0, limit->interval);
    ahead = tat - now;

    if (ahead > tau) {
        wait = ahead - tau;
        *retry_after = wait / CC_LIMIT_USEC + (wait % CC_LIMIT_USEC != 0);
        return 0;
    }

    *new_tat = cc_sat_add(tat, limit->interval);

    return 1;
}


int
cc_limit_decide_all(const cc_limit_t *limits, uint64_t *tats, size_t n,
    uint64_t now_ms, uint64_t *retry_after)
{
    size_t    i;
    uint64_t  ra, next;

    *retry_after = 0;

    for (i = 0; i < n; i++) {
        if (!cc_limit_decide(&limits[i], tats[i], now_ms, &next, &ra)
            && ra > *retry_after)
        {
            *retry_after = ra;
        }
    }

    if (*retry_after) {
        return 0;
    }

    /* a decision depends on its inputs only: made again, it is stored */
    for (i = 0; i < n; i++) {
        (void) cc_limit_decide(&limits[i], tats[i], now_ms, &tats[i], &ra);
    }

    return 1;
}
