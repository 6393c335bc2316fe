/*
 * Body decoding: a JSON document (cc_json.c) or an urlencoded form (here)
 * becomes the flat input cc_validate_input() checks.  Whole-body problems
 * (syntax, encoding) stop here.  The body is read once: what was submitted,
 * for a form shown again, is noted by the readers as they go.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_input.h"
#include "cc_urlencoded.h"
#include "cc_utf8.h"

#define CC_FORM_MAX_PAIRS   256


static cc_validation_e cc_submitted(const cc_schema_t *schema,
    const cc_input_t *in, int form, cc_validation_e rc, char **normalised,
    cc_errors_t **errors, json_t **submitted);
static cc_validation_e cc_json_view(cc_validation_e rc, cc_errors_t *e,
    char **normalised, json_t **errors, json_t **submitted);


static cc_validation_e
cc_json_error(const cc_json_error_t *jerr, cc_errors_t **errors)
{
    char  show[CC_SHOW_SIZE];

    switch (jerr->status) {

    case CC_JSON_NOMEM:
        return CC_NOMEM;

    case CC_JSON_NUL:
        return cc_malformed(errors, CC_MSG_JSON_ENCODING);

    /* a \uD800 escape is text that cannot be encoded: still an encoding */

    case CC_JSON_UNICODE:
        return cc_malformed(errors, CC_MSG_JSON_UNICODE);

    case CC_JSON_DUPLICATE:
        return cc_malformed(errors, CC_MSG_JSON_DUPLICATE,
                            cc_show(jerr->key.s, jerr->key.len, show));

    case CC_JSON_NOT_OBJECT:
        return cc_malformed(errors, CC_MSG_JSON_NOT_OBJECT);

    default:
        return cc_malformed(errors, CC_MSG_JSON_SYNTAX, jerr->line,
                            jerr->column);
    }
}


/* what was submitted, for a valid or invalid answer, when asked */

static cc_validation_e
cc_submitted(const cc_schema_t *schema, const cc_input_t *in, int form,
    cc_validation_e rc, char **normalised, cc_errors_t **errors,
    json_t **submitted)
{
    if (submitted == NULL || (rc != CC_VALID && rc != CC_INVALID)) {
        return rc;
    }

    *submitted = cc_input_submitted(schema, in, form);

    if (*submitted == NULL) {
        free(*normalised);
        *normalised = NULL;
        cc_errors_free(*errors);
        *errors = NULL;
        return CC_NOMEM;
    }

    return rc;
}


/*
 * The errors as a jansson array, and "submitted" for an invalid answer
 * only: cc_validate_json() and cc_validate_urlencoded() as they are
 * documented (cc_schema.h).
 */

static cc_validation_e
cc_json_view(cc_validation_e rc, cc_errors_t *e, char **normalised,
    json_t **errors, json_t **submitted)
{
    *errors = NULL;

    if (submitted && rc != CC_INVALID) {
        json_decref(*submitted);
        *submitted = NULL;
    }

    if (e == NULL) {
        return rc;
    }

    *errors = cc_errors_to_json(e);
    cc_errors_free(e);

    if (*errors == NULL) {
        free(*normalised);
        *normalised = NULL;

        if (submitted) {
            json_decref(*submitted);
            *submitted = NULL;
        }

        return CC_NOMEM;
    }

    return rc;
}


cc_validation_e
cc_validate_json(const cc_schema_t *schema, const char *body, size_t len,
    char **normalised, size_t *normalised_len, json_t **errors,
    json_t **submitted)
{
    cc_errors_t      *e;
    cc_validation_e   rc;

    rc = cc_validate_json_ex(schema, body, len, normalised, normalised_len,
                             &e, submitted, NULL);

    return cc_json_view(rc, e, normalised, errors, submitted);
}


