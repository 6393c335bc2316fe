/* Content-Type and Accept header values, as clients send them */

#include "fuzz_common.h"


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char            *copy;
    int              html, html2;
    cc_body_type_e   bt;

    /* an exact-size copy, so that reading one byte past len is caught */
    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    bt = cc_content_type(copy, size);
    FUZZ_ASSERT(bt == CC_BODY_JSON || bt == CC_BODY_URLENCODED
                || bt == CC_BODY_UNSUPPORTED);

    html = cc_accept_prefers_html(copy, size);
    FUZZ_ASSERT(html == 0 || html == 1);

    /* deterministic */
    html2 = cc_accept_prefers_html(copy, size);
    FUZZ_ASSERT(html == html2);

    free(copy);

    return 0;
}
