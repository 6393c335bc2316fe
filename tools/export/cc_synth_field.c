/*
 * The synthesis report's counting, one question of one answer at a time:
 * its options, points, rows, ranks or value, its conditions, its "other"
 * and free texts (cc_synth.h).
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cc_synth.h"


/* the index of a string value among the field's options, or -1 */
long
cc_synth_option(const cc_field_t *f, json_t *v)
{
    const cc_option_t  *o;

    if (!json_is_string(v)) {
        return -1;
    }

    o = cc_field_option(f, json_string_value(v), json_string_length(v));

    return o ? (long) (o - f->options) : -1;
}


static int
cc_synth_unknown_value(cc_synth_t *s, const cc_field_t *f, json_t *v)
{
    char    buf[256];
    char   *dump;
    int     n, rc;

    dump = json_is_string(v) ? NULL
                             : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    n = snprintf(buf, sizeof(buf), "%s = %s", f->name,
                 json_is_string(v) ? json_string_value(v)
                                   : (dump ? dump : "?"));
    free(dump);
    if (n < 0) {
        return -1;
    }

    rc = cc_synth_tally_add(&s->unknown, buf,
                            (size_t) n < sizeof(buf) ? (size_t) n
                                                     : sizeof(buf) - 1);
    return rc;
}


/* visible_if on the stored answer: "in" tests the options given */
int
cc_synth_cond(const cc_schema_t *schema, const cc_cond_t *c, json_t *root)
{
    size_t             i;
    long               k;
    json_t            *v, *e;
    const cc_field_t  *f;

    if (c == NULL) {
        return 1;
    }

    switch (c->op) {
    case CC_COND_ALL:
        for (i = 0; i < c->nsubs; i++) {
            if (!cc_synth_cond(schema, &c->subs[i], root)) {
                return 0;
            }
        }
        return 1;

    case CC_COND_ANY:
        for (i = 0; i < c->nsubs; i++) {
            if (cc_synth_cond(schema, &c->subs[i], root)) {
                return 1;
            }
        }
        return 0;

    default:
        f = &schema->fields[c->field];
        v = json_object_get(root, f->name);

        if (json_is_array(v)) {
            json_array_foreach(v, i, e) {
                k = cc_synth_option(f, e);
                if (k >= 0 && c->in[k]) {
                    return 1;
                }
            }
            return 0;
        }

        k = cc_synth_option(f, v);

        return k >= 0 && c->in[k];
    }
}


int
cc_synth_text(cc_synth_t *s, size_t slot, size_t group, json_t *v)
{
    cc_synth_texts_t  *t;
    const char        *p, *end;

    if (!json_is_string(v) || json_string_length(v) == 0) {
        return 0;
    }

    t = &s->texts[slot * s->ntext_groups + group];
    if (t->fp == NULL) {
        t->fp = tmpfile();
        if (t->fp == NULL) {
            return -1;
        }
    }

    /* escaped now, copied into the report at the end; the runs between
       the bytes to escape are written whole */
    fputs("<li>", t->fp);
    p = json_string_value(v);
    end = p + json_string_length(v);
    while (p < end) {
        size_t  run = strcspn(p, "&<>\"'\n\r");

        if (p + run > end) {
            run = (size_t) (end - p);
        }
        fwrite(p, 1, run, t->fp);
        p += run;
        if (p >= end) {
            break;
        }
        switch (*p) {
        case '&':  fputs("&amp;", t->fp); break;
        case '<':  fputs("&lt;", t->fp); break;
        case '>':  fputs("&gt;", t->fp); break;
        case '"':  fputs("&quot;", t->fp); break;
        case '\'': fputs("&#39;", t->fp); break;
        case '\n': fputs("<br>", t->fp); break;
        default:   break;                /* \r */
        }
        p++;
    }
    fputs("</li>\n", t->fp);
    t->n++;

    return ferror(t->fp) ? -1 : 0;
}


static int
cc_synth_number(cc_synth_field_t *sf, long long x)
{
    size_t      lo, hi, mid;
    long long  *nv;
    uint64_t   *nc;

    lo = 0;
    hi = sf->nn;
    while (lo < hi) {
        mid = (lo + hi) / 2;
        if (sf->nval[mid] < x) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }

    if (lo < sf->nn && sf->nval[lo] == x) {
        sf->ncount[lo]++;
        return 0;
    }

    if (sf->nn == sf->ncap) {
        sf->ncap = sf->ncap ? sf->ncap * 2 : 64;
        nv = realloc(sf->nval, sf->ncap * sizeof(long long));
        if (nv == NULL) {
            return -1;
        }
        sf->nval = nv;
        nc = realloc(sf->ncount, sf->ncap * sizeof(uint64_t));
        if (nc == NULL) {
            return -1;
        }
        sf->ncount = nc;
    }

    memmove(&sf->nval[lo + 1], &sf->nval[lo],
            (sf->nn - lo) * sizeof(long long));
    memmove(&sf->ncount[lo + 1], &sf->ncount[lo],
            (sf->nn - lo) * sizeof(uint64_t));
    sf->nval[lo] = x;
    sf->ncount[lo] = 1;
    sf->nn++;

    return 0;
}