cc_validation_e
cc_validate_urlencoded(const cc_schema_t *schema, const char *body,
    size_t len, char **normalised, size_t *normalised_len, json_t **errors,
    json_t **submitted)
{
    cc_errors_t      *e;
    cc_validation_e   rc;

    rc = cc_validate_urlencoded_ex(schema, body, len, normalised,
                                   normalised_len, &e, submitted, NULL);

    return cc_json_view(rc, e, normalised, errors, submitted);
}


cc_validation_e
cc_validate_json_ex(const cc_schema_t *schema, const char *body, size_t len,
    char **normalised, size_t *normalised_len, cc_errors_t **errors,
    json_t **submitted, const cc_reserved_t *reserved)
{
    cc_input_t        in;
    cc_json_error_t   jerr;
    cc_validation_e   rc;

    *normalised = NULL;
    *normalised_len = 0;
    *errors = NULL;

    if (submitted) {
        *submitted = NULL;
    }

    if (len == 0) {
        return cc_malformed(errors, CC_MSG_JSON_EMPTY);
    }

    /* raw bytes first: the reader then only looks at the grammar */

    if (memchr(body, '\0', len) != NULL || !cc_utf8_valid(body, len)) {
        return cc_malformed(errors, CC_MSG_JSON_ENCODING);
    }

    if (cc_input_init(&in, schema, len) != 0) {
        return CC_NOMEM;
    }

    in.reserved = reserved;
    in.marking = submitted != NULL;

    if (cc_json_read(schema, body, len, &in, &jerr) != CC_JSON_OK) {
        rc = cc_json_error(&jerr, errors);
        goto done;
    }

    rc = cc_validate_input(schema, &in, normalised, normalised_len, errors);
    rc = cc_submitted(schema, &in, 0, rc, normalised, errors, submitted);

done:

    cc_input_free(&in);

    return rc;
}


/* one name or value, decoded into the scratch, as cc_url_decode() does */

static cc_url_status_e
cc_form_component(const char *s, size_t len, char **out, cc_slice_t *v)
{
    size_t  n;

    n = cc_url_unescape(s, len, *out);

    if (n == (size_t) -1) {
        return CC_URL_BAD_ESCAPE;
    }

    if (memchr(*out, '\0', n) != NULL) {
        return CC_URL_NUL;
    }

    if (!cc_utf8_valid(*out, n)) {
        return CC_URL_BAD_UTF8;
    }

    v->s = *out;
    v->len = n;
    *out += n;

    return CC_URL_OK;
}


/* one pair into the input, as the same pair in a JSON object would be */

static int
cc_form_pair(const cc_schema_t *schema, cc_input_t *in, cc_slice_t *name,
    cc_slice_t *value)
{
    int                i;
    size_t             k;
    cc_in_field_t     *v;
    const cc_slot_t   *sl;

    /* "_name": form plumbing (token, idempotency key), not an answer */

    if (name->len > 0 && name->s[0] == '_') {
        if (in->reserved) {
            in->reserved->handler(in->reserved->data, name->s, name->len,
                                  value->s, value->len);
        }

        return 0;
    }

    i = cc_input_field(schema, name->s, name->len);

    if (i < 0) {
        for (k = 0; k < in->nunknown; k++) {
            if (in->unknown[k].len == name->len
                && memcmp(in->unknown[k].s, name->s, name->len) == 0)
            {
                return 0;
            }
        }

        cc_input_add_unknown(in, name->s, name->len);
        return 0;
    }

    sl = &schema->slots[i];
    v = &in->fields[i];

    if (sl->list) {
        if (v->type == CC_IN_ABSENT) {
            v->type = CC_IN_LIST;
            v->first = CC_IN_END;
            v->last = CC_IN_END;
        }

        /* an empty value is the usual "nothing checked" placeholder */

        if (value->len == 0) {
            return 0;
        }

        v->nitems++;

        return cc_input_add_item(in, (size_t) i, value->s, value->len);
    }

    if (v->type != CC_IN_ABSENT) {
        v->dup = 1;
        return 0;
    }

    if (sl->consent && value->len > 0) {
        v->type = cc_consent_accepted(value->s, value->len) ? CC_IN_TRUE
                                                             : CC_IN_FALSE;
        return 0;
    }

    v->type = CC_IN_STRING;
    v->str = *value;

    return 0;
}


