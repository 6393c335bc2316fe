/*
 * Body decoding: a JSON document (cc_json.c) or an urlencoded form (here)
 * becomes the flat input cc_validate_input() checks.  Whole-body problems
 * (syntax, encoding) stop here.  The "submitted" mirror used to redisplay
 * a form is built only for an invalid answer, from the body again, with
 * jansson: that path is rare and its output must not change.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_input.h"
#include "cc_urlencoded.h"
#include "cc_utf8.h"

#define CC_FORM_MAX_PAIRS   256
#define CC_ITEMS_INLINE     32      /* list items before growing */


void *(*cc_malloc)(size_t size) = malloc;


int
cc_input_init(cc_input_t *in, const cc_schema_t *schema, size_t len)
{
    char    *p;
    size_t   i, nopts, size;

    nopts = 0;

    for (i = 0; i < schema->nfields; i++) {
        nopts += schema->fields[i].noptions;
    }

    /* structures first, for their alignment; bytes last */

    size = schema->nfields * sizeof(cc_in_field_t)
           + CC_ITEMS_INLINE * sizeof(cc_in_item_t) + nopts + len + 1;

    p = cc_malloc(size);
    if (p == NULL) {
        return -1;
    }

    memset(p, 0, schema->nfields * sizeof(cc_in_field_t));

    in->fields = (cc_in_field_t *) p;
    p += schema->nfields * sizeof(cc_in_field_t);

    in->items = (cc_in_item_t *) p;
    in->nitems = 0;
    in->items_cap = CC_ITEMS_INLINE;
    in->items_owned = 0;
    p += CC_ITEMS_INLINE * sizeof(cc_in_item_t);

    in->seen = (unsigned char *) p;
    p += nopts;

    in->scratch = p;
    in->nunknown = 0;
    in->reserved = NULL;

    for (i = 0, nopts = 0; i < schema->nfields; i++) {
        in->fields[i].seen = in->seen + nopts;
        nopts += schema->fields[i].noptions;
    }

    return 0;
}


void
cc_input_free(cc_input_t *in)
{
    if (in->items_owned) {
        free(in->items);
    }

    free(in->fields);
}


int
cc_input_field(const cc_schema_t *schema, const char *s, size_t len)
{
    size_t             i;
    const cc_field_t  *f;

    for (i = 0; i < schema->nfields; i++) {
        f = &schema->fields[i];

        if (f->name_len == len && memcmp(f->name, s, len) == 0) {
            return (int) i;
        }
    }

    return -1;
}


int
cc_input_add_item(cc_input_t *in, size_t i, const char *s, size_t len)
{
    size_t          n;
    cc_in_item_t   *items;
    cc_in_field_t  *f;

    if (in->nitems == in->items_cap) {
        items = cc_malloc(2 * in->items_cap * sizeof(cc_in_item_t));
        if (items == NULL) {
            return -1;
        }

        memcpy(items, in->items, in->nitems * sizeof(cc_in_item_t));

        if (in->items_owned) {
            free(in->items);
        }

        in->items = items;
        in->items_cap *= 2;
        in->items_owned = 1;
    }

    n = in->nitems++;
    in->items[n].str.s = s;
    in->items[n].str.len = len;
    in->items[n].next = CC_IN_END;

    f = &in->fields[i];

    if (f->first == CC_IN_END) {
        f->first = n;

    } else {
        in->items[f->last].next = n;
    }

    f->last = n;

    return 0;
}


void
cc_input_add_unknown(cc_input_t *in, const char *s, size_t len)
{
    if (in->nunknown < CC_MAX_UNKNOWN) {
        in->unknown[in->nunknown].s = s;
        in->unknown[in->nunknown].len = len;
        in->nunknown++;
    }
}


/* a JSON value as the form would show it again: strings, or none */

static json_t *
cc_mirror_scalar(json_t *v)
{
    char    *s;
    json_t  *r;

    if (json_is_string(v)) {
        return json_incref(v);
    }

    if (json_is_boolean(v)) {
        return json_string(json_is_true(v) ? "true" : "false");
    }

    if (json_is_number(v)) {
        s = json_dumps(v, JSON_ENCODE_ANY);
        if (s == NULL) {
            return NULL;
        }

        r = json_string(s);
        free(s);
        return r;
    }

    return NULL;
}


