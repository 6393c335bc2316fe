/*
 * A strict JSON reader for answers: one pass over the body, straight into
 * the flat input (cc_input.h), without building a tree.  It accepts and
 * refuses what jansson's json_loadb(JSON_REJECT_DUPLICATES) did, so that
 * replacing it changed no verdict:
 *
 *   - RFC 8259 grammar, an array or an object at the top, nothing after;
 *   - integers must fit in 64 bits and reals must not overflow a double;
 *   - no key twice in any object, at any depth;
 *   - no \u0000 in a string or a key, no lone or mismatched surrogate;
 *   - when one string has a grammar error and a surrogate error, the
 *     grammar error is reported, wherever it is in the string (jansson
 *     checks a string's syntax before decoding it).
 *
 * The one difference: nesting deeper than CC_JSON_MAX_DEPTH containers is
 * refused (jansson allowed 2048); no answer needs more than two levels.
 */

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_input.h"
#include "cc_utf8.h"

#define CC_REAL_DIGITS  800     /* enough to round any double exactly */


typedef struct {
    const char         *s;
    size_t              len;
    size_t              obj;
} cc_key_t;


typedef struct {
    const char         *start;
    const char         *p;
    const char         *end;
    char               *out;            /* next free byte of the scratch */
    cc_input_t         *in;
    const cc_schema_t  *schema;
    cc_json_error_t    *err;
    size_t              depth;
    size_t              nobjects;
    unsigned            items:1;        /* marking a top member's list */

    /* keys of the objects whose keys no field slot deduplicates */
    cc_key_t           *keys;
    size_t              nkeys;
    size_t              keys_cap;
} cc_json_t;


static int cc_json_value(cc_json_t *j, cc_in_field_t *f, size_t fi,
    int keep);
static void cc_json_mark(cc_json_t *j, const char *s, size_t len);


static int
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


static void
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

static int
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

static int
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

static int
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


static int
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


static int
cc_json_literal(cc_json_t *j, const char *word, size_t len)
{
    if ((size_t) (j->end - j->p) < len || memcmp(j->p, word, len) != 0) {
        return cc_json_fail(j, CC_JSON_SYNTAX, j->p);
    }

    j->p += len;

    return 0;
}


/*
 * An object, j->p on '{'.  At the top, keys naming a schema field fill its
 * slot (a filled slot is a duplicate); other keys go to the key set.
 */

static int
cc_json_object(cc_json_t *j, int top)
{
    int             fi, rc, reserved;
    size_t          obj;
    cc_slice_t      key, val;
    cc_in_field_t  *f;

    if (++j->depth > CC_JSON_MAX_DEPTH) {
        return cc_json_fail(j, CC_JSON_DEPTH, j->p);
    }

    obj = top ? 0 : ++j->nobjects;

    j->p++;
    cc_json_ws(j);

    if (j->p < j->end && *j->p == '}') {
        j->p++;
        j->depth--;
        return 0;
    }

    for ( ;; ) {
        if (j->p == j->end || *j->p != '"') {
            return cc_json_unexpected(j);
        }

        if (cc_json_string(j, &key, 1) != 0) {
            return -1;
        }

        f = NULL;
        fi = top ? cc_input_field(j->schema, key.s, key.len) : -1;
        reserved = top && fi < 0 && key.len > 0 && key.s[0] == '_';

        if (fi >= 0) {
            f = &j->in->fields[fi];
            rc = f->type != CC_IN_ABSENT;

        } else {
            rc = cc_json_key_add(j, &key, obj);

            /* "_name": form plumbing (token, idempotency key) */

            if (rc == 0 && top && !reserved) {
                cc_input_add_unknown(j->in, key.s, key.len);
            }
        }

        if (rc != 0) {
            if (rc < 0) {
                return cc_json_fail(j, CC_JSON_NOMEM, j->p);
            }

            j->err->key = key;
            return cc_json_fail(j, CC_JSON_DUPLICATE, j->p);
        }

        cc_json_ws(j);

        if (j->p == j->end || *j->p != ':') {
            return cc_json_unexpected(j);
        }

        j->p++;
        cc_json_ws(j);

        if (top && j->in->marking) {
            cc_input_mark(j->in, CC_MARK_NAME, key.s, key.len);
        }

        if (reserved && j->p < j->end && *j->p == '"') {
            if (cc_json_string(j, &val, 1) != 0) {
                return -1;
            }

            cc_json_mark(j, val.s, val.len);

            if (j->in->reserved) {
                j->in->reserved->handler(j->in->reserved->data, key.s,
                                         key.len, val.s, val.len);
            }

        } else {
            if (cc_json_value(j, f, (size_t) fi,
                              f && j->schema->fields[fi].type
                                   == CC_FIELD_MULTIPLE)
                != 0)
            {
                return -1;
            }

            if (reserved && j->in->reserved) {
                j->in->reserved->handler(j->in->reserved->data, key.s,
                                         key.len, NULL, 0);
            }
        }

        cc_json_ws(j);

        if (j->p < j->end && *j->p == ',') {
            j->p++;
            cc_json_ws(j);
            continue;
        }

        if (j->p < j->end && *j->p == '}') {
            j->p++;
            break;
        }

        return cc_json_unexpected(j);
    }

    j->depth--;

    return 0;
}


