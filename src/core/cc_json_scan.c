/*
 * The strict JSON reader's scanners: white space, strings (unescaped,
 * checked), numbers (with jansson's limits), literals, duplicate keys, and
 * the position of an error as jansson reports it.
 */

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_json_int.h"
#include "cc_utf8.h"

#define CC_REAL_DIGITS  800     /* enough to round any double exactly */


int
cc_json_fail(cc_json_t *j, cc_json_status_e status, const char *at)
{
    size_t       line;
    const char  *p, *bol, *eoc;

    j->err->status = status;

    if (status != CC_JSON_SYNTAX && status != CC_JSON_DEPTH) {
        return -1;
    }

    /* as jansson counted: lines from 1, code points read on the line */

    line = 1;
    bol = j->start;

    for (p = j->start; p < at; p++) {
        if (*p == '\n') {
            line++;
            bol = p + 1;
        }
    }

    eoc = at < j->end ? at + 1 : j->end;

    j->err->line = line;
    j->err->column = cc_utf8_length(bol, (size_t) (eoc - bol));

    return -1;
}


void
cc_json_ws(cc_json_t *j)
{
    while (j->p < j->end
           && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r'
               || *j->p == '\t'))
    {
        j->p++;
    }
}


/*
 * The key set: open addressing, grown at half load.  Seeded with the
 * body's address so that colliding keys cannot be prepared in advance.
 */

static size_t
cc_json_hash(const cc_json_t *j, const char *s, size_t len, size_t obj)
{
    size_t    i;
    uint64_t  h;

    h = 1469598103934665603ULL ^ (uint64_t) (uintptr_t) j->start
        ^ ((uint64_t) obj << 32);

    for (i = 0; i < len; i++) {
        h ^= (unsigned char) s[i];
        h *= 1099511628211ULL;
    }

    h ^= h >> 29;

    return (size_t) h;
}


/* 1 when the key was already there, 0 when added, -1 on no memory */

int
cc_json_key_add(cc_json_t *j, const cc_slice_t *key, size_t obj)
{
    size_t     i, k, cap;
    cc_key_t  *tab, *e;

    if (j->nkeys + 1 > j->keys_cap / 2) {
        cap = j->keys_cap ? j->keys_cap * 2 : 64;

        tab = cc_malloc(cap * sizeof(cc_key_t));
        if (tab == NULL) {
            return -1;
        }

        memset(tab, 0, cap * sizeof(cc_key_t));

        for (k = 0; k < j->keys_cap; k++) {
            e = &j->keys[k];

            if (e->s == NULL) {
                continue;
            }

            i = cc_json_hash(j, e->s, e->len, e->obj) & (cap - 1);

            while (tab[i].s != NULL) {
                i = (i + 1) & (cap - 1);
            }

            tab[i] = *e;
        }

        free(j->keys);
        j->keys = tab;
        j->keys_cap = cap;
    }

    i = cc_json_hash(j, key->s, key->len, obj) & (j->keys_cap - 1);

    for ( ;; ) {
        e = &j->keys[i];

        if (e->s == NULL) {
            break;
        }

        if (e->obj == obj && e->len == key->len
            && memcmp(e->s, key->s, key->len) == 0)
        {
            return 1;
        }

        i = (i + 1) & (j->keys_cap - 1);
    }

    /* an empty key must still mark its slot as used */
    e->s = key->s ? key->s : "";
    e->len = key->len;
    e->obj = obj;
    j->nkeys++;

    return 0;
}


static int
cc_json_hex4(const char *p, const char *end, uint32_t *cp)
{
    int       i, d;
    uint32_t  v;

    if (end - p < 4) {
        return -1;
    }

    v = 0;

    for (i = 0; i < 4; i++) {
        if (p[i] >= '0' && p[i] <= '9') {
            d = p[i] - '0';

        } else if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f') {
            d = (p[i] | 0x20) - 'a' + 10;

        } else {
            return -1;
        }

        v = v * 16 + (uint32_t) d;
    }

    *cp = v;

    return 0;
}


