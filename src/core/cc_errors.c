/*
 * The errors of a refused body (cc_errors.h): one array of entries and one
 * buffer of their strings, grown as needed.
 */

#include <stdlib.h>
#include <string.h>

#include "cc_errors.h"
#include "cc_jsonw.h"

extern void *(*cc_malloc)(size_t size);


typedef struct {
    const char         *code;
    size_t              field;          /* offset in buf; (size_t) -1: none */
    size_t              message;
} cc_error_t;


struct cc_errors_s {
    cc_error_t         *items;
    size_t              n;
    size_t              cap;
    char               *buf;
    size_t              len;
    size_t              size;
};

#define CC_NO_FIELD  ((size_t) -1)


static int
cc_errors_grow(void **p, size_t *cap, size_t want, size_t unit)
{
    void    *np;
    size_t   n;

    if (want <= *cap) {
        return 0;
    }

    n = *cap ? *cap : 8;

    while (n < want) {
        n *= 2;
    }

    np = cc_malloc(n * unit);
    if (np == NULL) {
        return -1;
    }

    if (*p) {
        memcpy(np, *p, *cap * unit);
        free(*p);
    }

    *p = np;
    *cap = n;

    return 0;
}


static size_t
cc_errors_str(cc_errors_t *e, const char *s, size_t len)
{
    size_t  at;

    if (cc_errors_grow((void **) &e->buf, &e->size, e->len + len + 1, 1)
        != 0)
    {
        return CC_NO_FIELD;
    }

    at = e->len;
    memcpy(e->buf + at, s, len);
    e->buf[at + len] = '\0';
    e->len += len + 1;

    return at;
}


int
cc_errors_add(cc_errors_t **errors, const char *field, size_t field_len,
    const char *code, const char *message)
{
    cc_errors_t  *e;
    cc_error_t   *it;

    e = *errors;

    if (e == NULL) {
        e = cc_malloc(sizeof(cc_errors_t));
        if (e == NULL) {
            return -1;
        }

        memset(e, 0, sizeof(cc_errors_t));
        *errors = e;
    }

    if (cc_errors_grow((void **) &e->items, &e->cap, e->n + 1,
                       sizeof(cc_error_t))
        != 0)
    {
        return -1;
    }

    it = &e->items[e->n];
    it->code = code;
    it->field = CC_NO_FIELD;

    if (field) {
        it->field = cc_errors_str(e, field, field_len);
        if (it->field == CC_NO_FIELD) {
            return -1;
        }
    }

    it->message = cc_errors_str(e, message, strlen(message));
    if (it->message == CC_NO_FIELD) {
        return -1;
    }

    e->n++;

    return 0;
}


size_t
cc_errors_count(const cc_errors_t *errors)
{
    return errors ? errors->n : 0;
}


void
cc_errors_get(const cc_errors_t *errors, size_t i, const char **field,
    const char **code, const char **message)
{
    const cc_error_t  *it;

    it = &errors->items[i];

    *field = it->field == CC_NO_FIELD ? NULL : errors->buf + it->field;
    *code = it->code;
    *message = errors->buf + it->message;
}


/* counts when o is NULL */

static size_t
cc_errors_put(char *o, const cc_errors_t *e)
{
    size_t       i, n;
    const char  *field, *code, *message;

#define cc_put_raw(s, l)                                                      \
    do { if (o) { memcpy(o + n, s, l); } n += l; } while (0)
#define cc_put_lit(s)  cc_put_raw(s, sizeof(s) - 1)
#define cc_put_str(s)                                                         \
    n += cc_jsonw_string(o ? o + n : NULL, s, strlen(s), CC_JSONW_STRING)

    n = 0;
    cc_put_lit("{\"errors\":[");

    for (i = 0; i < cc_errors_count(e); i++) {
        cc_errors_get(e, i, &field, &code, &message);

        if (i) {
            cc_put_lit(",");
        }

        cc_put_lit("{\"field\":");

        if (field) {
            cc_put_str(field);

        } else {
            cc_put_lit("null");
        }

        cc_put_lit(",\"code\":");
        cc_put_str(code);
        cc_put_lit(",\"message\":");
        cc_put_str(message);
        cc_put_lit("}");
    }

    cc_put_lit("]}");

#undef cc_put_raw
#undef cc_put_lit
#undef cc_put_str

    return n;
}


char *
cc_errors_json(const cc_errors_t *errors, size_t *len)
{
    char    *s;
    size_t   n;

    n = cc_errors_put(NULL, errors);

    s = cc_malloc(n + 1);
    if (s == NULL) {
        return NULL;
    }

    cc_errors_put(s, errors);
    s[n] = '\0';

    if (len) {
        *len = n;
    }

    return s;
}


json_t *
cc_errors_to_json(const cc_errors_t *errors)
{
    size_t       i;
    json_t      *a, *e;
    const char  *field, *code, *message;

    a = json_array();
    if (a == NULL) {
        return NULL;
    }

    for (i = 0; i < cc_errors_count(errors); i++) {
        cc_errors_get(errors, i, &field, &code, &message);

        e = json_pack("{s:s?,s:s,s:s}", "field", field, "code", code,
                      "message", message);

        if (e == NULL || json_array_append_new(a, e) != 0) {
            json_decref(a);
            return NULL;
        }
    }

    return a;
}


void
cc_errors_free(cc_errors_t *errors)
{
    if (errors == NULL) {
        return;
    }

    free(errors->items);
    free(errors->buf);
    free(errors);
}
