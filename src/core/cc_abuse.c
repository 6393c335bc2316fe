/*
 * Abuse controls decided from headers and the schema; see cc_abuse.h.
 */

#include <string.h>
#include "cc_abuse.h"
#include "cc_schema_int.h"


static char
cc_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
}


static int
cc_caseeq(const char *s, size_t len, const char *word)
{
    size_t  i;

    if (strlen(word) != len) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (cc_lower(s[i]) != word[i]) {
            return 0;
        }
    }

    return 1;
}


size_t
cc_origin_canon(const char *s, size_t len, int slash, char *out)
{
    char        *o;
    size_t       i, hlen, plen;
    unsigned     port;
    const char  *host, *scheme, *p, *end;

    end = s + len;

    if (slash && len > 0 && s[len - 1] == '/') {
        end--;
    }

    if (len > 7 && cc_caseeq(s, 7, "http://")) {
        scheme = "http";
        port = 80;
        p = s + 7;

    } else if (len > 8 && cc_caseeq(s, 8, "https://")) {
        scheme = "https";
        port = 443;
        p = s + 8;

    } else {
        return 0;
    }

    host = p;

    if (p < end && *p == '[') {
        /* an IPv6 literal: hex digits, ":" and "." */

        for (p++; p < end && *p != ']'; p++) {
            if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')
                  || (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'))
            {
                return 0;
            }
        }

        if (p == end || p - host < 3) {
            return 0;
        }

        p++;

    } else {
        /* a name or an IPv4 address, as a browser serialises it */

        for ( /* void */ ; p < end && *p != ':'; p++) {
            if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')
                  || (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '.'))
            {
                return 0;
            }
        }

        if (p == host) {
            return 0;
        }
    }

    hlen = (size_t) (p - host);

    if (p < end) {
        if (*p != ':') {
            return 0;
        }

        p++;
        plen = 0;
        port = 0;

        for ( /* void */ ; p < end; p++, plen++) {
            if (*p < '0' || *p > '9' || plen == 5) {
                return 0;
            }

            port = port * 10 + (unsigned) (*p - '0');
        }

        if (plen == 0 || port == 0 || port > 65535) {
            return 0;
        }
    }

    /* scheme "://" host ":" port NUL */

    if (strlen(scheme) + 3 + hlen + 6 + 1 > CC_ORIGIN_MAX) {
        return 0;
    }

    o = out;
    memcpy(o, scheme, strlen(scheme));
    o += strlen(scheme);
    memcpy(o, "://", 3);
    o += 3;

    for (i = 0; i < hlen; i++) {
        *o++ = cc_lower(host[i]);
    }

    *o++ = ':';

    {
        char      digits[6];
        size_t    n;

        n = 0;

        do {
            digits[n++] = (char) ('0' + port % 10);
            port /= 10;
        } while (port);

        while (n) {
            *o++ = digits[--n];
        }
    }

    *o = '\0';

    return (size_t) (o - out);
}


cc_fetch_site_e
cc_fetch_site(const char *value, size_t len)
{
    /* optional whitespace around the token, as for any header value */

    while (len > 0 && (value[0] == ' ' || value[0] == '\t')) {
        value++;
        len--;
    }

    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t')) {
        len--;
    }

    if (cc_caseeq(value, len, "same-origin")) {
        return CC_SITE_SAME_ORIGIN;
    }

    if (cc_caseeq(value, len, "same-site")) {
        return CC_SITE_SAME_SITE;
    }

    if (cc_caseeq(value, len, "cross-site")) {
        return CC_SITE_CROSS_SITE;
    }

    if (cc_caseeq(value, len, "none")) {
        return CC_SITE_NONE;
    }

    return CC_SITE_UNKNOWN;
}


int
cc_origin_allowed(const char *const *allowed, size_t nallowed,
    const char *origin, size_t origin_len, const char *site,
    size_t site_len, int allow_missing)
{
    char    canon[CC_ORIGIN_MAX];
    size_t  i, n;

    if (origin) {
        n = cc_origin_canon(origin, origin_len, 0, canon);

        if (n == 0) {
            return 0;
        }

        for (i = 0; i < nallowed; i++) {
            if (strlen(allowed[i]) == n && memcmp(allowed[i], canon, n) == 0)
            {
                return 1;
            }
        }

        return 0;
    }

    if (site) {
        return cc_fetch_site(site, site_len) == CC_SITE_SAME_ORIGIN;
    }

    return allow_missing != 0;
}


/* the bytes a name takes, escaped at worst, in JSON ("...":) and a form */

#define CC_WORST_BYTE  6        /* "\u00XX" for one byte, "%XX" is 3 */
#define CC_WORST_CP    12       /* a surrogate pair, or 4 bytes as %XX */


size_t
cc_schema_max_body(const cc_schema_t *schema, size_t reserve)
{
    size_t             i, k, json, form, name, value, longest;
    const cc_field_t  *f;
    const cc_slot_t   *sl;

    json = 2;           /* { } */
    form = 0;

    for (i = 0; i < schema->nslots; i++) {
        sl = &schema->slots[i];
        f = &schema->fields[sl->field];
        name = sl->name_len * CC_WORST_BYTE;

        longest = 0;

        for (k = 0; k < f->noptions; k++) {
            if (f->options[k].value_len > longest) {
                longest = f->options[k].value_len;
            }
        }

        if (sl->kind == CC_SLOT_OTHER) {
            value = f->other_max_length * CC_WORST_CP;

        } else if (sl->kind == CC_SLOT_ROW) {
            value = 3 * CC_WORST_BYTE;          /* "11", "nsp" */

        } else {
            switch (f->type) {

            case CC_FIELD_TEXT:
            case CC_FIELD_TEXTAREA:
                value = f->max_length * CC_WORST_CP;
                break;

            case CC_FIELD_EMAIL:
                value = 254 * CC_WORST_BYTE;
                break;

            case CC_FIELD_CONSENT:
                value = 4 * CC_WORST_BYTE;      /* "true", "oui"... */
                break;

            case CC_FIELD_NUMBER:
                value = 14 * CC_WORST_BYTE;     /* a sign, 13 digits */
                break;

            case CC_FIELD_SCALE:
                value = 3 * CC_WORST_BYTE;
                break;

            case CC_FIELD_MULTIPLE:
            case CC_FIELD_RANKING:
                json += name + 3 + 2;

                for (k = 0; k < f->noptions; k++) {
                    value = f->options[k].value_len * CC_WORST_BYTE;
                    json += value + 3;
                    form += name + 1 + value + 1;

                    /* a list box of a ranking left blank */
                    if (f->type == CC_FIELD_RANKING) {
                        json += 3;
                        form += name + 2;
                    }
                }

                /* the empty placeholder a form sends for "nothing" */
                form += name + 2;
                json += 16;
                continue;

            default: /* CC_FIELD_CHOICE */
                value = longest * CC_WORST_BYTE;
                break;
            }
        }

        json += name + 3 + value + 3;
        form += name + 1 + value + 1;

        /* a little whitespace around each member of a JSON object */
        json += 16;
    }

    return (json > form ? json : form) + reserve;
}
