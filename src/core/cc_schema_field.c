/*
 * One questionnaire field, read from its JSON object at configuration
 * time: the properties its type accepts, each checked, so that the
 * validator and the renderer can trust it.  Messages name the field and
 * the property; cc_schema.c puts the file name in front.
 */

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_schema_load.h"

#define CC_MAX_LENGTH_LIMIT   1000000
#define CC_MAX_OPTIONS        200
#define CC_MAX_ROWS           50
#define CC_NUMBER_LIMIT       1000000000000LL
#define CC_SELECT_FROM        10        /* options: a list box from then on */


static const char *cc_type_names[CC_FIELD_NTYPES] = {
    "choice", "multiple", "text", "email", "consent", "textarea", "number",
    "scale", "matrix", "ranking"
};

#define CC_COMMON  "name", "type", "required", "label", "hint", "link", \
                   "visible_if"

static const char *cc_props_choice[] = {
    CC_COMMON, "options", "other", "select", NULL
};
static const char *cc_props_multiple[] = {
    CC_COMMON, "options", "other", "min", "max", NULL
};
static const char *cc_props_text[] = {
    CC_COMMON, "max_length", "autocomplete", NULL
};
static const char *cc_props_email[] = {
    CC_COMMON, "autocomplete", NULL
};
static const char *cc_props_consent[] = {
    CC_COMMON, NULL
};
static const char *cc_props_textarea[] = {
    CC_COMMON, "max_length", "rows", NULL
};
static const char *cc_props_number[] = {
    CC_COMMON, "min", "max", "unit", NULL
};
static const char *cc_props_scale[] = {
    CC_COMMON, "points", "labels", "dont_know", NULL
};
static const char *cc_props_matrix[] = {
    CC_COMMON, "rows", "points", "labels", "dont_know", NULL
};
static const char *cc_props_ranking[] = {
    CC_COMMON, "options", "min", "max", NULL
};

static const char **cc_props[CC_FIELD_NTYPES] = {
    cc_props_choice, cc_props_multiple, cc_props_text, cc_props_email,
    cc_props_consent, cc_props_textarea, cc_props_number, cc_props_scale,
    cc_props_matrix, cc_props_ranking
};

/* the tokens of the HTML autocomplete attribute a questionnaire may use */
static const char *cc_autocomplete[] = {
    "off", "name", "given-name", "family-name", "honorific-prefix",
    "organization", "organization-title", "email", "tel", "postal-code",
    "address-level1", "address-level2", "country-name", NULL
};


int
cc_ferr(cc_fload_t *fl, const char *fmt, ...)
{
    int      n;
    va_list  args;

    if (fl->errlen == 0) {
        return -1;
    }

    n = snprintf(fl->err, fl->errlen, "field \"%s\": ", fl->f->name);

    if (n >= 0 && (size_t) n < fl->errlen) {
        va_start(args, fmt);
        vsnprintf(fl->err + n, fl->errlen - (size_t) n, fmt, args);
        va_end(args);
    }

    return -1;
}


const char *
cc_field_type_name(cc_field_type_e type)
{
    return (unsigned) type < CC_FIELD_NTYPES ? cc_type_names[type] : "?";
}


static int
cc_in_list(const char *s, const char **list)
{
    for ( /* void */ ; *list; list++) {
        if (strcmp(s, *list) == 0) {
            return 1;
        }
    }

    return 0;
}


/* a non-empty string property; absent is 0 (*out NULL) unless required */

int
cc_fstring(cc_fload_t *fl, json_t *obj, const char *prop, int required,
    char **out, const char *what)
{
    json_t  *j;

    j = json_object_get(obj, prop);
    *out = NULL;

    if (j == NULL && !required) {
        return 0;
    }

    if (!json_is_string(j) || json_string_length(j) == 0
        || strlen(json_string_value(j)) != json_string_length(j))
    {
        return cc_ferr(fl, "%s\"%s\" must be a non-empty string", what,
                       prop);
    }

    *out = cc_strdup(json_string_value(j));
    if (*out == NULL) {
        return cc_ferr(fl, "out of memory");
    }

    return 0;
}


