/*
 * The flat input the body readers fill (cc_input.h), and what was
 * submitted as the readers met it, to show a refused form again.
 */

#include <stdlib.h>
#include <string.h>

#include "cc_input.h"

#define CC_ITEMS_INLINE     32      /* list items before growing */


void *(*cc_malloc)(size_t size) = malloc;


int
cc_input_init(cc_input_t *in, const cc_schema_t *schema, size_t len)
{
    char              *p;
    size_t             i, nopts, size;
    const cc_slot_t   *sl;

    nopts = schema->noptions;

    /* structures first, for their alignment; bytes last */

    size = schema->nslots * sizeof(cc_in_field_t)
           + CC_ITEMS_INLINE * sizeof(cc_in_item_t) + nopts + len + 1;

    p = cc_malloc(size);
    if (p == NULL) {
        return -1;
    }

    memset(p, 0, schema->nslots * sizeof(cc_in_field_t));

    in->fields = (cc_in_field_t *) p;
    p += schema->nslots * sizeof(cc_in_field_t);

    in->items = (cc_in_item_t *) p;
    in->nitems = 0;
    in->items_cap = CC_ITEMS_INLINE;
    in->items_owned = 0;
    p += CC_ITEMS_INLINE * sizeof(cc_in_item_t);

    in->seen = (unsigned char *) p;
    p += nopts;

    in->scratch = p;
    in->nunknown = 0;
    in->reserved = NULL;
    in->marks = NULL;
    in->nmarks = 0;
    in->marks_cap = 0;
    in->marking = 0;
    in->marks_nomem = 0;

    for (i = 0, nopts = 0; i < schema->nslots; i++) {
        sl = &schema->slots[i];

        if (sl->kind == CC_SLOT_VALUE) {
            in->fields[i].seen = in->seen + nopts;
            nopts += schema->fields[sl->field].noptions;
        }
    }

    return 0;
}


void
cc_input_free(cc_input_t *in)
{
    if (in->items_owned) {
        free(in->items);
    }

    free(in->marks);
    free(in->fields);
}


int
cc_input_field(const cc_schema_t *schema, const char *s, size_t len)
{
    const cc_slot_t  *sl;

    sl = cc_schema_slot(schema, s, len);

    return sl ? (int) (sl - schema->slots) : -1;
}


int
cc_input_add_item(cc_input_t *in, size_t i, const char *s, size_t len)
{
    size_t          n;
    cc_in_item_t   *items;
    cc_in_field_t  *f;

    if (in->nitems == in->items_cap) {
        items = cc_malloc(2 * in->items_cap * sizeof(cc_in_item_t));
        if (items == NULL) {
            return -1;
        }

        memcpy(items, in->items, in->nitems * sizeof(cc_in_item_t));

        if (in->items_owned) {
            free(in->items);
        }

        in->items = items;
        in->items_cap *= 2;
        in->items_owned = 1;
    }

    n = in->nitems++;
    in->items[n].str.s = s;
    in->items[n].str.len = len;
    in->items[n].next = CC_IN_END;

    f = &in->fields[i];

    if (f->first == CC_IN_END) {
        f->first = n;

    } else {
        in->items[f->last].next = n;
    }

    f->last = n;

    return 0;
}


void
cc_input_add_unknown(cc_input_t *in, const char *s, size_t len)
{
    if (in->nunknown < CC_MAX_UNKNOWN) {
        in->unknown[in->nunknown].s = s;
        in->unknown[in->nunknown].len = len;
        in->nunknown++;
    }
}


/*
 * What was submitted, noted while reading when in->marking is set: the
 * names and values met, in order, so that a refused form can be shown
 * again without the body being read twice.
 */

void
cc_input_mark(cc_input_t *in, cc_mark_e kind, const char *s, size_t len)
{
    cc_mark_t  *m;
    size_t      cap;

    if (in->marks_nomem) {
        return;
    }

    if (in->nmarks == in->marks_cap) {
        cap = in->marks_cap ? 2 * in->marks_cap : 32;

        m = cc_malloc(cap * sizeof(cc_mark_t));
        if (m == NULL) {
            in->marks_nomem = 1;
            return;
        }

        if (in->marks) {
            memcpy(m, in->marks, in->nmarks * sizeof(cc_mark_t));
            free(in->marks);
        }

        in->marks = m;
        in->marks_cap = cap;
    }

    m = &in->marks[in->nmarks++];
    m->kind = kind;
    m->str.s = s;
    m->str.len = len;
}


/* submitted[name]: a string, an array from the second occurrence on */

static int
cc_submitted_add(json_t *sub, const char *name, json_t *value, int always)
{
    json_t  *old, *arr;

    old = json_object_get(sub, name);

    if (old == NULL && !always) {
        return json_object_set(sub, name, value);
    }

    if (json_is_array(old)) {
        return json_array_append(old, value);
    }

    arr = json_array();
    if (arr == NULL) {
        return -1;
    }

    if ((old && json_array_append(arr, old) != 0)
        || json_array_append(arr, value) != 0)
    {
        json_decref(arr);
        return -1;
    }

    return json_object_set_new(sub, name, arr);
}


/*
 * The marks as the form will show them: an object of strings, and arrays
 * of strings for the lists; in a form, a name met twice, or a field of
 * several answers, gives an array.  NULL on no memory.
 */

json_t *
cc_input_submitted(const cc_schema_t *schema, const cc_input_t *in, int form)
{
    int                always;
    char              *name;
    size_t             i;
    json_t            *sub, *v, *list;
    const cc_mark_t   *m;
    const cc_slot_t   *sl;

    if (in->marks_nomem) {
        return NULL;
    }

    sub = json_object();
    if (sub == NULL) {
        return NULL;
    }

    name = NULL;
    list = NULL;

    for (i = 0; i < in->nmarks; i++) {
        m = &in->marks[i];

        if (m->kind == CC_MARK_NAME) {
            free(name);
            name = malloc(m->str.len + 1);
            if (name == NULL) {
                goto nomem;
            }

            memcpy(name, m->str.s, m->str.len);
            name[m->str.len] = '\0';
            list = NULL;
            continue;
        }

        if (name == NULL) {
            continue;
        }

        if (m->kind == CC_MARK_LIST) {
            list = json_array();
            if (list == NULL || json_object_set_new(sub, name, list) != 0) {
                goto nomem;
            }

            continue;
        }

        v = json_stringn(m->str.s, m->str.len);
        if (v == NULL) {
            goto nomem;
        }

        if (m->kind == CC_MARK_ITEM) {
            if (list == NULL || json_array_append_new(list, v) != 0) {
                json_decref(v);
                goto nomem;
            }

            continue;
        }

        sl = form ? cc_schema_slot(schema, name, strlen(name)) : NULL;
        always = sl && sl->list;

        if ((form ? cc_submitted_add(sub, name, v, always)
                  : json_object_set(sub, name, v))
            != 0)
        {
            json_decref(v);
            goto nomem;
        }

        json_decref(v);
    }

    free(name);

    return sub;

nomem:

    free(name);
    json_decref(sub);

    return NULL;
}
