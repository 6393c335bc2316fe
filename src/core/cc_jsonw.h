/*
 * JSON strings written as jansson's compact dump writes them: the escapes
 * are \" \\ \b \f \n \r \t, and \u00XX (upper-case hex) for the
 * other control characters; '/', DEL and UTF-8 go as they are.
 */

#ifndef CC_JSONW_H
#define CC_JSONW_H

#include <stddef.h>

typedef enum {
    CC_JSONW_STRING = 1,    /* as is */
    CC_JSONW_TEXT,          /* line breaks (CRLF, CR) made LF */
    CC_JSONW_LOWER          /* ASCII lower-cased */
} cc_jsonw_e;

/*
 * Writes s[0..len) as a quoted JSON string at o and returns its length;
 * with o NULL, only counts.
 */
size_t cc_jsonw_string(char *o, const char *s, size_t len, cc_jsonw_e how);

#endif /* CC_JSONW_H */
