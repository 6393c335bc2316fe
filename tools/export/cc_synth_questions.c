/*
 * The synthesis report, question by question, and the cross-tabulations.
 * Every figure is in a table (the charts repeat them); the cells carry
 * their exact counts in data-n, and the rows and columns the option's
 * value in data-k, which is what the tests read back.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "cc_synth_out.h"
#include "cc_html_int.h"


static const char *
cc_synth_type_fr(const cc_field_t *f)
{
    switch (f->type) {
    case CC_FIELD_CHOICE:   return "Choix unique";
    case CC_FIELD_MULTIPLE: return "Choix multiple";
    case CC_FIELD_TEXT:     return "Texte court";
    case CC_FIELD_EMAIL:    return "Adresse électronique";
    case CC_FIELD_CONSENT:  return "Consentement";
    case CC_FIELD_TEXTAREA: return "Texte libre";
    case CC_FIELD_NUMBER:   return "Nombre";
    case CC_FIELD_SCALE:    return "Échelle";
    case CC_FIELD_MATRIX:   return "Grille";
    case CC_FIELD_RANKING:  return "Classement";
    default:                return "";
    }
}


/* "Si « Vous êtes » vaut « Citoyen »": the definition's own sentence */
static void
cc_synth_condition(FILE *out, const cc_schema_t *schema, const cc_field_t *f)
{
    const cc_cond_t  *conds[2];
    cc_buf_t          b;
    size_t            i;
    char             *p;

    conds[0] = schema->sections[f->section].cond;
    conds[1] = f->cond;

    for (i = 0; i < 2; i++) {
        if (conds[i] == NULL) {
            continue;
        }
        memset(&b, 0, sizeof(b));
        cc_cond_sentence(&b, schema, conds[i]);
        p = cc_buf_done(&b);
        if (p) {
            fputs(p, out);
            free(p);
        }
    }
}


/* the label of point k (0-based; points: "Je ne sais pas") */
static void
cc_synth_point_label(const cc_field_t *f, size_t k, char *buf, size_t len)
{
    if (k == f->points) {
        snprintf(buf, len, "%s", f->dont_know ? f->dont_know
                                               : "Je ne sais pas");
    } else if (f->npoint_labels == f->points) {
        snprintf(buf, len, "%zu – %s", k + 1, f->point_labels[k]);
    } else if (f->npoint_labels == 2 && k == 0) {
        snprintf(buf, len, "1 – %s", f->point_labels[0]);
    } else if (f->npoint_labels == 2 && k + 1 == f->points) {
        snprintf(buf, len, "%zu – %s", k + 1, f->point_labels[1]);
    } else {
        snprintf(buf, len, "%zu", k + 1);
    }
}


/* a table in a region that scrolls on a narrow screen; its caption says
   the question too, so that every region's name is its own */
static void
cc_synth_table_open(FILE *out, const char *id, const char *question,
    const char *caption)
{
    fprintf(out, "<div class=\"tableau\" role=\"region\" tabindex=\"0\" "
            "aria-labelledby=\"%s-c\">\n<table id=\"%s\">\n"
            "<caption id=\"%s-c\">", id, id, id);
    cc_synth_esc(out, question);
    fputs(" — ", out);
    cc_synth_esc(out, caption);
    fputs("</caption>\n", out);
}


static void
cc_synth_table_close(FILE *out)
{
    fputs("</tbody></table></div>\n", out);
}


static void
cc_synth_cell(FILE *out, uint64_t n, uint64_t base)
{
    fprintf(out, "<td data-n=\"%llu\">", (unsigned long long) n);
    cc_synth_num(out, n);
    fputs("</td><td>", out);
    cc_synth_pct(out, n, base);
    fputs("</td>", out);
}


