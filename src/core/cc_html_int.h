/*
 * What the page writer (cc_html.c: the buffer, the page, the error
 * summary) and the form renderer (cc_form_html.c: sections and questions)
 * share.
 */

#ifndef CC_HTML_INT_H
#define CC_HTML_INT_H

#include <stddef.h>
#include <jansson.h>

#include "cc_http.h"
#include "cc_schema_int.h"
#include "cc_messages.h"


#define CC_NDASH_TEXT  "\xe2\x80\x93"    /* – */

/* a growing output buffer; one failed allocation poisons it */

typedef struct {
    char    *p;
    size_t   len;
    size_t   cap;
    int      failed;
} cc_buf_t;

void cc_buf_add(cc_buf_t *b, const char *s, size_t n);
void cc_buf_str(cc_buf_t *b, const char *s);
void cc_buf_num(cc_buf_t *b, size_t n);
/* HTML text and attribute values alike (& < > " ' escaped) */
void cc_buf_esc(cc_buf_t *b, const char *s, size_t len);
void cc_buf_escs(cc_buf_t *b, const char *s);
char *cc_buf_done(cc_buf_t *b);

/* cc_page.c: the shell around a page's content */
void cc_page_head(cc_buf_t *b, const cc_shell_t *shell, const char *title,
    const char *current);
void cc_page_tail(cc_buf_t *b, const cc_shell_t *shell);

/* what was submitted for "name": its string, or the first of its list */
const char *cc_sub_first(json_t *submitted, const char *name);
int cc_sub_has(json_t *submitted, const char *name, const char *value);

const char *cc_error_field(json_t *e);
const char *cc_error_message(json_t *e);
int cc_has_error(json_t *errors, const char *name);

/* cc_form_html.c: the pieces of a question */
#define CC_LAQUO  "\xc2\xab" CC_NBSP
#define CC_RAQUO  CC_NBSP "\xc2\xbb"

int cc_conditional(const cc_schema_t *schema, const cc_field_t *f);
int cc_name_errors(cc_buf_t *b, const char *name, json_t *errors);
void cc_id(cc_buf_t *b, const char *name, size_t idx);
void cc_control(cc_buf_t *b, const char *name, size_t idx,
    const cc_field_t *f, int invalid, int describe);
void cc_label_text(cc_buf_t *b, const cc_field_t *f);
void cc_hint(cc_buf_t *b, const cc_field_t *f);
void cc_open(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f,
    int group, int invalid);
void cc_required_attr(cc_buf_t *b, const cc_schema_t *schema,
    const cc_field_t *f);
/* data-nom, data-requis: a required question's message, for the script */
void cc_required_data(cc_buf_t *b, const cc_field_t *f, const char *name,
    const cc_option_t *row);
void cc_option(cc_buf_t *b, const char *type, const char *name, size_t idx,
    const char *value, const char *label, int checked, int required,
    int invalid);

/* cc_form_cond.c: a condition as data-si="...", and in words */
void cc_cond_attrs(cc_buf_t *b, const cc_schema_t *schema,
    const cc_cond_t *c);
void cc_cond_sentence(cc_buf_t *b, const cc_schema_t *schema,
    const cc_cond_t *c);

/* cc_form_widgets.c */
void cc_select(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f,
    json_t *errors, json_t *submitted);
void cc_scale(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f,
    json_t *errors, json_t *submitted);
void cc_matrix(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f,
    json_t *errors, json_t *submitted);
void cc_ranking(cc_buf_t *b, const cc_schema_t *schema, const cc_field_t *f,
    json_t *errors, json_t *submitted);

/* cc_form_html.c: every section and question, answers and errors in */
void cc_form_fields(cc_buf_t *b, const cc_schema_t *schema, json_t *errors,
    json_t *submitted);
/* the label an error's field (a slot name) is listed under, or NULL */
void cc_form_error_label(cc_buf_t *b, const cc_schema_t *schema,
    const char *slot, int *found);

#endif /* CC_HTML_INT_H */
