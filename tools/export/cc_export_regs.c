/*
 * The registration list of one event, replayed from the stream of state
 * changes (src/scripts/register.lua, cancel.lua): the people still
 * registered, confirmed ones in the order their seat was given, then the
 * waiting list in arrival order.  An event holds at most its capacity and
 * waiting places, so the list is small; cancelled people leave it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cc_export.h"


typedef struct {
    char          *id;
    char          *data;          /* the answer, JSON text */
    char          *received_at;
    uint64_t       order;         /* when the seat or waiting place came */
    int            confirmed;
} cc_reg_t;

struct cc_regs_s {
    cc_reg_t      *regs;
    size_t         nregs;
    size_t         size;
    uint64_t       clock;
    int            sorted;
};


cc_regs_t *
cc_regs_new(void)
{
    return calloc(1, sizeof(cc_regs_t));
}


static void
cc_reg_free(cc_reg_t *r)
{
    free(r->id);
    free(r->data);
    free(r->received_at);
}


void
cc_regs_free(cc_regs_t *regs)
{
    size_t  i;

    if (regs == NULL) {
        return;
    }

    for (i = 0; i < regs->nregs; i++) {
        cc_reg_free(&regs->regs[i]);
    }

    free(regs->regs);
    free(regs);
}


static char *
cc_regs_dup(const char *s, size_t len)
{
    char  *p;

    p = malloc(len + 1);
    if (p != NULL) {
        memcpy(p, s, len);
        p[len] = '\0';
    }

    return p;
}


static cc_reg_t *
cc_regs_find(cc_regs_t *regs, const char *id)
{
    size_t  i;

    for (i = 0; i < regs->nregs; i++) {
        if (strcmp(regs->regs[i].id, id) == 0) {
            return &regs->regs[i];
        }
    }

    return NULL;
}


int
cc_regs_apply(cc_regs_t *regs, const char *id, const char *status,
    const char *data, size_t data_len, const char *received_at)
{
    int        confirmed;
    cc_reg_t  *r, *p;

    regs->sorted = 0;
    r = cc_regs_find(regs, id);

    if (strcmp(status, "registered") == 0
        || strcmp(status, "waitlisted") == 0)
    {
        confirmed = (status[0] == 'r');

        if (r == NULL) {
            if (regs->nregs == regs->size) {
                p = realloc(regs->regs, (regs->size ? regs->size * 2 : 16)
                                        * sizeof(cc_reg_t));
                if (p == NULL) {
                    return -1;
                }

                regs->regs = p;
                regs->size = regs->size ? regs->size * 2 : 16;
            }

            r = &regs->regs[regs->nregs];
            memset(r, 0, sizeof(cc_reg_t));
            r->id = cc_regs_dup(id, strlen(id));

            if (r->id == NULL) {
                return -1;
            }

            regs->nregs++;

        } else {
            /* the same id twice: the stream is replayed, keep the last */
            free(r->data);
            free(r->received_at);
            r->data = NULL;
            r->received_at = NULL;
        }

        r->data = cc_regs_dup(data ? data : "", data ? data_len : 0);
        r->received_at = cc_regs_dup(received_at ? received_at : "",
                                     received_at ? strlen(received_at) : 0);

        if (r->data == NULL || r->received_at == NULL) {
            return -1;
        }

        r->confirmed = confirmed;
        r->order = ++regs->clock;

        return 0;
    }

    if (r == NULL) {
        return 1;
    }

    if (strcmp(status, "promoted") == 0) {
        if (r->confirmed) {
            return 1;
        }

        r->confirmed = 1;
        r->order = ++regs->clock;
        return 0;
    }

    if (strcmp(status, "cancelled") == 0) {
        cc_reg_free(r);
        *r = regs->regs[--regs->nregs];
        return 0;
    }

    return 1;
}


static int
cc_regs_cmp(const void *a, const void *b)
{
    const cc_reg_t  *x = a, *y = b;

    if (x->confirmed != y->confirmed) {
        return x->confirmed ? -1 : 1;
    }

    return (x->order > y->order) - (x->order < y->order);
}


static void
cc_regs_sort(cc_regs_t *regs)
{
    if (!regs->sorted && regs->nregs) {
        qsort(regs->regs, regs->nregs, sizeof(cc_reg_t), cc_regs_cmp);
    }

    regs->sorted = 1;
}


size_t
cc_regs_count(const cc_regs_t *regs)
{
    return regs->nregs;
}


const char *
cc_regs_get(cc_regs_t *regs, size_t i, int *confirmed)
{
    cc_regs_sort(regs);

    if (i >= regs->nregs) {
        return NULL;
    }

    *confirmed = regs->regs[i].confirmed;

    return regs->regs[i].id;
}


static const char  *cc_regs_fields[] = {
    "nom", "prenom", "email", "organisation"
};

#define CC_REGS_NFIELDS  (sizeof(cc_regs_fields) / sizeof(cc_regs_fields[0]))


/*
 * The columns after the person's: the event's own questions, as the
 * programme declares them, answered or not; then every other answer, in
 * the order they first appear, so that the list loses nothing whatever the
 * programme asked before.
 */

