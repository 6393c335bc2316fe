/*
 * The rules of text the validator applies: trimming, consent words, e-mail
 * addresses, and user text quoted back in a message.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cc_schema_int.h"
#include "cc_text.h"

#define CC_SHOW_MAX         64      /* code points of user text quoted */
#define CC_EMAIL_MAX        254
#define CC_EMAIL_LOCAL_MAX  64
#define CC_EMAIL_LABEL_MAX  63


/* user text quoted in a message: at most CC_SHOW_MAX code points */

const char *
cc_show(const char *s, size_t len, char *buf)
{
    size_t  i, n;

    n = 0;

    for (i = 0; i < len; i++) {
        if (((unsigned char) s[i] & 0xC0) != 0x80 && n++ == CC_SHOW_MAX) {
            memcpy(buf, s, i);
            memcpy(buf + i, "\xe2\x80\xa6", 4);         /* "…" */
            return buf;
        }
    }

    memcpy(buf, s, len);
    buf[len] = '\0';

    return buf;
}


static int
cc_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
           || c == '\v';
}


void
cc_text_trim(const char **s, size_t *len)
{
    while (*len && cc_is_space((*s)[0])) {
        (*s)++;
        (*len)--;
    }

    while (*len && cc_is_space((*s)[*len - 1])) {
        (*len)--;
    }
}


static int
cc_ascii_caseeq(const char *a, const char *b, size_t n)
{
    size_t  i;
    char    x, y;

    for (i = 0; i < n; i++) {
        x = (a[i] >= 'A' && a[i] <= 'Z') ? a[i] + 32 : a[i];
        y = (b[i] >= 'A' && b[i] <= 'Z') ? b[i] + 32 : b[i];

        if (x != y) {
            return 0;
        }
    }

    return 1;
}


int
cc_consent_accepted(const char *s, size_t len)
{
    static const char  *yes[] = { "on", "oui", "true", "1", "yes", NULL };
    const char        **p;

    cc_text_trim(&s, &len);

    for (p = yes; *p; p++) {
        if (strlen(*p) == len && cc_ascii_caseeq(*p, s, len)) {
            return 1;
        }
    }

    return 0;
}


int
cc_email_valid(const char *s, size_t len)
{
    size_t  i, at, label;

    if (len > CC_EMAIL_MAX) {
        return 0;
    }

    at = len;

    for (i = 0; i < len; i++) {
        if ((unsigned char) s[i] <= 0x20 || (unsigned char) s[i] >= 0x7F) {
            return 0;
        }

        if (s[i] == '@') {
            if (at != len) {
                return 0;
            }

            at = i;
        }
    }

    if (at == 0 || at == len || at > CC_EMAIL_LOCAL_MAX) {
        return 0;
    }

    for (i = 0; i < at; i++) {
        if (strchr("()<>[]:;@\\,\"", s[i]) != NULL) {
            return 0;
        }
    }

    /* domain: dot-separated labels of [a-z0-9-], at least two of them */

    label = 0;

    for (i = at + 1; i <= len; i++) {

        if (i == len || s[i] == '.') {
            if (label == 0 || label > CC_EMAIL_LABEL_MAX
                || s[i - 1] == '-' || s[i - label] == '-')
            {
                return 0;
            }

            label = 0;
            continue;
        }

        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
              || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
        {
            return 0;
        }

        label++;
    }

    return memchr(s + at + 1, '.', len - at - 1) != NULL;
}


char *
cc_strdup(const char *s)
{
    char    *p;
    size_t   n;

    n = strlen(s) + 1;

    p = malloc(n);
    if (p != NULL) {
        memcpy(p, s, n);
    }

    return p;
}
