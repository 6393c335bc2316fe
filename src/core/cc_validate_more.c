/*
 * The checks of the richer questions: numbers, scales, grids, rankings,
 * the "other" texts, and the conditions that make a question apply.  The
 * conditions read what the validator already decided of earlier questions
 * (the options chosen, in seen), so one pass in schema order decides all.
 */

#include <stdio.h>
#include <string.h>

#include "cc_validate_int.h"

#define CC_NUMBER_DIGITS  13


static int
cc_cond_true(const cc_schema_t *schema, const cc_input_t *in,
    const cc_cond_t *c)
{
    size_t                k;
    const cc_field_t     *f;
    const unsigned char  *seen;

    switch (c->op) {

    case CC_COND_IN:
        f = &schema->fields[c->field];
        seen = in->fields[f->slot].seen;

        for (k = 0; k < f->noptions; k++) {
            if (seen[k] && c->in[k]) {
                return 1;
            }
        }

        return 0;

    case CC_COND_ALL:
        for (k = 0; k < c->nsubs; k++) {
            if (!cc_cond_true(schema, in, &c->subs[k])) {
                return 0;
            }
        }

        return 1;

    default:
        for (k = 0; k < c->nsubs; k++) {
            if (cc_cond_true(schema, in, &c->subs[k])) {
                return 1;
            }
        }

        return 0;
    }
}


int
cc_visible(const cc_schema_t *schema, const cc_input_t *in,
    const cc_field_t *f)
{
    const cc_cond_t  *sc;

    sc = schema->sections[f->section].cond;

    return (sc == NULL || cc_cond_true(schema, in, sc))
           && (f->cond == NULL || cc_cond_true(schema, in, f->cond));
}


/* an integer, in digits, an optional minus sign: "12", "-3", JSON 12 */

static int
cc_parse_integer(const char *s, size_t len, long long *out)
{
    int        neg;
    size_t     i;
    long long  v;

    neg = len > 0 && s[0] == '-';
    i = neg;

    if (i == len || len - i > CC_NUMBER_DIGITS) {
        return -1;
    }

    for (v = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }

        v = v * 10 + (s[i] - '0');
    }

    *out = neg ? -v : v;

    return 0;
}


int
cc_check_number(cc_check_t *ck, const cc_field_t *f, cc_in_field_t *v)
{
    size_t       len;
    long long    n;
    const char  *s;

    s = cc_slot_text(v, &len, 1);

    if (s == NULL || cc_parse_integer(s, len, &n) != 0) {
        return cc_error(ck, f->name, CC_MSG_NUMBER_EXPECTED);
    }

    if (n < f->nmin || n > f->nmax) {
        return cc_error(ck, f->name, CC_MSG_NUMBER_RANGE, f->nmin, f->nmax);
    }

    v->out = CC_OUT_NUMBER;
    v->out_num = n;

    return 0;
}


/* one point of a scale (a scale, a grid's row): 1..points, or "nsp" */

int
cc_check_point(cc_check_t *ck, const cc_field_t *f, const char *name,
    cc_in_field_t *v)
{
    size_t       len;
    long long    n;
    const char  *s;

    s = cc_slot_text(v, &len, 1);

    if (s != NULL && f->dont_know && len == sizeof(CC_DONT_KNOW) - 1
        && memcmp(s, CC_DONT_KNOW, len) == 0)
    {
        v->out = CC_OUT_STRING;
        v->out_str.s = CC_DONT_KNOW;
        v->out_str.len = len;
        return 0;
    }

    if (s == NULL || cc_parse_integer(s, len, &n) != 0 || n < 1
        || n > (long long) f->points)
    {
        return cc_error(ck, name, CC_MSG_INVALID_POINT, f->points);
    }

    v->out = CC_OUT_NUMBER;
    v->out_num = n;

    return 0;
}


/* a grid: each row a point of the same scale, each named in its errors */

