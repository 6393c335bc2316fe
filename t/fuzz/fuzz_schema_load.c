/* schema documents: refused with a message, or usable everywhere */

#include "fuzz_common.h"


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char          err[256], *page;
    size_t        i, n;
    char         *norm;
    size_t        len;
    json_t       *errors, *submitted;
    const char   *name;
    cc_schema_t  *schema;

    memset(err, 'x', sizeof(err));

    schema = cc_schema_load_buffer("fuzz.json", (const char *) data, size,
                                   err, sizeof(err));

    if (schema == NULL) {
        FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
        FUZZ_ASSERT(strncmp(err, "fuzz.json: ", 11) == 0);
        return 0;
    }

    FUZZ_ASSERT(cc_schema_form(schema) != NULL);
    n = cc_schema_nfields(schema);
    FUZZ_ASSERT(n > 0);

    for (i = 0; i < n; i++) {
        name = cc_schema_field_name(schema, i);
        FUZZ_ASSERT(name != NULL && cc_schema_field_label(schema, i) != NULL);
        FUZZ_ASSERT(cc_schema_label_of(schema, name)
                    == cc_schema_field_label(schema, i));
    }

    /* the schema drives validation and the page: an empty answer */
    cc_validate_urlencoded(schema, "", 0, &norm, &len, &errors,
                           &submitted);

    page = cc_errors_page_html(schema, errors, submitted, "/");
    FUZZ_ASSERT(page != NULL);
    FUZZ_ASSERT(strstr(page, "<script") == NULL);
    free(page);

    free(norm);
    json_decref(errors);
    json_decref(submitted);
    cc_schema_free(schema);

    return 0;
}