static char *
cc_json_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        *o++ = (char) cp;

    } else if (cp < 0x800) {
        *o++ = (char) (0xC0 | (cp >> 6));
        *o++ = (char) (0x80 | (cp & 0x3F));

    } else if (cp < 0x10000) {
        *o++ = (char) (0xE0 | (cp >> 12));
        *o++ = (char) (0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char) (0x80 | (cp & 0x3F));

    } else {
        *o++ = (char) (0xF0 | (cp >> 18));
        *o++ = (char) (0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char) (0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char) (0x80 | (cp & 0x3F));
    }

    return o;
}


/*
 * A string, j->p on its opening quote.  Without escapes it stays a slice
 * of the body; with escapes it is decoded into the scratch, which never
 * runs out: a decoded string is never longer than its source.  "check_nul"
 * is 0 for a string read only to report an error (jansson's lexer checked
 * escapes and surrogates of any token, its parser NULs of values only).
 */

int
cc_json_string(cc_json_t *j, cc_slice_t *out, int check_nul)
{
    int             bad_unicode, nul;
    char           *o, *base;
    uint32_t        cp, lo;
    const char     *p, *end, *start;
    unsigned char   c;

    start = j->p + 1;
    end = j->end;

    for (p = start; p < end; p++) {
        c = (unsigned char) *p;

        if (c == '"') {
            out->s = start;
            out->len = (size_t) (p - start);
            j->p = p + 1;
            return 0;
        }

        if (c == '\\') {
            break;
        }

        if (c < 0x20) {
            return cc_json_fail(j, CC_JSON_SYNTAX, p);
        }
    }

    if (p == end) {
        return cc_json_fail(j, CC_JSON_SYNTAX, end);
    }

    base = j->out;
    memcpy(base, start, (size_t) (p - start));
    o = base + (p - start);

    bad_unicode = 0;
    nul = 0;

    while (p < end) {
        c = (unsigned char) *p;

        if (c == '"') {
            break;
        }

        if (c < 0x20) {
            return cc_json_fail(j, CC_JSON_SYNTAX, p);
        }

        if (c != '\\') {
            *o++ = (char) c;
            p++;
            continue;
        }

        if (end - p < 2) {
            return cc_json_fail(j, CC_JSON_SYNTAX, end);
        }

        switch (p[1]) {
        case '"':  *o++ = '"';  p += 2; continue;
        case '\\': *o++ = '\\'; p += 2; continue;
        case '/':  *o++ = '/';  p += 2; continue;
        case 'b':  *o++ = '\b'; p += 2; continue;
        case 'f':  *o++ = '\f'; p += 2; continue;
        case 'n':  *o++ = '\n'; p += 2; continue;
        case 'r':  *o++ = '\r'; p += 2; continue;
        case 't':  *o++ = '\t'; p += 2; continue;
        case 'u':  break;
        default:
            return cc_json_fail(j, CC_JSON_SYNTAX, p + 1);
        }

        if (cc_json_hex4(p + 2, end, &cp) != 0) {
            return cc_json_fail(j, CC_JSON_SYNTAX, p + 1);
        }

        p += 6;

        if (cp >= 0xD800 && cp <= 0xDBFF) {

            if (end - p < 2 || p[0] != '\\' || p[1] != 'u') {
                bad_unicode = 1;
                continue;
            }

            if (cc_json_hex4(p + 2, end, &lo) != 0) {
                return cc_json_fail(j, CC_JSON_SYNTAX, p + 1);
            }

            p += 6;

            if (lo < 0xDC00 || lo > 0xDFFF) {
                bad_unicode = 1;
                continue;
            }

            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);

        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            bad_unicode = 1;
            continue;
        }

        nul |= cp == 0;
        o = cc_json_utf8(o, cp);
    }

    if (p == end) {
        return cc_json_fail(j, CC_JSON_SYNTAX, end);
    }

    j->p = p + 1;

    if (bad_unicode) {
        return cc_json_fail(j, CC_JSON_UNICODE, p);
    }

    if (nul && check_nul) {
        return cc_json_fail(j, CC_JSON_NUL, p);
    }

    j->out = o;
    out->s = base;
    out->len = (size_t) (o - base);

    return 0;
}


/* a token where another was expected: its own lexical errors come first */

