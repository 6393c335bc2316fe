/*
 * The JSON reader against jansson, which it replaced: on any input that is
 * valid UTF-8 without NUL (the caller's check), both accept or both refuse
 * (json_loadb(JSON_REJECT_DUPLICATES), top-level object), except where the
 * reader refuses nesting deeper than CC_JSON_MAX_DEPTH.  A refusal falls
 * in the same class (invalid_encoding or invalid_json); an acceptance
 * reads the same values for every schema field and the same unknown names.
 */

#include "fuzz_common.h"
#include "cc_input.h"
#include "cc_utf8.h"


static int
jansson_encoding_error(const json_error_t *jerr)
{
    switch (json_error_code(jerr)) {

    case json_error_invalid_utf8:
    case json_error_null_character:
    case json_error_null_byte_in_key:
        return 1;

    default:
        /* at the start: jansson quotes the input after "near" */
        return strncmp(jerr->text, "invalid Unicode", 15) == 0;
    }
}


static int
same_string(json_t *v, const cc_slice_t *s)
{
    return json_is_string(v) && json_string_length(v) == s->len
           && memcmp(json_string_value(v), s->s, s->len) == 0;
}


static void
compare_field(const cc_schema_t *schema, const cc_input_t *in, size_t i,
    json_t *v)
{
    size_t                k, n, item;
    json_t               *e;
    const cc_in_field_t  *f;

    f = &in->fields[i];

    if (v == NULL) {
        FUZZ_ASSERT(f->type == CC_IN_ABSENT);
        return;
    }

    switch (json_typeof(v)) {

    case JSON_NULL:
        FUZZ_ASSERT(f->type == CC_IN_NULL);
        return;

    case JSON_TRUE:
        FUZZ_ASSERT(f->type == CC_IN_TRUE);
        return;

    case JSON_FALSE:
        FUZZ_ASSERT(f->type == CC_IN_FALSE);
        return;

    case JSON_STRING:
        FUZZ_ASSERT(f->type == CC_IN_STRING);
        FUZZ_ASSERT(same_string(v, &f->str));
        return;

    case JSON_ARRAY:
        FUZZ_ASSERT(f->type == CC_IN_LIST);

        /* the strings before the first item that is not one */
        n = 0;

        while (n < json_array_size(v) && json_is_string(json_array_get(v, n)))
        {
            n++;
        }

        FUZZ_ASSERT(f->nitems == n);
        FUZZ_ASSERT(f->bad_item == (n < json_array_size(v)));

        if (!schema->slots[i].list) {
            return;
        }

        item = f->first;

        for (k = 0; k < n; k++) {
            FUZZ_ASSERT(item != CC_IN_END);
            e = json_array_get(v, k);
            FUZZ_ASSERT(same_string(e, &in->items[item].str));
            item = in->items[item].next;
        }

        FUZZ_ASSERT(item == CC_IN_END);
        return;

    case JSON_INTEGER:
    case JSON_REAL:
        /* the number's text, as written: jansson reads the same value */
        FUZZ_ASSERT(f->type == CC_IN_NUMBER && f->str.len > 0);
        return;

    default:                            /* objects */
        FUZZ_ASSERT(f->type == CC_IN_OTHER);
        return;
    }
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int                ours, theirs;
    size_t             i, n;
    json_t            *root, *v;
    cc_input_t         in;
    const char        *body, *key;
    json_error_t       jerr;
    cc_json_error_t    err;
    cc_json_status_e   st;
    const cc_schema_t *schema;

    body = (const char *) data;

    if (size == 0 || memchr(body, '\0', size) != NULL
        || !cc_utf8_valid(body, size))
    {
        return 0;
    }

    schema = fuzz_schema();
    FUZZ_ASSERT(cc_input_init(&in, schema, size) == 0);

    st = cc_json_read(schema, body, size, &in, &err);
    ours = st == CC_JSON_OK;

    memset(&jerr, 0, sizeof(jerr));
    root = json_loadb(body, size, JSON_REJECT_DUPLICATES, &jerr);
    theirs = json_is_object(root);

    if (st == CC_JSON_DEPTH || st == CC_JSON_NOMEM) {
        goto done;
    }

    if (ours != theirs) {
        fprintf(stderr, "reader %d (status %d), jansson %d (%s)\n", ours,
                (int) st, theirs, root ? "not an object" : jerr.text);
    }

    FUZZ_ASSERT(ours == theirs);

    if (!ours) {
        if (root == NULL) {
            FUZZ_ASSERT((st == CC_JSON_UNICODE || st == CC_JSON_NUL)
                        == jansson_encoding_error(&jerr));
            FUZZ_ASSERT((st == CC_JSON_DUPLICATE)
                        == (json_error_code(&jerr)
                            == json_error_duplicate_key));

        } else {
            FUZZ_ASSERT(st == CC_JSON_NOT_OBJECT);
        }

        goto done;
    }

    for (i = 0; i < schema->nslots; i++) {
        compare_field(schema, &in, i,
                      json_object_get(root, schema->slots[i].name));
    }

    n = 0;

    json_object_foreach(root, key, v) {
        /* "_" names are form plumbing, never unknown (issue 3) */
        if (cc_schema_slot(schema, key, strlen(key)) != NULL
            || n == CC_MAX_UNKNOWN
            || key[0] == '_')
        {
            continue;
        }

        FUZZ_ASSERT(n < in.nunknown);
        FUZZ_ASSERT(strlen(key) == in.unknown[n].len
                    && memcmp(key, in.unknown[n].s, in.unknown[n].len) == 0);
        n++;
    }

    FUZZ_ASSERT(n == in.nunknown);

done:

    json_decref(root);
    cc_input_free(&in);

    return 0;
}