static json_t *
cc_mirror_json(json_t *root)
{
    size_t       i;
    json_t      *out, *v, *item, *arr, *m;
    const char  *key;

    out = json_object();
    if (out == NULL) {
        return NULL;
    }

    json_object_foreach(root, key, v) {

        if (json_is_array(v)) {
            arr = json_array();
            if (arr == NULL) {
                goto nomem;
            }

            json_array_foreach(v, i, item) {
                m = cc_mirror_scalar(item);

                if (m != NULL && json_array_append_new(arr, m) != 0) {
                    json_decref(arr);
                    goto nomem;
                }
            }

            m = arr;

        } else {
            m = cc_mirror_scalar(v);

            if (m == NULL) {
                continue;
            }
        }

        if (json_object_set_new(out, key, m) != 0) {
            goto nomem;
        }
    }

    return out;

nomem:

    json_decref(out);

    return NULL;
}


static cc_validation_e
cc_json_error(const cc_json_error_t *jerr, json_t **errors)
{
    char  msg[CC_MSG_SIZE], show[CC_SHOW_SIZE];

    switch (jerr->status) {

    case CC_JSON_NOMEM:
        return CC_NOMEM;

    case CC_JSON_NUL:
        return cc_malformed(errors, "invalid_encoding",
                            "Le document JSON contient un caractère interdit "
                            "(UTF-8 invalide ou caractère nul).");

    /* a \uD800 escape is text that cannot be encoded: still an encoding */

    case CC_JSON_UNICODE:
        return cc_malformed(errors, "invalid_encoding",
                            "Le document JSON contient un caractère Unicode "
                            "invalide (\\u isolé ou hors limites).");

    case CC_JSON_DUPLICATE:
        snprintf(msg, sizeof(msg), "La clé «" CC_NBSP "%s" CC_NBSP "» "
                 "apparaît plusieurs fois dans le document JSON"
                 CC_NBSP "; envoyez chaque champ une seule fois.",
                 cc_show(jerr->key.s, jerr->key.len, show));

        return cc_malformed(errors, "invalid_json", msg);

    case CC_JSON_NOT_OBJECT:
        return cc_malformed(errors, "invalid_json",
                            "Le document JSON doit être un objet associant "
                            "chaque nom de champ à sa valeur.");

    default:
        break;
    }

    snprintf(msg, sizeof(msg), "Le corps de la requête n'est pas un document "
             "JSON valide (ligne %zu, colonne %zu)" CC_NBSP "; vérifiez sa "
             "syntaxe.", jerr->line, jerr->column);

    return cc_malformed(errors, "invalid_json", msg);
}


/* what was sent, for the form redisplayed; NULL on no memory */

static json_t *
cc_submitted_json(const char *body, size_t len)
{
    json_t        *root, *mirror;
    json_error_t   jerr;

    memset(&jerr, 0, sizeof(jerr));

    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);

    if (root == NULL) {
        /*
         * Only memory can fail here, cc_json_read() having accepted the
         * same body; should the two ever disagree, the form is shown empty.
         */
        return jerr.text[0] == '\0'
               || json_error_code(&jerr) == json_error_out_of_memory
               ? NULL : json_object();
    }

    mirror = json_is_object(root) ? cc_mirror_json(root) : json_object();
    json_decref(root);

    return mirror;
}


cc_validation_e
cc_validate_json(const cc_schema_t *schema, const char *body, size_t len,
    char **normalised, size_t *normalised_len, json_t **errors,
    json_t **submitted)
{
    return cc_validate_json_ex(schema, body, len, normalised, normalised_len,
                               errors, submitted, NULL);
}


cc_validation_e
cc_validate_json_ex(const cc_schema_t *schema, const char *body, size_t len,
    char **normalised, size_t *normalised_len, json_t **errors,
    json_t **submitted, const cc_reserved_t *reserved)
{
    cc_input_t        in;
    cc_json_error_t   jerr;
    cc_validation_e   rc;

    *normalised = NULL;
    *normalised_len = 0;
    *errors = NULL;

    if (submitted) {
        *submitted = NULL;
    }

    if (len == 0) {
        return cc_malformed(errors, "invalid_json",
                            "Le corps de la requête est vide" CC_NBSP "; "
                            "envoyez un objet JSON.");
    }

    /* raw bytes first: the reader then only looks at the grammar */

    if (memchr(body, '\0', len) != NULL || !cc_utf8_valid(body, len)) {
        return cc_malformed(errors, "invalid_encoding",
                            "Le document JSON contient un caractère interdit "
                            "(UTF-8 invalide ou caractère nul).");
    }

    if (cc_input_init(&in, schema, len) != 0) {
        return CC_NOMEM;
    }

    in.reserved = reserved;

    if (cc_json_read(schema, body, len, &in, &jerr) != CC_JSON_OK) {
        rc = cc_json_error(&jerr, errors);
        goto done;
    }

    rc = cc_validate_input(schema, &in, normalised, normalised_len, errors);

    if (rc == CC_INVALID && submitted) {
        *submitted = cc_submitted_json(body, len);

        if (*submitted == NULL) {
            json_decref(*errors);
            *errors = NULL;
            rc = CC_NOMEM;
        }
    }

done:

    cc_input_free(&in);

    return rc;
}


