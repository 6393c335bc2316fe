/*
 * A strict JSON reader for answers: one pass over the body, straight into
 * the flat input (cc_input.h), without building a tree.  It accepts and
 * refuses what jansson's json_loadb(JSON_REJECT_DUPLICATES) did, so that
 * replacing it changed no verdict:
 *
 *   - RFC 8259 grammar, an array or an object at the top, nothing after;
 *   - integers must fit in 64 bits and reals must not overflow a double;
 *   - no key twice in any object, at any depth;
 *   - no \u0000 in a string or a key, no lone or mismatched surrogate;
 *   - when one string has a grammar error and a surrogate error, the
 *     grammar error is reported, wherever it is in the string (jansson
 *     checks a string's syntax before decoding it).
 *
 * The one difference: nesting deeper than CC_JSON_MAX_DEPTH containers is
 * refused (jansson allowed 2048); no answer needs more than two levels.
 */

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_input.h"
#include "cc_utf8.h"
#include "cc_json_int.h"


static int cc_json_value(cc_json_t *j, cc_in_field_t *f, size_t fi,
    int keep);
static void cc_json_mark(cc_json_t *j, const char *s, size_t len);


/*
 * An object, j->p on '{'.  At the top, keys naming a schema field fill its
 * slot (a filled slot is a duplicate); other keys go to the key set.
 */

static int
cc_json_object(cc_json_t *j, int top)
{
    int             fi, rc, reserved;
    size_t          obj;
    cc_slice_t      key, val;
    cc_in_field_t  *f;

    if (++j->depth > CC_JSON_MAX_DEPTH) {
        return cc_json_fail(j, CC_JSON_DEPTH, j->p);
    }

    obj = top ? 0 : ++j->nobjects;

    j->p++;
    cc_json_ws(j);

    if (j->p < j->end && *j->p == '}') {
        j->p++;
        j->depth--;
        return 0;
    }

    for ( ;; ) {
        if (j->p == j->end || *j->p != '"') {
            return cc_json_unexpected(j);
        }

        if (cc_json_string(j, &key, 1) != 0) {
            return -1;
        }

        f = NULL;
        fi = top ? cc_input_field(j->schema, key.s, key.len) : -1;
        reserved = top && fi < 0 && key.len > 0 && key.s[0] == '_';

        if (fi >= 0) {
            f = &j->in->fields[fi];
            rc = f->type != CC_IN_ABSENT;

        } else {
            rc = cc_json_key_add(j, &key, obj);

            /* "_name": form plumbing (token, idempotency key) */

            if (rc == 0 && top && !reserved) {
                cc_input_add_unknown(j->in, key.s, key.len);
            }
        }

        if (rc != 0) {
            if (rc < 0) {
                return cc_json_fail(j, CC_JSON_NOMEM, j->p);
            }

            j->err->key = key;
            return cc_json_fail(j, CC_JSON_DUPLICATE, j->p);
        }

        cc_json_ws(j);

        if (j->p == j->end || *j->p != ':') {
            return cc_json_unexpected(j);
        }

        j->p++;
        cc_json_ws(j);

        if (top && j->in->marking) {
            cc_input_mark(j->in, CC_MARK_NAME, key.s, key.len);
        }

        if (reserved && j->p < j->end && *j->p == '"') {
            if (cc_json_string(j, &val, 1) != 0) {
                return -1;
            }

            cc_json_mark(j, val.s, val.len);

            if (j->in->reserved) {
                j->in->reserved->handler(j->in->reserved->data, key.s,
                                         key.len, val.s, val.len);
            }

        } else {
            if (cc_json_value(j, f, (size_t) fi,
                              f && j->schema->slots[fi].list)
                != 0)
            {
                return -1;
            }

            if (reserved && j->in->reserved) {
                j->in->reserved->handler(j->in->reserved->data, key.s,
                                         key.len, NULL, 0);
            }
        }

        cc_json_ws(j);

        if (j->p < j->end && *j->p == ',') {
            j->p++;
            cc_json_ws(j);
            continue;
        }

        if (j->p < j->end && *j->p == '}') {
            j->p++;
            break;
        }

        return cc_json_unexpected(j);
    }

    j->depth--;

    return 0;
}


/*
 * An array, j->p on '['.  For a field, the strings before the first item
 * that is not one are kept when "keep" (multiple fields): the validator
 * reports the first wrong item, in order.
 */