int
cc_json_unexpected(cc_json_t *j)
{
    cc_slice_t   s;
    const char  *at;

    at = j->p;

    if (at < j->end && *at == '"' && cc_json_string(j, &s, 0) != 0) {
        return -1;
    }

    return cc_json_fail(j, CC_JSON_SYNTAX, at);
}


/*
 * jansson's limits, which made some RFC 8259 numbers invalid_json: an
 * integer beyond 64 bits, a real beyond a double.
 */

static int
cc_json_int_overflows(int neg, const char *d, size_t n)
{
    if (n != 19) {
        return n > 19;
    }

    return memcmp(d, neg ? "9223372036854775808" : "9223372036854775807",
                  19) > 0;
}


static int
cc_json_real_overflows(const char *ip, size_t ilen, const char *fp,
    size_t flen, long long exp)
{
    char         buf[CC_REAL_DIGITS + 32];
    size_t       i, n, k, z;
    double       v;
    long long    e10;
    const char  *d;

    /* the significant digits of ip fp, then the value is < 10^e10 */

    n = ilen + flen;
    z = 0;

    while (z < n && (z < ilen ? ip[z] : fp[z - ilen]) == '0') {
        z++;
    }

    if (z == n) {
        return 0;
    }

    e10 = (long long) (n - z) + exp - (long long) flen;

    if (e10 <= 308) {
        return 0;                       /* below 1e308 */
    }

    if (e10 >= 310) {
        return 1;                       /* at least 1e309 */
    }

    /* near DBL_MAX: let strtod() round, with a sticky last digit */

    k = 0;

    for (i = z; i < n && k < CC_REAL_DIGITS; i++) {
        d = i < ilen ? &ip[i] : &fp[i - ilen];
        buf[k++] = *d;
    }

    for ( /* void */ ; i < n; i++) {
        d = i < ilen ? &ip[i] : &fp[i - ilen];

        if (*d != '0') {
            buf[k++] = '1';
            break;
        }
    }

    snprintf(buf + k, sizeof(buf) - k, "e%lld", e10 - (long long) k);

    errno = 0;
    v = strtod(buf, NULL);

    return (v == HUGE_VAL && errno == ERANGE) || isinf(v);
}


int
cc_json_number(cc_json_t *j)
{
    int          neg, real, eneg;
    size_t       ilen, flen;
    long long    exp;
    const char  *p, *end, *ip, *fp;

    p = j->p;
    end = j->end;
    neg = 0;
    real = 0;
    fp = NULL;
    flen = 0;
    exp = 0;

    if (*p == '-') {
        neg = 1;
        p++;
    }

    if (p == end || *p < '0' || *p > '9') {
        return cc_json_fail(j, CC_JSON_SYNTAX, p);
    }

    ip = p;

    if (*p == '0') {
        p++;

        if (p < end && *p >= '0' && *p <= '9') {
            return cc_json_fail(j, CC_JSON_SYNTAX, p);     /* leading 0 */
        }

    } else {
        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }
    }

    ilen = (size_t) (p - ip);

    if (p < end && *p == '.') {
        p++;

        if (p == end || *p < '0' || *p > '9') {
            return cc_json_fail(j, CC_JSON_SYNTAX, p);
        }

        fp = p;

        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }

        flen = (size_t) (p - fp);
        real = 1;
    }

    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        eneg = 0;

        if (p < end && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }

        if (p == end || *p < '0' || *p > '9') {
            return cc_json_fail(j, CC_JSON_SYNTAX, p);
        }

        while (p < end && *p >= '0' && *p <= '9') {
            if (exp < 1000000000) {             /* saturates */
                exp = exp * 10 + (*p - '0');
            }

            p++;
        }

        exp = eneg ? -exp : exp;
        real = 1;
    }

    if (real ? cc_json_real_overflows(ip, ilen, fp, flen, exp)
             : cc_json_int_overflows(neg, ip, ilen))
    {
        return cc_json_fail(j, CC_JSON_SYNTAX, p - 1);
    }

    j->p = p;

    return 0;
}


int
cc_json_literal(cc_json_t *j, const char *word, size_t len)
{
    if ((size_t) (j->end - j->p) < len || memcmp(j->p, word, len) != 0) {
        return cc_json_fail(j, CC_JSON_SYNTAX, j->p);
    }

    j->p += len;

    return 0;
}