int
cc_fcount(cc_fload_t *fl, json_t *obj, const char *prop, long long lo,
    long long hi, long long dflt, long long *out)
{
    long long  v;
    json_t    *j;

    j = json_object_get(obj, prop);

    if (j == NULL) {
        if (dflt == LLONG_MIN) {
            return cc_ferr(fl, "\"%s\" is missing", prop);
        }

        *out = dflt;
        return 0;
    }

    if (!json_is_integer(j)) {
        return cc_ferr(fl, "\"%s\" must be an integer", prop);
    }

    v = json_integer_value(j);

    if (v < lo || v > hi) {
        return cc_ferr(fl, "\"%s\" (%lld) must be between %lld and %lld",
                       prop, v, lo, hi);
    }

    *out = v;
    return 0;
}


int
cc_fsize(cc_fload_t *fl, json_t *obj, const char *prop, long long lo,
    long long hi, long long dflt, size_t *out)
{
    long long  v = 0;

    if (cc_fcount(fl, obj, prop, lo, hi, dflt, &v) != 0) {
        return -1;
    }

    *out = (size_t) v;
    return 0;
}


/* options (or a matrix's rows): {value, label}, values distinct */

static int
cc_foptions(cc_fload_t *fl, const char *prop, size_t extra,
    cc_option_t **out, size_t *n)
{
    size_t       i, j, limit;
    json_t      *list, *opt, *value, *label;
    const char  *key, *what;

    what = strcmp(prop, "rows") == 0 ? "row" : "option";
    limit = strcmp(prop, "rows") == 0 ? CC_MAX_ROWS : CC_MAX_OPTIONS;
    list = json_object_get(fl->jf, prop);

    if (list == NULL) {
        return cc_ferr(fl, "\"%s\" is missing", prop);
    }

    if (!json_is_array(list) || json_array_size(list) == 0) {
        return cc_ferr(fl, "\"%s\" must be a non-empty array", prop);
    }

    if (json_array_size(list) > limit) {
        return cc_ferr(fl, "\"%s\": more than %zu", prop, limit);
    }

    *out = calloc(json_array_size(list) + extra, sizeof(cc_option_t));
    if (*out == NULL) {
        return cc_ferr(fl, "out of memory");
    }

    *n = 0;

    json_array_foreach(list, i, opt) {

        if (!json_is_object(opt)) {
            return cc_ferr(fl, "%s #%zu is not an object", what, i + 1);
        }

        json_object_foreach(opt, key, value) {
            if (strcmp(key, "value") != 0 && strcmp(key, "label") != 0) {
                return cc_ferr(fl, "%s #%zu: unknown property \"%s\"",
                               what, i + 1, key);
            }
        }

        value = json_object_get(opt, "value");
        label = json_object_get(opt, "label");

        if (!json_is_string(value) || json_string_length(value) == 0
            || strlen(json_string_value(value)) != json_string_length(value))
        {
            return cc_ferr(fl, "%s #%zu: \"value\" must be a non-empty "
                           "string", what, i + 1);
        }

        if (!json_is_string(label) || json_string_length(label) == 0) {
            return cc_ferr(fl, "%s \"%s\": \"label\" must be a non-empty "
                           "string", what, json_string_value(value));
        }

        for (j = 0; j < i; j++) {
            if (strcmp((*out)[j].value, json_string_value(value)) == 0) {
                return cc_ferr(fl, "duplicate %s value \"%s\"", what,
                               json_string_value(value));
            }
        }

        (*out)[i].value = cc_strdup(json_string_value(value));
        (*out)[i].label = cc_strdup(json_string_value(label));
        *n = i + 1;

        if ((*out)[i].value == NULL || (*out)[i].label == NULL) {
            return cc_ferr(fl, "out of memory");
        }

        (*out)[i].value_len = strlen((*out)[i].value);
    }

    return 0;
}


/* min and max answers of a multiple choice or a ranking */

