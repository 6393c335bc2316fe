/*
 * The synthesis report's counting: each stored answer read once, against
 * the definition (cc_synth.h).  Percentages are left to the writer; here
 * only counts, exact, in 64 bits.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cc_synth.h"
#include "cc_time.h"


static void *
cc_synth_calloc(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}


int
cc_synth_tally_add(cc_synth_tally_t *t, const char *key, size_t len)
{
    size_t     i;
    char     **k;
    uint64_t  *c;

    for (i = 0; i < t->n; i++) {
        if (strlen(t->keys[i]) == len && memcmp(t->keys[i], key, len) == 0) {
            t->counts[i]++;
            return 0;
        }
    }

    if (t->n == CC_SYNTH_MAX_UNKNOWN) {
        t->dropped++;
        return 0;
    }

    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        k = realloc(t->keys, t->cap * sizeof(char *));
        if (k == NULL) {
            return -1;
        }
        t->keys = k;
        c = realloc(t->counts, t->cap * sizeof(uint64_t));
        if (c == NULL) {
            return -1;
        }
        t->counts = c;
    }

    t->keys[t->n] = strndup(key, len);
    if (t->keys[t->n] == NULL) {
        return -1;
    }
    t->counts[t->n++] = 1;

    return 0;
}


void
cc_synth_tally_free(cc_synth_tally_t *t)
{
    size_t  i;

    for (i = 0; i < t->n; i++) {
        free(t->keys[i]);
    }
    free(t->keys);
    free(t->counts);
    memset(t, 0, sizeof(*t));
}


int64_t
cc_synth_day(const char *rfc3339, int64_t *ms)
{
    char         buf[64];
    const char  *dot, *rest;
    size_t       n, frac;
    int64_t      t;
    int          off;

    if (rfc3339 == NULL) {
        return -1;
    }

    /* received_at carries milliseconds, which cc_time_parse refuses */
    frac = 0;
    dot = strchr(rfc3339, '.');
    if (dot) {
        for (rest = dot + 1; *rest >= '0' && *rest <= '9'; rest++) {
            if (rest - dot <= 3) {
                frac = frac * 10 + (size_t) (*rest - '0');
            }
        }
        for (n = (size_t) (rest - dot - 1); n < 3; n++) {
            frac *= 10;
        }
        n = (size_t) (dot - rfc3339);
        if (n + strlen(rest) >= sizeof(buf)) {
            return -1;
        }
        memcpy(buf, rfc3339, n);
        strcpy(buf + n, rest);
    } else if (snprintf(buf, sizeof(buf), "%s", rfc3339) >= (int) sizeof(buf)) {
        return -1;
    }

    if (cc_time_parse(buf, strlen(buf), &t, &off) != NULL) {
        return -1;
    }

    if (ms) {
        *ms = t * 1000 + (int64_t) frac;
    }

    off = cc_time_paris_offset(t);

    return (t + off) >= 0 ? (t + off) / 86400 : ((t + off) - 86399) / 86400;
}


/* the width of a question's cross-tabulation, 0: not tabulated */
static size_t
cc_synth_width(const cc_field_t *f)
{
    switch (f->type) {
    case CC_FIELD_CHOICE:
    case CC_FIELD_MULTIPLE:
    case CC_FIELD_RANKING:
        return f->noptions;
    case CC_FIELD_SCALE:
        return f->points + 1;
    case CC_FIELD_MATRIX:
        return f->nrows * (f->points + 1);
    default:
        return 0;
    }
}


static int
cc_synth_text_slot(const cc_schema_t *schema, size_t slot)
{
    const cc_slot_t   *sl = &schema->slots[slot];
    const cc_field_t  *f = &schema->fields[sl->field];

    if (sl->kind == CC_SLOT_OTHER) {
        return 1;
    }

    return sl->kind == CC_SLOT_VALUE
           && (f->type == CC_FIELD_TEXT || f->type == CC_FIELD_TEXTAREA);
}