/* submitted[name]: a string, an array from the second occurrence on */

static int
cc_mirror_add(json_t *mirror, const char *name, json_t *value, int always)
{
    json_t  *old, *arr;

    old = json_object_get(mirror, name);

    if (old == NULL && !always) {
        return json_object_set(mirror, name, value);
    }

    if (json_is_array(old)) {
        return json_array_append(old, value);
    }

    arr = json_array();
    if (arr == NULL) {
        return -1;
    }

    if ((old && json_array_append(arr, old) != 0)
        || json_array_append(arr, value) != 0)
    {
        json_decref(arr);
        return -1;
    }

    return json_object_set_new(mirror, name, arr);
}


static json_t *
cc_submitted_form(const cc_schema_t *schema, const char *body, size_t len)
{
    size_t             i, n;
    json_t            *mirror, *v;
    cc_url_pair_t     *pairs;
    const cc_field_t  *f;

    if (cc_url_decode(body, len, CC_FORM_MAX_PAIRS, &pairs, &n)
        != CC_URL_OK)
    {
        return NULL;
    }

    mirror = json_object();
    if (mirror == NULL) {
        goto failed;
    }

    for (i = 0; i < n; i++) {
        f = cc_schema_field(schema, pairs[i].name);

        v = json_stringn(pairs[i].value, pairs[i].value_len);

        if (v == NULL
            || cc_mirror_add(mirror, pairs[i].name, v,
                             f && f->type == CC_FIELD_MULTIPLE) != 0)
        {
            json_decref(v);
            goto failed;
        }

        json_decref(v);
    }

    cc_url_pairs_free(pairs, n);

    return mirror;

failed:

    cc_url_pairs_free(pairs, n);
    json_decref(mirror);

    return NULL;
}


/* one name or value, decoded into the scratch, as cc_url_decode() does */

static cc_url_status_e
cc_form_component(const char *s, size_t len, char **out, cc_slice_t *v)
{
    size_t  n;

    n = cc_url_unescape(s, len, *out);

    if (n == (size_t) -1) {
        return CC_URL_BAD_ESCAPE;
    }

    if (memchr(*out, '\0', n) != NULL) {
        return CC_URL_NUL;
    }

    if (!cc_utf8_valid(*out, n)) {
        return CC_URL_BAD_UTF8;
    }

    v->s = *out;
    v->len = n;
    *out += n;

    return CC_URL_OK;
}


/* one pair into the input, as the same pair in a JSON object would be */

static int
cc_form_pair(const cc_schema_t *schema, cc_input_t *in, cc_slice_t *name,
    cc_slice_t *value)
{
    int                i;
    size_t             k;
    cc_in_field_t     *v;
    const cc_field_t  *f;

    /* "_name": form plumbing (token, idempotency key), not an answer */

    if (name->len > 0 && name->s[0] == '_') {
        if (in->reserved) {
            in->reserved->handler(in->reserved->data, name->s, name->len,
                                  value->s, value->len);
        }

        return 0;
    }

    i = cc_input_field(schema, name->s, name->len);

    if (i < 0) {
        for (k = 0; k < in->nunknown; k++) {
            if (in->unknown[k].len == name->len
                && memcmp(in->unknown[k].s, name->s, name->len) == 0)
            {
                return 0;
            }
        }

        cc_input_add_unknown(in, name->s, name->len);
        return 0;
    }

    f = &schema->fields[i];
    v = &in->fields[i];

    if (f->type == CC_FIELD_MULTIPLE) {
        if (v->type == CC_IN_ABSENT) {
            v->type = CC_IN_LIST;
            v->first = CC_IN_END;
            v->last = CC_IN_END;
        }

        /* an empty value is the usual "nothing checked" placeholder */

        if (value->len == 0) {
            return 0;
        }

        v->nitems++;

        return cc_input_add_item(in, (size_t) i, value->s, value->len);
    }

    if (v->type != CC_IN_ABSENT) {
        v->dup = 1;
        return 0;
    }

    if (f->type == CC_FIELD_CONSENT && value->len > 0) {
        v->type = cc_consent_accepted(value->s, value->len) ? CC_IN_TRUE
                                                             : CC_IN_FALSE;
        return 0;
    }

    v->type = CC_IN_STRING;
    v->str = *value;

    return 0;
}


