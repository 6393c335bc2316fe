/*
 * Per-client rate limits: the arithmetic, in integers only.
 *
 * A limit is GCRA (the "generic cell rate algorithm", a leaky bucket kept as
 * one number): each client has a theoretical arrival time (TAT), the moment
 * its bucket will be empty.  A request is let through when the bucket,
 * counted from now, still has room for it; it then pushes the TAT one
 * emission interval further.  Times are microseconds on a monotonic clock,
 * so that a rate such as 1000000r/s keeps a whole interval.
 */

#ifndef CC_LIMIT_H
#define CC_LIMIT_H

#include <stddef.h>
#include <stdint.h>

#define CC_LIMIT_USEC         1000000u
#define CC_LIMIT_MAX_BURST    1000000000u

typedef struct {
    uint64_t  interval;     /* microseconds between two requests, >= 1 */
    uint64_t  burst;        /* requests a client may send back to back, >= 1 */
} cc_limit_t;

/*
 * "5r/s", "5r/m", "50r/h", "50r/d" (requests per second, minute, hour,
 * day) into an emission interval in microseconds, rounded up so that a
 * client never gets more than the rate says.  Returns 0, or -1 when the text
 * is not a rate, the count is 0, or the rate is above 1000000r/s.
 */
int cc_limit_parse_rate(const char *s, size_t len, uint64_t *interval);

/*
 * One limit: with the stored TAT (0 for a client never seen) and the time
 * now in milliseconds, returns 1 and the TAT to store when the request may
 * pass, or 0 and the wait in whole seconds (rounded up, at least 1) when it
 * must be refused; then nothing is to be stored.  Saturating arithmetic: a
 * huge time or interval never wraps round into a pass.
 */
int cc_limit_decide(const cc_limit_t *limit, uint64_t tat, uint64_t now_ms,
    uint64_t *new_tat, uint64_t *retry_after);

/*
 * Several limits on one request, all of which must pass: tats[] holds the
 * stored TATs and is updated only when every limit lets the request
 * through, so that a refusal by one limit consumes none of the others.
 * Returns 1, or 0 with the longest wait of the refusing limits.
 */
int cc_limit_decide_all(const cc_limit_t *limits, uint64_t *tats, size_t n,
    uint64_t now_ms, uint64_t *retry_after);

#endif /* CC_LIMIT_H */