static int
cc_fminmax(cc_fload_t *fl)
{
    long long    v;
    cc_field_t  *f;

    f = fl->f;

    if (cc_fcount(fl, fl->jf, "min", 0, (long long) f->noptions, 0, &v)
        != 0)
    {
        return -1;
    }

    f->min = (size_t) v;

    v = json_integer_value(json_object_get(fl->jf, "max"));

    if (json_is_integer(json_object_get(fl->jf, "max"))
        && v > (long long) f->noptions)
    {
        return cc_ferr(fl, "\"max\" (%lld) greater than the number of "
                       "options (%zu)", v, f->noptions);
    }

    if (cc_fcount(fl, fl->jf, "max", 1, (long long) f->noptions,
                  (long long) f->noptions, &v)
        != 0)
    {
        return -1;
    }

    f->max = (size_t) v;

    if (f->min > f->max) {
        return cc_ferr(fl, "\"min\" (%zu) greater than \"max\" (%zu)",
                       f->min, f->max);
    }

    return 0;
}


static int
cc_ftype(cc_fload_t *fl)
{
    long long    v;
    json_t      *j;
    cc_field_t  *f;

    f = fl->f;

    switch (f->type) {

    case CC_FIELD_CHOICE:
    case CC_FIELD_MULTIPLE:
        if (cc_foptions(fl, "options", 1, &f->options, &f->noptions) != 0
            || cc_fother(fl) != 0)
        {
            return -1;
        }

        if (f->type == CC_FIELD_MULTIPLE) {
            return cc_fminmax(fl);
        }

        j = json_object_get(fl->jf, "select");

        if (j != NULL && !json_is_boolean(j)) {
            return cc_ferr(fl, "\"select\" must be true or false");
        }

        f->select = j ? json_is_true(j) : f->noptions >= CC_SELECT_FROM;

        if (f->select && f->other) {
            /* a list box cannot open a text beside one of its options */
            return cc_ferr(fl, "\"select\" and \"other\" cannot go "
                           "together");
        }

        return 0;

    case CC_FIELD_RANKING:
        if (cc_foptions(fl, "options", 0, &f->options, &f->noptions) != 0) {
            return -1;
        }

        if (f->noptions > 255) {
            return cc_ferr(fl, "a ranking has at most 255 options");
        }

        return cc_fminmax(fl);

    case CC_FIELD_TEXT:
    case CC_FIELD_TEXTAREA:
        if (cc_fsize(fl, fl->jf, "max_length", 1, CC_MAX_LENGTH_LIMIT,
                     LLONG_MIN, &f->max_length)
            != 0)
        {
            return -1;
        }

        return cc_fsize(fl, fl->jf, "rows", 2, 30, 8, &f->rows_hint);

    case CC_FIELD_NUMBER:
        if (cc_fcount(fl, fl->jf, "min", -CC_NUMBER_LIMIT, CC_NUMBER_LIMIT,
                      0, &f->nmin) != 0
            || cc_fcount(fl, fl->jf, "max", -CC_NUMBER_LIMIT,
                         CC_NUMBER_LIMIT, LLONG_MIN, &f->nmax) != 0)
        {
            return -1;
        }

        if (f->nmin > f->nmax) {
            return cc_ferr(fl, "\"min\" (%lld) greater than \"max\" (%lld)",
                           f->nmin, f->nmax);
        }

        return cc_fstring(fl, fl->jf, "unit", 0, &f->unit, "");

    case CC_FIELD_SCALE:
        return cc_fscale(fl);

    case CC_FIELD_MATRIX:
        if (cc_foptions(fl, "rows", 0, &f->rows, &f->nrows) != 0
            || cc_frow_values(fl) != 0)
        {
            return -1;
        }

        return cc_fscale(fl);

    default:
        (void) v;
        return 0;
    }
}


