/*
 * The synthesis report's cross-tabulations: every closed question by each
 * field of --croiser (default: the profile and the département), one row
 * per group (its options, and those who did not answer it), the counts
 * with their share of the group's respondents to the question.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "cc_synth_out.h"


static void
cc_synth_group_th(FILE *out, const cc_field_t *c, size_t g)
{
    fputs("<tr data-k=\"", out);
    cc_synth_esc(out, g < c->noptions ? c->options[g].value : "");
    fputs("\"><th scope=\"row\">", out);
    cc_synth_esc(out, g < c->noptions ? c->options[g].label
                                      : "Non renseigné");
    fputs("</th>", out);
}


static void
cc_synth_count_td(FILE *out, const char *key, uint64_t n, uint64_t base)
{
    fputs("<td data-k=\"", out);
    cc_synth_esc(out, key);
    fprintf(out, "\" data-n=\"%llu\">", (unsigned long long) n);
    cc_synth_num(out, n);
    if (base) {
        fputs(" <span class=\"part\">(", out);
        cc_synth_pct(out, n, base);
        fputs(")</span>", out);
    }
    fputs("</td>", out);
}


static void
cc_synth_mean_td(FILE *out, const char *key, const uint64_t *cells,
    size_t points)
{
    uint64_t  n = 0, sum = 0;
    size_t    k;

    for (k = 0; k < points; k++) {
        n += cells[k];
        sum += cells[k] * (k + 1);
    }

    fputs("<td data-k=\"", out);
    cc_synth_esc(out, key);
    fprintf(out, "\" data-v=\"%.4f\">", n ? (double) sum / (double) n : 0.0);
    if (n) {
        cc_synth_dec(out, (double) sum / (double) n);
    } else {
        fputs("–", out);
    }
    fputs("</td>", out);
}


static void
cc_synth_cross_one(cc_synth_t *s, FILE *out, size_t ci, size_t qi)
{
    const cc_field_t        *c = s->cross[ci];
    const cc_field_t        *q = &s->schema->fields[qi];
    const cc_synth_field_t  *sf = &s->fields[qi];
    size_t                   g, k, r, ng = s->ngroups[ci];
    const uint64_t          *row;
    char                     key[32];

    fprintf(out, "<div class=\"tableau\" role=\"region\" tabindex=\"0\" "
            "aria-labelledby=\"x-%s-%s-c\">\n<table id=\"x-%s-%s\" "
            "class=\"croise\">\n<caption id=\"x-%s-%s-c\">", q->name, c->name,
            q->name, c->name, q->name, c->name);
    cc_synth_esc(out, q->label);
    fputs(" — par « ", out);
    cc_synth_esc(out, c->label);
    fputs(" »", out);
    if (q->type == CC_FIELD_RANKING) {
        fputs(" (classée en premier)", out);
    } else if (q->type == CC_FIELD_MATRIX) {
        fputs(" (moyenne par affirmation)", out);
    }
    fputs("</caption>\n<thead><tr><th scope=\"col\">", out);
    cc_synth_esc(out, c->label);
    fputs("</th><th scope=\"col\">Ont répondu</th>", out);

    switch (q->type) {
    case CC_FIELD_SCALE:
        for (k = 0; k < q->points; k++) {
            fprintf(out, "<th scope=\"col\">%zu</th>", k + 1);
        }
        if (q->dont_know) {
            fputs("<th scope=\"col\">", out);
            cc_synth_esc(out, q->dont_know);
            fputs("</th>", out);
        }
        fputs("<th scope=\"col\">Moyenne</th>", out);
        break;
    case CC_FIELD_MATRIX:
        for (r = 0; r < q->nrows; r++) {
            fputs("<th scope=\"col\">", out);
            cc_synth_esc(out, q->rows[r].label);
            fputs("</th>", out);
        }
        break;
    default:
        for (k = 0; k < q->noptions; k++) {
            fputs("<th scope=\"col\">", out);
            cc_synth_esc(out, q->options[k].label);
            fputs("</th>", out);
        }
        break;
    }
    fputs("</tr></thead><tbody>\n", out);

    for (g = 0; g < ng; g++) {
        uint64_t  answered = sf->cross_answered[ci][g];

        row = &sf->cross[ci][g * sf->width];
        cc_synth_group_th(out, c, g);
        cc_synth_count_td(out, "repondu", answered, 0);

        switch (q->type) {
        case CC_FIELD_SCALE:
            for (k = 0; k < q->points + (q->dont_know ? 1 : 0); k++) {
                if (k == q->points) {
                    snprintf(key, sizeof(key), "%s", CC_DONT_KNOW);
                } else {
                    snprintf(key, sizeof(key), "%zu", k + 1);
                }
                cc_synth_count_td(out, key, row[k], answered);
            }
            cc_synth_mean_td(out, "moyenne", row, q->points);
            break;
        case CC_FIELD_MATRIX:
            for (r = 0; r < q->nrows; r++) {
                cc_synth_mean_td(out, q->rows[r].value,
                                 &row[r * (q->points + 1)], q->points);
            }
            break;
        default:
            for (k = 0; k < q->noptions; k++) {
                cc_synth_count_td(out, q->options[k].value, row[k], answered);
            }
            break;
        }
        fputs("</tr>\n", out);
    }

    fputs("</tbody></table></div>\n", out);
}


int
cc_synth_crosses(cc_synth_t *s, FILE *out)
{
    size_t  ci, qi;

    for (ci = 0; ci < s->ncross; ci++) {
        fputs("<div class=\"partie\">\n<h3>Par « ", out);
        cc_synth_esc(out, s->cross[ci]->label);
        fputs(" »</h3>\n<p class=\"regle\">Une ligne par réponse à cette "
              "question (et ceux qui n'y ont pas répondu) ; entre "
              "parenthèses, la part des répondants de la ligne qui ont "
              "répondu à la question croisée.</p>\n", out);
        for (qi = 0; qi < s->schema->nfields; qi++) {
            if (s->fields[qi].width == 0
                || &s->schema->fields[qi] == s->cross[ci])
            {
                continue;
            }
            cc_synth_cross_one(s, out, ci, qi);
        }
        fputs("</div>\n", out);
        if (ferror(out)) {
            return -1;
        }
    }

    return 0;
}