cc_synth_t *
cc_synth_new(const cc_schema_t *schema, const char *const *cross,
    size_t ncross, char *err, size_t errlen)
{
    size_t             i, c;
    cc_synth_t        *s;
    cc_synth_field_t  *sf;
    const cc_field_t  *f;

    if (ncross > CC_SYNTH_MAX_CROSS) {
        snprintf(err, errlen, "au plus %d champs à croiser",
                 CC_SYNTH_MAX_CROSS);
        return NULL;
    }

    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        snprintf(err, errlen, "mémoire insuffisante");
        return NULL;
    }

    s->schema = schema;
    s->first_ms = -1;
    s->day0 = -1;
    s->rday0 = -1;

    for (c = 0; c < ncross; c++) {
        f = cc_schema_field(schema, cross[c]);
        if (f == NULL || f->type != CC_FIELD_CHOICE) {
            snprintf(err, errlen, "--croiser %s : %s", cross[c],
                     f ? "seul un choix unique (type choice) se croise"
                       : "pas de question de ce nom dans la définition");
            free(s);
            return NULL;
        }
        s->cross[c] = f;
        s->ngroups[c] = f->noptions + 1;     /* + "not answered" */
    }
    s->ncross = ncross;
    /* the texts by the first cross field's answer, one temporary file per
       text and group: a field of many options would take too many */
    s->ntext_groups = ncross && s->ngroups[0] <= CC_SYNTH_MAX_TEXT_GROUPS
                      ? s->ngroups[0] : 1;

    s->fields = cc_synth_calloc(schema->nfields, sizeof(cc_synth_field_t));
    s->texts = cc_synth_calloc(schema->nslots * s->ntext_groups,
                               sizeof(cc_synth_texts_t));
    if (s->fields == NULL || s->texts == NULL) {
        goto nomem;
    }

    for (i = 0; i < schema->nfields; i++) {
        f = &schema->fields[i];
        sf = &s->fields[i];

        switch (f->type) {
        case CC_FIELD_CHOICE:
        case CC_FIELD_MULTIPLE:
            sf->opt = cc_synth_calloc(f->noptions, sizeof(uint64_t));
            if (sf->opt == NULL) {
                goto nomem;
            }
            break;
        case CC_FIELD_RANKING:
            sf->opt = cc_synth_calloc(f->noptions, sizeof(uint64_t));
            sf->borda = cc_synth_calloc(f->noptions, sizeof(uint64_t));
            sf->rank = cc_synth_calloc(f->noptions * f->max,
                                       sizeof(uint64_t));
            if (sf->opt == NULL || sf->borda == NULL || sf->rank == NULL) {
                goto nomem;
            }
            break;
        case CC_FIELD_SCALE:
            sf->pts = cc_synth_calloc(f->points + 1, sizeof(uint64_t));
            if (sf->pts == NULL) {
                goto nomem;
            }
            break;
        case CC_FIELD_MATRIX:
            sf->pts = cc_synth_calloc(f->nrows * (f->points + 1),
                                      sizeof(uint64_t));
            sf->row_answered = cc_synth_calloc(f->nrows, sizeof(uint64_t));
            sf->row_sum = cc_synth_calloc(f->nrows, sizeof(uint64_t));
            if (sf->pts == NULL || sf->row_answered == NULL
                || sf->row_sum == NULL)
            {
                goto nomem;
            }
            break;
        default:
            break;
        }

        sf->width = cc_synth_width(f);
        if (sf->width == 0) {
            continue;
        }

        for (c = 0; c < ncross; c++) {
            sf->cross[c] = cc_synth_calloc(s->ngroups[c] * sf->width,
                                           sizeof(uint64_t));
            sf->cross_answered[c] = cc_synth_calloc(s->ngroups[c],
                                                    sizeof(uint64_t));
            if (sf->cross[c] == NULL || sf->cross_answered[c] == NULL) {
                goto nomem;
            }
        }
    }

    return s;

nomem:

    snprintf(err, errlen, "mémoire insuffisante");
    cc_synth_free(s);
    return NULL;
}


void
cc_synth_free(cc_synth_t *s)
{
    size_t             i, c;
    cc_synth_field_t  *sf;

    if (s == NULL) {
        return;
    }

    for (i = 0; s->fields && i < s->schema->nfields; i++) {
        sf = &s->fields[i];
        free(sf->opt);
        free(sf->rank);
        free(sf->borda);
        free(sf->pts);
        free(sf->row_answered);
        free(sf->row_sum);
        free(sf->nval);
        free(sf->ncount);
        for (c = 0; c < CC_SYNTH_MAX_CROSS; c++) {
            free(sf->cross[c]);
            free(sf->cross_answered[c]);
        }
    }
    free(s->fields);

    for (i = 0; s->texts && i < s->schema->nslots * s->ntext_groups; i++) {
        if (s->texts[i].fp) {
            fclose(s->texts[i].fp);
        }
    }
    free(s->texts);
    free(s->days);
    free(s->rdays);
    cc_synth_tally_free(&s->unknown);
    cc_synth_regs_free(s);
    free(s);
}


