/*
 * The form token: proof that an answer comes from a form page this server
 * handed out, and of when.  "<issue time, ms, decimal>.<HMAC, 32 hex>",
 * keyed with a key derived from the server secret, so that nothing is kept
 * per token and any worker (or any server sharing the secret) checks it.
 */

#ifndef CC_TOKEN_H
#define CC_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include "cc_record.h"

#define CC_TOKEN_MAX_DIGITS  16
#define CC_TOKEN_MAC_LEN     CC_SIGNED_MAC_LEN
#define CC_TOKEN_MAX_LEN     (CC_TOKEN_MAX_DIGITS + 1 + CC_TOKEN_MAC_LEN)

typedef enum {
    CC_TOKEN_OK = 0,
    CC_TOKEN_MISSING,       /* empty */
    CC_TOKEN_MALFORMED,     /* not "<digits>.<32 hex>" */
    CC_TOKEN_FORGED,        /* the MAC does not match */
    CC_TOKEN_TOO_FRESH,     /* sent sooner than min_ms after it was issued */
    CC_TOKEN_EXPIRED        /* sent later than max_ms after it was issued */
} cc_token_status_e;

/*
 * The token key: HMAC-SHA256(secret, "concertation form token v1") used
 * as an HMAC key, so that a token MAC can never be a client key (those are
 * keyed with the secret itself).  Free with cc_hmac_free().
 */
#define CC_TOKEN_CONTEXT  "concertation form token v1"

cc_hmac_t *cc_token_key(const unsigned char *secret, size_t secret_len);

/*
 * Writes a token issued at now_ms (>= 0) and a NUL into out (at least
 * CC_TOKEN_MAX_LEN + 1 bytes); returns its length, or 0 on failure.
 */
size_t cc_token_make(cc_hmac_t *key, int64_t now_ms, char *out);

/*
 * Checks s[0..len): a token of this key, issued at least min_ms and at most
 * max_ms (0: no limit) before now_ms.  The MAC is checked before the times,
 * in constant time.  *issued_ms, when not NULL, receives the issue time of
 * a well-formed token.
 */
cc_token_status_e cc_token_check(cc_hmac_t *key, const char *s, size_t len,
    int64_t now_ms, int64_t min_ms, int64_t max_ms, int64_t *issued_ms);

#endif /* CC_TOKEN_H */