void
cc_synth_options(cc_synth_t *s, FILE *out, const cc_field_t *f,
    const uint64_t *counts, uint64_t base, const char *what,
    const char *idprefix)
{
    cc_synth_bar_t  *bars;
    size_t           i;
    char             id[300];

    (void) s;

    bars = calloc(f->noptions ? f->noptions : 1, sizeof(*bars));
    if (bars == NULL) {
        return;
    }
    for (i = 0; i < f->noptions; i++) {
        bars[i].label = f->options[i].label;
        bars[i].n = counts[i];
    }

    fputs("<div class=\"paire\"><figure>", out);
    cc_synth_svg_hbars(out, f->label, bars, f->noptions, base);
    fputs("<figcaption>", out);
    cc_synth_esc(out, what);
    fputs("</figcaption></figure>\n", out);

    snprintf(id, sizeof(id), "%s-%s", idprefix, f->name);
    cc_synth_table_open(out, id, f->label, what);
    fputs("<thead><tr><th scope=\"col\">Réponse</th><th scope=\"col\">"
          "Nombre</th><th scope=\"col\">Part</th></tr></thead><tbody>\n",
          out);
    for (i = 0; i < f->noptions; i++) {
        fputs("<tr data-k=\"", out);
        cc_synth_esc(out, f->options[i].value);
        fputs("\"><th scope=\"row\">", out);
        cc_synth_esc(out, f->options[i].label);
        fputs("</th>", out);
        cc_synth_cell(out, counts[i], base);
        fputs("</tr>\n", out);
    }
    cc_synth_table_close(out);
    fputs("</div>\n", out);

    free(bars);
}


/* the free texts of a slot, grouped by the first cross field */
static int
cc_synth_texts(cc_synth_t *s, FILE *out, size_t slot, const char *title)
{
    cc_synth_texts_t  *t;
    size_t             g, n;
    uint64_t           total = 0;
    char               buf[65536];
    const cc_field_t  *c = s->ntext_groups > 1 ? s->cross[0] : NULL;

    for (g = 0; g < s->ntext_groups; g++) {
        total += s->texts[slot * s->ntext_groups + g].n;
    }

    fprintf(out, "<div class=\"textes\" data-slot=\"%s\" data-n=\"%llu\">"
            "<p><strong>", s->schema->slots[slot].name,
            (unsigned long long) total);
    cc_synth_num(out, total);
    fputs(total > 1 ? "</strong> textes" : "</strong> texte", out);
    if (title) {
        fputs(" (", out);
        cc_synth_esc(out, title);
        fputs(")", out);
    }
    if (c && total) {
        fputs(", par « ", out);
        cc_synth_esc(out, c->label);
        fputs(" » ; chacun tel qu'écrit, cité comme du texte", out);
    }
    fputs(".</p>\n", out);

    for (g = 0; g < s->ntext_groups; g++) {
        t = &s->texts[slot * s->ntext_groups + g];
        if (t->n == 0) {
            continue;
        }
        if (c) {
            fprintf(out, "<h5 data-k=\"");
            cc_synth_esc(out, g < c->noptions ? c->options[g].value : "");
            fputs("\">", out);
            cc_synth_esc(out, g < c->noptions ? c->options[g].label
                                              : "Non renseigné");
            fprintf(out, " <span data-n=\"%llu\">(", (unsigned long long) t->n);
            cc_synth_num(out, t->n);
            fputs(")</span></h5>\n", out);
        }
        fputs("<ul class=\"cites\">\n", out);
        fflush(t->fp);
        rewind(t->fp);
        while ((n = fread(buf, 1, sizeof(buf), t->fp)) > 0) {
            fwrite(buf, 1, n, out);
        }
        if (ferror(t->fp)) {
            return -1;
        }
        fputs("</ul>\n", out);
    }

    fputs("</div>\n", out);

    return 0;
}


static void
cc_synth_scale(FILE *out, const cc_field_t *f, const cc_synth_field_t *sf)
{
    const char  **series;
    char        (*labels)[160];
    size_t        k, np = f->points + (f->dont_know ? 1 : 0);
    uint64_t      given = 0;
    char          id[300];

    series = calloc(np, sizeof(char *));
    labels = calloc(np, sizeof(*labels));
    if (series == NULL || labels == NULL) {
        free(series);
        free(labels);
        return;
    }
    for (k = 0; k < np; k++) {
        cc_synth_point_label(f, k, labels[k], sizeof(labels[k]));
        series[k] = labels[k];
    }
    for (k = 0; k < f->points; k++) {
        given += sf->pts[k];
    }

    fputs("<p class=\"moyenne\">Moyenne : <strong data-v=\"", out);
    fprintf(out, "%.4f\">", given ? (double) sf->sum / (double) given : 0.0);
    if (given) {
        cc_synth_dec(out, (double) sf->sum / (double) given);
    } else {
        fputs("–", out);
    }
    fprintf(out, "</strong> sur %zu, sur ", f->points);
    cc_synth_num(out, given);
    fputs(" réponses", out);
    if (f->dont_know) {
        fputs(" hors « ", out);
        cc_synth_esc(out, series[f->points]);
        fputs(" »", out);
    }
    fputs(".</p>\n<div class=\"paire\"><figure>", out);
    {
        const char  *row[1] = { NULL };
        cc_synth_svg_stacked(out, f->label, row, 1, series, np, sf->pts);
    }
    cc_synth_svg_legend(out, series, np);
    fputs("<figcaption>Répartition des réponses</figcaption></figure>\n",
          out);

    snprintf(id, sizeof(id), "t-%s", f->name);
    cc_synth_table_open(out, id, f->label, "répartition des réponses");
    fputs("<thead><tr><th scope=\"col\">Point</th><th scope=\"col\">"
          "Nombre</th><th scope=\"col\">Part</th></tr></thead><tbody>\n",
          out);
    for (k = 0; k < np; k++) {
        if (k == f->points) {
            fputs("<tr data-k=\"" CC_DONT_KNOW "\">", out);
        } else {
            fprintf(out, "<tr data-k=\"%zu\">", k + 1);
        }
        fputs("<th scope=\"row\">", out);
        cc_synth_esc(out, series[k]);
        fputs("</th>", out);
        cc_synth_cell(out, sf->pts[k], sf->answered);
        fputs("</tr>\n", out);
    }
    cc_synth_table_close(out);
    fputs("</div>\n", out);

    free(series);
    free(labels);
}