static json_t *
cc_regs_extra(cc_regs_t *regs, const char *questions)
{
    size_t       i, k;
    json_t      *root, *v, *names, *n, *q;
    const char  *key;

    names = json_array();

    /* the event's own questions, answered or not */

    q = questions ? json_loads(questions, 0, NULL) : NULL;

    json_array_foreach(q, i, v) {
        n = json_object_get(v, "name");

        if (names && json_is_string(n)) {
            json_array_append(names, n);
        }
    }

    json_decref(q);

    for (i = 0; names && i < regs->nregs; i++) {
        root = json_loads(regs->regs[i].data, 0, NULL);

        json_object_foreach(root, key, v) {
            for (k = 0; k < CC_REGS_NFIELDS; k++) {
                if (strcmp(key, cc_regs_fields[k]) == 0) {
                    break;
                }
            }

            if (k < CC_REGS_NFIELDS || strcmp(key, "evenement") == 0
                || strcmp(key, "consentement") == 0)
            {
                continue;
            }

            json_array_foreach(names, k, n) {
                if (strcmp(json_string_value(n), key) == 0) {
                    break;
                }
            }

            if (k == json_array_size(names)) {
                json_array_append_new(names, json_string(key));
            }
        }

        json_decref(root);
    }

    return names;
}


/* an answer as a cell: text, number, "oui", a list joined by ", " */

static void
cc_regs_cell(cc_xbuf_t *b, json_t *v, char sep)
{
    char    num[32];
    size_t  i;
    json_t  *e;
    cc_xbuf_t  list;

    if (json_is_string(v)) {
        cc_export_csv_cell(b, json_string_value(v), json_string_length(v),
                           sep);

    } else if (json_is_integer(v)) {
        snprintf(num, sizeof(num), "%lld", (long long) json_integer_value(v));
        cc_xbuf_str(b, num);

    } else if (json_is_true(v)) {
        cc_xbuf_str(b, "oui");

    } else if (json_is_array(v)) {
        cc_xbuf_init(&list);

        json_array_foreach(v, i, e) {
            if (i) {
                cc_xbuf_add(&list, ", ", 2);
            }

            if (json_is_string(e)) {
                cc_xbuf_add(&list, json_string_value(e),
                            json_string_length(e));
            }
        }

        cc_export_csv_cell(b, list.data ? list.data : "", list.len, sep);
        b->nomem |= list.nomem;
        cc_xbuf_free(&list);
    }
}


int
cc_regs_csv(cc_regs_t *regs, cc_xbuf_t *b, char sep, int bom,
    const char *questions)
{
    char         pos[24];
    size_t       i, k, waiting;
    json_t      *root, *extra, *n;
    cc_reg_t    *r;

    static const char  *tail[] = {
        "statut", "position", "inscrit_le", "id"
    };

    cc_regs_sort(regs);

    extra = cc_regs_extra(regs, questions);
    if (extra == NULL) {
        return -1;
    }

    if (bom) {
        cc_xbuf_str(b, CC_EXPORT_BOM);
    }

    for (k = 0; k < CC_REGS_NFIELDS; k++) {
        cc_xbuf_str(b, cc_regs_fields[k]);
        cc_xbuf_add(b, &sep, 1);
    }

    json_array_foreach(extra, k, n) {
        cc_export_csv_cell(b, json_string_value(n), json_string_length(n),
                           sep);
        cc_xbuf_add(b, &sep, 1);
    }

    for (k = 0; k < sizeof(tail) / sizeof(tail[0]); k++) {
        if (k) {
            cc_xbuf_add(b, &sep, 1);
        }

        cc_xbuf_str(b, tail[k]);
    }

    cc_xbuf_add(b, "\r\n", 2);
    waiting = 0;

    for (i = 0; i < regs->nregs; i++) {
        r = &regs->regs[i];
        root = json_loads(r->data, 0, NULL);

        for (k = 0; k < CC_REGS_NFIELDS; k++) {
            cc_regs_cell(b, json_object_get(root, cc_regs_fields[k]), sep);
            cc_xbuf_add(b, &sep, 1);
        }

        json_array_foreach(extra, k, n) {
            cc_regs_cell(b, json_object_get(root, json_string_value(n)),
                         sep);
            cc_xbuf_add(b, &sep, 1);
        }

        json_decref(root);

        if (r->confirmed) {
            cc_xbuf_str(b, "confirmee");
            cc_xbuf_add(b, &sep, 1);

        } else {
            cc_xbuf_str(b, "liste_attente");
            snprintf(pos, sizeof(pos), "%c%zu", sep, ++waiting);
            cc_xbuf_str(b, pos);
        }

        cc_xbuf_add(b, &sep, 1);
        cc_export_csv_cell(b, r->received_at, strlen(r->received_at), sep);
        cc_xbuf_add(b, &sep, 1);
        cc_export_csv_cell(b, r->id, strlen(r->id), sep);
        cc_xbuf_add(b, "\r\n", 2);
    }

    json_decref(extra);

    return b->nomem ? -1 : 0;
}
