/*
 * The questionnaire's form, rendered from its definition: sections, every
 * question with its label, hint, "obligatoire" mention, the answers given
 * and the errors beside them.  The same HTML serves the empty page and the
 * page shown again after an error.
 *
 * Without JavaScript every question is shown; one that applies only to
 * some people says so in words ("Si vous avez répondu « … » à « … »") and
 * carries no "required" attribute, since the browser cannot know whether
 * it applies.  The condition is also written as data for the script, which
 * hides what does not apply.
 *
 * Ids: "champ-<name>" for a control ("champ-<name>-<k>" for the k-th of a
 * group, from 2), "erreur-<name>" for an error, "aide-<field>" for a hint,
 * "q-<field>" for a question; <name> is the name it is answered under
 * ("profil", "profil.autre", "accord.gouvernance").
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_html_int.h"
#include "cc_validate_int.h"



int
cc_conditional(const cc_schema_t *schema, const cc_field_t *f)
{
    return f->cond != NULL || schema->sections[f->section].cond != NULL;
}


/* the inline error of a name; 1 when there was one */

int
cc_name_errors(cc_buf_t *b, const char *name, json_t *errors)
{
    int          n;
    size_t       i;
    json_t      *e;
    const char  *field;

    n = 0;

    json_array_foreach(errors, i, e) {
        field = cc_error_field(e);

        if (field == NULL || strcmp(field, name) != 0) {
            continue;
        }

        if (n++ == 0) {
            cc_buf_str(b, "<p class=\"erreur\" id=\"erreur-");
            cc_buf_escs(b, name);
            cc_buf_str(b, "\">");

        } else {
            cc_buf_str(b, " ");
        }

        cc_buf_escs(b, cc_error_message(e));
    }

    if (n) {
        cc_buf_str(b, "</p>\n");
    }

    return n > 0;
}


void
cc_id(cc_buf_t *b, const char *name, size_t idx)
{
    cc_buf_str(b, "champ-");
    cc_buf_escs(b, name);

    if (idx > 0) {
        cc_buf_str(b, "-");
        cc_buf_num(b, idx + 1);
    }
}


/* id, name, aria: what every control carries */

void
cc_control(cc_buf_t *b, const char *name, size_t idx, const cc_field_t *f,
    int invalid, int describe)
{
    cc_buf_str(b, " id=\"");
    cc_id(b, name, idx);
    cc_buf_str(b, "\" name=\"");
    cc_buf_escs(b, name);
    cc_buf_str(b, "\"");

    if (describe && (invalid || f->hint || f->link_href)) {
        cc_buf_str(b, " aria-describedby=\"");

        if (f->hint || f->link_href) {
            cc_buf_str(b, "aide-");
            cc_buf_escs(b, f->name);
        }

        if (invalid) {
            cc_buf_str(b, f->hint || f->link_href ? " erreur-" : "erreur-");
            cc_buf_escs(b, name);
        }

        cc_buf_str(b, "\"");
    }

    if (invalid) {
        cc_buf_str(b, " aria-invalid=\"true\"");
    }
}


void
cc_label_text(cc_buf_t *b, const cc_field_t *f)
{
    cc_buf_escs(b, f->label);

    if (f->required) {
        cc_buf_str(b, " <span class=\"obligatoire\">(obligatoire)</span>");
    }
}


void
cc_hint(cc_buf_t *b, const cc_field_t *f)
{
    if (f->hint == NULL && f->link_href == NULL) {
        return;
    }

    cc_buf_str(b, "<p class=\"aide\" id=\"aide-");
    cc_buf_escs(b, f->name);
    cc_buf_str(b, "\">");

    if (f->hint) {
        cc_buf_escs(b, f->hint);
    }

    if (f->link_href) {
        cc_buf_str(b, f->hint ? " <a href=\"" : "<a href=\"");
        cc_buf_escs(b, f->link_href);
        cc_buf_str(b, "\">");
        cc_buf_escs(b, f->link_text);
        cc_buf_str(b, "</a>");
    }

    cc_buf_str(b, "</p>\n");
}


/* the start of a group (fieldset) or of a single control (div) */

/*
 * What the script says of a required question left empty, before sending:
 * the validator's own message, for the name it is answered under.
 */

