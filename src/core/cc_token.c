/*
 * The form token; see cc_token.h.
 */

#include <stdio.h>
#include <string.h>
#include "cc_token.h"



cc_hmac_t *
cc_token_key(const unsigned char *secret, size_t secret_len)
{
    return cc_hmac_derive(secret, secret_len, CC_TOKEN_CONTEXT);
}


size_t
cc_token_make(cc_hmac_t *key, int64_t now_ms, char *out)
{
    int  n;

    if (now_ms < 0) {
        return 0;
    }

    n = snprintf(out, CC_TOKEN_MAX_DIGITS + 1, "%lld", (long long) now_ms);

    if (n <= 0 || n > CC_TOKEN_MAX_DIGITS) {
        return 0;
    }

    return cc_signed_make(key, out, (size_t) n);
}


cc_token_status_e
cc_token_check(cc_hmac_t *key, const char *s, size_t len, int64_t now_ms,
    int64_t min_ms, int64_t max_ms, int64_t *issued_ms)
{
    size_t   i, digits;
    int64_t  issued;

    if (len == 0) {
        return CC_TOKEN_MISSING;
    }

    digits = cc_signed_payload(s, len);

    if (digits == (size_t) -1 || digits == 0
        || digits > CC_TOKEN_MAX_DIGITS)
    {
        return CC_TOKEN_MALFORMED;
    }

    issued = 0;

    for (i = 0; i < digits; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return CC_TOKEN_MALFORMED;
        }

        issued = issued * 10 + (s[i] - '0');
    }

    if (!cc_signed_verify(key, s, digits)) {
        return CC_TOKEN_FORGED;
    }

    if (issued_ms) {
        *issued_ms = issued;
    }

    if (now_ms - issued < min_ms) {
        return CC_TOKEN_TOO_FRESH;
    }

    if (max_ms > 0 && now_ms - issued > max_ms) {
        return CC_TOKEN_EXPIRED;
    }

    return CC_TOKEN_OK;
}
