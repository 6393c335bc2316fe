/*
 * The names a questionnaire is answered under (its slots: "profil",
 * "profil.autre", "accord.gouvernance"), and the columns an export writes
 * (the slots, a ranking spread over one column per rank: "priorites.1"),
 * both worked out once, when the definition is loaded.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_schema_int.h"


static char *
cc_name_join(const char *a, const char *sep, const char *b)
{
    char    *s;
    size_t   n;

    n = strlen(a) + strlen(sep) + strlen(b) + 1;

    s = malloc(n);
    if (s != NULL) {
        snprintf(s, n, "%s%s%s", a, sep, b);
    }

    return s;
}


static int
cc_columns_build(cc_schema_t *schema)
{
    char               num[24];
    size_t             i, r, n;
    cc_column_t       *c;
    const cc_field_t  *f;
    const cc_slot_t   *sl;

    n = 0;

    for (i = 0; i < schema->nslots; i++) {
        f = &schema->fields[schema->slots[i].field];
        n += (f->type == CC_FIELD_RANKING
              && schema->slots[i].kind == CC_SLOT_VALUE) ? f->max : 1;
    }

    schema->columns = calloc(n, sizeof(cc_column_t));
    if (schema->columns == NULL) {
        return -1;
    }

    for (i = 0; i < schema->nslots; i++) {
        sl = &schema->slots[i];
        f = &schema->fields[sl->field];

        if (f->type != CC_FIELD_RANKING) {
            c = &schema->columns[schema->ncolumns++];
            c->slot = i;
            c->name = cc_name_join(sl->name, "", "");

            if (c->name == NULL) {
                return -1;
            }

            continue;
        }

        for (r = 1; r <= f->max; r++) {
            c = &schema->columns[schema->ncolumns++];
            c->slot = i;
            c->rank = r;
            snprintf(num, sizeof(num), "%zu", r);
            c->name = cc_name_join(sl->name, ".", num);

            if (c->name == NULL) {
                return -1;
            }
        }
    }

    return 0;
}


/* the names each field is answered under (cc_schema_int.h) */

static int
cc_slot_add(cc_schema_t *schema, size_t fi, cc_slot_kind_e kind, size_t row,
    const char *suffix)
{
    size_t       n;
    cc_slot_t   *sl;
    cc_field_t  *f;

    f = &schema->fields[fi];
    sl = &schema->slots[schema->nslots];

    n = f->name_len + (suffix ? 1 + strlen(suffix) : 0);

    sl->name = malloc(n + 1);
    if (sl->name == NULL) {
        return -1;
    }

    memcpy(sl->name, f->name, f->name_len);

    if (suffix) {
        sl->name[f->name_len] = '.';
        memcpy(sl->name + f->name_len + 1, suffix, strlen(suffix));
    }

    sl->name[n] = '\0';
    sl->name_len = n;
    sl->field = fi;
    sl->kind = (unsigned char) kind;
    sl->row = row;
    sl->list = kind == CC_SLOT_VALUE && (f->type == CC_FIELD_MULTIPLE
                                         || f->type == CC_FIELD_RANKING);
    sl->consent = f->type == CC_FIELD_CONSENT;

    if (f->nslots++ == 0) {
        f->slot = schema->nslots;
    }

    schema->nslots++;

    return 0;
}


int
cc_schema_slots_build(cc_schema_t *schema, char *err, size_t errlen)
{
    size_t       i, k, n;
    cc_field_t  *f;

    n = 0;

    for (i = 0; i < schema->nfields; i++) {
        f = &schema->fields[i];
        n += f->type == CC_FIELD_MATRIX ? f->nrows : 1 + (f->other != 0);
        schema->noptions += f->noptions;
    }

    schema->slots = calloc(n, sizeof(cc_slot_t));
    if (schema->slots == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    for (i = 0; i < schema->nfields; i++) {
        f = &schema->fields[i];

        if (f->type == CC_FIELD_MATRIX) {
            for (k = 0; k < f->nrows; k++) {
                if (cc_slot_add(schema, i, CC_SLOT_ROW, k, f->rows[k].value)
                    != 0)
                {
                    goto nomem;
                }
            }

            continue;
        }

        if (cc_slot_add(schema, i, CC_SLOT_VALUE, 0, NULL) != 0
            || (f->other
                && cc_slot_add(schema, i, CC_SLOT_OTHER, 0,
                               CC_OTHER_NAME) != 0))
        {
            goto nomem;
        }
    }

    /* "a.b" is a slot of "a": no field may be named so, but a row may */

    for (i = 0; i < schema->nslots; i++) {
        for (k = 0; k < i; k++) {
            if (strcmp(schema->slots[i].name, schema->slots[k].name) == 0) {
                snprintf(err, errlen, "the name \"%s\" is used twice",
                         schema->slots[i].name);
                return -1;
            }
        }
    }

    return cc_columns_build(schema) == 0 ? 0
                                         : (snprintf(err, errlen,
                                                     "out of memory"), -1);

nomem:

    snprintf(err, errlen, "out of memory");

    return -1;
}