/*
 * An array, j->p on '['.  For a field, the strings before the first item
 * that is not one are kept when "keep" (multiple fields): the validator
 * reports the first wrong item, in order.
 */

static int
cc_json_array(cc_json_t *j, cc_in_field_t *f, size_t fi, int keep)
{
    cc_slice_t  s;

    if (j->depth == 1 && j->in->marking) {
        cc_input_mark(j->in, CC_MARK_LIST, NULL, 0);
        j->items = 1;
    }

    if (++j->depth > CC_JSON_MAX_DEPTH) {
        return cc_json_fail(j, CC_JSON_DEPTH, j->p);
    }

    if (f) {
        f->type = CC_IN_LIST;
        f->bad_item = 0;
        f->nitems = 0;
        f->first = CC_IN_END;
        f->last = CC_IN_END;
    }

    j->p++;
    cc_json_ws(j);

    if (j->p < j->end && *j->p == ']') {
        j->p++;
        j->depth--;
        j->items = j->depth == 1 ? 0 : j->items;
        return 0;
    }

    for ( ;; ) {
        if (f && j->p < j->end && *j->p == '"') {
            if (cc_json_string(j, &s, 1) != 0) {
                return -1;
            }

            cc_json_mark(j, s.s, s.len);

            if (!f->bad_item) {
                f->nitems++;

                if (keep && cc_input_add_item(j->in, fi, s.s, s.len) != 0) {
                    return cc_json_fail(j, CC_JSON_NOMEM, j->p);
                }
            }

        } else {
            if (f) {
                f->bad_item = 1;
            }

            if (cc_json_value(j, NULL, 0, 0) != 0) {
                return -1;
            }
        }

        cc_json_ws(j);

        if (j->p < j->end && *j->p == ',') {
            j->p++;
            cc_json_ws(j);
            continue;
        }

        if (j->p < j->end && *j->p == ']') {
            j->p++;
            break;
        }

        return cc_json_unexpected(j);
    }

    j->depth--;
    j->items = j->depth == 1 ? 0 : j->items;

    return 0;
}


/* any value; "f" (may be NULL) is the top-level field it is the value of */

static int
cc_json_value(cc_json_t *j, cc_in_field_t *f, size_t fi, int keep)
{
    int          rc;
    cc_slice_t   s;
    const char  *start;

    if (j->p == j->end) {
        return cc_json_fail(j, CC_JSON_SYNTAX, j->end);
    }

    start = j->p;

    switch (*j->p) {

    case '"':
        if (cc_json_string(j, &s, 1) != 0) {
            return -1;
        }

        cc_json_mark(j, s.s, s.len);

        if (f) {
            f->type = CC_IN_STRING;
            f->str = s;
        }

        return 0;

    case '[':
        return cc_json_array(j, f, fi, keep);

    case '{':
        if (f) {
            f->type = CC_IN_OTHER;
        }

        return cc_json_object(j, 0);

    case 't':
        rc = cc_json_literal(j, "true", 4);
        if (f) {
            f->type = CC_IN_TRUE;
        }
        cc_json_mark(j, "true", 4);
        return rc;

    case 'f':
        rc = cc_json_literal(j, "false", 5);
        if (f) {
            f->type = CC_IN_FALSE;
        }
        cc_json_mark(j, "false", 5);
        return rc;

    case 'n':
        rc = cc_json_literal(j, "null", 4);
        if (f) {
            f->type = CC_IN_NULL;
        }
        return rc;

    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        if (f) {
            f->type = CC_IN_OTHER;
        }

        rc = cc_json_number(j);
        cc_json_mark(j, start, j->p - start);
        return rc;

    default:
        return cc_json_unexpected(j);
    }
}


/*
 * What was submitted, for a form shown again: a top member's value, or an
 * item of a top member's list; other values (deeper, null, objects) are
 * not shown.
 */

static void
cc_json_mark(cc_json_t *j, const char *s, size_t len)
{
    if (!j->in->marking) {
        return;
    }

    if (j->depth == 1) {
        cc_input_mark(j->in, CC_MARK_VALUE, s, len);

    } else if (j->depth == 2 && j->items) {
        cc_input_mark(j->in, CC_MARK_ITEM, s, len);
    }
}


cc_json_status_e
cc_json_read(const cc_schema_t *schema, const char *body, size_t len,
    cc_input_t *in, cc_json_error_t *err)
{
    int        rc, object;
    cc_json_t  j;

    memset(err, 0, sizeof(cc_json_error_t));
    memset(&j, 0, sizeof(cc_json_t));

    j.start = body;
    j.p = body;
    j.end = body + len;
    j.out = in->scratch;
    j.in = in;
    j.schema = schema;
    j.err = err;

    cc_json_ws(&j);
    object = 0;

    if (j.p < j.end && *j.p == '{') {
        object = 1;
        rc = cc_json_object(&j, 1);

    } else if (j.p < j.end && *j.p == '[') {
        rc = cc_json_array(&j, NULL, 0, 0);

    } else {
        rc = cc_json_unexpected(&j);            /* '[' or '{' expected */
    }

    if (rc == 0) {
        cc_json_ws(&j);

        if (j.p != j.end) {
            rc = cc_json_unexpected(&j);        /* end of input expected */

        } else if (!object) {
            rc = -1;
            err->status = CC_JSON_NOT_OBJECT;
        }
    }

    free(j.keys);

    return rc == 0 ? CC_JSON_OK : err->status;
}