/*
 * The pairs straight into the input: the same rules, in the same order,
 * as cc_url_decode() (too many pairs first, then each name and value), so
 * a malformed form gets the same error; decoded text goes to the scratch.
 */

static cc_url_status_e
cc_form_read(const cc_schema_t *schema, const char *body, size_t len,
    cc_input_t *in)
{
    char             *out;
    size_t            n, start, end, eq;
    cc_slice_t        name, value;
    const char       *amp;
    cc_url_status_e   rc;

    n = 0;

    for (start = 0; start <= len; start = end + 1) {
        amp = len > start ? memchr(body + start, '&', len - start) : NULL;
        end = amp ? (size_t) (amp - body) : len;

        if (end > start && ++n > CC_FORM_MAX_PAIRS) {
            return CC_URL_TOO_MANY;
        }
    }

    out = in->scratch;

    for (start = 0; start <= len; start = end + 1) {
        amp = len > start ? memchr(body + start, '&', len - start) : NULL;
        end = amp ? (size_t) (amp - body) : len;

        if (end == start) {
            continue;
        }

        eq = start;

        while (eq < end && body[eq] != '=') {
            eq++;
        }

        rc = cc_form_component(body + start, eq - start, &out, &name);
        if (rc != CC_URL_OK) {
            return rc;
        }

        value.s = out;
        value.len = 0;

        if (eq < end) {
            rc = cc_form_component(body + eq + 1, end - eq - 1, &out, &value);
            if (rc != CC_URL_OK) {
                return rc;
            }
        }

        if (cc_form_pair(schema, in, &name, &value) != 0) {
            return CC_URL_NOMEM;
        }
    }

    return CC_URL_OK;
}


cc_validation_e
cc_validate_urlencoded(const cc_schema_t *schema, const char *body,
    size_t len, char **normalised, size_t *normalised_len, json_t **errors,
    json_t **submitted)
{
    return cc_validate_urlencoded_ex(schema, body, len, normalised,
                                     normalised_len, errors, submitted, NULL);
}


json_t *
cc_submitted_body(const cc_schema_t *schema, int json, const char *body,
    size_t len)
{
    return json ? cc_submitted_json(body, len)
                : cc_submitted_form(schema, body, len);
}


cc_validation_e
cc_validate_urlencoded_ex(const cc_schema_t *schema, const char *body,
    size_t len, char **normalised, size_t *normalised_len, json_t **errors,
    json_t **submitted, const cc_reserved_t *reserved)
{
    char              msg[CC_MSG_SIZE];
    cc_input_t        in;
    cc_url_status_e   st;
    cc_validation_e   rc;

    *normalised = NULL;
    *normalised_len = 0;
    *errors = NULL;

    if (submitted) {
        *submitted = NULL;
    }

    if (cc_input_init(&in, schema, len) != 0) {
        return CC_NOMEM;
    }

    in.reserved = reserved;

    st = cc_form_read(schema, body, len, &in);

    switch (st) {

    case CC_URL_OK:
        break;

    case CC_URL_BAD_ESCAPE:
        rc = cc_malformed(errors, "invalid_encoding",
                          "Le formulaire contient un signe «" CC_NBSP "%"
                          CC_NBSP "» qui n'est pas suivi de deux chiffres "
                          "hexadécimaux (par exemple %C3%A9).");
        goto done;

    case CC_URL_BAD_UTF8:
        rc = cc_malformed(errors, "invalid_encoding",
                          "Le formulaire n'est pas encodé en UTF-8 valide"
                          CC_NBSP "; renvoyez-le depuis la page du "
                          "questionnaire.");
        goto done;

    case CC_URL_NUL:
        rc = cc_malformed(errors, "invalid_encoding",
                          "Le formulaire contient un caractère nul, qui "
                          "n'est pas autorisé.");
        goto done;

    case CC_URL_TOO_MANY:
        snprintf(msg, sizeof(msg), "Le formulaire contient trop de champs "
                 "(%d au plus).", CC_FORM_MAX_PAIRS);
        rc = cc_malformed(errors, "too_many_fields", msg);
        goto done;

    default:
        rc = CC_NOMEM;
        goto done;
    }

    rc = cc_validate_input(schema, &in, normalised, normalised_len, errors);

    if (rc == CC_INVALID && submitted) {
        *submitted = cc_submitted_form(schema, body, len);

        if (*submitted == NULL) {
            json_decref(*errors);
            *errors = NULL;
            rc = CC_NOMEM;
        }
    }

done:

    cc_input_free(&in);

    return rc;
}
