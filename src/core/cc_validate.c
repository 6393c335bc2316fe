/*
 * Validation of a submitted answer against a loaded schema.  Both body
 * formats are first read into the same flat input (cc_input.h: per field,
 * a string, a list of strings, a boolean...), then checked here by one
 * code path, so that a JSON client and a plain HTML form get exactly the
 * same verdicts.  A valid answer is written straight as compact JSON text,
 * byte for byte what json_dumps(JSON_COMPACT) made of it, and so are the
 * errors of a refused one (cc_errors.c): no tree is built on either path.
 */

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_validate_int.h"
#include "cc_utf8.h"
#include "cc_errors.h"


/* words of eight bytes: "has a zero byte", "has a byte below n" */
#define CC_ONES   0x0101010101010101ULL
#define CC_HIGHS  0x8080808080808080ULL
#define cc_has_zero(x)      (((x) - CC_ONES) & ~(x) & CC_HIGHS)
#define cc_has_less(x, n)   (((x) - CC_ONES * (n)) & ~(x) & CC_HIGHS)


/* appends {field, code, message} to *errors; -1 on no memory */

static int
cc_verror(cc_errors_t **errors, const char *field, size_t flen,
    const char *code, const char *fmt, va_list args)
{
    char  msg[CC_MSG_SIZE];

    vsnprintf(msg, sizeof(msg), fmt, args);

    return cc_errors_add(errors, field, flen, code, msg);
}


/* the message of the table (cc_messages.c), formatted with what follows */

int
cc_error(cc_check_t *ck, const char *field, cc_msg_e id, ...)
{
    int      rc;
    va_list  args;

    va_start(args, id);
    rc = cc_verror(&ck->errors, field, strlen(field), cc_message(id)->code,
                   cc_message(id)->text, args);
    va_end(args);

    return rc;
}


static int
cc_error_name(cc_check_t *ck, const cc_slice_t *name, cc_msg_e id, ...)
{
    int      rc;
    va_list  args;

    va_start(args, id);
    rc = cc_verror(&ck->errors, name->s, name->len, cc_message(id)->code,
                   cc_message(id)->text, args);
    va_end(args);

    return rc;
}


/* a body that cannot be read: its one error, the table's, formatted */

cc_validation_e
cc_malformed(cc_errors_t **errors, cc_msg_e id, ...)
{
    int      rc;
    va_list  args;

    *errors = NULL;

    va_start(args, id);
    rc = cc_verror(errors, NULL, 0, cc_message(id)->code,
                   cc_message(id)->text, args);
    va_end(args);

    if (rc != 0) {
        cc_errors_free(*errors);
        *errors = NULL;
        return CC_NOMEM;
    }

    return CC_MALFORMED;
}


const char *
cc_plural(size_t n)
{
    return n > 1 ? "s" : "";
}


void
cc_count_want(const cc_field_t *f, char *want, size_t size)
{
    if (f->min == f->max) {
        snprintf(want, size, CC_TEXT_COUNT_EXACTLY, f->min,
                 cc_plural(f->min));

    } else if (f->max == f->noptions && f->min > 0) {
        snprintf(want, size, CC_TEXT_COUNT_AT_LEAST, f->min,
                 cc_plural(f->min));

    } else if (f->min == 0) {
        snprintf(want, size, CC_TEXT_COUNT_AT_MOST, f->max,
                 cc_plural(f->max));

    } else {
        snprintf(want, size, CC_TEXT_COUNT_BETWEEN, f->min, f->max);
    }
}


/* too few, too many (id), or none at all (required): "choisissez ..." */

int
cc_count_error(cc_check_t *ck, const cc_field_t *f, cc_msg_e required,
    cc_msg_e id, size_t n)
{
    char  want[128];

    cc_count_want(f, want, sizeof(want));

    if (n == 0) {
        return cc_error(ck, f->name, required, want);
    }

    return cc_error(ck, f->name, id, want, n, cc_plural(n));
}


static int
cc_check_choice(cc_check_t *ck, const cc_field_t *f, cc_in_field_t *v,
    const char *s, size_t len)
{
    const cc_option_t  *o;

    o = cc_field_option(f, s, len);

    if (o == NULL) {
        return cc_error(ck, f->name, CC_MSG_INVALID_CHOICE);
    }

    v->seen[o - f->options] = 1;
    v->out = CC_OUT_STRING;
    v->out_str.s = o->value;
    v->out_str.len = o->value_len;

    return 0;
}