static int
cc_json_array(cc_json_t *j, cc_in_field_t *f, size_t fi, int keep)
{
    cc_slice_t  s;

    if (j->depth == 1 && j->in->marking) {
        cc_input_mark(j->in, CC_MARK_LIST, NULL, 0);
        j->items = 1;
    }

    if (++j->depth > CC_JSON_MAX_DEPTH) {
        return cc_json_fail(j, CC_JSON_DEPTH, j->p);
    }

    if (f) {
        f->type = CC_IN_LIST;
        f->bad_item = 0;
        f->nitems = 0;
        f->first = CC_IN_END;
        f->last = CC_IN_END;
    }

    j->p++;
    cc_json_ws(j);

    if (j->p < j->end && *j->p == ']') {
        j->p++;
        j->depth--;
        j->items = j->depth == 1 ? 0 : j->items;
        return 0;
    }

    for ( ;; ) {
        if (f && j->p < j->end && *j->p == '"') {
            if (cc_json_string(j, &s, 1) != 0) {
                return -1;
            }

            cc_json_mark(j, s.s, s.len);

            if (!f->bad_item) {
                f->nitems++;

                if (keep && cc_input_add_item(j->in, fi, s.s, s.len) != 0) {
                    return cc_json_fail(j, CC_JSON_NOMEM, j->p);
                }
            }

        } else {
            if (f) {
                f->bad_item = 1;
            }

            if (cc_json_value(j, NULL, 0, 0) != 0) {
                return -1;
            }
        }

        cc_json_ws(j);

        if (j->p < j->end && *j->p == ',') {
            j->p++;
            cc_json_ws(j);
            continue;
        }

        if (j->p < j->end && *j->p == ']') {
            j->p++;
            break;
        }

        return cc_json_unexpected(j);
    }

    j->depth--;
    j->items = j->depth == 1 ? 0 : j->items;

    return 0;
}


/* any value; "f" (may be NULL) is the top-level field it is the value of */

static int
cc_json_value(cc_json_t *j, cc_in_field_t *f, size_t fi, int keep)
{
    int          rc;
    cc_slice_t   s;
    const char  *start;

    if (j->p == j->end) {
        return cc_json_fail(j, CC_JSON_SYNTAX, j->end);
    }

    start = j->p;

    switch (*j->p) {

    case '"':
        if (cc_json_string(j, &s, 1) != 0) {
            return -1;
        }

        cc_json_mark(j, s.s, s.len);

        if (f) {
            f->type = CC_IN_STRING;
            f->str = s;
        }

        return 0;

    case '[':
        return cc_json_array(j, f, fi, keep);

    case '{':
        if (f) {
            f->type = CC_IN_OTHER;
        }

        return cc_json_object(j, 0);

    case 't':
        rc = cc_json_literal(j, "true", 4);
        if (f) {
            f->type = CC_IN_TRUE;
        }
        cc_json_mark(j, "true", 4);
        return rc;

    case 'f':
        rc = cc_json_literal(j, "false", 5);
        if (f) {
            f->type = CC_IN_FALSE;
        }
        cc_json_mark(j, "false", 5);
        return rc;

    case 'n':
        rc = cc_json_literal(j, "null", 4);
        if (f) {
            f->type = CC_IN_NULL;
        }
        return rc;

    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        rc = cc_json_number(j);
        cc_json_mark(j, start, j->p - start);

        if (f) {
            f->type = CC_IN_NUMBER;
            f->str.s = start;
            f->str.len = (size_t) (j->p - start);
        }

        return rc;

    default:
        return cc_json_unexpected(j);
    }
}


/*
 * What was submitted, for a form shown again: a top member's value, or an
 * item of a top member's list; other values (deeper, null, objects) are
 * not shown.
 */

static void
cc_json_mark(cc_json_t *j, const char *s, size_t len)
{
    if (!j->in->marking) {
        return;
    }

    if (j->depth == 1) {
        cc_input_mark(j->in, CC_MARK_VALUE, s, len);

    } else if (j->depth == 2 && j->items) {
        cc_input_mark(j->in, CC_MARK_ITEM, s, len);
    }
}


cc_json_status_e
cc_json_read(const cc_schema_t *schema, const char *body, size_t len,
    cc_input_t *in, cc_json_error_t *err)
{
    int        rc, object;
    cc_json_t  j;

    memset(err, 0, sizeof(cc_json_error_t));
    memset(&j, 0, sizeof(cc_json_t));

    j.start = body;
    j.p = body;
    j.end = body + len;
    j.out = in->scratch;
    j.in = in;
    j.schema = schema;
    j.err = err;

    cc_json_ws(&j);
    object = 0;

    if (j.p < j.end && *j.p == '{') {
        object = 1;
        rc = cc_json_object(&j, 1);

    } else if (j.p < j.end && *j.p == '[') {
        rc = cc_json_array(&j, NULL, 0, 0);

    } else {
        rc = cc_json_unexpected(&j);            /* '[' or '{' expected */
    }

    if (rc == 0) {
        cc_json_ws(&j);

        if (j.p != j.end) {
            rc = cc_json_unexpected(&j);        /* end of input expected */

        } else if (!object) {
            rc = -1;
            err->status = CC_JSON_NOT_OBJECT;
        }
    }

    free(j.keys);

    return rc == 0 ? CC_JSON_OK : err->status;
}