static void
cc_synth_matrix(FILE *out, const cc_field_t *f, const cc_synth_field_t *sf)
{
    const char  **series, **rows;
    char        (*labels)[160];
    size_t        k, r, np = f->points + (f->dont_know ? 1 : 0);
    size_t        w = f->points + 1;
    uint64_t     *counts;
    char          id[300];

    series = calloc(np, sizeof(char *));
    labels = calloc(np, sizeof(*labels));
    rows = calloc(f->nrows ? f->nrows : 1, sizeof(char *));
    counts = calloc(f->nrows * np + 1, sizeof(uint64_t));
    if (series == NULL || labels == NULL || rows == NULL || counts == NULL) {
        goto done;
    }
    for (k = 0; k < np; k++) {
        cc_synth_point_label(f, k, labels[k], sizeof(labels[k]));
        series[k] = labels[k];
    }
    for (r = 0; r < f->nrows; r++) {
        rows[r] = f->rows[r].label;
        for (k = 0; k < np; k++) {
            counts[r * np + k] = sf->pts[r * w + k];
        }
    }

    fputs("<div class=\"paire\"><figure>", out);
    cc_synth_svg_stacked(out, f->label, rows, f->nrows, series, np, counts);
    cc_synth_svg_legend(out, series, np);
    fputs("<figcaption>Répartition des réponses, par affirmation (en %)"
          "</figcaption></figure>\n", out);

    snprintf(id, sizeof(id), "t-%s", f->name);
    cc_synth_table_open(out, id, f->label,
                        "réponses par affirmation, et leur moyenne");
    fputs("<thead><tr><th scope=\"col\">Affirmation</th>", out);
    for (k = 0; k < np; k++) {
        fputs("<th scope=\"col\">", out);
        cc_synth_esc(out, series[k]);
        fputs("</th>", out);
    }
    fputs("<th scope=\"col\">Moyenne</th></tr></thead><tbody>\n", out);
    for (r = 0; r < f->nrows; r++) {
        fputs("<tr data-k=\"", out);
        cc_synth_esc(out, f->rows[r].value);
        fputs("\"><th scope=\"row\">", out);
        cc_synth_esc(out, f->rows[r].label);
        fputs("</th>", out);
        for (k = 0; k < np; k++) {
            if (k == f->points) {
                fputs("<td data-k=\"" CC_DONT_KNOW "\"", out);
            } else {
                fprintf(out, "<td data-k=\"%zu\"", k + 1);
            }
            fprintf(out, " data-n=\"%llu\">",
                    (unsigned long long) counts[r * np + k]);
            cc_synth_num(out, counts[r * np + k]);
            fputs("</td>", out);
        }
        fprintf(out, "<td data-v=\"%.4f\">", sf->row_answered[r]
                ? (double) sf->row_sum[r] / (double) sf->row_answered[r] : 0);
        if (sf->row_answered[r]) {
            cc_synth_dec(out, (double) sf->row_sum[r]
                              / (double) sf->row_answered[r]);
        } else {
            fputs("–", out);
        }
        fputs("</td></tr>\n", out);
    }
    cc_synth_table_close(out);
    fputs("</div>\n", out);

done:
    free(series);
    free(labels);
    free(rows);
    free(counts);
}


