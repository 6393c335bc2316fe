/* cc_url_decode() and cc_url_unescape(): strictness and output shape */

#include "cc_urlencoded.h"
#include "cc_utf8.h"
#include "fuzz_common.h"


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char             *out;
    size_t            i, n, len;
    cc_url_pair_t    *pairs;
    cc_url_status_e   st;

    st = cc_url_decode((const char *) data, size, 64, &pairs, &n);

    if (st == CC_URL_OK) {
        FUZZ_ASSERT(n <= 64 && (n == 0) == (pairs == NULL));

        for (i = 0; i < n; i++) {
            FUZZ_ASSERT(strlen(pairs[i].name) == pairs[i].name_len);
            FUZZ_ASSERT(strlen(pairs[i].value) == pairs[i].value_len);
            FUZZ_ASSERT(cc_utf8_valid(pairs[i].name, pairs[i].name_len));
            FUZZ_ASSERT(cc_utf8_valid(pairs[i].value, pairs[i].value_len));
        }

        cc_url_pairs_free(pairs, n);

    } else {
        FUZZ_ASSERT(pairs == NULL && n == 0);
    }

    /* unescape writes at most len bytes: a tight buffer catches overruns */
    out = malloc(size ? size : 1);
    if (out != NULL) {
        len = cc_url_unescape((const char *) data, size, out);
        FUZZ_ASSERT(len == (size_t) -1 || len <= size);

        if (len != (size_t) -1) {
            /* utf8_length never counts more code points than bytes */
            FUZZ_ASSERT(cc_utf8_length(out, len) <= len);
        }

        free(out);
    }

    return 0;
}
