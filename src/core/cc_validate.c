/*
 * Validation of a submitted answer against a loaded schema.  Both body
 * formats are first turned into the same shape (cc_body.c: an object of
 * strings, arrays of strings and booleans), then checked here by one code
 * path, so that a JSON client and a plain HTML form get exactly the same
 * verdicts.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_schema_int.h"
#include "cc_utf8.h"

#define CC_MAX_UNKNOWN      32      /* unknown fields reported, at most */
#define CC_SHOW_MAX         64      /* code points of user text quoted */

#define CC_EMAIL_MAX        254
#define CC_EMAIL_LOCAL_MAX  64
#define CC_EMAIL_LABEL_MAX  63


typedef struct {
    const cc_schema_t  *schema;
    json_t             *errors;
    json_t             *normalised;
} cc_check_t;


/*
 * Appends {"field", "code", "message"} to errors.  Returns -1 on no memory
 * (jansson also refuses invalid UTF-8, which our messages never are).
 */

static int
cc_error(json_t *errors, const char *field, const char *code,
    const char *fmt, ...)
{
    char     msg[CC_MSG_SIZE];
    json_t  *e;
    va_list  args;

    va_start(args, fmt);
    vsnprintf(msg, sizeof(msg), fmt, args);
    va_end(args);

    e = json_object();
    if (e == NULL) {
        return -1;
    }

    if (json_object_set_new(e, "field",
                            field ? json_string(field) : json_null()) != 0
        || json_object_set_new(e, "code", json_string(code)) != 0
        || json_object_set_new(e, "message", json_string(msg)) != 0)
    {
        json_decref(e);
        return -1;
    }

    /* releases e even when it fails */
    return json_array_append_new(errors, e);
}


cc_validation_e
cc_malformed(json_t **errors, const char *code, const char *message)
{
    *errors = json_array();

    if (*errors == NULL || cc_error(*errors, NULL, code, "%s", message) != 0) {
        json_decref(*errors);
        *errors = NULL;
        return CC_NOMEM;
    }

    return CC_MALFORMED;
}


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


static void
cc_trim(const char **s, size_t *len)
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

    cc_trim(&s, &len);

    for (p = yes; *p; p++) {
        if (strlen(*p) == len && cc_ascii_caseeq(*p, s, len)) {
            return 1;
        }
    }

    return 0;
}


static const char *
cc_plural(size_t n)
{
    return n > 1 ? "s" : "";
}


static int
cc_count_error(cc_check_t *ck, const cc_field_t *f, const char *code,
    size_t n)
{
    char  want[128];

    if (f->min == f->max) {
        snprintf(want, sizeof(want), "exactement %zu réponse%s", f->min,
                 cc_plural(f->min));

    } else if (f->max == f->noptions && f->min > 0) {
        snprintf(want, sizeof(want), "au moins %zu réponse%s", f->min,
                 cc_plural(f->min));

    } else if (f->min == 0) {
        snprintf(want, sizeof(want), "au plus %zu réponse%s", f->max,
                 cc_plural(f->max));

    } else {
        snprintf(want, sizeof(want), "entre %zu et %zu réponses", f->min,
                 f->max);
    }

    if (n == 0) {
        return cc_error(ck->errors, f->name, code,
                        "Ce champ est obligatoire" CC_NBSP ": choisissez %s.",
                        want);
    }

    return cc_error(ck->errors, f->name, code,
                    "Choisissez %s (%zu cochée%s).", want, n, cc_plural(n));
}


static int
cc_check_choice(cc_check_t *ck, const cc_field_t *f, const char *s,
    size_t len)
{
    const cc_option_t  *o;

    o = cc_field_option(f, s, len);

    if (o == NULL) {
        return cc_error(ck->errors, f->name, "invalid_choice",
                        "Choisissez l'une des réponses proposées.");
    }

    return json_object_set_new(ck->normalised, f->name, json_string(o->value));
}