int
cc_field_load(cc_field_t *f, const cc_schema_t *schema, size_t idx,
    json_t *jf, char *err, size_t errlen)
{
    int          req;
    size_t       i;
    json_t      *j, *value;
    const char  *key;
    cc_fload_t   fl;

    fl.f = f;
    fl.jf = jf;
    fl.err = err;
    fl.errlen = errlen;

    j = json_object_get(jf, "type");

    if (j == NULL) {
        return cc_ferr(&fl, "\"type\" is missing");
    }

    if (!json_is_string(j)) {
        return cc_ferr(&fl, "\"type\" must be a string");
    }

    for (i = 0; i < CC_FIELD_NTYPES; i++) {
        if (strcmp(json_string_value(j), cc_type_names[i]) == 0) {
            break;
        }
    }

    if (i == CC_FIELD_NTYPES) {
        return cc_ferr(&fl, "unknown type \"%s\" (expected choice, "
                       "multiple, text, textarea, email, consent, number, "
                       "scale, matrix or ranking)", json_string_value(j));
    }

    f->type = (cc_field_type_e) i;

    json_object_foreach(jf, key, value) {
        if (cc_in_list(key, cc_props[f->type])) {
            continue;
        }

        for (i = 0; i < CC_FIELD_NTYPES; i++) {
            if (cc_in_list(key, cc_props[i])) {
                return cc_ferr(&fl, "property \"%s\" is not allowed for "
                               "type \"%s\"", key, cc_type_names[f->type]);
            }
        }

        return cc_ferr(&fl, "unknown property \"%s\"", key);
    }

    j = json_object_get(jf, "label");

    if (!json_is_string(j) || json_string_length(j) == 0) {
        return cc_ferr(&fl, "\"label\" must be a non-empty string");
    }

    f->label = cc_strdup(json_string_value(j));
    if (f->label == NULL) {
        return cc_ferr(&fl, "out of memory");
    }

    if (cc_fstring(&fl, jf, "hint", 0, &f->hint, "") != 0
        || cc_flink(&fl) != 0)
    {
        return -1;
    }

    j = json_object_get(jf, "required");

    if (j != NULL && !json_is_boolean(j)) {
        return cc_ferr(&fl, "\"required\" must be true or false");
    }

    req = json_is_true(j);
    f->required = req;

    j = json_object_get(jf, "autocomplete");

    if (j != NULL) {
        if (!json_is_string(j)
            || !cc_in_list(json_string_value(j), cc_autocomplete))
        {
            return cc_ferr(&fl, "\"autocomplete\" must be one of off, name, "
                           "given-name, family-name, honorific-prefix, "
                           "organization, organization-title, email, tel, "
                           "postal-code, address-level1, address-level2, "
                           "country-name");
        }

        f->autocomplete = cc_strdup(json_string_value(j));

    } else if (f->type == CC_FIELD_EMAIL) {
        f->autocomplete = cc_strdup("email");
    }

    if (cc_ftype(&fl) != 0) {
        return -1;
    }

    if (f->type == CC_FIELD_RANKING && req && f->min == 0) {
        f->min = 1;
    }

    j = json_object_get(jf, "visible_if");

    if (j != NULL) {
        if (cc_cond_load(&f->cond, schema, idx, j, err, errlen) != 0) {
            char  tmp[512];

            snprintf(tmp, sizeof(tmp), "%s", err);
            snprintf(err, errlen, "field \"%s\": \"visible_if\": %s",
                     f->name, tmp);
            return -1;
        }
    }

    return 0;
}


static void
cc_options_free(cc_option_t *o, size_t n)
{
    size_t  i;

    for (i = 0; o && i < n; i++) {
        free(o[i].value);
        free(o[i].label);
    }

    free(o);
}


void
cc_field_free(cc_field_t *f)
{
    size_t  i;

    cc_options_free(f->options, f->noptions);
    cc_options_free(f->rows, f->nrows);

    for (i = 0; i < f->npoint_labels; i++) {
        free(f->point_labels[i]);
    }

    free(f->point_labels);
    cc_cond_free(f->cond);
    free(f->name);
    free(f->label);
    free(f->hint);
    free(f->link_href);
    free(f->link_text);
    free(f->other_label);
    free(f->autocomplete);
    free(f->unit);
    free(f->dont_know);
}
