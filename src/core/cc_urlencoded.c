/*
 * application/x-www-form-urlencoded decoding.  All pairs and their strings
 * live in one allocation: the decoded text is never longer than the encoded
 * one, so the size is known before decoding, and freeing is one free().
 */

#include <stdlib.h>
#include <string.h>

#include "cc_urlencoded.h"
#include "cc_utf8.h"


static int
cc_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


size_t
cc_url_unescape(const char *in, size_t len, char *out)
{
    int                  h, l;
    size_t               i, n;
    const unsigned char *p;

    p = (const unsigned char *) in;
    n = 0;

    for (i = 0; i < len; i++) {

        if (p[i] == '+') {
            out[n++] = ' ';
            continue;
        }

        if (p[i] != '%') {
            out[n++] = (char) p[i];
            continue;
        }

        /* strict: "%", "%4" and "%zz" are errors, not literal text */

        if (len - i < 3) {
            return (size_t) -1;
        }

        h = cc_hex(p[i + 1]);
        l = cc_hex(p[i + 2]);

        if (h < 0 || l < 0) {
            return (size_t) -1;
        }

        out[n++] = (char) (h * 16 + l);
        i += 2;
    }

    return n;
}


static cc_url_status_e
cc_url_component(const char *in, size_t len, char *out, size_t *outlen)
{
    size_t  n;

    n = cc_url_unescape(in, len, out);

    if (n == (size_t) -1) {
        return CC_URL_BAD_ESCAPE;
    }

    out[n] = '\0';
    *outlen = n;

    if (memchr(out, '\0', n) != NULL) {
        return CC_URL_NUL;
    }

    if (!cc_utf8_valid(out, n)) {
        return CC_URL_BAD_UTF8;
    }

    return CC_URL_OK;
}


cc_url_status_e
cc_url_decode(const char *in, size_t len, size_t max_pairs,
    cc_url_pair_t **pairs, size_t *npairs)
{
    char             *text;
    size_t            i, n, start, end, eq, size;
    cc_url_pair_t    *pv;
    cc_url_status_e   rc;
    const char       *amp;

    *pairs = NULL;
    *npairs = 0;

    /* count the non-empty segments first, to refuse before allocating */

    n = 0;
    start = 0;

    while (start <= len) {
        amp = len > start ? memchr(in + start, '&', len - start) : NULL;
        end = amp ? (size_t) (amp - in) : len;

        if (end > start) {
            n++;

            if (n > max_pairs) {
                return CC_URL_TOO_MANY;
            }
        }

        start = end + 1;
    }

    if (n == 0) {
        return CC_URL_OK;
    }

    /* each segment loses at least its '&', which pays for one of the NULs */

    size = n * sizeof(cc_url_pair_t) + len + n + 1;

    pv = malloc(size);
    if (pv == NULL) {
        return CC_URL_NOMEM;
    }

    text = (char *) (pv + n);
    i = 0;
    start = 0;

    while (start <= len && i < n) {
        amp = len > start ? memchr(in + start, '&', len - start) : NULL;
        end = amp ? (size_t) (amp - in) : len;

        if (end == start) {
            start = end + 1;
            continue;
        }

        for (eq = start; eq < end && in[eq] != '='; eq++) {
            /* void */
        }

        pv[i].name = text;
        rc = cc_url_component(in + start, eq - start, text, &pv[i].name_len);
        if (rc != CC_URL_OK) {
            free(pv);
            return rc;
        }

        text += pv[i].name_len + 1;

        pv[i].value = text;

        if (eq < end) {
            rc = cc_url_component(in + eq + 1, end - eq - 1, text,
                                  &pv[i].value_len);
            if (rc != CC_URL_OK) {
                free(pv);
                return rc;
            }

        } else {
            text[0] = '\0';
            pv[i].value_len = 0;
        }

        text += pv[i].value_len + 1;
        i++;
        start = end + 1;
    }

    *pairs = pv;
    *npairs = n;

    return CC_URL_OK;
}


void
cc_url_pairs_free(cc_url_pair_t *pairs, size_t npairs)
{
    (void) npairs;

    free(pairs);
}
