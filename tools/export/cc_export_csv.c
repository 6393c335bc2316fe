/*
 * CSV and JSON Lines for the back-office export: one stored answer, one
 * row or line.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cc_export.h"
#include "cc_schema_int.h"


void
cc_xbuf_init(cc_xbuf_t *b)
{
    b->data = NULL;
    b->len = 0;
    b->size = 0;
    b->nomem = 0;
}


void
cc_xbuf_free(cc_xbuf_t *b)
{
    free(b->data);
    cc_xbuf_init(b);
}


int
cc_xbuf_add(cc_xbuf_t *b, const char *s, size_t len)
{
    char    *p;
    size_t   size;

    if (b->nomem) {
        return -1;
    }

    if (b->len + len + 1 > b->size) {
        size = b->size ? b->size : 256;

        while (size < b->len + len + 1) {
            size *= 2;
        }

        p = realloc(b->data, size);
        if (p == NULL) {
            b->nomem = 1;
            return -1;
        }

        b->data = p;
        b->size = size;
    }

    if (len) {
        memcpy(b->data + b->len, s, len);
    }

    b->len += len;
    b->data[b->len] = '\0';

    return 0;
}


int
cc_xbuf_str(cc_xbuf_t *b, const char *s)
{
    return cc_xbuf_add(b, s, strlen(s));
}


int
cc_export_csv_cell(cc_xbuf_t *b, const char *s, size_t len, char sep)
{
    int          quote;
    size_t       i, from;
    const char  *q;

    quote = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == sep || s[i] == '"' || s[i] == '\r' || s[i] == '\n') {
            quote = 1;
            break;
        }
    }

    if (quote && cc_xbuf_add(b, "\"", 1) != 0) {
        return -1;
    }

    /* OWASP "CSV injection": the cell is text, never a formula */
    if (len && strchr("=+-@\t\r", s[0]) != NULL
        && cc_xbuf_add(b, "'", 1) != 0)
    {
        return -1;
    }

    if (!quote) {
        return cc_xbuf_add(b, s, len);
    }

    from = 0;

    while ((q = memchr(s + from, '"', len - from)) != NULL) {
        i = (size_t) (q - s) + 1;

        if (cc_xbuf_add(b, s + from, i - from) != 0
            || cc_xbuf_add(b, "\"", 1) != 0)
        {
            return -1;
        }

        from = i;
    }

    if (cc_xbuf_add(b, s + from, len - from) != 0) {
        return -1;
    }

    return cc_xbuf_add(b, "\"", 1);
}


int
cc_export_schema_check(const cc_schema_t *schema, char *err, size_t errlen)
{
    size_t              i, k;
    const cc_field_t   *f;
    const cc_option_t  *o;

    for (i = 0; i < schema->nfields; i++) {
        f = &schema->fields[i];

        if (f->type != CC_FIELD_MULTIPLE) {
            continue;       /* the one type whose answers share a cell */
        }

        for (k = 0; k < f->noptions; k++) {
            o = &f->options[k];

            if (strstr(o->value, CC_EXPORT_JOINER) != NULL
                || strstr(o->label, CC_EXPORT_JOINER) != NULL)
            {
                snprintf(err, errlen, "champ « %s » : l'option « %s » "
                         "contient le séparateur \"" CC_EXPORT_JOINER
                         "\" des choix multiples", f->name, o->value);
                return -1;
            }
        }
    }

    return 0;
}


int
cc_export_csv_header(cc_xbuf_t *b, const cc_schema_t *schema,
    const char *const *head, size_t nhead, const char *const *tail,
    size_t ntail, char sep)
{
    size_t       i, n;
    const char  *name;

    n = 0;

    for (i = 0; i < nhead + schema->ncolumns + ntail; i++) {
        if (i < nhead) {
            name = head[i];

        } else if (i < nhead + schema->ncolumns) {
            name = schema->columns[i - nhead].name;

        } else {
            name = tail[i - nhead - schema->ncolumns];
        }

        if ((n++ && cc_xbuf_add(b, &sep, 1) != 0)
            || cc_export_csv_cell(b, name, strlen(name), sep) != 0)
        {
            return -1;
        }
    }

    return cc_xbuf_add(b, "\r\n", 2);
}


/* one option value as the analysts read it */

static int
cc_export_choice(cc_xbuf_t *b, const cc_field_t *f, json_t *v,
    unsigned flags)
{
    const char         *s;
    const cc_option_t  *o;

    if (!json_is_string(v)) {
        return 0;
    }

    s = json_string_value(v);

    if (!(flags & CC_EXPORT_RAW_VALUES)) {
        o = cc_field_option(f, s, json_string_length(v));
        if (o != NULL) {
            s = o->label;
        }
    }

    return cc_xbuf_str(b, s);
}


/* the cell's text (unescaped) into cell */

