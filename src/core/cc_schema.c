/*
 * Questionnaire schema loading (its introspection: cc_schema_query.c).
 * Loading happens at
 * configuration time, so every check an operator could get wrong is done
 * here, with a message naming the file and the field: request-time code
 * then trusts the schema completely.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_schema_int.h"

#define CC_SCHEMA_MAX_SIZE    (1024 * 1024)
#define CC_NAME_MAX           64
#define CC_MAX_LENGTH_LIMIT   1000000


typedef struct {
    const char  *name;                  /* file name, for messages */
    char        *err;
    size_t       errlen;
    char         where[CC_NAME_MAX + 16];
} cc_load_t;


static const char *cc_type_names[] = {
    "choice", "multiple", "text", "email", "consent"
};

/* properties each type accepts; anything else is most likely a typo */
static const char *cc_props_choice[] = {
    "name", "type", "required", "label", "options", NULL
};
static const char *cc_props_multiple[] = {
    "name", "type", "required", "label", "options", "min", "max", NULL
};
static const char *cc_props_text[] = {
    "name", "type", "required", "label", "max_length", NULL
};
static const char *cc_props_plain[] = {
    "name", "type", "required", "label", NULL
};
static const char **cc_props[] = {
    cc_props_choice, cc_props_multiple, cc_props_text, cc_props_plain,
    cc_props_plain
};


static void
cc_load_error(cc_load_t *ld, const char *fmt, ...)
{
    int      n;
    va_list  args;

    if (ld->errlen == 0) {
        return;
    }

    n = snprintf(ld->err, ld->errlen, "%s: %s", ld->name, ld->where);

    if (n < 0 || (size_t) n >= ld->errlen) {
        return;
    }

    va_start(args, fmt);
    vsnprintf(ld->err + n, ld->errlen - (size_t) n, fmt, args);
    va_end(args);
}


static char *
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


/* field and form names end up in HTML ids, form names and Redis keys */

static int
cc_valid_name(const char *s)
{
    size_t  i;

    if (s[0] == '\0' || s[0] == '_') {
        return 0;
    }

    for (i = 0; s[i]; i++) {
        if (i >= CC_NAME_MAX) {
            return 0;
        }

        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
              || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
        {
            return 0;
        }
    }

    return 1;
}


static int
cc_in_list(const char *s, const char **list)
{
    for ( /* void */ ; *list; list++) {
        if (strcmp(s, *list) == 0) {
            return 1;
        }
    }

    return 0;
}


static int
cc_load_options(cc_load_t *ld, cc_field_t *f, json_t *options)
{
    size_t       i, j;
    json_t      *opt, *value, *label;
    const char  *key;

    if (options == NULL) {
        cc_load_error(ld, "\"options\" is missing");
        return -1;
    }

    if (!json_is_array(options) || json_array_size(options) == 0) {
        cc_load_error(ld, "\"options\" must be a non-empty array");
        return -1;
    }

    f->noptions = json_array_size(options);

    f->options = calloc(f->noptions, sizeof(cc_option_t));
    if (f->options == NULL) {
        cc_load_error(ld, "out of memory");
        return -1;
    }

    json_array_foreach(options, i, opt) {

        if (!json_is_object(opt)) {
            cc_load_error(ld, "option #%zu is not an object", i + 1);
            return -1;
        }

        json_object_foreach(opt, key, value) {
            if (strcmp(key, "value") != 0 && strcmp(key, "label") != 0) {
                cc_load_error(ld, "option #%zu: unknown property \"%s\"",
                              i + 1, key);
                return -1;
            }
        }

        value = json_object_get(opt, "value");
        label = json_object_get(opt, "label");

        if (!json_is_string(value) || json_string_length(value) == 0
            || strlen(json_string_value(value)) != json_string_length(value))
        {
            cc_load_error(ld, "option #%zu: \"value\" must be a non-empty "
                          "string", i + 1);
            return -1;
        }

        if (!json_is_string(label) || json_string_length(label) == 0) {
            cc_load_error(ld, "option \"%s\": \"label\" must be a non-empty "
                          "string", json_string_value(value));
            return -1;
        }

        for (j = 0; j < i; j++) {
            if (strcmp(f->options[j].value, json_string_value(value)) == 0) {
                cc_load_error(ld, "duplicate option value \"%s\"",
                              json_string_value(value));
                return -1;
            }
        }

        f->options[i].value = cc_strdup(json_string_value(value));
        f->options[i].label = cc_strdup(json_string_value(label));

        if (f->options[i].value == NULL || f->options[i].label == NULL) {
            cc_load_error(ld, "out of memory");
            return -1;
        }

        f->options[i].value_len = strlen(f->options[i].value);
    }

    return 0;
}


