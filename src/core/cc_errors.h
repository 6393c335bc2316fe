/*
 * The errors of a refused body, in order: each a field (or none, for the
 * body as a whole), a code and a French message.  Written as the JSON of a
 * 422 or 400 answer without a tree being built, or as a jansson array for
 * the page that shows the form again.
 */

#ifndef CC_ERRORS_H
#define CC_ERRORS_H

#include <stddef.h>
#include <jansson.h>

typedef struct cc_errors_s  cc_errors_t;

/*
 * Appends an error, creating the list at the first one (*errors NULL).
 * field NULL: the body as a whole.  code is a constant string, kept by
 * address; field and message are copied.  0, or -1 on no memory.
 */
int cc_errors_add(cc_errors_t **errors, const char *field, size_t field_len,
    const char *code, const char *message);

size_t cc_errors_count(const cc_errors_t *errors);

/* the i-th error; *field NULL for the body as a whole */
void cc_errors_get(const cc_errors_t *errors, size_t i, const char **field,
    const char **code, const char **message);

/*
 * {"errors":[{"field":...,"code":...,"message":...},...]}, as jansson's
 * compact dump writes it, NUL-terminated, malloc()ed; NULL on no memory.
 */
char *cc_errors_json(const cc_errors_t *errors, size_t *len);

/* the same as a jansson array (a new reference), NULL on no memory */
json_t *cc_errors_to_json(const cc_errors_t *errors);

void cc_errors_free(cc_errors_t *errors);

#endif /* CC_ERRORS_H */
