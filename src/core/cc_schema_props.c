/*
 * The richer properties of a field, read at configuration time: a grid's
 * rows, the "other" option, a scale's points and labels, a link after the
 * hint.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_schema_load.h"


/* a row's value ends up in a name ("accord.gouvernance"): a name's chars */

int
cc_frow_values(cc_fload_t *fl)
{
    size_t       i;
    const char  *s;

    for (i = 0; i < fl->f->nrows; i++) {
        for (s = fl->f->rows[i].value; *s; s++) {
            if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')
                  || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            {
                return cc_ferr(fl, "row \"%s\": \"value\" must be ASCII "
                               "letters, digits, '_' or '-'",
                               fl->f->rows[i].value);
            }
        }
    }

    return 0;
}


/*
 * "other": true, or {"value", "label", "text_label", "max_length"}: one
 * more option, last, whose text is answered under "<name>.autre".
 */

int
cc_fother(cc_fload_t *fl)
{
    size_t        i;
    json_t       *j, *v;
    const char   *key, *value, *label, *text;
    cc_field_t   *f;
    cc_option_t  *o;

    f = fl->f;
    j = json_object_get(fl->jf, "other");

    if (j == NULL || json_is_false(j)) {
        return 0;
    }

    value = "autre";
    label = "Autre";
    text = "Précisez";
    f->other_max_length = 200;

    if (json_is_object(j)) {
        json_object_foreach(j, key, v) {
            if (strcmp(key, "value") != 0 && strcmp(key, "label") != 0
                && strcmp(key, "text_label") != 0
                && strcmp(key, "max_length") != 0)
            {
                return cc_ferr(fl, "\"other\": unknown property \"%s\"",
                               key);
            }

            if (strcmp(key, "max_length") != 0
                && (!json_is_string(v) || json_string_length(v) == 0
                    || strlen(json_string_value(v)) != json_string_length(v)))
            {
                return cc_ferr(fl, "\"other\": \"%s\" must be a non-empty "
                               "string", key);
            }
        }

        v = json_object_get(j, "value");
        value = v ? json_string_value(v) : value;
        v = json_object_get(j, "label");
        label = v ? json_string_value(v) : label;
        v = json_object_get(j, "text_label");
        text = v ? json_string_value(v) : text;

        if (cc_fsize(fl, j, "max_length", 1, 10000, 200,
                     &f->other_max_length)
            != 0)
        {
            return -1;
        }

    } else if (!json_is_true(j)) {
        return cc_ferr(fl, "\"other\" must be true, false or an object");
    }

    for (i = 0; i < f->noptions; i++) {
        if (strcmp(f->options[i].value, value) == 0) {
            return cc_ferr(fl, "\"other\": the value \"%s\" is already an "
                           "option", value);
        }
    }

    o = &f->options[f->noptions];
    o->value = cc_strdup(value);
    o->label = cc_strdup(label);
    f->other_label = cc_strdup(text);
    f->noptions++;
    f->other = 1;

    if (o->value == NULL || o->label == NULL || f->other_label == NULL) {
        return cc_ferr(fl, "out of memory");
    }

    o->value_len = strlen(o->value);

    return 0;
}


/* points, labels (the two ends, or one per point), dont_know */

int
cc_fscale(cc_fload_t *fl)
{
    size_t       i;
    json_t      *labels, *l;
    cc_field_t  *f;

    f = fl->f;

    if (cc_fsize(fl, fl->jf, "points", 2, 11, 5, &f->points) != 0) {
        return -1;
    }

    labels = json_object_get(fl->jf, "labels");

    if (labels != NULL) {
        if (!json_is_array(labels)
            || (json_array_size(labels) != 2
                && json_array_size(labels) != f->points))
        {
            return cc_ferr(fl, "\"labels\" must be an array of 2 strings "
                           "(the two ends) or of %zu (one per point)",
                           f->points);
        }

        f->point_labels = calloc(json_array_size(labels), sizeof(char *));
        if (f->point_labels == NULL) {
            return cc_ferr(fl, "out of memory");
        }

        json_array_foreach(labels, i, l) {
            if (!json_is_string(l) || json_string_length(l) == 0) {
                return cc_ferr(fl, "\"labels\" #%zu must be a non-empty "
                               "string", i + 1);
            }

            f->point_labels[i] = cc_strdup(json_string_value(l));
            f->npoint_labels = i + 1;

            if (f->point_labels[i] == NULL) {
                return cc_ferr(fl, "out of memory");
            }
        }
    }

    l = json_object_get(fl->jf, "dont_know");

    if (json_is_true(l)) {
        f->dont_know = cc_strdup("Je ne sais pas");
        return f->dont_know ? 0 : cc_ferr(fl, "out of memory");
    }

    if (l == NULL || json_is_false(l)) {
        return 0;
    }

    return cc_fstring(fl, fl->jf, "dont_know", 1, &f->dont_know, "");
}


/* "link": {"href": "/donnees-personnelles.html", "text": "..."} */

int
cc_flink(cc_fload_t *fl)
{
    json_t      *j, *v;
    const char  *key, *href;

    j = json_object_get(fl->jf, "link");

    if (j == NULL) {
        return 0;
    }

    if (!json_is_object(j)) {
        return cc_ferr(fl, "\"link\" must be an object {\"href\", \"text\"}");
    }

    json_object_foreach(j, key, v) {
        if (strcmp(key, "href") != 0 && strcmp(key, "text") != 0) {
            return cc_ferr(fl, "\"link\": unknown property \"%s\"", key);
        }
    }

    if (cc_fstring(fl, j, "href", 1, &fl->f->link_href, "\"link\": ") != 0
        || cc_fstring(fl, j, "text", 1, &fl->f->link_text, "\"link\": ")
           != 0)
    {
        return -1;
    }

    href = fl->f->link_href;

    /* a page of the site, or a secure address: never "javascript:" */
    if (!((href[0] == '/' && href[1] != '/')
          || strncmp(href, "https://", 8) == 0))
    {
        return cc_ferr(fl, "\"link\": \"href\" must start with \"/\" or "
                       "\"https://\"");
    }

    return 0;
}