static int
cc_check_multiple(cc_check_t *ck, const cc_input_t *in, const cc_field_t *f,
    cc_in_field_t *v)
{
    char                show[CC_SHOW_SIZE];
    size_t              i, len, n;
    const char         *s;
    const cc_option_t  *o;

    if (v->type != CC_IN_LIST) {
        return cc_error(ck, f->name, CC_MSG_LIST_EXPECTED);
    }

    n = 0;

    /* the strings before the first item that is not one, in order */

    for (i = v->first; i != CC_IN_END; i = in->items[i].next) {
        s = in->items[i].str.s;
        len = in->items[i].str.len;
        cc_text_trim(&s, &len);

        o = cc_field_option(f, s, len);

        if (o == NULL) {
            return cc_error(ck, f->name, CC_MSG_INVALID_OPTION,
                            cc_show(s, len, show));
        }

        if (!v->seen[o - f->options]) {
            v->seen[o - f->options] = 1;
            n++;
        }
    }

    if (v->bad_item) {
        return cc_error(ck, f->name, CC_MSG_LIST_EXPECTED);
    }

    if (n < f->min) {
        return cc_count_error(ck, f, CC_MSG_REQUIRED_COUNT, CC_MSG_TOO_FEW, n);
    }

    if (n > f->max) {
        return cc_count_error(ck, f, CC_MSG_REQUIRED_COUNT, CC_MSG_TOO_MANY, n);
    }

    /* deduplicated, in option order: the order of the checkboxes */

    v->out = CC_OUT_LIST;

    return 0;
}


int
cc_check_text(cc_check_t *ck, const char *name, size_t max, int one_line,
    cc_in_field_t *v, const char *s, size_t len)
{
    int            bad, lines;
    size_t         i, count;
    uint64_t       w;
    unsigned char  c;

    /* browsers send line breaks as CRLF; they are stored and counted as LF */

    bad = 0;
    lines = 0;
    count = 0;

    for (i = 0; i < len; i++) {

        /* whole words without control characters: count lead bytes */

        while (len - i >= 8) {
            memcpy(&w, s + i, 8);

            if (cc_has_less(w, 0x20) || cc_has_zero(w ^ (CC_ONES * 0x7F))) {
                break;
            }

            count += 8 - (size_t) __builtin_popcountll(w & ~(w << 1)
                                                       & CC_HIGHS);
            i += 8;
        }

        if (i == len) {
            break;
        }

        c = (unsigned char) s[i];

        if (c >= 0x20 && c != 0x7F) {
            count += (c & 0xC0) != 0x80;
            continue;
        }

        count++;

        if (c == '\r') {
            if (i + 1 < len && s[i + 1] == '\n') {
                i++;
            }

            lines = 1;

        } else if (c == '\n') {
            lines = 1;

        } else if (c != '\t') {
            bad = 1;
        }
    }

    if (bad) {
        return cc_error(ck, name, CC_MSG_INVALID_CHARACTERS);
    }

    if (lines && one_line) {
        return cc_error(ck, name, CC_MSG_ONE_LINE);
    }

    if (count > max) {
        return cc_error(ck, name, CC_MSG_TOO_LONG, max, cc_plural(max),
                        count);
    }

    v->out = CC_OUT_TEXT;
    v->out_str.s = s;
    v->out_str.len = len;

    return 0;
}


static int
cc_check_email(cc_check_t *ck, const cc_field_t *f, cc_in_field_t *v,
    const char *s, size_t len)
{
    if (!cc_email_valid(s, len)) {
        return cc_error(ck, f->name, CC_MSG_INVALID_EMAIL);
    }

    v->out = CC_OUT_LOWER;
    v->out_str.s = s;
    v->out_str.len = len;

    return 0;
}


const char *
cc_slot_text(const cc_in_field_t *v, size_t *len, int numbers)
{
    const char  *s;

    if (v->type != CC_IN_STRING && !(numbers && v->type == CC_IN_NUMBER)) {
        *len = 0;
        return NULL;
    }

    s = v->str.s;
    *len = v->str.len;
    cc_text_trim(&s, len);

    return s;
}


