/*
 * Small string helpers shared by the loaders of src/core (cc_text.c).
 */

#ifndef CC_TEXT_H
#define CC_TEXT_H

/* a malloc()ed copy of s, or NULL */
char *cc_strdup(const char *s);

#endif /* CC_TEXT_H */