int
cc_synth_days_add(uint64_t **days, size_t *ndays, int64_t *day0,
    uint64_t *dropped, int64_t day)
{
    size_t     n;
    uint64_t  *d;

    if (day < 0) {
        return 0;
    }

    if (*day0 < 0) {
        *day0 = day;
    }

    if (day < *day0 || day - *day0 >= CC_SYNTH_MAX_DAYS) {
        if (dropped) {
            (*dropped)++;
        }
        return 0;
    }

    n = (size_t) (day - *day0) + 1;
    if (n > *ndays) {
        d = realloc(*days, n * sizeof(uint64_t));
        if (d == NULL) {
            return -1;
        }
        memset(d + *ndays, 0, (n - *ndays) * sizeof(uint64_t));
        *days = d;
        *ndays = n;
    }

    (*days)[day - *day0]++;

    return 0;
}


int
cc_synth_answer(cc_synth_t *s, const char *sid, const char *received_at,
    const char *data, size_t len)
{
    const cc_schema_t  *schema = s->schema;
    const cc_slot_t    *sl;
    const cc_field_t   *f;
    const char         *key;
    json_t             *root, *v;
    size_t              i, c, group[CC_SYNTH_MAX_CROSS];
    long                k;
    int64_t             day, ms;
    int                 rc = 0;

    s->total++;

    if (sid) {
        if (s->first_sid[0] == '\0') {
            snprintf(s->first_sid, sizeof(s->first_sid), "%s", sid);
        }
        snprintf(s->last_sid, sizeof(s->last_sid), "%s", sid);
    }

    ms = -1;
    day = cc_synth_day(received_at, &ms);
    if (ms >= 0) {
        if (s->first_ms < 0 || ms < s->first_ms) {
            s->first_ms = ms;
        }
        if (ms > s->last_ms) {
            s->last_ms = ms;
        }
    }
    root = json_loadb(data, len, 0, NULL);
    if (root == NULL || !json_is_object(root)) {
        json_decref(root);
        s->unreadable++;
        return 1;
    }

    if (cc_synth_days_add(&s->days, &s->ndays, &s->day0, &s->days_dropped,
                          day) != 0)
    {
        json_decref(root);
        return -1;
    }

    /* the groups of this answer in each cross-tabulation */
    for (c = 0; c < s->ncross; c++) {
        k = cc_synth_option(s->cross[c],
                            json_object_get(root, s->cross[c]->name));
        group[c] = k >= 0 ? (size_t) k : s->ngroups[c] - 1;
    }

    for (i = 0; i < schema->nfields && rc == 0; i++) {
        f = &schema->fields[i];
        if (cc_synth_cond(schema, schema->sections[f->section].cond, root)
            && cc_synth_cond(schema, f->cond, root))
        {
            s->fields[i].asked++;
        }
        rc = cc_synth_field_add(s, i, root, group);
    }

    /* names the definition does not know; the free texts */
    json_object_foreach(root, key, v) {
        if (rc != 0) {
            break;
        }
        sl = cc_schema_slot(schema, key, strlen(key));
        if (sl == NULL) {
            rc = cc_synth_tally_add(&s->unknown, key, strlen(key));
            continue;
        }
        if (cc_synth_text_slot(schema, (size_t) (sl - schema->slots))) {
            if (sl->kind == CC_SLOT_OTHER && json_is_string(v)
                && json_string_length(v) > 0)
            {
                s->fields[sl->field].others++;
            }
            if (schema->fields[sl->field].type != CC_FIELD_EMAIL) {
                rc = cc_synth_text(s, (size_t) (sl - schema->slots),
                                   s->ntext_groups > 1 ? group[0] : 0, v);
            }
        }
    }

    json_decref(root);

    return rc;
}


uint64_t
cc_synth_total(const cc_synth_t *s)
{
    return s->total;
}


uint64_t
cc_synth_unreadable(const cc_synth_t *s)
{
    return s->unreadable;
}


const cc_synth_field_t *
cc_synth_field(const cc_synth_t *s, const char *name)
{
    const cc_field_t  *f = cc_schema_field(s->schema, name);

    return f ? &s->fields[f - s->schema->fields] : NULL;
}


const cc_synth_tally_t *
cc_synth_unknown(const cc_synth_t *s)
{
    return &s->unknown;
}


double
cc_synth_median(const cc_synth_field_t *f)
{
    uint64_t  n, seen, a, b;
    size_t    i;
    long long lo = 0, hi = 0;
    int       have_lo = 0;

    for (n = 0, i = 0; i < f->nn; i++) {
        n += f->ncount[i];
    }
    if (n == 0) {
        return 0;
    }

    /* the values of rank a and b (1-based), equal when n is odd */
    a = (n + 1) / 2;
    b = n / 2 + 1;
    for (seen = 0, i = 0; i < f->nn; i++) {
        seen += f->ncount[i];
        if (!have_lo && seen >= a) {
            lo = f->nval[i];
            have_lo = 1;
        }
        if (seen >= b) {
            hi = f->nval[i];
            break;
        }
    }

    return ((double) lo + (double) hi) / 2;
}