void
cc_required_data(cc_buf_t *b, const cc_field_t *f, const char *name,
    const cc_option_t *row)
{
    char          want[128], msg[CC_MSG_SIZE];
    const char   *text;

    if (!f->required) {
        return;
    }

    switch (f->type) {

    case CC_FIELD_CHOICE:
    case CC_FIELD_SCALE:
        text = cc_message(CC_MSG_REQUIRED_CHOICE)->text;
        break;

    case CC_FIELD_MULTIPLE:
    case CC_FIELD_RANKING:
        cc_count_want(f, want, sizeof(want));
        snprintf(msg, sizeof(msg),
                 cc_message(f->type == CC_FIELD_MULTIPLE
                            ? CC_MSG_REQUIRED_COUNT
                            : CC_MSG_REQUIRED_RANK)->text, want);
        text = msg;
        break;

    case CC_FIELD_MATRIX:
        snprintf(msg, sizeof(msg), cc_message(CC_MSG_REQUIRED_ROW)->text,
                 row ? row->label : "");
        text = msg;
        break;

    case CC_FIELD_CONSENT:
        text = cc_message(CC_MSG_REQUIRED_CONSENT)->text;
        break;

    default:
        text = cc_message(CC_MSG_REQUIRED)->text;
    }

    cc_buf_str(b, " data-nom=\"");
    cc_buf_escs(b, name);
    cc_buf_str(b, "\" data-requis=\"");
    cc_buf_escs(b, text);
    cc_buf_str(b, "\"");
}


void
cc_open(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f,
    int group, int invalid)
{
    cc_buf_str(b, group ? "<fieldset" : "<div");
    cc_buf_str(b, invalid ? " class=\"champ champ-erreur\"" : " class=\"champ\"");
    cc_buf_str(b, " id=\"q-");
    cc_buf_escs(b, f->name);
    cc_buf_str(b, "\"");

    if (f->type != CC_FIELD_MATRIX) {
        cc_required_data(b, f, f->name, NULL);
    }

    if (f->cond) {
        cc_cond_attrs(b, schema, f->cond);
    }

    if (group && (invalid || f->hint || f->link_href)) {
        cc_buf_str(b, " aria-describedby=\"");

        if (f->hint || f->link_href) {
            cc_buf_str(b, "aide-");
            cc_buf_escs(b, f->name);
        }

        if (invalid) {
            cc_buf_str(b, f->hint || f->link_href ? " erreur-" : "erreur-");
            cc_buf_escs(b, f->name);
        }

        cc_buf_str(b, "\"");
    }

    cc_buf_str(b, ">\n");

    if (group) {
        cc_buf_str(b, "<legend>");
        cc_label_text(b, f);
        cc_buf_str(b, "</legend>\n");
    }

    if (f->cond) {
        cc_cond_sentence(b, schema, f->cond);
    }
}


void
cc_required_attr(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f)
{
    if (f->required && !cc_conditional(schema, f)) {
        cc_buf_str(b, " required");
    }
}


/* one radio button or checkbox, its label after it */

void
cc_option(cc_buf_t *b, const char *type, const char *name, size_t idx,
    const char *value, const char *label, int checked, int required,
    int invalid)
{
    cc_buf_str(b, "<div class=\"option\"><input type=\"");
    cc_buf_str(b, type);
    cc_buf_str(b, "\" id=\"");
    cc_id(b, name, idx);
    cc_buf_str(b, "\" name=\"");
    cc_buf_escs(b, name);
    cc_buf_str(b, "\"");

    if (invalid) {
        cc_buf_str(b, " aria-invalid=\"true\"");
    }

    cc_buf_str(b, " value=\"");
    cc_buf_escs(b, value);
    cc_buf_str(b, "\"");

    if (required) {
        cc_buf_str(b, " required");
    }

    if (checked) {
        cc_buf_str(b, " checked");
    }

    cc_buf_str(b, "><label for=\"");
    cc_id(b, name, idx);
    cc_buf_str(b, "\">");
    cc_buf_escs(b, label);
    cc_buf_str(b, "</label></div>\n");
}


/* "Autre, précisez": a line of text under the options */

static void
cc_other_text(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f,
    json_t *errors, json_t *submitted)
{
    int               invalid;
    const char       *value;
    const cc_slot_t  *sl;

    sl = &schema->slots[f->slot + 1];
    invalid = cc_has_error(errors, sl->name);
    value = cc_sub_first(submitted, sl->name);

    cc_buf_str(b, "<div class=\"autre\"><label for=\"");
    cc_id(b, sl->name, 0);
    cc_buf_str(b, "\">");
    cc_buf_escs(b, f->other_label);
    cc_buf_str(b, " (si " CC_LAQUO);
    cc_buf_escs(b, f->options[f->noptions - 1].label);
    cc_buf_str(b, CC_RAQUO ")</label>\n");
    cc_name_errors(b, sl->name, errors);
    cc_buf_str(b, "<input type=\"text\"");
    cc_control(b, sl->name, 0, f, invalid, 0);
    cc_buf_str(b, " maxlength=\"");
    cc_buf_num(b, f->other_max_length);
    cc_buf_str(b, "\"");

    if (value) {
        cc_buf_str(b, " value=\"");
        cc_buf_escs(b, value);
        cc_buf_str(b, "\"");
    }

    cc_buf_str(b, "></div>\n");
}