static void
cc_synth_ranking(cc_synth_t *s, FILE *out, const cc_field_t *f,
    const cc_synth_field_t *sf)
{
    size_t  i, r;
    char    id[300];

    fprintf(out, "<p class=\"regle\">Chaque répondant a classé jusqu'à %zu "
            "options. Les barres donnent la part des répondants qui ont "
            "mis l'option en premier ; le score de Borda donne %zu points "
            "au premier rang, un de moins à chaque rang suivant, 1 au "
            "dernier, additionnés sur tous les répondants.</p>\n",
            f->max, f->max);
    cc_synth_options(s, out, f, sf->opt, sf->answered,
                     "classée en premier (part des répondants)", "t");

    snprintf(id, sizeof(id), "r-%s", f->name);
    cc_synth_table_open(out, id, f->label, "rangs et score de Borda");
    fputs("<thead><tr><th scope=\"col\">Option</th>", out);
    for (r = 0; r < f->max; r++) {
        fprintf(out, "<th scope=\"col\">%zu%s</th>", r + 1,
                r ? "<sup>e</sup>" : "<sup>er</sup>");
    }
    fputs("<th scope=\"col\">Score de Borda</th></tr></thead><tbody>\n",
          out);
    for (i = 0; i < f->noptions; i++) {
        fputs("<tr data-k=\"", out);
        cc_synth_esc(out, f->options[i].value);
        fputs("\"><th scope=\"row\">", out);
        cc_synth_esc(out, f->options[i].label);
        fputs("</th>", out);
        for (r = 0; r < f->max; r++) {
            fprintf(out, "<td data-k=\"%zu\" data-n=\"%llu\">", r + 1,
                    (unsigned long long) sf->rank[i * f->max + r]);
            cc_synth_num(out, sf->rank[i * f->max + r]);
            fputs("</td>", out);
        }
        fprintf(out, "<td data-k=\"borda\" data-n=\"%llu\">",
                (unsigned long long) sf->borda[i]);
        cc_synth_num(out, sf->borda[i]);
        fputs("</td></tr>\n", out);
    }
    cc_synth_table_close(out);
}


static void
cc_synth_number_part(FILE *out, const cc_field_t *f,
    const cc_synth_field_t *sf)
{
    cc_synth_bar_t  bins[10];
    char            labels[10][64];
    size_t          i, b, nb;
    long long       lo, hi, width;
    uint64_t        n = 0;
    char            id[300];

    for (i = 0; i < sf->nn; i++) {
        n += sf->ncount[i];
    }
    if (n == 0) {
        return;
    }
    lo = sf->nval[0];
    hi = sf->nval[sf->nn - 1];

    fprintf(out, "<p class=\"resume-nombre\">Minimum <strong data-v=\"%lld\">"
            "%lld</strong>, médiane <strong data-v=\"%.1f\">", lo, lo,
            cc_synth_median(sf));
    cc_synth_dec(out, cc_synth_median(sf));
    fprintf(out, "</strong>, maximum <strong data-v=\"%lld\">%lld</strong>"
            "%s%s.</p>\n", hi, hi, f->unit ? " " : "", f->unit ? f->unit : "");

    /* up to ten bins of equal width over [lo, hi] */
    nb = (size_t) (hi - lo + 1) < 10 ? (size_t) (hi - lo + 1) : 10;
    width = (hi - lo + 1 + (long long) nb - 1) / (long long) nb;
    memset(bins, 0, sizeof(bins));
    for (b = 0; b < nb; b++) {
        long long  a = lo + (long long) b * width;
        long long  z = a + width - 1 > hi ? hi : a + width - 1;

        if (a == z) {
            snprintf(labels[b], sizeof(labels[b]), "%lld", a);
        } else {
            snprintf(labels[b], sizeof(labels[b]), "%lld à %lld", a, z);
        }
        bins[b].label = labels[b];
    }
    for (i = 0; i < sf->nn; i++) {
        b = (size_t) ((sf->nval[i] - lo) / width);
        bins[b < nb ? b : nb - 1].n += sf->ncount[i];
    }

    fputs("<div class=\"paire\"><figure>", out);
    cc_synth_svg_columns(out, f->label, bins, nb);
    fputs("<figcaption>Histogramme</figcaption></figure>\n", out);
    snprintf(id, sizeof(id), "t-%s", f->name);
    cc_synth_table_open(out, id, f->label, "histogramme");
    fputs("<thead><tr><th scope=\"col\">Valeurs</th><th scope=\"col\">"
          "Nombre</th><th scope=\"col\">Part</th></tr></thead><tbody>\n",
          out);
    for (b = 0; b < nb; b++) {
        fputs("<tr><th scope=\"row\">", out);
        cc_synth_esc(out, labels[b]);
        fputs("</th>", out);
        cc_synth_cell(out, bins[b].n, n);
        fputs("</tr>\n", out);
    }
    cc_synth_table_close(out);
    fputs("</div>\n", out);
}