/*
 * The pairs straight into the input: the same rules, in the same order,
 * as cc_url_decode() (too many pairs first, then each name and value), so
 * a malformed form gets the same error; decoded text goes to the scratch.
 */

static cc_url_status_e
cc_form_read(const cc_schema_t *schema, const char *body, size_t len,
    cc_input_t *in)
{
    char             *out;
    size_t            n, start, end, eq;
    cc_slice_t        name, value;
    const char       *amp;
    cc_url_status_e   rc;

    n = 0;

    for (start = 0; start <= len; start = end + 1) {
        amp = len > start ? memchr(body + start, '&', len - start) : NULL;
        end = amp ? (size_t) (amp - body) : len;

        if (end > start && ++n > CC_FORM_MAX_PAIRS) {
            return CC_URL_TOO_MANY;
        }
    }

    out = in->scratch;

    for (start = 0; start <= len; start = end + 1) {
        amp = len > start ? memchr(body + start, '&', len - start) : NULL;
        end = amp ? (size_t) (amp - body) : len;

        if (end == start) {
            continue;
        }

        eq = start;

        while (eq < end && body[eq] != '=') {
            eq++;
        }

        rc = cc_form_component(body + start, eq - start, &out, &name);
        if (rc != CC_URL_OK) {
            return rc;
        }

        value.s = out;
        value.len = 0;

        if (eq < end) {
            rc = cc_form_component(body + eq + 1, end - eq - 1, &out, &value);
            if (rc != CC_URL_OK) {
                return rc;
            }
        }

        if (in->marking) {
            cc_input_mark(in, CC_MARK_NAME, name.s, name.len);
            cc_input_mark(in, CC_MARK_VALUE, value.s, value.len);
        }

        if (cc_form_pair(schema, in, &name, &value) != 0) {
            return CC_URL_NOMEM;
        }
    }

    return CC_URL_OK;
}


cc_validation_e
cc_validate_urlencoded_ex(const cc_schema_t *schema, const char *body,
    size_t len, char **normalised, size_t *normalised_len,
    cc_errors_t **errors, json_t **submitted, const cc_reserved_t *reserved)
{
    cc_input_t        in;
    cc_url_status_e   st;
    cc_validation_e   rc;

    *normalised = NULL;
    *normalised_len = 0;
    *errors = NULL;

    if (submitted) {
        *submitted = NULL;
    }

    if (cc_input_init(&in, schema, len) != 0) {
        return CC_NOMEM;
    }

    in.reserved = reserved;
    in.marking = submitted != NULL;

    st = cc_form_read(schema, body, len, &in);

    switch (st) {

    case CC_URL_OK:
        break;

    case CC_URL_BAD_ESCAPE:
        rc = cc_malformed(errors, CC_MSG_FORM_ESCAPE);
        goto done;

    case CC_URL_BAD_UTF8:
        rc = cc_malformed(errors, CC_MSG_FORM_UTF8);
        goto done;

    case CC_URL_NUL:
        rc = cc_malformed(errors, CC_MSG_FORM_NUL);
        goto done;

    case CC_URL_TOO_MANY:
        rc = cc_malformed(errors, CC_MSG_FORM_TOO_MANY, CC_FORM_MAX_PAIRS);
        goto done;

    default:
        rc = CC_NOMEM;
        goto done;
    }

    rc = cc_validate_input(schema, &in, normalised, normalised_len, errors);
    rc = cc_submitted(schema, &in, 1, rc, normalised, errors, submitted);

done:

    cc_input_free(&in);

    return rc;
}