static void
cc_choices(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f,
    json_t *errors, json_t *submitted)
{
    int      invalid;
    size_t   i;

    invalid = cc_has_error(errors, f->name);

    cc_open(b, schema, f, 1, invalid);
    cc_hint(b, f);
    cc_name_errors(b, f->name, errors);

    for (i = 0; i < f->noptions; i++) {
        cc_option(b, f->type == CC_FIELD_CHOICE ? "radio" : "checkbox",
                  f->name, i, f->options[i].value, f->options[i].label,
                  cc_sub_has(submitted, f->name, f->options[i].value),
                  f->type == CC_FIELD_CHOICE && f->required
                  && !cc_conditional(schema, f),
                  invalid);
    }

    if (f->other) {
        cc_other_text(b, schema, f, errors, submitted);
    }

    cc_buf_str(b, "</fieldset>\n");
}


static void
cc_consent(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f,
    json_t *errors, json_t *submitted)
{
    int          invalid;
    const char  *value;

    invalid = cc_has_error(errors, f->name);
    value = cc_sub_first(submitted, f->name);

    cc_open(b, schema, f, 0, invalid);
    cc_name_errors(b, f->name, errors);
    cc_buf_str(b, "<input type=\"checkbox\"");
    cc_control(b, f->name, 0, f, invalid, 1);
    cc_buf_str(b, " value=\"oui\"");
    cc_required_attr(b, schema, f);

    if (value && cc_consent_accepted(value, strlen(value))) {
        cc_buf_str(b, " checked");
    }

    cc_buf_str(b, "><label for=\"");
    cc_id(b, f->name, 0);
    cc_buf_str(b, "\">");
    cc_label_text(b, f);
    cc_buf_str(b, "</label>\n");
    cc_hint(b, f);
    cc_buf_str(b, "</div>\n");
}


static void
cc_autocomplete(cc_buf_t *b, const cc_field_t *f)
{
    if (f->autocomplete) {
        cc_buf_str(b, " autocomplete=\"");
        cc_buf_escs(b, f->autocomplete);
        cc_buf_str(b, "\"");
    }
}


/* text, textarea, email, number: a label, a hint, one control */

static void
cc_single(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f,
    json_t *errors, json_t *submitted)
{
    int          invalid;
    char         num[32];
    const char  *value;

    invalid = cc_has_error(errors, f->name);
    value = cc_sub_first(submitted, f->name);

    cc_open(b, schema, f, 0, invalid);
    cc_buf_str(b, "<label for=\"");
    cc_id(b, f->name, 0);
    cc_buf_str(b, "\">");
    cc_label_text(b, f);

    if (f->unit) {
        cc_buf_str(b, " <span class=\"unite\">(");
        cc_buf_escs(b, f->unit);
        cc_buf_str(b, ")</span>");
    }

    cc_buf_str(b, "</label>\n");
    cc_hint(b, f);
    cc_name_errors(b, f->name, errors);

    if (f->type == CC_FIELD_TEXTAREA) {
        cc_buf_str(b, "<textarea");
        cc_control(b, f->name, 0, f, invalid, 1);
        cc_buf_str(b, " rows=\"");
        cc_buf_num(b, f->rows_hint);
        cc_buf_str(b, "\" maxlength=\"");
        cc_buf_num(b, f->max_length);
        cc_buf_str(b, "\"");
        cc_required_attr(b, schema, f);

        /* the parser drops one newline right after <textarea> */
        cc_buf_str(b, ">\n");
        cc_buf_escs(b, value ? value : "");
        cc_buf_str(b, "</textarea>\n</div>\n");
        return;
    }

    switch (f->type) {

    case CC_FIELD_EMAIL:
        cc_buf_str(b, "<input type=\"email\"");
        cc_control(b, f->name, 0, f, invalid, 1);
        cc_autocomplete(b, f);
        cc_buf_str(b, " maxlength=\"254\"");
        break;

    case CC_FIELD_NUMBER:
        cc_buf_str(b, "<input type=\"number\"");
        cc_control(b, f->name, 0, f, invalid, 1);
        snprintf(num, sizeof(num), "%lld", f->nmin);
        cc_buf_str(b, " inputmode=\"numeric\" step=\"1\" min=\"");
        cc_buf_str(b, num);
        snprintf(num, sizeof(num), "%lld", f->nmax);
        cc_buf_str(b, "\" max=\"");
        cc_buf_str(b, num);
        cc_buf_str(b, "\"");
        break;

    default:
        cc_buf_str(b, "<input type=\"text\"");
        cc_control(b, f->name, 0, f, invalid, 1);
        cc_autocomplete(b, f);
        cc_buf_str(b, " maxlength=\"");
        cc_buf_num(b, f->max_length);
        cc_buf_str(b, "\"");
    }

    cc_required_attr(b, schema, f);

    if (value) {
        cc_buf_str(b, " value=\"");
        cc_buf_escs(b, value);
        cc_buf_str(b, "\"");
    }

    cc_buf_str(b, ">\n</div>\n");
}


