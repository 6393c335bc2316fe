/*
 * application/x-www-form-urlencoded decoding (WHATWG URL standard, strict:
 * a malformed percent-escape is an error rather than passed through).
 */

#ifndef CC_URLENCODED_H
#define CC_URLENCODED_H

#include <stddef.h>

typedef enum {
    CC_URL_OK = 0,
    CC_URL_BAD_ESCAPE,     /* '%' not followed by two hex digits */
    CC_URL_BAD_UTF8,       /* decoded name or value is not valid UTF-8 */
    CC_URL_NUL,            /* decoded name or value contains a NUL byte */
    CC_URL_TOO_MANY,       /* more pairs than the caller allows */
    CC_URL_NOMEM
} cc_url_status_e;

typedef struct {
    char    *name;         /* NUL-terminated, decoded, valid UTF-8 */
    size_t   name_len;
    char    *value;
    size_t   value_len;
} cc_url_pair_t;

/*
 * Decodes "in" into at most max_pairs pairs.  Empty segments ("a=1&&b=2")
 * are skipped; a segment without '=' has an empty value.  On CC_URL_OK the
 * caller frees with cc_url_pairs_free(); on error nothing is left allocated.
 */
cc_url_status_e cc_url_decode(const char *in, size_t len, size_t max_pairs,
    cc_url_pair_t **pairs, size_t *npairs);

void cc_url_pairs_free(cc_url_pair_t *pairs, size_t npairs);

/*
 * Decodes one component in place semantics: writes at most len bytes to out
 * ('+' becomes a space).  Returns the decoded length or (size_t) -1 on a
 * malformed escape.
 */
size_t cc_url_unescape(const char *in, size_t len, char *out);

#endif /* CC_URLENCODED_H */
