/*
 * Body decoding: a JSON document or an urlencoded form becomes the input
 * object cc_validate_input() checks, plus the "submitted" mirror used to
 * redisplay the form.  Whole-body problems (syntax, encoding) stop here.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_schema_int.h"
#include "cc_urlencoded.h"
#include "cc_utf8.h"

#define CC_FORM_MAX_PAIRS   256


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


/*
 * jansson names a duplicate key in its message only when it is short; its
 * position, however, always ends right after the key's closing quote.
 */

static json_t *
cc_duplicate_key(const char *body, size_t len, const json_error_t *jerr)
{
    size_t  end, j, k;

    if (jerr->position < 2 || (size_t) jerr->position > len) {
        return NULL;
    }

    end = (size_t) jerr->position;

    if (body[end - 1] != '"') {
        return NULL;
    }

    for (j = end - 1; j > 0; j--) {
        if (body[j - 1] != '"') {
            continue;
        }

        for (k = j - 1; k > 0 && body[k - 1] == '\\'; k--) {
            /* void */
        }

        if (((j - 1 - k) & 1) == 0) {
            return json_loadb(body + j - 1, end - j + 1, JSON_DECODE_ANY,
                              NULL);
        }
    }

    return NULL;
}


static cc_validation_e
cc_json_error(const char *body, size_t len, const json_error_t *jerr,
    json_t **errors)
{
    char                  msg[CC_MSG_SIZE], show[CC_SHOW_SIZE];
    json_t               *key;
    cc_validation_e       rc;
    enum json_error_code  code;

    /*
     * jansson leaves the error untouched when an allocation fails in some
     * paths (the caller zeroed it): no message means no memory, not a bad
     * document.
     */

    if (jerr->text[0] == '\0') {
        return CC_NOMEM;
    }

    code = json_error_code(jerr);

    switch (code) {

    case json_error_out_of_memory:
        return CC_NOMEM;

    case json_error_invalid_utf8:
    case json_error_null_character:
    case json_error_null_byte_in_key:
        return cc_malformed(errors, "invalid_encoding",
                            "Le document JSON contient un caractère interdit "
                            "(UTF-8 invalide ou caractère nul).");

    case json_error_duplicate_key:
        key = cc_duplicate_key(body, len, jerr);

        if (json_is_string(key)) {
            snprintf(msg, sizeof(msg), "La clé «" CC_NBSP "%s" CC_NBSP "» "
                     "apparaît plusieurs fois dans le document JSON"
                     CC_NBSP "; envoyez chaque champ une seule fois.",
                     cc_show(json_string_value(key), json_string_length(key),
                             show));

        } else {
            snprintf(msg, sizeof(msg), "Une même clé apparaît plusieurs fois "
                     "dans le document JSON" CC_NBSP "; envoyez chaque champ "
                     "une seule fois.");
        }

        json_decref(key);

        return cc_malformed(errors, "invalid_json", msg);

    default:
        break;
    }

    /* a \uD800 escape is text that cannot be encoded: still an encoding */

    if (strstr(jerr->text, "invalid Unicode") != NULL) {
        return cc_malformed(errors, "invalid_encoding",
                            "Le document JSON contient un caractère Unicode "
                            "invalide (\\u isolé ou hors limites).");
    }

    snprintf(msg, sizeof(msg), "Le corps de la requête n'est pas un document "
             "JSON valide (ligne %d, colonne %d)" CC_NBSP "; vérifiez sa "
             "syntaxe.", jerr->line, jerr->column);

    rc = cc_malformed(errors, "invalid_json", msg);

    return rc;
}


cc_validation_e
cc_validate_json(const cc_schema_t *schema, const char *body, size_t len,
    json_t **normalised, json_t **errors, json_t **submitted)
{
    json_t           *root, *mirror;
    json_error_t      jerr;
    cc_validation_e   rc;

    *normalised = NULL;
    *errors = NULL;

    if (submitted) {
        *submitted = NULL;
    }

    if (len == 0) {
        return cc_malformed(errors, "invalid_json",
                            "Le corps de la requête est vide" CC_NBSP "; "
                            "envoyez un objet JSON.");
    }

    /* checked here rather than trusted to the parser's error mapping */

    if (memchr(body, '\0', len) != NULL || !cc_utf8_valid(body, len)) {
        return cc_malformed(errors, "invalid_encoding",
                            "Le document JSON contient un caractère interdit "
                            "(UTF-8 invalide ou caractère nul).");
    }

    memset(&jerr, 0, sizeof(jerr));

    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);

    if (root == NULL) {
        return cc_json_error(body, len, &jerr, errors);
    }

    if (!json_is_object(root)) {
        json_decref(root);
        return cc_malformed(errors, "invalid_json",
                            "Le document JSON doit être un objet associant "
                            "chaque nom de champ à sa valeur.");
    }

    mirror = NULL;

    if (submitted) {
        mirror = cc_mirror_json(root);
        if (mirror == NULL) {
            json_decref(root);
            return CC_NOMEM;
        }
    }

    rc = cc_validate_input(schema, root, NULL, normalised, errors);

    json_decref(root);

    if (rc == CC_NOMEM) {
        json_decref(mirror);
        return rc;
    }

    if (submitted) {
        *submitted = mirror;
    }

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


