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
 * The JSON error body {"errors":[...]} for an errors array as returned by
 * cc_validate_*(), or for one error built from code/message (field may be
 * NULL).  malloc()ed, NUL-terminated, the caller frees; NULL on no memory.
 */
char *cc_errors_body_json(json_t *errors);
char *cc_error_body_json(const char *field, const char *code,
    const char *message);

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

/*
 * s[0..len) escaped for HTML text and attribute values (& < > " '), control
 * characters replaced by U+FFFD.  malloc()ed, NUL-terminated; NULL on no
 * memory.
 */
char *cc_html_escape(const char *s, size_t len);

#endif /* CC_HTTP_H */