/* each type's renderer; a choice with a long list is a list box */

typedef void (*cc_render_pt)(cc_buf_t *b, const cc_schema_t *schema,
    const cc_field_t *f, json_t *errors, json_t *submitted);

static const cc_render_pt  cc_renderers[CC_FIELD_NTYPES] = {
    [CC_FIELD_CHOICE] = cc_choices,
    [CC_FIELD_MULTIPLE] = cc_choices,
    [CC_FIELD_TEXT] = cc_single,
    [CC_FIELD_EMAIL] = cc_single,
    [CC_FIELD_CONSENT] = cc_consent,
    [CC_FIELD_TEXTAREA] = cc_single,
    [CC_FIELD_NUMBER] = cc_single,
    [CC_FIELD_SCALE] = cc_scale,
    [CC_FIELD_MATRIX] = cc_matrix,
    [CC_FIELD_RANKING] = cc_ranking,
};


static void
cc_field(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f,
    json_t *errors, json_t *submitted)
{
    (f->type == CC_FIELD_CHOICE && f->select ? cc_select
                                             : cc_renderers[f->type])
        (b, schema, f, errors, submitted);
}


void
cc_form_fields(cc_buf_t *b, const cc_schema_t *schema, json_t *errors,
    json_t *submitted)
{
    size_t               i, k;
    const cc_section_t  *sec;

    for (k = 0; k < schema->nsections; k++) {
        sec = &schema->sections[k];

        if (sec->title) {
            cc_buf_str(b, "<section class=\"partie\" id=\"partie-");
            cc_buf_num(b, k + 1);
            cc_buf_str(b, "\" aria-labelledby=\"partie-");
            cc_buf_num(b, k + 1);
            cc_buf_str(b, "-titre\"");

            if (sec->cond) {
                cc_cond_attrs(b, schema, sec->cond);
            }

            cc_buf_str(b, ">\n<h2 id=\"partie-");
            cc_buf_num(b, k + 1);
            cc_buf_str(b, "-titre\">");
            cc_buf_escs(b, sec->title);
            cc_buf_str(b, "</h2>\n");

            if (sec->cond) {
                cc_cond_sentence(b, schema, sec->cond);
            }

            if (sec->intro) {
                cc_buf_str(b, "<p class=\"intro\">");
                cc_buf_escs(b, sec->intro);
                cc_buf_str(b, "</p>\n");
            }
        }

        for (i = sec->first; i < sec->first + sec->nfields; i++) {
            cc_field(b, schema, &schema->fields[i], errors, submitted);
        }

        if (sec->title) {
            cc_buf_str(b, "</section>\n");
        }
    }
}


void
cc_form_error_label(cc_buf_t *b, const cc_schema_t *schema,
    const char *slot, int *found)
{
    const cc_slot_t   *sl;
    const cc_field_t  *f;

    sl = cc_schema_slot(schema, slot, strlen(slot));
    *found = sl != NULL;

    if (sl == NULL) {
        return;
    }

    f = &schema->fields[sl->field];
    cc_buf_escs(b, f->label);

    if (sl->kind == CC_SLOT_ROW) {
        cc_buf_str(b, " " CC_NDASH_TEXT " ");
        cc_buf_escs(b, f->rows[sl->row].label);

    } else if (sl->kind == CC_SLOT_OTHER) {
        cc_buf_str(b, " (");
        cc_buf_escs(b, f->other_label);
        cc_buf_str(b, ")");
    }
}