static int
cc_load_count(cc_load_t *ld, json_t *obj, const char *prop, long long lo,
    long long hi, long long dflt, size_t *out)
{
    long long  v;
    json_t    *j;

    j = json_object_get(obj, prop);

    if (j == NULL) {
        if (dflt < 0) {
            cc_load_error(ld, "\"%s\" is missing", prop);
            return -1;
        }

        *out = (size_t) dflt;
        return 0;
    }

    if (!json_is_integer(j)) {
        cc_load_error(ld, "\"%s\" must be an integer", prop);
        return -1;
    }

    v = json_integer_value(j);

    if (v < lo || v > hi) {
        cc_load_error(ld, "\"%s\" (%lld) must be between %lld and %lld",
                      prop, v, lo, hi);
        return -1;
    }

    *out = (size_t) v;
    return 0;
}


static int
cc_load_field(cc_load_t *ld, cc_schema_t *schema, size_t idx, json_t *jf)
{
    size_t       i;
    json_t      *name, *type, *label, *required, *value;
    const char  *key, *s;
    cc_field_t  *f;

    f = &schema->fields[idx];

    snprintf(ld->where, sizeof(ld->where), "field #%zu: ", idx + 1);

    if (!json_is_object(jf)) {
        cc_load_error(ld, "not an object");
        return -1;
    }

    name = json_object_get(jf, "name");

    if (name == NULL) {
        cc_load_error(ld, "\"name\" is missing");
        return -1;
    }

    if (!json_is_string(name)) {
        cc_load_error(ld, "\"name\" must be a string");
        return -1;
    }

    s = json_string_value(name);

    if (!cc_valid_name(s)) {
        cc_load_error(ld, "\"name\" must be 1 to %d ASCII letters, digits, "
                      "'_' or '-', not starting with '_'", CC_NAME_MAX);
        return -1;
    }

    snprintf(ld->where, sizeof(ld->where), "field \"%s\": ", s);

    for (i = 0; i < idx; i++) {
        if (strcmp(schema->fields[i].name, s) == 0) {
            cc_load_error(ld, "duplicate field name (also field #%zu)", i + 1);
            return -1;
        }
    }

    f->name = cc_strdup(s);
    if (f->name == NULL) {
        cc_load_error(ld, "out of memory");
        return -1;
    }

    f->name_len = strlen(f->name);

    type = json_object_get(jf, "type");

    if (type == NULL) {
        cc_load_error(ld, "\"type\" is missing");
        return -1;
    }

    if (!json_is_string(type)) {
        cc_load_error(ld, "\"type\" must be a string");
        return -1;
    }

    for (i = 0; i < sizeof(cc_type_names) / sizeof(cc_type_names[0]); i++) {
        if (strcmp(json_string_value(type), cc_type_names[i]) == 0) {
            break;
        }
    }

    if (i == sizeof(cc_type_names) / sizeof(cc_type_names[0])) {
        cc_load_error(ld, "unknown type \"%s\" (expected choice, multiple, "
                      "text, email or consent)", json_string_value(type));
        return -1;
    }

    f->type = (cc_field_type_e) i;

    json_object_foreach(jf, key, value) {
        if (!cc_in_list(key, cc_props[f->type])) {
            if (cc_in_list(key, cc_props_multiple)
                || strcmp(key, "max_length") == 0)
            {
                cc_load_error(ld, "property \"%s\" is not allowed for type "
                              "\"%s\"", key, cc_type_names[f->type]);

            } else {
                cc_load_error(ld, "unknown property \"%s\"", key);
            }

            return -1;
        }
    }

    label = json_object_get(jf, "label");

    if (!json_is_string(label) || json_string_length(label) == 0) {
        cc_load_error(ld, "\"label\" must be a non-empty string");
        return -1;
    }

    f->label = cc_strdup(json_string_value(label));
    if (f->label == NULL) {
        cc_load_error(ld, "out of memory");
        return -1;
    }

    required = json_object_get(jf, "required");

    if (required != NULL && !json_is_boolean(required)) {
        cc_load_error(ld, "\"required\" must be true or false");
        return -1;
    }

    f->required = json_is_true(required);

    switch (f->type) {

    case CC_FIELD_CHOICE:
        return cc_load_options(ld, f, json_object_get(jf, "options"));

    case CC_FIELD_MULTIPLE:
        if (cc_load_options(ld, f, json_object_get(jf, "options")) != 0) {
            return -1;
        }

        if (cc_load_count(ld, jf, "min", 0, (long long) f->noptions, 0,
                          &f->min)
            != 0)
        {
            return -1;
        }

        if (cc_load_count(ld, jf, "max", 1, (long long) f->noptions,
                          (long long) f->noptions, &f->max)
            != 0)
        {
            if (json_is_integer(json_object_get(jf, "max"))
                && json_integer_value(json_object_get(jf, "max"))
                   > (long long) f->noptions)
            {
                cc_load_error(ld, "\"max\" (%lld) greater than the number of "
                              "options (%zu)",
                              json_integer_value(json_object_get(jf, "max")),
                              f->noptions);
            }

            return -1;
        }

        if (f->min > f->max) {
            cc_load_error(ld, "\"min\" (%zu) greater than \"max\" (%zu)",
                          f->min, f->max);
            return -1;
        }

        return 0;

    case CC_FIELD_TEXT:
        return cc_load_count(ld, jf, "max_length", 1, CC_MAX_LENGTH_LIMIT, -1,
                             &f->max_length);

    default:
        return 0;
    }
}


