/*
 * The cancellation-token verifier and the e-mail key, on what clients send:
 * no crash, no read past the input, no token accepted without its MAC, and
 * a token made for any id and event verifies back to them.
 */

#include <stdint.h>

#include "fuzz_common.h"
#include "cc_record.h"
#include "cc_registration.h"


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int                 rc;
    char               *copy;
    char                id[CC_ID_LEN + 1], event[CC_REG_EVENT_MAX + 1];
    char                id2[CC_ID_LEN + 1], event2[CC_REG_EVENT_MAX + 1];
    char                tok[CC_REG_TOKEN_MAX_LEN + 1];
    char                again[CC_REG_TOKEN_MAX_LEN + 1];
    char                mail[320];
    size_t              n, m, i;
    static cc_hmac_t   *key;

    if (key == NULL) {
        key = cc_reg_token_key((const unsigned char *)
                               "fuzz secret, 16 bytes+", 22);
        FUZZ_ASSERT(key != NULL);
    }

    /* an exact-size copy, so that reading one byte past len is caught */
    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    rc = cc_reg_token_check(key, copy, size, id, event);
    FUZZ_ASSERT(rc == 0 || rc == -1 || rc == -2);

    if (rc == 0) {
        /* accepted: it is exactly the token the key makes for its names */
        n = cc_reg_token_make(key, id, event, strlen(event), again);
        FUZZ_ASSERT(n == size && memcmp(again, copy, size) == 0);
    }

    /* the first bytes as an id (hex digits), the rest as an event name */
    if (size > 0) {
        memcpy(id2, "01a20ef9-d898-7677-afc2-1cc854606bae", CC_ID_LEN + 1);
        for (i = 0; i < 8 && i < size; i++) {
            id2[i] = "0123456789abcdef"[data[i] & 0x0f];
        }

        m = size > CC_REG_EVENT_MAX ? CC_REG_EVENT_MAX : size;
        n = cc_reg_token_make(key, id2, copy, m, tok);

        if (n) {
            FUZZ_ASSERT(n == strlen(tok));
            FUZZ_ASSERT(cc_reg_token_check(key, tok, n, id, event2) == 0);
            FUZZ_ASSERT(strcmp(id, id2) == 0);
            FUZZ_ASSERT(strlen(event2) == m
                        && memcmp(event2, copy, m) == 0);

            /* one changed character of the MAC is refused */
            tok[n - 1] = tok[n - 1] == '0' ? '1' : '0';
            FUZZ_ASSERT(cc_reg_token_check(key, tok, n, id, event2) != 0);
        }
    }

    n = cc_reg_email_key(copy, size, mail, sizeof(mail));
    FUZZ_ASSERT(n < sizeof(mail));

    free(copy);

    return 0;
}
