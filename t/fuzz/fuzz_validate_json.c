/* JSON answers against the real schema */

#include "fuzz_common.h"


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    json_t           *norm, *errors, *submitted;
    cc_validation_e   rc;

    rc = cc_validate_json(fuzz_schema(), (const char *) data, size, &norm,
                          &errors, &submitted);

    fuzz_check_result(rc, norm, errors, submitted);

    json_decref(norm);
    json_decref(errors);
    json_decref(submitted);

    return 0;
}