static int
cc_check_field(cc_check_t *ck, const cc_input_t *in, const cc_field_t *f,
    cc_in_field_t *v)
{
    int          absent, numbers;
    size_t       len;
    const char  *s;

    if (f->type == CC_FIELD_MATRIX) {
        return cc_check_matrix(ck, in, f);
    }

    numbers = f->type == CC_FIELD_NUMBER || f->type == CC_FIELD_SCALE;
    s = cc_slot_text(v, &len, numbers);

    if (s != NULL) {
        absent = len == 0;

    } else {
        absent = v->type == CC_IN_ABSENT || v->type == CC_IN_NULL
                 || (v->type == CC_IN_LIST && v->nitems == 0
                     && !v->bad_item
                     && (f->type == CC_FIELD_MULTIPLE
                         || f->type == CC_FIELD_RANKING));
    }

    if (absent) {
        if (f->other && cc_check_other(ck, in, f) != 0) {
            return -1;
        }

        if (!f->required) {
            return 0;
        }

        switch (f->type) {

        case CC_FIELD_CHOICE:
        case CC_FIELD_SCALE:
            return cc_error(ck, f->name, CC_MSG_REQUIRED_CHOICE);

        case CC_FIELD_MULTIPLE:
            return cc_count_error(ck, f, CC_MSG_REQUIRED_COUNT, CC_MSG_REQUIRED_COUNT,
                                  0);

        case CC_FIELD_RANKING:
            return cc_check_ranking(ck, in, f, v);

        case CC_FIELD_CONSENT:
            return cc_error(ck, f->name, CC_MSG_REQUIRED_CONSENT);

        default:
            return cc_error(ck, f->name, CC_MSG_REQUIRED);
        }
    }

    switch (f->type) {

    case CC_FIELD_CHOICE:
        if (s == NULL) {
            return cc_error(ck, f->name, CC_MSG_ONE_EXPECTED);
        }

        if (cc_check_choice(ck, f, v, s, len) != 0) {
            return -1;
        }

        return f->other ? cc_check_other(ck, in, f) : 0;

    case CC_FIELD_MULTIPLE:
        if (cc_check_multiple(ck, in, f, v) != 0) {
            return -1;
        }

        return f->other ? cc_check_other(ck, in, f) : 0;

    case CC_FIELD_RANKING:
        return cc_check_ranking(ck, in, f, v);

    case CC_FIELD_NUMBER:
        return cc_check_number(ck, f, v);

    case CC_FIELD_SCALE:
        return cc_check_point(ck, f, f->name, v);

    case CC_FIELD_TEXT:
    case CC_FIELD_TEXTAREA:
    case CC_FIELD_EMAIL:
        if (s == NULL) {
            return cc_error(ck, f->name, CC_MSG_TEXT_EXPECTED);
        }

        return f->type == CC_FIELD_EMAIL
               ? cc_check_email(ck, f, v, s, len)
               : cc_check_text(ck, f->name, f->max_length,
                               f->type == CC_FIELD_TEXT, v, s, len);

    default: /* CC_FIELD_CONSENT */
        if (v->type == CC_IN_TRUE) {
            v->out = CC_OUT_TRUE;
            return 0;
        }

        if (v->type == CC_IN_FALSE) {
            return cc_error(ck, f->name, CC_MSG_MUST_BE_TRUE);
        }

        return cc_error(ck, f->name, CC_MSG_TRUE_EXPECTED);
    }
}


/* the normalised answer, slots in schema order; counts when o is NULL */

