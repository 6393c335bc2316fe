/*
 * visible_if: the conditions that make a question or a section apply,
 * read at configuration time.  A condition may only test an earlier
 * question that has options (a choice, a multiple choice, a ranking), so
 * that the answers are checked in one pass, in order, and no cycle can
 * exist: a condition on the field itself, a later one or an unknown one is
 * refused, naming it.
 *
 *   {"field": "profil", "in": ["acteur_ess", "reseau"]}
 *   {"all": [cond, ...]}    {"any": [cond, ...]}
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_schema_int.h"

#define CC_COND_MAX_DEPTH  4
#define CC_COND_MAX_SUBS   16


static int
cc_cond_read(cc_cond_t *c, const cc_schema_t *schema, size_t before,
    json_t *j, int depth, char *err, size_t errlen)
{
    size_t             i, k, n;
    json_t            *v, *sub;
    const char        *key, *name, *op;
    const cc_field_t  *f;
    const cc_option_t *o;

    if (!json_is_object(j)) {
        snprintf(err, errlen, "a condition must be an object: {\"field\", "
                 "\"in\"}, {\"all\": [...]} or {\"any\": [...]}");
        return -1;
    }

    op = NULL;

    json_object_foreach(j, key, v) {
        if (strcmp(key, "all") == 0 || strcmp(key, "any") == 0) {
            op = key;

        } else if (strcmp(key, "field") != 0 && strcmp(key, "in") != 0) {
            snprintf(err, errlen, "unknown property \"%s\" (expected "
                     "\"field\" and \"in\", \"all\" or \"any\")", key);
            return -1;
        }
    }

    if (op != NULL) {
        if (json_object_size(j) != 1) {
            snprintf(err, errlen, "\"%s\" stands alone in its object", op);
            return -1;
        }

        v = json_object_get(j, op);
        n = json_array_size(v);

        if (!json_is_array(v) || n == 0 || n > CC_COND_MAX_SUBS) {
            snprintf(err, errlen, "\"%s\" must be an array of 1 to %d "
                     "conditions", op, CC_COND_MAX_SUBS);
            return -1;
        }

        if (depth >= CC_COND_MAX_DEPTH) {
            snprintf(err, errlen, "conditions nested deeper than %d",
                     CC_COND_MAX_DEPTH);
            return -1;
        }

        c->op = op[1] == 'l' ? CC_COND_ALL : CC_COND_ANY;
        c->subs = calloc(n, sizeof(cc_cond_t));
        if (c->subs == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }

        json_array_foreach(v, i, sub) {
            c->nsubs = i + 1;

            if (cc_cond_read(&c->subs[i], schema, before, sub, depth + 1,
                             err, errlen)
                != 0)
            {
                return -1;
            }
        }

        return 0;
    }

    v = json_object_get(j, "field");

    if (!json_is_string(v)) {
        snprintf(err, errlen, "\"field\" must name an earlier question");
        return -1;
    }

    name = json_string_value(v);

    for (i = 0; i < schema->nfields; i++) {
        if (schema->fields[i].name != NULL
            && strcmp(schema->fields[i].name, name) == 0)
        {
            break;
        }
    }

    if (i == schema->nfields) {
        snprintf(err, errlen, "\"field\": there is no question \"%s\"",
                 name);
        return -1;
    }

    if (i >= before) {
        snprintf(err, errlen, i == before
                 ? "\"field\": \"%s\" is the question itself (a cycle)"
                 : "\"field\": \"%s\" comes later; a condition may only "
                   "depend on an earlier question", name);
        return -1;
    }

    f = &schema->fields[i];

    if (f->type != CC_FIELD_CHOICE && f->type != CC_FIELD_MULTIPLE
        && f->type != CC_FIELD_RANKING)
    {
        snprintf(err, errlen, "\"field\": \"%s\" is a %s; a condition tests "
                 "a choice, a multiple choice or a ranking", name,
                 cc_field_type_name(f->type));
        return -1;
    }

    c->op = CC_COND_IN;
    c->field = i;

    v = json_object_get(j, "in");

    if (!json_is_array(v) || json_array_size(v) == 0) {
        snprintf(err, errlen, "\"in\" must be a non-empty array of options "
                 "of \"%s\"", name);
        return -1;
    }

    c->in = calloc(f->noptions, 1);
    if (c->in == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    json_array_foreach(v, k, sub) {
        o = json_is_string(sub)
            ? cc_field_option(f, json_string_value(sub),
                              json_string_length(sub))
            : NULL;

        if (o == NULL) {
            snprintf(err, errlen, "\"in\": \"%s\" is not an option of "
                     "\"%s\"", json_is_string(sub) ? json_string_value(sub)
                                                   : "?", name);
            return -1;
        }

        c->in[o - f->options] = 1;
    }

    return 0;
}


/* the condition as compact JSON, for the page's script: field names */

static json_t *
cc_cond_to_json(const cc_schema_t *schema, const cc_cond_t *c)
{
    size_t             k;
    json_t            *j, *list;
    const cc_field_t  *f;

    j = json_object();
    list = json_array();

    if (j == NULL || list == NULL) {
        json_decref(j);
        json_decref(list);
        return NULL;
    }

    if (c->op == CC_COND_IN) {
        f = &schema->fields[c->field];

        for (k = 0; k < f->noptions; k++) {
            if (c->in[k]
                && json_array_append_new(list,
                                         json_string(f->options[k].value))
                   != 0)
            {
                goto failed;
            }
        }

        if (json_object_set_new(j, "field", json_string(f->name)) != 0
            || json_object_set_new(j, "in", list) != 0)
        {
            json_decref(j);
            return NULL;
        }

        return j;
    }

    for (k = 0; k < c->nsubs; k++) {
        if (json_array_append_new(list, cc_cond_to_json(schema, &c->subs[k]))
            != 0)
        {
            goto failed;
        }
    }

    if (json_object_set_new(j, c->op == CC_COND_ALL ? "all" : "any", list)
        != 0)
    {
        json_decref(j);
        return NULL;
    }

    return j;

failed:

    json_decref(list);
    json_decref(j);

    return NULL;
}


int
cc_cond_load(cc_cond_t **cond, const cc_schema_t *schema, size_t before,
    json_t *j, char *err, size_t errlen)
{
    char     tmp[256];
    json_t  *o;

    *cond = calloc(1, sizeof(cc_cond_t));
    if (*cond == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    tmp[0] = '\0';

    if (cc_cond_read(*cond, schema, before, j, 0, tmp, sizeof(tmp)) != 0) {
        snprintf(err, errlen, "%s", tmp);
        return -1;
    }

    o = cc_cond_to_json(schema, *cond);
    (*cond)->json = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER)
                      : NULL;
    json_decref(o);

    if ((*cond)->json == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    return 0;
}


static void
cc_cond_clear(cc_cond_t *c)
{
    size_t  i;

    for (i = 0; i < c->nsubs; i++) {
        cc_cond_clear(&c->subs[i]);
    }

    free(c->subs);
    free(c->in);
}


void
cc_cond_free(cc_cond_t *cond)
{
    if (cond != NULL) {
        cc_cond_clear(cond);
        free(cond->json);
        free(cond);
    }
}
