/*
 * The registration form, completed from the programme before it is loaded
 * like any definition: the events as the options of "evenement", and the
 * events' own questions, each with the condition that asks it only for
 * its events.  The result goes through the one loader (cc_schema.c), so
 * that an event's question is checked, rendered, validated and exported
 * exactly like a question written in the form.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cc_registration.h"
#include "cc_event_text.h"

#define CC_REG_FIELD  "evenement"


/* the fields array holding "evenement", and its index there */

static int
cc_reg_in(json_t *list, size_t *at)
{
    size_t   i;
    json_t  *f, *name;

    json_array_foreach(list, i, f) {
        name = json_object_get(f, "name");

        if (json_is_string(name)
            && strcmp(json_string_value(name), CC_REG_FIELD) == 0)
        {
            *at = i;
            return 1;
        }
    }

    return 0;
}


static json_t *
cc_reg_find(json_t *root, size_t *at)
{
    size_t   k;
    json_t  *list, *sec;

    list = json_object_get(root, "fields");

    if (cc_reg_in(list, at)) {
        return list;
    }

    json_array_foreach(json_object_get(root, "sections"), k, sec) {
        list = json_object_get(sec, "fields");

        if (cc_reg_in(list, at)) {
            return list;
        }
    }

    return NULL;
}


static int
cc_reg_options(json_t *field, const cc_events_t *events, char *err,
    size_t errlen)
{
    size_t   i;
    json_t  *opts, *o;
    char     label[CC_EVENT_TEXT_LEN];

    opts = json_array();

    for (i = 0; opts && i < events->n; i++) {
        if (cc_event_label_fr(&events->events[i], label, sizeof(label)) == 0)
        {
            snprintf(err, errlen, "event \"%s\": its title is too long",
                     events->events[i].id);
            json_decref(opts);
            return -1;
        }

        o = json_pack("{s:s, s:s}", "value", events->events[i].id,
                      "label", label);

        if (o == NULL || json_array_append_new(opts, o) != 0) {
            json_decref(opts);
            opts = NULL;
        }
    }

    if (opts == NULL || json_object_set_new(field, "options", opts) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }

    return 0;
}


/* the events' questions: one per name, asked for the events declaring it */

static json_t *
cc_reg_questions(const cc_events_t *events, const char *path, char *err,
    size_t errlen)
{
    int          same;
    size_t       i, k, j;
    json_t      *all, *qs, *q, *known, *in, *vis;
    const char  *name;

    all = json_array();

    for (i = 0; all && i < events->n; i++) {
        if (events->events[i].questions == NULL) {
            continue;
        }

        qs = json_loads(events->events[i].questions, 0, NULL);

        json_array_foreach(qs, k, q) {
            name = json_string_value(json_object_get(q, "name"));
            known = NULL;

            json_array_foreach(all, j, known) {
                if (strcmp(json_string_value(json_object_get(known, "name")),
                           name) == 0)
                {
                    break;
                }

                known = NULL;
            }

            if (known == NULL) {
                known = json_deep_copy(q);
                json_object_set_new(known, "visible_if",
                                    json_pack("{s:s, s:[]}", "field",
                                              CC_REG_FIELD, "in"));
                json_array_append_new(all, known);

            } else {
                vis = json_incref(json_object_get(known, "visible_if"));
                json_object_del(known, "visible_if");
                same = json_equal(known, q);
                json_object_set_new(known, "visible_if", vis);

                if (!same) {
                    snprintf(err, errlen, "%s: event \"%s\": question "
                             "\"%s\" differs from the question of that name "
                             "of an earlier event: one name, one question",
                             path, events->events[i].id, name);
                    json_decref(qs);
                    json_decref(all);
                    return NULL;
                }
            }

            in = json_object_get(json_object_get(known, "visible_if"), "in");
            json_array_append_new(in, json_string(events->events[i].id));
        }

        json_decref(qs);
    }

    if (all == NULL) {
        snprintf(err, errlen, "out of memory");
    }

    return all;
}


cc_schema_t *
cc_reg_schema_load_file(const char *path, const cc_events_t *events,
    char *err, size_t errlen)
{
    char          *text;
    size_t         at, i, k;
    json_t        *root, *list, *field, *opts, *qs, *q;
    json_error_t   jerr;
    cc_schema_t   *schema;

    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);

    /* not JSON, or no event field: the loader says what it says */

    list = root ? cc_reg_find(root, &at) : NULL;

    if (list == NULL) {
        json_decref(root);
        return cc_schema_load_file(path, err, errlen);
    }

    field = json_array_get(list, at);
    opts = json_object_get(field, "options");

    if (json_is_string(opts)
        && strcmp(json_string_value(opts), "programme") == 0)
    {
        if (events == NULL) {
            snprintf(err, errlen, "%s: field \"" CC_REG_FIELD "\": "
                     "\"options\": \"programme\" needs the programme: "
                     "\"concertation_events\" in the http block, before "
                     "this location", path);
            json_decref(root);
            return NULL;
        }

        if (cc_reg_options(field, events, err, errlen) != 0) {
            json_decref(root);
            return NULL;
        }
    }

    if (events != NULL) {
        qs = cc_reg_questions(events, path, err, errlen);
        if (qs == NULL) {
            json_decref(root);
            return NULL;
        }

        /* before the first consent box after the event, or at the end */

        for (k = at + 1; k < json_array_size(list); k++) {
            q = json_object_get(json_array_get(list, k), "type");

            if (json_is_string(q)
                && strcmp(json_string_value(q), "consent") == 0)
            {
                break;
            }
        }

        json_array_foreach(qs, i, q) {
            json_array_insert(list, k + i, q);
        }

        json_decref(qs);
    }

    text = json_dumps(root, JSON_PRESERVE_ORDER);
    json_decref(root);

    if (text == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }

    schema = cc_schema_load_buffer(path, text, strlen(text), err, errlen);
    free(text);

    return schema;
}
