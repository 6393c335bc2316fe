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
    int   n;
    char  mac[CC_CLIENT_KEY_LEN + 1];

    if (now_ms < 0) {
        return 0;
    }

    n = snprintf(out, CC_TOKEN_MAX_DIGITS + 1, "%lld", (long long) now_ms);

    if (n <= 0 || n > CC_TOKEN_MAX_DIGITS) {
        return 0;
    }

    if (cc_hmac_hex(key, (const unsigned char *) out, (size_t) n, mac) != 0)
    {
        return 0;
    }

    out[n] = '.';
    memcpy(out + n + 1, mac, CC_TOKEN_MAC_LEN);
    out[n + 1 + CC_TOKEN_MAC_LEN] = '\0';

    return (size_t) n + 1 + CC_TOKEN_MAC_LEN;
}


cc_token_status_e
cc_token_check(cc_hmac_t *key, const char *s, size_t len, int64_t now_ms,
    int64_t min_ms, int64_t max_ms, int64_t *issued_ms)
{
    size_t         i, digits;
    int64_t        issued;
    unsigned char  diff;
    char           mac[CC_CLIENT_KEY_LEN + 1];

    if (len == 0) {
        return CC_TOKEN_MISSING;
    }

    digits = 0;
    issued = 0;

    while (digits < len && s[digits] >= '0' && s[digits] <= '9') {
        if (digits == CC_TOKEN_MAX_DIGITS) {
            return CC_TOKEN_MALFORMED;
        }

        issued = issued * 10 + (s[digits] - '0');
        digits++;
    }

    if (digits == 0 || len != digits + 1 + CC_TOKEN_MAC_LEN
        || s[digits] != '.')
    {
        return CC_TOKEN_MALFORMED;
    }

    for (i = digits + 1; i < len; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
        {
            return CC_TOKEN_MALFORMED;
        }
    }

    if (cc_hmac_hex(key, (const unsigned char *) s, digits, mac) != 0) {
        return CC_TOKEN_FORGED;
    }

    /* constant time: the comparison must not tell how much was right */

    diff = 0;

    for (i = 0; i < CC_TOKEN_MAC_LEN; i++) {
        diff |= (unsigned char) (mac[i] ^ s[digits + 1 + i]);
    }

    if (diff != 0) {
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