/* a point of a scale: 0..points-1, points for "nsp", -1 otherwise */
static long
cc_synth_point(const cc_field_t *f, json_t *v)
{
    json_int_t  x;

    if (json_is_integer(v)) {
        x = json_integer_value(v);
        return (x >= 1 && (size_t) x <= f->points) ? (long) x - 1 : -1;
    }

    if (f->dont_know && json_is_string(v)
        && strcmp(json_string_value(v), CC_DONT_KNOW) == 0)
    {
        return (long) f->points;
    }

    return -1;
}


/* adds one to the question's cells "k" (its cross-tabulations too) */
static void
cc_synth_cross(cc_synth_t *s, cc_synth_field_t *sf, const size_t *group,
    size_t k)
{
    size_t  c;

    for (c = 0; c < s->ncross; c++) {
        sf->cross[c][group[c] * sf->width + k]++;
    }
}


int
cc_synth_field_add(cc_synth_t *s, size_t i, json_t *root,
    const size_t *group)
{
    const cc_schema_t  *schema = s->schema;
    const cc_field_t   *f = &schema->fields[i];
    cc_synth_field_t   *sf = &s->fields[i];
    json_t             *v, *e;
    size_t              j, c, any;
    long                k;
    char                name[512];

    v = json_object_get(root, f->name);
    any = 0;

    switch (f->type) {

    case CC_FIELD_CHOICE:
        if (v == NULL) {
            break;
        }
        k = cc_synth_option(f, v);
        if (k < 0) {
            return cc_synth_unknown_value(s, f, v);
        }
        sf->opt[k]++;
        cc_synth_cross(s, sf, group, (size_t) k);
        any = 1;
        break;

    case CC_FIELD_MULTIPLE:
    case CC_FIELD_RANKING:
        if (!json_is_array(v)) {
            if (v != NULL) {
                return cc_synth_unknown_value(s, f, v);
            }
            break;
        }
        json_array_foreach(v, j, e) {
            k = cc_synth_option(f, e);
            if (k < 0) {
                if (cc_synth_unknown_value(s, f, e) != 0) {
                    return -1;
                }
                continue;
            }
            any = 1;
            if (f->type == CC_FIELD_MULTIPLE) {
                sf->opt[k]++;
                cc_synth_cross(s, sf, group, (size_t) k);
                continue;
            }
            if (j >= f->max) {
                continue;
            }
            sf->rank[k * f->max + j]++;
            sf->borda[k] += f->max - j;
            if (j == 0) {
                sf->opt[k]++;
                cc_synth_cross(s, sf, group, (size_t) k);
            }
        }
        break;

    case CC_FIELD_SCALE:
        if (v == NULL) {
            break;
        }
        k = cc_synth_point(f, v);
        if (k < 0) {
            return cc_synth_unknown_value(s, f, v);
        }
        sf->pts[k]++;
        if ((size_t) k < f->points) {
            sf->sum += (uint64_t) k + 1;
        }
        cc_synth_cross(s, sf, group, (size_t) k);
        any = 1;
        break;

    case CC_FIELD_MATRIX:
        for (j = 0; j < f->nrows; j++) {
            snprintf(name, sizeof(name), "%s.%s", f->name,
                     f->rows[j].value);
            e = json_object_get(root, name);
            if (e == NULL) {
                continue;
            }
            k = cc_synth_point(f, e);
            if (k < 0) {
                if (cc_synth_unknown_value(s, f, e) != 0) {
                    return -1;
                }
                continue;
            }
            sf->pts[j * (f->points + 1) + k]++;
            if ((size_t) k < f->points) {
                sf->row_answered[j]++;
                sf->row_sum[j] += (uint64_t) k + 1;
            }
            cc_synth_cross(s, sf, group, j * (f->points + 1) + (size_t) k);
            any = 1;
        }
        break;

    case CC_FIELD_NUMBER:
        if (v == NULL) {
            break;
        }
        if (!json_is_integer(v)) {
            return cc_synth_unknown_value(s, f, v);
        }
        if (cc_synth_number(sf, json_integer_value(v)) != 0) {
            return -1;
        }
        any = 1;
        break;

    case CC_FIELD_CONSENT:
        any = json_is_true(v);
        break;

    default:        /* text, textarea, email */
        any = json_is_string(v) && json_string_length(v) > 0;
        break;
    }

    if (!any) {
        return 0;
    }

    sf->answered++;
    for (c = 0; sf->width && c < s->ncross; c++) {
        sf->cross_answered[c][group[c]]++;
    }

    return 0;
}