static int
cc_form_input(const cc_schema_t *schema, cc_url_pair_t *pairs, size_t n,
    json_t *input, json_t *mirror, unsigned char *dup)
{
    int                rc;
    size_t             i;
    json_t            *v, *old, *arr;
    const cc_field_t  *f;

    for (i = 0; i < n; i++) {
        f = cc_schema_field(schema, pairs[i].name);

        v = json_stringn(pairs[i].value, pairs[i].value_len);
        if (v == NULL) {
            return -1;
        }

        rc = cc_mirror_add(mirror, pairs[i].name, v,
                           f && f->type == CC_FIELD_MULTIPLE);

        if (rc != 0 || pairs[i].name[0] == '_') {
            /* "_name": form plumbing (idempotency key), not an answer */
            json_decref(v);

            if (rc != 0) {
                return -1;
            }

            continue;
        }

        old = json_object_get(input, pairs[i].name);

        if (f != NULL && f->type == CC_FIELD_MULTIPLE) {

            if (old == NULL) {
                arr = json_array();

                if (arr == NULL
                    || json_object_set_new(input, pairs[i].name, arr) != 0)
                {
                    json_decref(v);
                    return -1;
                }

                old = arr;
            }

            /* an empty value is the usual "nothing checked" placeholder */

            rc = pairs[i].value_len ? json_array_append(old, v) : 0;

        } else if (old != NULL) {
            if (f != NULL) {
                dup[f - schema->fields] = 1;
            }

            rc = 0;

        } else if (f != NULL && f->type == CC_FIELD_CONSENT
                   && pairs[i].value_len > 0)
        {
            rc = json_object_set_new(input, pairs[i].name,
                     json_boolean(cc_consent_accepted(pairs[i].value,
                                                      pairs[i].value_len)));

        } else {
            rc = json_object_set(input, pairs[i].name, v);
        }

        json_decref(v);

        if (rc != 0) {
            return -1;
        }
    }

    return 0;
}


cc_validation_e
cc_validate_urlencoded(const cc_schema_t *schema, const char *body,
    size_t len, json_t **normalised, json_t **errors, json_t **submitted)
{
    char              msg[CC_MSG_SIZE];
    size_t            n;
    json_t           *input, *mirror;
    unsigned char    *dup;
    cc_url_pair_t    *pairs;
    cc_url_status_e   st;
    cc_validation_e   rc;

    *normalised = NULL;
    *errors = NULL;

    if (submitted) {
        *submitted = NULL;
    }

    st = cc_url_decode(body, len, CC_FORM_MAX_PAIRS, &pairs, &n);

    switch (st) {

    case CC_URL_OK:
        break;

    case CC_URL_BAD_ESCAPE:
        return cc_malformed(errors, "invalid_encoding",
                            "Le formulaire contient un signe «" CC_NBSP "%"
                            CC_NBSP "» qui n'est pas suivi de deux chiffres "
                            "hexadécimaux (par exemple %C3%A9).");

    case CC_URL_BAD_UTF8:
        return cc_malformed(errors, "invalid_encoding",
                            "Le formulaire n'est pas encodé en UTF-8 valide"
                            CC_NBSP "; renvoyez-le depuis la page du "
                            "questionnaire.");

    case CC_URL_NUL:
        return cc_malformed(errors, "invalid_encoding",
                            "Le formulaire contient un caractère nul, qui "
                            "n'est pas autorisé.");

    case CC_URL_TOO_MANY:
        snprintf(msg, sizeof(msg), "Le formulaire contient trop de champs "
                 "(%d au plus).", CC_FORM_MAX_PAIRS);
        return cc_malformed(errors, "too_many_fields", msg);

    default:
        return CC_NOMEM;
    }

    rc = CC_NOMEM;
    input = json_object();
    mirror = json_object();
    dup = calloc(schema->nfields, 1);

    if (input == NULL || mirror == NULL || dup == NULL
        || cc_form_input(schema, pairs, n, input, mirror, dup) != 0)
    {
        goto done;
    }

    rc = cc_validate_input(schema, input, dup, normalised, errors);

    if (rc != CC_NOMEM && submitted) {
        *submitted = mirror;
        mirror = NULL;
    }

done:

    cc_url_pairs_free(pairs, n);
    json_decref(input);
    json_decref(mirror);
    free(dup);

    return rc;
}
