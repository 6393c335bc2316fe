/*
 * What a stored record carries besides the answer: a time-ordered id, the
 * reception time, and the pseudonymised client key.
 */

#ifndef CC_RECORD_H
#define CC_RECORD_H

#include <stddef.h>

#include "cc_keys.h"
#include <stdint.h>

#define CC_ID_LEN         36     /* UUID text form, without the NUL */
#define CC_TIME_LEN       24     /* "2022-02-08T08:00:00.123Z" */

/*
 * UUIDv7 (RFC 9562) from a Unix time in ms and 10 random bytes.  The caller
 * keeps "state" (zero-initialised, one per process): ids from one process are
 * strictly increasing even within one millisecond or when the clock steps
 * back.  Writes CC_ID_LEN chars and a NUL.
 */
typedef struct {
    uint64_t  last_ms;
    uint16_t  seq;
} cc_id_state_t;

void cc_id_uuid7(cc_id_state_t *state, uint64_t now_ms,
    const unsigned char random[10], char *out);

/* RFC 3339 UTC with milliseconds; writes CC_TIME_LEN chars and a NUL. */
void cc_time_rfc3339_ms(int64_t ms, char *out);

/*
 * The client address as it is counted and pseudonymised: IPv4 as is (also
 * when IPv4-mapped in IPv6), IPv6 truncated to prefix6 bits.  family is 4 or
 * 6; addr holds 4 or 16 bytes.  Writes the family byte, the prefix length and
 * the masked bytes into out (at most 18 bytes) and returns the length used.
 */
size_t cc_client_mask(int family, const unsigned char *addr,
    unsigned prefix6, unsigned char *out);

/*
 * HMAC-SHA256(secret, masked) as lower-case hex; writes CC_CLIENT_KEY_LEN
 * chars and a NUL.  Returns 0, or -1 when the crypto library fails.
 */
int cc_client_key(const unsigned char *secret, size_t secret_len,
    const unsigned char *masked, size_t masked_len, char *out);

/* the idempotency keys' (cc_token.h and cc_registration.h have theirs) */
#define CC_IDEMPOTENCY_CONTEXT  "concertation idempotency key"
/* the key that turns a draft's resume code into its Redis key */
#define CC_DRAFT_CONTEXT        "concertation draft v1"


/*
 * An idempotency key as a client may send it: 1 to 255 visible ASCII
 * characters (what the header and the hidden field accept).  1 or 0.
 */
int cc_idempotency_key_ok(const char *key, size_t len);

#endif /* CC_RECORD_H */