int
cc_check_matrix(cc_check_t *ck, const cc_input_t *in, const cc_field_t *f)
{
    size_t             k, len;
    cc_in_field_t     *v;
    const cc_slot_t   *sl;

    for (k = 0; k < f->nslots; k++) {
        sl = &ck->schema->slots[f->slot + k];
        v = &in->fields[f->slot + k];

        if (cc_slot_text(v, &len, 1) != NULL ? len == 0
            : (v->type == CC_IN_ABSENT || v->type == CC_IN_NULL))
        {
            if (f->required
                && cc_error(ck, sl->name, CC_MSG_REQUIRED_ROW,
                            f->rows[sl->row].label) != 0)
            {
                return -1;
            }

            continue;
        }

        if (cc_check_point(ck, f, sl->name, v) != 0) {
            return -1;
        }
    }

    return 0;
}


/*
 * A ranking: the options in order, the first the most important; empty
 * strings are ranks left blank (a list box left on its first line), so a
 * page without JavaScript and a JSON client get the same verdict.
 */

int
cc_check_ranking(cc_check_t *ck, const cc_input_t *in, const cc_field_t *f,
    cc_in_field_t *v)
{
    char                show[CC_SHOW_SIZE];
    size_t              i, len, n;
    const char         *s;
    const cc_option_t  *o;

    n = 0;

    if (v->type == CC_IN_LIST) {
        for (i = v->first; i != CC_IN_END; i = in->items[i].next) {
            s = in->items[i].str.s;
            len = in->items[i].str.len;
            cc_text_trim(&s, &len);

            if (len == 0) {
                continue;
            }

            o = cc_field_option(f, s, len);

            if (o == NULL) {
                return cc_error(ck, f->name, CC_MSG_INVALID_OPTION,
                                cc_show(s, len, show));
            }

            if (v->seen[o - f->options]) {
                return cc_error(ck, f->name, CC_MSG_RANK_DUPLICATE,
                                o->label);
            }

            /* no more ranks than options: a repeat is caught above */
            v->seen[o - f->options] = (unsigned char) ++n;
        }

        if (v->bad_item) {
            return cc_error(ck, f->name, CC_MSG_LIST_EXPECTED);
        }

    } else if (v->type != CC_IN_ABSENT && v->type != CC_IN_NULL) {
        return cc_error(ck, f->name, CC_MSG_LIST_EXPECTED);
    }

    if (n == 0) {
        memset(v->seen, 0, f->noptions);
        return f->required ? cc_count_error(ck, f, CC_MSG_REQUIRED_RANK,
                                            CC_MSG_REQUIRED_RANK, 0)
                           : 0;
    }

    if (n < f->min) {
        memset(v->seen, 0, f->noptions);
        return cc_count_error(ck, f, CC_MSG_REQUIRED_RANK,
                              CC_MSG_RANK_TOO_FEW, n);
    }

    if (n > f->max) {
        memset(v->seen, 0, f->noptions);
        return cc_count_error(ck, f, CC_MSG_REQUIRED_RANK,
                              CC_MSG_RANK_TOO_MANY, n);
    }

    v->out = CC_OUT_RANKED;

    return 0;
}


/*
 * "Autre, précisez": the text goes with the "other" option, the last one;
 * chosen without its text, or the text without the option, is an error.
 */

int
cc_check_other(cc_check_t *ck, const cc_input_t *in, const cc_field_t *f)
{
    int                  chosen;
    size_t               len;
    const char          *s;
    cc_in_field_t       *v;
    const cc_slot_t     *sl;
    const cc_option_t   *o;

    sl = &ck->schema->slots[f->slot + 1];
    v = &in->fields[f->slot + 1];
    o = &f->options[f->noptions - 1];
    chosen = in->fields[f->slot].seen[f->noptions - 1] != 0;

    s = cc_slot_text(v, &len, 0);

    if (s == NULL && v->type != CC_IN_ABSENT && v->type != CC_IN_NULL) {
        return cc_error(ck, sl->name, CC_MSG_TEXT_EXPECTED);
    }

    if (s == NULL || len == 0) {
        return chosen ? cc_error(ck, sl->name, CC_MSG_OTHER_REQUIRED,
                                 o->label)
                      : 0;
    }

    if (!chosen) {
        return cc_error(ck, sl->name, CC_MSG_OTHER_WITHOUT, o->label);
    }

    return cc_check_text(ck, sl->name, f->other_max_length, 1, v, s, len);
}
