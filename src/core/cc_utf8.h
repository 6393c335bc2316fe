#ifndef CC_UTF8_H
#define CC_UTF8_H

#include <stddef.h>

/* 1 when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
int cc_utf8_valid(const char *s, size_t len);

/* Number of code points in well-formed UTF-8. */
size_t cc_utf8_length(const char *s, size_t len);

#endif /* CC_UTF8_H */