static size_t
cc_put_answer(char *o, const cc_schema_t *schema, const cc_input_t *in)
{
    int                  sep;
    char                 num[24];
    size_t               i, k, r, n;
    const cc_field_t    *f;
    const cc_slot_t     *sl;
    const cc_in_field_t *v;

#define cc_at  (o ? o + n : NULL)
#define cc_put(ch)  do { if (o) { o[n] = (ch); } n++; } while (0)
#define cc_opt(k)  n += cc_jsonw_string(cc_at, f->options[k].value,           \
                                        f->options[k].value_len,              \
                                        CC_JSONW_STRING)

    n = 0;
    cc_put('{');

    for (i = 0; i < schema->nslots; i++) {
        sl = &schema->slots[i];
        f = &schema->fields[sl->field];
        v = &in->fields[i];

        if (v->out == CC_OUT_NONE) {
            continue;
        }

        if (n > 1) {
            cc_put(',');
        }

        n += cc_jsonw_string(cc_at, sl->name, sl->name_len, CC_JSONW_STRING);
        cc_put(':');

        switch (v->out) {

        case CC_OUT_TRUE:
            if (o) {
                memcpy(o + n, "true", 4);
            }
            n += 4;
            break;

        case CC_OUT_NUMBER:
            k = (size_t) snprintf(num, sizeof(num), "%lld", v->out_num);
            if (o) {
                memcpy(o + n, num, k);
            }
            n += k;
            break;

        case CC_OUT_LIST:
        case CC_OUT_RANKED:
            cc_put('[');

            for (k = 0, sep = 0; v->out == CC_OUT_LIST && k < f->noptions;
                 k++)
            {
                if (!v->seen[k]) {
                    continue;
                }

                if (sep) {
                    cc_put(',');
                }

                sep = 1;
                cc_opt(k);
            }

            /* the ranks are 1, 2, 3... with no gap: the options by rank */

            for (r = 1; v->out == CC_OUT_RANKED && r <= f->noptions; r++) {
                for (k = 0; k < f->noptions && v->seen[k] != r; k++) {
                    /* void */
                }

                if (k == f->noptions) {
                    break;
                }

                if (r > 1) {
                    cc_put(',');
                }

                cc_opt(k);
            }

            cc_put(']');
            break;

        default:
            n += cc_jsonw_string(cc_at, v->out_str.s, v->out_str.len,
                               (cc_jsonw_e) v->out);
        }
    }

    cc_put('}');

#undef cc_at
#undef cc_put
#undef cc_opt

    return n;
}


/* a field that does not apply: nothing of it is kept, nor checked */

static void
cc_skip_field(const cc_field_t *f, cc_input_t *in)
{
    size_t          k;
    cc_in_field_t  *v;

    for (k = 0; k < f->nslots; k++) {
        v = &in->fields[f->slot + k];
        v->out = CC_OUT_NONE;
    }

    if (f->noptions) {
        memset(in->fields[f->slot].seen, 0, f->noptions);
    }
}


cc_validation_e
cc_validate_input(const cc_schema_t *schema, cc_input_t *in,
    char **normalised, size_t *normalised_len, cc_errors_t **errors)
{
    int               dup;
    char              show[CC_SHOW_SIZE];
    size_t            i, k, n;
    cc_check_t        ck;
    const cc_field_t  *f;
    const cc_slot_t   *sl;
    cc_in_field_t     *v;

    ck.schema = schema;
    ck.errors = NULL;

    for (i = 0; i < schema->nfields; i++) {
        f = &schema->fields[i];

        cc_skip_field(f, in);

        if (!cc_visible(schema, in, f)) {
            continue;
        }

        dup = 0;

        for (k = 0; k < f->nslots; k++) {
            sl = &schema->slots[f->slot + k];

            if (in->fields[f->slot + k].dup) {
                dup = 1;

                if (cc_error(&ck, sl->name, CC_MSG_DUPLICATE_FIELD) != 0) {
                    goto nomem;
                }
            }
        }

        if (dup) {
            continue;
        }

        if (cc_check_field(&ck, in, f, &in->fields[f->slot]) != 0) {
            goto nomem;
        }
    }

    /* a flood of junk names is one mistake, not a thousand errors */

    for (i = 0; i < in->nunknown && i < CC_MAX_UNKNOWN; i++) {
        if (cc_error_name(&ck, &in->unknown[i], CC_MSG_UNKNOWN_FIELD,
                          cc_show(in->unknown[i].s, in->unknown[i].len,
                                  show))
            != 0)
        {
            goto nomem;
        }
    }

    if (ck.errors != NULL) {
        *errors = ck.errors;
        return CC_INVALID;
    }

    n = cc_put_answer(NULL, schema, in);

    *normalised = cc_malloc(n + 1);
    if (*normalised == NULL) {
        return CC_NOMEM;
    }

    cc_put_answer(*normalised, schema, in);
    (*normalised)[n] = '\0';
    *normalised_len = n;

    if (in->reserved && in->reserved->value) {
        for (i = 0; i < schema->nslots; i++) {
            v = &in->fields[i];

            if (v->out == CC_OUT_STRING || v->out == CC_OUT_TEXT
                || v->out == CC_OUT_LOWER)
            {
                in->reserved->value(in->reserved->data,
                                    schema->slots[i].name, v->out_str.s,
                                    v->out_str.len);
            }
        }
    }

    return CC_VALID;

nomem:

    cc_errors_free(ck.errors);

    return CC_NOMEM;
}
