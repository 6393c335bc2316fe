/*
 * Small HTTP-level decisions and French answer bodies, kept out of the nginx
 * glue so that they are unit-tested and fuzzed.
 */

#ifndef CC_HTTP_H
#define CC_HTTP_H

#include <stddef.h>
#include <jansson.h>
#include "cc_schema.h"

typedef enum {
    CC_BODY_JSON = 0,
    CC_BODY_URLENCODED,
    CC_BODY_UNSUPPORTED
} cc_body_type_e;

/*
 * Media type of a Content-Type header value: "application/json" or
 * "application/x-www-form-urlencoded", case-insensitive, parameters allowed,
 * but a charset parameter other than utf-8 makes it unsupported.
 */
cc_body_type_e cc_content_type(const char *value, size_t len);

/*
 * 1 when the Accept header value prefers text/html over application/json
 * (q-values honoured; equal preference goes to HTML only when text/html is
 * listed explicitly before application/json).  A missing header is len 0.
 */
int cc_accept_prefers_html(const char *value, size_t len);

/*
 * The same for any two media types a and b ("type/subtype"): 1 when the
 * Accept value prefers a (its q-value higher, or equal with a named
 * explicitly before b); 0 when it prefers b, or has no preference.
 */
int cc_accept_prefers(const char *value, size_t len, const char *a,
    const char *b);

/*
 * The JSON error body {"errors":[...]} for an errors array as returned by
 * cc_validate_*(), or for one error built from code/message (field may be
 * NULL).  malloc()ed, NUL-terminated, the caller frees; NULL on no memory.
 */
char *cc_errors_body_json(json_t *errors);
char *cc_error_body_json(const char *field, const char *code,
    const char *message);

/*
 * The site's shell for the pages written here: three fragments of HTML read
 * from a directory (html/inc): "tete.html" (inside <head>: style sheet,
 * script), "entete.html" (skip link, header, menu) and "pied.html" (the
 * footer), the ones the static pages include with SSI.  A NULL shell, or
 * NULL parts, give a plain page.  cc_shell_load() writes a message naming
 * the file into err and returns -1 when a fragment cannot be used.
 */
typedef struct {
    char               *head;
    char               *header;
    char               *footer;
} cc_shell_t;

int cc_shell_load(cc_shell_t *shell, const char *dir, char *err,
    size_t errlen);
void cc_shell_free(cc_shell_t *shell);

/*
 * A small French HTML page (UTF-8) listing the errors with the labels of the
 * fields they concern, then the form redisplayed with what was submitted
 * ("submitted" may be NULL) and each error next to its field, posting again
 * to "action".  malloc()ed, the caller frees; NULL on no memory.
 */
char *cc_errors_page_html(const cc_schema_t *schema, json_t *errors,
    json_t *submitted, const char *action);

/*
 * The same page carrying the form plumbing back: a fresh form token in a
 * hidden field, and the honeypot field, empty, hidden from people by CSS
 * and from assistive technology (either name NULL: none).
 */
typedef struct {
    const char         *token_name;
    const char         *token;
    const char         *honeypot;
} cc_page_plumbing_t;

char *cc_errors_page_html_ex(const cc_schema_t *schema, json_t *errors,
    json_t *submitted, const char *action, const cc_page_plumbing_t *pl);

/* A French HTML page with a title and one paragraph (both plain text). */
char *cc_message_page_html(const char *title, const char *message);
char *cc_message_page_html_ex(const cc_shell_t *shell, const char *title,
    const char *message);

/*
 * The questionnaire's page: its title and introduction, then, when there
 * are errors, their summary, then the form with every section and
 * question (cc_form_html.c), what was submitted ("submitted", may be NULL:
 * an empty form) and the errors beside their questions.  The empty page
 * and the page shown again after an error are the same HTML.
 */
typedef struct {
    const char                *action;      /* where the form posts */
    const char                *thanks;      /* for the script, or NULL */
    const char                *notice;      /* a sentence above, or NULL */
    const char                *key;         /* a fresh idempotency key */
    const cc_page_plumbing_t  *pl;          /* token, honeypot, or NULL */
    const char                *draft;       /* the draft's resume link */
    const char                *resume;      /* the resumed draft's code */
    const char                *current;     /* the page's own address */
    const char                *fields;      /* cc_form_fields_html()'s */
    const char                *before;      /* HTML before the form */
    unsigned                   drafts:1;    /* "save and come back" */
    unsigned                   native:1;    /* the script posts it plainly */
    unsigned                   fragment:1;  /* the form alone, no page */
} cc_form_page_t;

char *cc_form_page_html(const cc_schema_t *schema, const cc_shell_t *shell,
    json_t *errors, json_t *submitted, const cc_form_page_t *fp);

/*
 * The questions of the empty form alone, made once (at configuration
 * time): given as fp->fields, a page with nothing submitted and no error
 * copies them instead of rendering them again.  malloc()ed; NULL on no
 * memory.
 */
char *cc_form_fields_html(const cc_schema_t *schema);

/*
 * s[0..len) escaped for HTML text and attribute values (& < > " '), control
 * characters replaced by U+FFFD.  malloc()ed, NUL-terminated; NULL on no
 * memory.
 */
char *cc_html_escape(const char *s, size_t len);

#endif /* CC_HTTP_H */