static int
cc_check_multiple(cc_check_t *ck, const cc_field_t *f, json_t *v)
{
    int                 rc;
    char                show[CC_SHOW_SIZE];
    size_t              i, len, n;
    json_t             *item, *out;
    const char         *s;
    unsigned char      *seen;
    const cc_option_t  *o;

    if (!json_is_array(v)) {
        return cc_error(ck->errors, f->name, "invalid_type",
                        "Ce champ attend une liste de réponses (textes).");
    }

    seen = calloc(f->noptions, 1);
    if (seen == NULL) {
        return -1;
    }

    rc = 0;
    n = 0;

    json_array_foreach(v, i, item) {

        if (!json_is_string(item)) {
            rc = cc_error(ck->errors, f->name, "invalid_type",
                          "Ce champ attend une liste de réponses (textes).");
            goto done;
        }

        s = json_string_value(item);
        len = json_string_length(item);
        cc_trim(&s, &len);

        o = cc_field_option(f, s, len);

        if (o == NULL) {
            rc = cc_error(ck->errors, f->name, "invalid_choice",
                          "La réponse «" CC_NBSP "%s" CC_NBSP "»"
                          " ne fait pas partie des réponses proposées.",
                          cc_show(s, len, show));
            goto done;
        }

        if (!seen[o - f->options]) {
            seen[o - f->options] = 1;
            n++;
        }
    }

    if (n < f->min) {
        rc = cc_count_error(ck, f, "too_few", n);
        goto done;
    }

    if (n > f->max) {
        rc = cc_count_error(ck, f, "too_many", n);
        goto done;
    }

    /* deduplicated, in option order: the order of the checkboxes */

    out = json_array();
    if (out == NULL) {
        rc = -1;
        goto done;
    }

    for (i = 0; i < f->noptions; i++) {
        if (seen[i]
            && json_array_append_new(out, json_string(f->options[i].value))
               != 0)
        {
            json_decref(out);
            rc = -1;
            goto done;
        }
    }

    rc = json_object_set_new(ck->normalised, f->name, out);

done:

    free(seen);

    return rc;
}


static int
cc_check_text(cc_check_t *ck, const cc_field_t *f, const char *s, size_t len)
{
    int            rc, bad;
    char          *buf;
    size_t         i, n, count;
    unsigned char  c;

    buf = malloc(len + 1);
    if (buf == NULL) {
        return -1;
    }

    /* browsers send line breaks as CRLF; store and count them as LF */

    n = 0;
    bad = 0;

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (c == '\r') {
            if (i + 1 < len && s[i + 1] == '\n') {
                i++;
            }

            c = '\n';

        } else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) {
            bad = 1;
        }

        buf[n++] = (char) c;
    }

    buf[n] = '\0';
    count = cc_utf8_length(buf, n);

    if (bad) {
        rc = cc_error(ck->errors, f->name, "invalid_characters",
                      "Votre texte contient des caractères de contrôle non "
                      "autorisés" CC_NBSP "; retirez-les puis renvoyez le "
                      "formulaire.");

    } else if (count > f->max_length) {
        rc = cc_error(ck->errors, f->name, "too_long",
                      "Votre texte dépasse %zu caractère%s (%zu saisis)"
                      CC_NBSP "; raccourcissez-le.", f->max_length,
                      cc_plural(f->max_length), count);

    } else {
        rc = json_object_set_new(ck->normalised, f->name,
                                 json_stringn(buf, n));
    }

    free(buf);

    return rc;
}


static int
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


static int
cc_check_email(cc_check_t *ck, const cc_field_t *f, const char *s,
    size_t len)
{
    int     rc;
    char   *buf;
    size_t  i;

    if (!cc_email_valid(s, len)) {
        return cc_error(ck->errors, f->name, "invalid_email",
                        "Cette adresse électronique n'est pas valide "
                        "(exemple" CC_NBSP ": nom@domaine.fr).");
    }

    buf = malloc(len + 1);
    if (buf == NULL) {
        return -1;
    }

    for (i = 0; i < len; i++) {
        buf[i] = (s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i];
    }

    rc = json_object_set_new(ck->normalised, f->name, json_stringn(buf, len));

    free(buf);

    return rc;
}


