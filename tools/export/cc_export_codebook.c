/*
 * The codebook ("dictionnaire des variables") beside an export: for each
 * column of the CSV, the question it answers, its part of the
 * questionnaire, its type, when it applies, and each code with its label.
 * A CSV of the same kind as the export (separator, BOM, quoting).
 */

#include <stdio.h>
#include <string.h>

#include "cc_export.h"
#include "cc_schema_int.h"


static const char *cc_codebook_head[] = {
    "colonne", "question", "partie", "type", "condition", "code", "libelle"
};

#define CC_CODEBOOK_NCOLS  (sizeof(cc_codebook_head) / sizeof(char *))


static const char *
cc_codebook_type(const cc_field_t *f, const cc_slot_t *sl,
    const cc_column_t *c)
{
    if (sl->kind == CC_SLOT_OTHER) {
        return "texte (autre, précisez)";
    }

    switch (f->type) {
    case CC_FIELD_CHOICE:    return "choix unique";
    case CC_FIELD_MULTIPLE:  return "choix multiple (séparés par « | »)";
    case CC_FIELD_TEXT:      return "texte (une ligne)";
    case CC_FIELD_TEXTAREA:  return "texte (plusieurs lignes)";
    case CC_FIELD_EMAIL:     return "adresse électronique";
    case CC_FIELD_CONSENT:   return "consentement";
    case CC_FIELD_NUMBER:    return "nombre entier";
    case CC_FIELD_SCALE:     return "échelle";
    case CC_FIELD_MATRIX:    return "échelle (ligne d'une grille)";
    default:                 return c->rank == 1 ? "classement (1er choix)"
                                                 : "classement (rang)";
    }
}


/* one row of the codebook: the column's description, and a code */

static int
cc_codebook_row(cc_xbuf_t *b, const char *const *cells, char sep)
{
    size_t  i;

    for (i = 0; i < CC_CODEBOOK_NCOLS; i++) {
        if ((i && cc_xbuf_add(b, &sep, 1) != 0)
            || cc_export_csv_cell(b, cells[i], strlen(cells[i]), sep) != 0)
        {
            return -1;
        }
    }

    return cc_xbuf_add(b, "\r\n", 2);
}


/* the question's and its part's conditions, as the definition says them */

static void
cc_codebook_condition(const cc_schema_t *schema, const cc_field_t *f,
    char *out, size_t len)
{
    const cc_cond_t  *sc;

    sc = schema->sections[f->section].cond;

    snprintf(out, len, "%s%s%s", sc ? sc->json : "",
             sc && f->cond ? " et " : "", f->cond ? f->cond->json : "");
}


int
cc_export_codebook(cc_xbuf_t *b, const cc_schema_t *schema, char sep)
{
    char                question[2048], cond[4096], code[32], label[2048];
    size_t              i, k;
    const char         *cells[CC_CODEBOOK_NCOLS];
    const cc_slot_t    *sl;
    const cc_field_t   *f;
    const cc_column_t  *c;
    const cc_section_t *sec;

    if (cc_codebook_row(b, cc_codebook_head, sep) != 0) {
        return -1;
    }

    for (i = 0; i < schema->ncolumns; i++) {
        c = &schema->columns[i];
        sl = &schema->slots[c->slot];
        f = &schema->fields[sl->field];
        sec = &schema->sections[f->section];

        if (sl->kind == CC_SLOT_ROW) {
            snprintf(question, sizeof(question), "%s – %s", f->label,
                     f->rows[sl->row].label);

        } else if (sl->kind == CC_SLOT_OTHER) {
            snprintf(question, sizeof(question), "%s (%s)", f->label,
                     f->other_label);

        } else if (c->rank) {
            snprintf(question, sizeof(question), "%s (rang %zu)", f->label,
                     c->rank);

        } else {
            snprintf(question, sizeof(question), "%s", f->label);
        }

        cc_codebook_condition(schema, f, cond, sizeof(cond));

        cells[0] = c->name;
        cells[1] = question;
        cells[2] = sec->title ? sec->title : "";
        cells[3] = cc_codebook_type(f, sl, c);
        cells[4] = cond;
        cells[5] = "";
        cells[6] = "";

        /* a column of free answers: one row, its bound said */

        if (sl->kind == CC_SLOT_OTHER || f->type == CC_FIELD_TEXT
            || f->type == CC_FIELD_TEXTAREA || f->type == CC_FIELD_EMAIL
            || f->type == CC_FIELD_NUMBER || f->type == CC_FIELD_CONSENT)
        {
            if (f->type == CC_FIELD_NUMBER && sl->kind != CC_SLOT_OTHER) {
                snprintf(label, sizeof(label), "de %lld à %lld%s%s",
                         f->nmin, f->nmax, f->unit ? " " : "",
                         f->unit ? f->unit : "");

            } else if (f->type == CC_FIELD_CONSENT) {
                snprintf(label, sizeof(label), "oui");
                cells[5] = "oui";

            } else {
                label[0] = '\0';
            }

            cells[6] = label;

            if (cc_codebook_row(b, cells, sep) != 0) {
                return -1;
            }

            continue;
        }

        /* options: one row each */

        for (k = 0; k < f->noptions; k++) {
            cells[5] = f->options[k].value;
            cells[6] = f->options[k].label;

            if (cc_codebook_row(b, cells, sep) != 0) {
                return -1;
            }
        }

        /* the points of a scale, labelled where the definition does */

        for (k = 1; f->points && k <= f->points; k++) {
            snprintf(code, sizeof(code), "%zu", k);
            label[0] = '\0';

            if (f->npoint_labels == f->points) {
                snprintf(label, sizeof(label), "%s", f->point_labels[k - 1]);

            } else if (f->npoint_labels == 2 && (k == 1 || k == f->points)) {
                snprintf(label, sizeof(label), "%s",
                         f->point_labels[k == 1 ? 0 : 1]);
            }

            cells[5] = code;
            cells[6] = label;

            if (cc_codebook_row(b, cells, sep) != 0) {
                return -1;
            }
        }

        if (f->points && f->dont_know) {
            cells[5] = CC_DONT_KNOW;
            cells[6] = f->dont_know;

            if (cc_codebook_row(b, cells, sep) != 0) {
                return -1;
            }
        }
    }

    return 0;
}
