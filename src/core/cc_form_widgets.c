/*
 * The form's richer widgets: a list box for a long choice, the points of a
 * scale, a grid of statements, a ranking (cc_form_html.c has the rest and
 * the helpers they share).
 */

#include <stdio.h>
#include <string.h>

#include "cc_html_int.h"


/* a long list: one list box */

void
cc_select(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f,
    json_t *errors, json_t *submitted)
{
    int     invalid;
    size_t  i;

    invalid = cc_has_error(errors, f->name);

    cc_open(b, schema, f, 0, invalid);
    cc_buf_str(b, "<label for=\"");
    cc_id(b, f->name, 0);
    cc_buf_str(b, "\">");
    cc_label_text(b, f);
    cc_buf_str(b, "</label>\n");
    cc_hint(b, f);
    cc_name_errors(b, f->name, errors);
    cc_buf_str(b, "<select");
    cc_control(b, f->name, 0, f, invalid, 1);
    cc_required_attr(b, schema, f);
    cc_buf_str(b, ">\n<option value=\"\">Choisissez" CC_NBSP "\xe2\x80\xa6"
               "</option>\n");

    for (i = 0; i < f->noptions; i++) {
        cc_buf_str(b, "<option value=\"");
        cc_buf_escs(b, f->options[i].value);
        cc_buf_str(b, cc_sub_has(submitted, f->name, f->options[i].value)
                      ? "\" selected>" : "\">");
        cc_buf_escs(b, f->options[i].label);
        cc_buf_str(b, "</option>\n");
    }

    cc_buf_str(b, "</select>\n</div>\n");
}


/* the points of a scale, for a scale or for one row of a grid */

static void
cc_points(cc_buf_t *b, const cc_field_t *f, const char *name,
    json_t *submitted, int required, int invalid)
{
    char         num[8];
    char         label[512];
    size_t       p;
    const char  *end;

    cc_buf_str(b, "<div class=\"echelle\">\n");

    for (p = 1; p <= f->points; p++) {
        snprintf(num, sizeof(num), "%zu", p);
        end = NULL;

        if (f->npoint_labels == f->points) {
            end = f->point_labels[p - 1];

        } else if (f->npoint_labels == 2 && (p == 1 || p == f->points)) {
            end = f->point_labels[p == 1 ? 0 : 1];
        }

        if (end) {
            snprintf(label, sizeof(label), "%s " CC_NDASH_TEXT " %s", num,
                     end);
        }

        cc_option(b, "radio", name, p - 1, num, end ? label : num,
                  cc_sub_has(submitted, name, num), required, invalid);
    }

    if (f->dont_know) {
        cc_option(b, "radio", name, f->points, CC_DONT_KNOW, f->dont_know,
                  cc_sub_has(submitted, name, CC_DONT_KNOW), required,
                  invalid);
    }

    cc_buf_str(b, "</div>\n");
}


void
cc_scale(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f,
    json_t *errors, json_t *submitted)
{
    int  invalid;

    invalid = cc_has_error(errors, f->name);

    cc_open(b, schema, f, 1, invalid);
    cc_hint(b, f);
    cc_name_errors(b, f->name, errors);
    cc_points(b, f, f->name, submitted,
              f->required && !cc_conditional(schema, f), invalid);
    cc_buf_str(b, "</fieldset>\n");
}


/* a grid: one group per statement, the same points in each */

void
cc_matrix(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f,
    json_t *errors, json_t *submitted)
{
    int               invalid;
    size_t            k;
    const cc_slot_t  *sl;

    invalid = 0;

    for (k = 0; k < f->nslots; k++) {
        invalid |= cc_has_error(errors, schema->slots[f->slot + k].name);
    }

    cc_open(b, schema, f, 1, invalid);
    cc_hint(b, f);

    for (k = 0; k < f->nslots; k++) {
        sl = &schema->slots[f->slot + k];
        invalid = cc_has_error(errors, sl->name);

        cc_buf_str(b, "<fieldset class=\"ligne\"");
        cc_required_data(b, f, sl->name, &f->rows[sl->row]);

        if (invalid) {
            cc_buf_str(b, " aria-describedby=\"erreur-");
            cc_buf_escs(b, sl->name);
            cc_buf_str(b, "\"");
        }

        cc_buf_str(b, "><legend>");
        cc_buf_escs(b, f->rows[sl->row].label);
        cc_buf_str(b, "</legend>\n");
        cc_name_errors(b, sl->name, errors);
        cc_points(b, f, sl->name, submitted,
                  f->required && !cc_conditional(schema, f), invalid);
        cc_buf_str(b, "</fieldset>\n");
    }

    cc_buf_str(b, "</fieldset>\n");
}


/* a ranking: one list box per rank; the script adds buttons to reorder */

void
cc_ranking(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f,
    json_t *errors, json_t *submitted)
{
    int          invalid;
    size_t       r, i;
    json_t      *list;
    const char  *given;

    invalid = cc_has_error(errors, f->name);
    list = json_object_get(submitted, f->name);

    cc_open(b, schema, f, 1, invalid);
    cc_hint(b, f);
    cc_name_errors(b, f->name, errors);
    cc_buf_str(b, "<ol class=\"classement\" data-max=\"");
    cc_buf_num(b, f->max);
    cc_buf_str(b, "\">\n");

    for (r = 0; r < f->max; r++) {
        given = NULL;

        if (json_is_array(list) && json_is_string(json_array_get(list, r))) {
            given = json_string_value(json_array_get(list, r));

        } else if (r == 0 && json_is_string(list)) {
            given = json_string_value(list);
        }

        cc_buf_str(b, "<li><label for=\"");
        cc_id(b, f->name, r);
        cc_buf_str(b, "\">");
        cc_buf_num(b, r + 1);
        cc_buf_str(b, r == 0 ? "<sup>er</sup> choix" : "<sup>e</sup> choix");
        cc_buf_str(b, "</label> <select");
        cc_control(b, f->name, r, f, invalid, 0);

        if (r < f->min && f->required && !cc_conditional(schema, f)) {
            cc_buf_str(b, " required");
        }

        cc_buf_str(b, ">\n<option value=\"\">" CC_NDASH_TEXT "</option>\n");

        for (i = 0; i < f->noptions; i++) {
            cc_buf_str(b, "<option value=\"");
            cc_buf_escs(b, f->options[i].value);
            cc_buf_str(b, given && strcmp(given, f->options[i].value) == 0
                          ? "\" selected>" : "\">");
            cc_buf_escs(b, f->options[i].label);
            cc_buf_str(b, "</option>\n");
        }

        cc_buf_str(b, "</select></li>\n");
    }

    cc_buf_str(b, "</ol>\n</fieldset>\n");
}