static int
cc_check_field(cc_check_t *ck, const cc_field_t *f, json_t *v)
{
    size_t       len;
    const char  *s;

    s = NULL;
    len = 0;

    if (json_is_string(v)) {
        s = json_string_value(v);
        len = json_string_length(v);
        cc_trim(&s, &len);

        if (len == 0) {
            v = NULL;
        }

    } else if (json_is_null(v)
               || (f->type == CC_FIELD_MULTIPLE && json_is_array(v)
                   && json_array_size(v) == 0))
    {
        v = NULL;
    }

    if (v == NULL) {
        if (!f->required) {
            return 0;
        }

        switch (f->type) {

        case CC_FIELD_CHOICE:
            return cc_error(ck->errors, f->name, "required",
                            "Ce champ est obligatoire" CC_NBSP ": choisissez "
                            "une réponse.");

        case CC_FIELD_MULTIPLE:
            return cc_count_error(ck, f, "required", 0);

        case CC_FIELD_CONSENT:
            return cc_error(ck->errors, f->name, "required",
                            "Ce champ est obligatoire" CC_NBSP ": cochez la "
                            "case pour pouvoir envoyer votre réponse.");

        default:
            return cc_error(ck->errors, f->name, "required",
                            "Ce champ est obligatoire.");
        }
    }

    switch (f->type) {

    case CC_FIELD_CHOICE:
        if (s == NULL) {
            return cc_error(ck->errors, f->name, "invalid_type",
                            "Ce champ attend une seule réponse, sous forme "
                            "de texte.");
        }

        return cc_check_choice(ck, f, s, len);

    case CC_FIELD_MULTIPLE:
        return cc_check_multiple(ck, f, v);

    case CC_FIELD_TEXT:
    case CC_FIELD_EMAIL:
        if (s == NULL) {
            return cc_error(ck->errors, f->name, "invalid_type",
                            "Ce champ attend un texte.");
        }

        return f->type == CC_FIELD_TEXT ? cc_check_text(ck, f, s, len)
                                        : cc_check_email(ck, f, s, len);

    default: /* CC_FIELD_CONSENT */
        if (json_is_true(v)) {
            return json_object_set_new(ck->normalised, f->name, json_true());
        }

        if (json_is_false(v)) {
            return cc_error(ck->errors, f->name, "must_be_true",
                            "Vous devez cocher cette case pour pouvoir "
                            "envoyer votre réponse.");
        }

        return cc_error(ck->errors, f->name, "invalid_type",
                        "Ce champ attend la valeur true (case cochée).");
    }
}


cc_validation_e
cc_validate_input(const cc_schema_t *schema, json_t *input,
    const unsigned char *dup, json_t **normalised, json_t **errors)
{
    char              show[CC_SHOW_SIZE];
    size_t            i, unknown;
    json_t           *v;
    cc_check_t        ck;
    const char       *key;
    const cc_field_t  *f;

    ck.schema = schema;
    ck.errors = json_array();
    ck.normalised = json_object();

    if (ck.errors == NULL || ck.normalised == NULL) {
        goto nomem;
    }

    for (i = 0; i < schema->nfields; i++) {
        f = &schema->fields[i];

        if (dup && dup[i]) {
            if (cc_error(ck.errors, f->name, "duplicate_field",
                         "Ce champ a été envoyé plusieurs fois" CC_NBSP "; "
                         "une seule valeur est attendue.") != 0)
            {
                goto nomem;
            }

            continue;
        }

        if (cc_check_field(&ck, f, json_object_get(input, f->name)) != 0) {
            goto nomem;
        }
    }

    unknown = 0;

    json_object_foreach(input, key, v) {
        if (cc_schema_field(schema, key) != NULL) {
            continue;
        }

        /* a flood of junk names is one mistake, not a thousand errors */

        if (unknown++ == CC_MAX_UNKNOWN) {
            break;
        }

        if (cc_error(ck.errors, key, "unknown_field",
                     "Le champ «" CC_NBSP "%s" CC_NBSP "» n'existe "
                     "pas dans ce formulaire.",
                     cc_show(key, strlen(key), show)) != 0)
        {
            goto nomem;
        }
    }

    if (json_array_size(ck.errors) > 0) {
        json_decref(ck.normalised);
        *errors = ck.errors;
        return CC_INVALID;
    }

    json_decref(ck.errors);
    *normalised = ck.normalised;

    return CC_VALID;

nomem:

    json_decref(ck.errors);
    json_decref(ck.normalised);

    return CC_NOMEM;
}
