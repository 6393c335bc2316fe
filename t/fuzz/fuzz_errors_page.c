/*
 * The HTML error page on arbitrary submissions and arbitrary error lists:
 * the input is an urlencoded form whose pairs are used twice, as what was
 * submitted and as errors {field: name, code: "x", message: value}.
 */

#include "cc_urlencoded.h"
#include "fuzz_common.h"


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char             *page;
    size_t            i, n;
    json_t           *errors, *submitted, *e, *old;
    cc_url_pair_t    *pairs;

    if (cc_url_decode((const char *) data, size, 256, &pairs, &n)
        != CC_URL_OK)
    {
        return 0;
    }

    errors = json_array();
    submitted = json_object();
    FUZZ_ASSERT(errors != NULL && submitted != NULL);

    for (i = 0; i < n; i++) {
        e = json_pack("{s:s,s:s,s:s}", "field", pairs[i].name, "code", "x",
                      "message", pairs[i].value);
        FUZZ_ASSERT(e != NULL);

        if (pairs[i].name_len == 0) {
            json_object_set_new(e, "field", json_null());
        }

        json_array_append_new(errors, e);

        /* repeated names become lists, as the validator makes them */
        old = json_object_get(submitted, pairs[i].name);

        if (json_is_array(old)) {
            json_array_append_new(old, json_string(pairs[i].value));

        } else if (old != NULL) {
            json_object_set_new(submitted, pairs[i].name,
                                json_pack("[O,s]", old, pairs[i].value));

        } else {
            json_object_set_new(submitted, pairs[i].name,
                                json_string(pairs[i].value));
        }
    }

    page = cc_errors_page_html(fuzz_schema(), errors, submitted,
                               n ? pairs[0].value : NULL);
    fuzz_check_page(page);

    page = cc_message_page_html(n ? pairs[0].name : "", n ? pairs[0].value
                                                          : "");
    fuzz_check_page(page);

    cc_url_pairs_free(pairs, n);
    json_decref(errors);
    json_decref(submitted);

    return 0;
}
