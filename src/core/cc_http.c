/*
 * HTTP-level decisions (body type, JSON or HTML answer) and the JSON error
 * bodies.  Header values come straight from clients: every parser here is
 * bounded by the given length and fuzzed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_http.h"
#include "cc_errors.h"


/* header parsing helpers: OWS is spaces and tabs, tokens are ASCII */

static int
cc_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}


static int
cc_ncase_eq(const char *s, const char *lower, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        if (cc_lower((unsigned char) s[i]) != lower[i]) {
            return 0;
        }
    }

    return 1;
}


static int
cc_token_is(const char *s, size_t len, const char *token)
{
    return strlen(token) == len && cc_ncase_eq(s, token, len);
}


static void
cc_ows_trim(const char **s, size_t *len)
{
    while (*len && ((*s)[0] == ' ' || (*s)[0] == '\t')) {
        (*s)++;
        (*len)--;
    }

    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) {
        (*len)--;
    }
}


/* next "sep"-separated, trimmed item of [*p, end); 0 when none is left */

static int
cc_next_item(const char **p, const char *end, char sep, const char **item,
    size_t *len)
{
    const char  *s;

    if (*p > end) {
        return 0;
    }

    s = *p;

    while (*p < end && **p != sep) {
        (*p)++;
    }

    *item = s;
    *len = (size_t) (*p - s);
    (*p)++;                             /* past the separator or the end */

    cc_ows_trim(item, len);

    return 1;
}


/* splits "name=value" (value unquoted); 0 without '=' */

static int
cc_param(const char *s, size_t len, const char **name, size_t *nlen,
    const char **value, size_t *vlen)
{
    const char  *eq;

    eq = memchr(s, '=', len);
    if (eq == NULL) {
        return 0;
    }

    *name = s;
    *nlen = (size_t) (eq - s);
    *value = eq + 1;
    *vlen = len - *nlen - 1;

    cc_ows_trim(name, nlen);
    cc_ows_trim(value, vlen);

    if (*vlen >= 2 && (*value)[0] == '"' && (*value)[*vlen - 1] == '"') {
        (*value)++;
        *vlen -= 2;
    }

    return 1;
}


cc_body_type_e
cc_content_type(const char *value, size_t len)
{
    size_t          tlen, plen, nlen, vlen;
    const char     *p, *end, *type, *param, *name, *val;
    cc_body_type_e  bt;

    if (value == NULL) {
        return CC_BODY_UNSUPPORTED;
    }

    p = value;
    end = value + len;

    if (!cc_next_item(&p, end, ';', &type, &tlen)) {
        return CC_BODY_UNSUPPORTED;
    }

    if (cc_token_is(type, tlen, "application/json")) {
        bt = CC_BODY_JSON;

    } else if (cc_token_is(type, tlen, "application/x-www-form-urlencoded")) {
        bt = CC_BODY_URLENCODED;

    } else {
        return CC_BODY_UNSUPPORTED;
    }

    while (cc_next_item(&p, end, ';', &param, &plen)) {
        if (cc_param(param, plen, &name, &nlen, &val, &vlen)
            && cc_token_is(name, nlen, "charset")
            && !cc_token_is(val, vlen, "utf-8")
            && !cc_token_is(val, vlen, "utf8"))
        {
            return CC_BODY_UNSUPPORTED;
        }
    }

    return bt;
}


/* "q" in thousandths; -1 when malformed (the range is then ignored) */

static int
cc_qvalue(const char *s, size_t len)
{
    int     q, scale;
    size_t  i;

    if (len == 0 || (s[0] != '0' && s[0] != '1')) {
        return -1;
    }

    q = (s[0] - '0') * 1000;

    if (len == 1) {
        return q;
    }

    if (s[1] != '.' || len > 5) {
        return -1;
    }

    scale = 100;

    for (i = 2; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }

        q += (s[i] - '0') * scale;
        scale /= 10;
    }

    return q > 1000 ? -1 : q;
}


typedef struct {
    int     spec;               /* 3 exact, 2 "type/ *", 1 "* / *", 0 none */
    int     q;
    size_t  explicit_at;        /* position of the exact range, or -1 */
} cc_accept_match_t;


static void
cc_accept_match(cc_accept_match_t *m, const char *range, size_t rlen,
    const char *type, size_t idx, int q)
{
    int          spec;
    size_t       tlen;
    const char  *slash;

    slash = strchr(type, '/');
    tlen = (size_t) (slash - type);

    if (cc_token_is(range, rlen, type)) {
        spec = 3;

        if (m->explicit_at == (size_t) -1) {
            m->explicit_at = idx;
        }

    } else if (rlen == tlen + 2 && range[tlen] == '/' && range[tlen + 1] == '*'
               && cc_ncase_eq(range, type, tlen))
    {
        spec = 2;

    } else if (rlen == 3 && memcmp(range, "*/*", 3) == 0) {
        spec = 1;

    } else {
        return;
    }

    if (spec > m->spec) {
        m->spec = spec;
        m->q = q;
    }
}


int
cc_accept_prefers_html(const char *value, size_t len)
{
    return cc_accept_prefers(value, len, "text/html", "application/json");
}


int
cc_accept_prefers(const char *value, size_t len, const char *a,
    const char *b)
{
    int                q, pq;
    size_t             idx, ilen, rlen, plen, nlen, vlen;
    const char        *p, *end, *item, *ip, *iend, *range, *param, *name, *val;
    cc_accept_match_t  html, json;

    if (value == NULL || len == 0) {
        return 0;
    }

    html.spec = 0;
    html.q = 0;
    html.explicit_at = (size_t) -1;
    json = html;

    p = value;
    end = value + len;

    for (idx = 0; cc_next_item(&p, end, ',', &item, &ilen); idx++) {

        ip = item;
        iend = item + ilen;

        if (!cc_next_item(&ip, iend, ';', &range, &rlen) || rlen == 0) {
            continue;
        }

        q = 1000;

        while (cc_next_item(&ip, iend, ';', &param, &plen)) {
            if (cc_param(param, plen, &name, &nlen, &val, &vlen)
                && cc_token_is(name, nlen, "q"))
            {
                pq = cc_qvalue(val, vlen);
                q = pq < 0 ? 0 : pq;
                break;
            }
        }

        cc_accept_match(&html, range, rlen, a, idx, q);
        cc_accept_match(&json, range, rlen, b, idx, q);
    }

    if (html.q != json.q) {
        return html.q > json.q;
    }

    /* a tie goes to a only when the client named it first */

    return html.q > 0 && html.explicit_at != (size_t) -1
           && html.explicit_at < json.explicit_at;
}


char *
cc_errors_body_json(json_t *errors)
{
    char    *s;
    json_t  *body;

    body = json_object();
    if (body == NULL) {
        return NULL;
    }

    if (json_object_set_new(body, "errors",
                            json_is_array(errors) ? json_incref(errors)
                                                  : json_array())
        != 0)
    {
        json_decref(body);
        return NULL;
    }

    /* no JSON_ENSURE_ASCII: French text stays readable UTF-8 */
    s = json_dumps(body, JSON_COMPACT);

    json_decref(body);

    return s;
}


char *
cc_error_body_json(const char *field, const char *code, const char *message)
{
    char         *s;
    cc_errors_t  *errors;

    errors = NULL;

    if (cc_errors_add(&errors, field, field ? strlen(field) : 0,
                      code ? code : "", message ? message : "")
        != 0)
    {
        cc_errors_free(errors);
        return NULL;
    }

    s = cc_errors_json(errors, NULL);
    cc_errors_free(errors);

    return s;
}