static int
cc_synth_question(cc_synth_t *s, FILE *out, size_t i)
{
    const cc_schema_t       *schema = s->schema;
    const cc_field_t        *f = &schema->fields[i];
    const cc_synth_field_t  *sf = &s->fields[i];
    uint64_t                 base = s->total - s->unreadable;

    fprintf(out, "<article class=\"question\" id=\"q-%s\" "
            "aria-labelledby=\"q-%s-t\">\n<h4 id=\"q-%s-t\">", f->name,
            f->name, f->name);
    cc_synth_esc(out, f->label);
    fputs("</h4>\n<p class=\"type\">", out);
    cc_synth_esc(out, cc_synth_type_fr(f));
    fputs("</p>\n", out);
    cc_synth_condition(out, schema, f);
    fprintf(out, "<p class=\"base\" data-asked=\"%llu\" data-answered=\"%llu\" "
            "data-missing=\"%llu\">", (unsigned long long) sf->asked,
            (unsigned long long) sf->answered,
            (unsigned long long) (sf->asked > sf->answered
                                  ? sf->asked - sf->answered : 0));
    if (sf->asked != base) {
        fputs("Posée à ", out);
        cc_synth_num(out, sf->asked);
        fputs(" répondants sur ", out);
        cc_synth_num(out, base);
        fputs(" : ", out);
    }
    cc_synth_num(out, sf->answered);
    fputs(" ont répondu, ", out);
    cc_synth_num(out, sf->asked > sf->answered ? sf->asked - sf->answered : 0);
    fputs(" non.</p>\n", out);

    switch (f->type) {
    case CC_FIELD_CHOICE:
        cc_synth_options(s, out, f, sf->opt, sf->answered,
                         "part des répondants à la question", "t");
        break;
    case CC_FIELD_MULTIPLE:
        fputs("<p class=\"regle\">Plusieurs réponses possibles : chaque part "
              "est celle des répondants à la question qui ont coché "
              "l'option (leur total dépasse 100 %), non celle des cases "
              "cochées.</p>\n", out);
        cc_synth_options(s, out, f, sf->opt, sf->answered,
                         "part des répondants qui ont coché l'option", "t");
        break;
    case CC_FIELD_RANKING:
        cc_synth_ranking(s, out, f, sf);
        break;
    case CC_FIELD_SCALE:
        cc_synth_scale(out, f, sf);
        break;
    case CC_FIELD_MATRIX:
        cc_synth_matrix(out, f, sf);
        break;
    case CC_FIELD_NUMBER:
        cc_synth_number_part(out, f, sf);
        break;
    case CC_FIELD_EMAIL:
        fputs("<p class=\"regle\">Les adresses ne sont pas reproduites : ce "
              "sont des données personnelles.</p>\n", out);
        break;
    default:
        break;
    }

    /* the free texts: the field's own, or its "other" */
    if (f->type == CC_FIELD_TEXT || f->type == CC_FIELD_TEXTAREA) {
        if (cc_synth_texts(s, out, f->slot, NULL) != 0) {
            return -1;
        }
    }
    if (f->other) {
        size_t  sl;

        for (sl = f->slot; sl < f->slot + f->nslots; sl++) {
            if (schema->slots[sl].kind == CC_SLOT_OTHER
                && cc_synth_texts(s, out, sl, f->other_label
                                  ? f->other_label : "« Autre »") != 0)
            {
                return -1;
            }
        }
    }

    fputs("</article>\n", out);

    return ferror(out) ? -1 : 0;
}


int
cc_synth_questions(cc_synth_t *s, FILE *out)
{
    const cc_schema_t  *schema = s->schema;
    size_t              i, j;

    for (j = 0; j < schema->nsections; j++) {
        const cc_section_t  *sec = &schema->sections[j];

        fputs("<div class=\"partie\">\n", out);
        if (sec->title) {
            fputs("<h3>", out);
            cc_synth_esc(out, sec->title);
            fputs("</h3>\n", out);
        }
        for (i = sec->first; i < sec->first + sec->nfields; i++) {
            if (cc_synth_question(s, out, i) != 0) {
                return -1;
            }
        }
        fputs("</div>\n", out);
    }

    return ferror(out) ? -1 : 0;
}