static int
cc_export_value(cc_xbuf_t *cell, const cc_field_t *f, json_t *v,
    unsigned flags)
{
    char    *dump;
    size_t   i;
    int      rc;
    json_t  *e;

    if (v == NULL || json_is_null(v)) {
        return 0;
    }

    if (json_is_true(v)) {
        return cc_xbuf_str(cell, "oui");
    }

    if (json_is_false(v)) {
        return cc_xbuf_str(cell, "non");
    }

    if (json_is_string(v)) {
        if (f->type == CC_FIELD_CHOICE || f->type == CC_FIELD_MULTIPLE
            || f->type == CC_FIELD_RANKING)
        {
            return cc_export_choice(cell, f, v, flags);
        }

        /* a scale's "don't know" */
        if ((f->type == CC_FIELD_SCALE || f->type == CC_FIELD_MATRIX)
            && f->dont_know && !(flags & CC_EXPORT_RAW_VALUES)
            && strcmp(json_string_value(v), CC_DONT_KNOW) == 0)
        {
            return cc_xbuf_str(cell, f->dont_know);
        }

        return cc_xbuf_add(cell, json_string_value(v),
                           json_string_length(v));
    }

    if (json_is_integer(v)) {
        char  num[24];

        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
        return cc_xbuf_str(cell, num);
    }

    if (json_is_array(v)) {
        json_array_foreach(v, i, e) {
            if (i && cc_xbuf_str(cell, CC_EXPORT_JOINER) != 0) {
                return -1;
            }

            if (json_is_string(e)) {
                rc = cc_export_choice(cell, f, e, flags);

            } else {
                rc = cc_export_value(cell, f, e, flags);
            }

            if (rc != 0) {
                return -1;
            }
        }

        return 0;
    }

    /* a real or an object: never written by the module, kept as JSON */
    dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (dump == NULL) {
        return -1;
    }

    rc = cc_xbuf_str(cell, dump);
    free(dump);

    return rc;
}


int
cc_export_csv_row(cc_xbuf_t *b, const cc_schema_t *schema,
    const cc_xstr_t *head, size_t nhead, const char *data, size_t data_len,
    const cc_xstr_t *tail, size_t ntail, char sep, unsigned flags)
{
    int                 bad, rc;
    size_t              i, n;
    json_t             *root, *v;
    cc_xbuf_t           cell;
    const char         *s;
    const cc_slot_t    *sl;
    const cc_column_t  *col;

    bad = 0;
    root = NULL;

    if (data != NULL && data_len) {
        root = json_loadb(data, data_len, JSON_REJECT_DUPLICATES, NULL);

        if (root != NULL && !json_is_object(root)) {
            json_decref(root);
            root = NULL;
        }

        bad = (root == NULL);
    }

    cc_xbuf_init(&cell);
    rc = 0;
    n = 0;

    for (i = 0; rc == 0 && i < nhead + schema->ncolumns + ntail; i++) {
        if (n++ && cc_xbuf_add(b, &sep, 1) != 0) {
            rc = -1;
            break;
        }

        if (i < nhead || i >= nhead + schema->ncolumns) {
            s = (i < nhead) ? head[i].data
                            : tail[i - nhead - schema->ncolumns].data;
            if (s != NULL) {
                rc = cc_export_csv_cell(b, s,
                                        (i < nhead)
                                        ? head[i].len
                                        : tail[i - nhead
                                               - schema->ncolumns].len,
                                        sep);
            }

            continue;
        }

        if (root == NULL) {
            continue;
        }

        col = &schema->columns[i - nhead];
        sl = &schema->slots[col->slot];
        v = json_object_get(root, sl->name);

        /* a ranking: the option at this rank, if there is one */
        if (col->rank > 0) {
            v = json_is_array(v) ? json_array_get(v, col->rank - 1) : NULL;
        }

        cell.len = 0;

        if (cc_export_value(&cell, &schema->fields[sl->field], v, flags)
            != 0)
        {
            rc = -1;
            break;
        }

        rc = cc_export_csv_cell(b, cell.data ? cell.data : "", cell.len,
                                sep);
    }

    cc_xbuf_free(&cell);
    json_decref(root);

    if (rc != 0 || cc_xbuf_add(b, "\r\n", 2) != 0) {
        return -1;
    }

    return bad;
}


static int
cc_export_json_pairs(json_t *obj, const char *const *keys,
    const cc_xstr_t *vals, size_t n)
{
    size_t   i;
    json_t  *v;

    for (i = 0; i < n; i++) {
        if (vals[i].data == NULL) {
            continue;
        }

        /* NULL for bytes that are not UTF-8: never written by the module */
        v = json_stringn(vals[i].data, vals[i].len);

        if (json_object_set_new(obj, keys[i], v ? v : json_null()) != 0) {
            return -1;
        }
    }

    return 0;
}


int
cc_export_jsonl(cc_xbuf_t *b, const char *const *keys, const cc_xstr_t *vals,
    size_t n, const char *data, size_t data_len,
    const char *const *tail_keys, const cc_xstr_t *tail_vals, size_t ntail)
{
    int      bad, rc;
    char    *dump;
    json_t  *obj, *d;

    bad = 0;
    rc = -1;
    dump = NULL;

    obj = json_object();
    if (obj == NULL) {
        return -1;
    }

    if (cc_export_json_pairs(obj, keys, vals, n) != 0) {
        goto done;
    }

    if (data != NULL) {
        d = json_loadb(data, data_len, JSON_REJECT_DUPLICATES, NULL);

        if (d == NULL || !json_is_object(d)) {
            json_decref(d);
            /* kept as it was stored, for a human to look at */
            d = json_stringn(data, data_len);
            d = d ? d : json_null();
            bad = 1;
        }

        if (json_object_set_new(obj, "data", d) != 0) {
            goto done;
        }
    }

    if (cc_export_json_pairs(obj, tail_keys, tail_vals, ntail) != 0) {
        goto done;
    }

    dump = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);

    if (dump != NULL && cc_xbuf_str(b, dump) == 0
        && cc_xbuf_add(b, "\n", 1) == 0)
    {
        rc = bad;
    }

done:

    free(dump);
    json_decref(obj);

    return rc;
}
