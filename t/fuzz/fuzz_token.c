/*
 * The form token verifier and the origin parser, on what clients send:
 * no crash, no read past the input, no acceptance without the MAC, and
 * canonical origins stay canonical.
 */

#include <stdint.h>

#include "fuzz_common.h"
#include "cc_token.h"
#include "cc_abuse.h"


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char                 *copy, mac[CC_CLIENT_KEY_LEN + 1];
    char                  tok[CC_TOKEN_MAX_LEN + 1];
    char                  c1[CC_ORIGIN_MAX], c2[CC_ORIGIN_MAX];
    size_t                i, n, n2, digits;
    int64_t               issued, t;
    cc_token_status_e     st;
    static cc_hmac_t     *key;

    if (key == NULL) {
        key = cc_token_key((const unsigned char *) "fuzz secret, 16 bytes+",
                           22);
        FUZZ_ASSERT(key != NULL);
    }

    /* an exact-size copy, so that reading one byte past len is caught */
    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    issued = -1;
    st = cc_token_check(key, copy, size, INT64_C(1700000000000), 0, 0,
                        &issued);

    FUZZ_ASSERT(st <= CC_TOKEN_EXPIRED);

    if (st == CC_TOKEN_OK || st == CC_TOKEN_TOO_FRESH
        || st == CC_TOKEN_EXPIRED)
    {
        /* accepted shapes carry the MAC of their own digits */
        digits = 0;
        while (digits < size && copy[digits] != '.') {
            digits++;
        }

        FUZZ_ASSERT(issued >= 0);
        FUZZ_ASSERT(cc_hmac_hex(key, (const unsigned char *) copy, digits,
                                mac) == 0);
        FUZZ_ASSERT(memcmp(mac, copy + digits + 1, CC_TOKEN_MAC_LEN) == 0);
    }

    /* a token made for any time verifies at that time, never before */
    if (size >= 6) {
        t = 0;
        for (i = 0; i < 6; i++) {
            t = (t << 8) | data[i];
        }

        n = cc_token_make(key, t, tok);
        FUZZ_ASSERT(n > 0 && n == strlen(tok));
        FUZZ_ASSERT(cc_token_check(key, tok, n, t, 0, 1, NULL)
                    == CC_TOKEN_OK);
        FUZZ_ASSERT(cc_token_check(key, tok, n, t - 1, 0, 0, NULL)
                    == CC_TOKEN_TOO_FRESH);
        FUZZ_ASSERT(cc_token_check(key, tok, n, t + 2, 0, 1, NULL)
                    == CC_TOKEN_EXPIRED);
    }

    /* origins: canonical is a fixed point, and fits */
    n = cc_origin_canon(copy, size, 0, c1);

    if (n) {
        FUZZ_ASSERT(n < CC_ORIGIN_MAX && strlen(c1) == n);
        n2 = cc_origin_canon(c1, n, 0, c2);
        FUZZ_ASSERT(n2 == n && memcmp(c1, c2, n) == 0);
    }

    (void) cc_fetch_site(copy, size);

    free(copy);

    return 0;
}