/* "conf/questionnaire.json" -> "questionnaire", when "form" is absent */

static char *
cc_form_from_name(const char *name)
{
    char        *form;
    size_t       n;
    const char  *base, *dot;

    base = strrchr(name, '/');
    base = base ? base + 1 : name;
    dot = strchr(base, '.');
    n = dot ? (size_t) (dot - base) : strlen(base);

    form = malloc(n + 1);
    if (form != NULL) {
        memcpy(form, base, n);
        form[n] = '\0';
    }

    return form;
}


cc_schema_t *
cc_schema_load_buffer(const char *name, const char *buf, size_t len,
    char *err, size_t errlen)
{
    size_t        i;
    json_t       *root, *fields, *form, *title, *value, *jf;
    cc_load_t     ld;
    const char   *key;
    cc_schema_t  *schema;
    json_error_t  jerr;

    ld.name = name;
    ld.err = err;
    ld.errlen = errlen;
    ld.where[0] = '\0';

    if (errlen) {
        err[0] = '\0';
    }

    memset(&jerr, 0, sizeof(jerr));

    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);

    if (root == NULL) {
        cc_load_error(&ld, "invalid JSON at line %d, column %d: %s",
                      jerr.line, jerr.column, jerr.text);
        return NULL;
    }

    schema = calloc(1, sizeof(cc_schema_t));
    if (schema == NULL) {
        cc_load_error(&ld, "out of memory");
        json_decref(root);
        return NULL;
    }

    if (!json_is_object(root)) {
        cc_load_error(&ld, "the schema must be a JSON object");
        goto failed;
    }

    json_object_foreach(root, key, value) {
        if (strcmp(key, "form") != 0 && strcmp(key, "title") != 0
            && strcmp(key, "fields") != 0)
        {
            cc_load_error(&ld, "unknown top-level property \"%s\"", key);
            goto failed;
        }
    }

    form = json_object_get(root, "form");

    if (form != NULL) {
        if (!json_is_string(form) || !cc_valid_name(json_string_value(form))) {
            cc_load_error(&ld, "\"form\" must be 1 to %d ASCII letters, "
                          "digits, '_' or '-'", CC_NAME_MAX);
            goto failed;
        }

        schema->form = cc_strdup(json_string_value(form));

    } else {
        schema->form = cc_form_from_name(name);
    }

    title = json_object_get(root, "title");

    if (title != NULL && !json_is_string(title)) {
        cc_load_error(&ld, "\"title\" must be a string");
        goto failed;
    }

    schema->title = cc_strdup(title ? json_string_value(title) : "");

    if (schema->form == NULL || schema->title == NULL) {
        cc_load_error(&ld, "out of memory");
        goto failed;
    }

    fields = json_object_get(root, "fields");

    if (fields == NULL) {
        cc_load_error(&ld, "\"fields\" is missing");
        goto failed;
    }

    if (!json_is_array(fields) || json_array_size(fields) == 0) {
        cc_load_error(&ld, "\"fields\" must be a non-empty array");
        goto failed;
    }

    schema->fields = calloc(json_array_size(fields), sizeof(cc_field_t));
    if (schema->fields == NULL) {
        cc_load_error(&ld, "out of memory");
        goto failed;
    }

    json_array_foreach(fields, i, jf) {
        schema->nfields = i + 1;

        if (cc_load_field(&ld, schema, i, jf) != 0) {
            goto failed;
        }
    }

    json_decref(root);

    return schema;

failed:

    json_decref(root);
    cc_schema_free(schema);

    return NULL;
}


cc_schema_t *
cc_schema_load_file(const char *path, char *err, size_t errlen)
{
    char         *buf;
    FILE         *fp;
    size_t        n;
    cc_schema_t  *schema;

    fp = fopen(path, "rb");
    if (fp == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }

    buf = malloc(CC_SCHEMA_MAX_SIZE + 1);
    if (buf == NULL) {
        fclose(fp);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }

    n = fread(buf, 1, CC_SCHEMA_MAX_SIZE + 1, fp);

    if (ferror(fp)) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        schema = NULL;

    } else if (n > CC_SCHEMA_MAX_SIZE) {
        snprintf(err, errlen, "%s: larger than %d bytes", path,
                 CC_SCHEMA_MAX_SIZE);
        schema = NULL;

    } else {
        schema = cc_schema_load_buffer(path, buf, n, err, errlen);
    }

    free(buf);
    fclose(fp);

    return schema;
}


void
cc_schema_free(cc_schema_t *schema)
{
    size_t       i, j;
    cc_field_t  *f;

    if (schema == NULL) {
        return;
    }

    for (i = 0; i < schema->nfields; i++) {
        f = &schema->fields[i];

        for (j = 0; f->options && j < f->noptions; j++) {
            free(f->options[j].value);
            free(f->options[j].label);
        }

        free(f->options);
        free(f->name);
        free(f->label);
    }

    free(schema->fields);
    free(schema->form);
    free(schema->title);
    free(schema);
}
