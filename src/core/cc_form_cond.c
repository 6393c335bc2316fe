/*
 * A question's or a section's condition (visible_if), as the page says it:
 * in words for people ("Si vous avez répondu « … » à « … »"), and as data
 * for the script, which hides what does not apply.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_html_int.h"


/* the condition in words, for people (and without JavaScript) */

static void
cc_cond_words(cc_buf_t *b, const cc_schema_t *schema, const cc_cond_t *c)
{
    size_t             k, n;
    const cc_field_t  *f;

    if (c->op != CC_COND_IN) {
        for (k = 0; k < c->nsubs; k++) {
            if (k > 0) {
                cc_buf_str(b, c->op == CC_COND_ALL ? " et " : ", ou ");
            }

            cc_cond_words(b, schema, &c->subs[k]);
        }

        return;
    }

    f = &schema->fields[c->field];
    cc_buf_str(b, "vous avez r\xc3\xa9pondu ");

    for (k = 0, n = 0; k < f->noptions; k++) {
        if (!c->in[k]) {
            continue;
        }

        if (n++ > 0) {
            cc_buf_str(b, " ou ");
        }

        cc_buf_str(b, CC_LAQUO);
        cc_buf_escs(b, f->options[k].label);
        cc_buf_str(b, CC_RAQUO);
    }

    cc_buf_str(b, " \xc3\xa0 " CC_LAQUO);
    cc_buf_escs(b, f->label);
    cc_buf_str(b, CC_RAQUO);
}


/* the condition as data for formulaire.js: JSON (made at load time) */

void
cc_cond_attrs(cc_buf_t *b, const cc_schema_t *schema, const cc_cond_t *c)
{
    (void) schema;

    cc_buf_str(b, " data-si=\"");
    cc_buf_escs(b, c->json);
    cc_buf_str(b, "\"");
}


void
cc_cond_sentence(cc_buf_t *b, const cc_schema_t *schema, const cc_cond_t *c)
{
    cc_buf_str(b, "<p class=\"condition\">Si ");
    cc_cond_words(b, schema, c);
    cc_buf_str(b, ".</p>\n");
}
