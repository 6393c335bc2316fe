/* JSON answers against the real schema */

#include "fuzz_common.h"


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char             *norm;
    size_t            len;
    json_t           *errors, *submitted;
    cc_validation_e   rc;

    rc = cc_validate_json(fuzz_schema(), (const char *) data, size, &norm,
                          &len, &errors, &submitted);

    fuzz_check_result(rc, norm, len, errors, submitted);

    free(norm);
    json_decref(errors);
    json_decref(submitted);

    fuzz_check_errors_json(rc, data, size, 1);

    return 0;
}
