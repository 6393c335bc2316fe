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


typedef struct {
    const char  *name;                  /* file name, for messages */
    char        *err;
    size_t       errlen;
    char         where[CC_NAME_MAX + 16];
} cc_load_t;


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


/* the names first, so that a condition can tell "later" from "unknown" */

static int
cc_load_name(cc_load_t *ld, cc_schema_t *schema, size_t idx, json_t *jf)
{
    size_t       i;
    json_t      *name;
    const char  *s;
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

    return 0;
}


/* one section: {"name", "title", "intro", "visible_if", "fields": [...]} */

static const char *cc_section_props[] = {
    "name", "title", "intro", "visible_if", "fields", NULL
};


static int
cc_load_section(cc_load_t *ld, cc_schema_t *schema, size_t idx, json_t *js,
    json_t *fields)
{
    size_t         i, k;
    json_t        *v, *jf;
    const char    *key, *const *p;
    cc_section_t  *sec;

    sec = &schema->sections[idx];

    snprintf(ld->where, sizeof(ld->where), "section #%zu: ", idx + 1);

    if (!json_is_object(js)) {
        cc_load_error(ld, "not an object");
        return -1;
    }

    json_object_foreach(js, key, v) {
        for (p = cc_section_props; *p; p++) {
            if (strcmp(key, *p) == 0) {
                break;
            }
        }

        if (*p == NULL) {
            cc_load_error(ld, "unknown property \"%s\"", key);
            return -1;
        }

        if (strcmp(key, "fields") != 0 && strcmp(key, "visible_if") != 0
            && (!json_is_string(v) || json_string_length(v) == 0))
        {
            cc_load_error(ld, "\"%s\" must be a non-empty string", key);
            return -1;
        }
    }

    v = json_object_get(js, "name");

    if (v != NULL && !cc_valid_name(json_string_value(v))) {
        cc_load_error(ld, "\"name\" must be 1 to %d ASCII letters, digits, "
                      "'_' or '-'", CC_NAME_MAX);
        return -1;
    }

    for (i = 0; i < 3; i++) {
        v = json_object_get(js, cc_section_props[i]);

        if (v != NULL) {
            char  **out[3] = { &sec->name, &sec->title, &sec->intro };

            *out[i] = cc_strdup(json_string_value(v));
            if (*out[i] == NULL) {
                cc_load_error(ld, "out of memory");
                return -1;
            }
        }
    }

    if (sec->title == NULL) {
        cc_load_error(ld, "\"title\" is missing");
        return -1;
    }

    v = json_object_get(js, "fields");

    if (!json_is_array(v) || json_array_size(v) == 0) {
        cc_load_error(ld, "\"fields\" must be a non-empty array");
        return -1;
    }

    sec->first = json_array_size(fields);

    json_array_foreach(v, k, jf) {
        if (json_array_append(fields, jf) != 0) {
            cc_load_error(ld, "out of memory");
            return -1;
        }
    }

    sec->nfields = json_array_size(v);

    return 0;
}


static int
cc_load_sections(cc_load_t *ld, cc_schema_t *schema, json_t *root,
    json_t **fields)
{
    size_t   i;
    json_t  *secs, *js, *flat;

    secs = json_object_get(root, "sections");
    flat = json_object_get(root, "fields");

    if (secs != NULL && flat != NULL) {
        cc_load_error(ld, "\"fields\" and \"sections\" cannot go together: "
                      "put the fields in the sections");
        return -1;
    }

    if (secs == NULL) {
        if (flat == NULL) {
            cc_load_error(ld, "\"fields\" (or \"sections\") is missing");
            return -1;
        }

        if (!json_is_array(flat) || json_array_size(flat) == 0) {
            cc_load_error(ld, "\"fields\" must be a non-empty array");
            return -1;
        }

        schema->sections = calloc(1, sizeof(cc_section_t));
        if (schema->sections == NULL) {
            cc_load_error(ld, "out of memory");
            return -1;
        }

        schema->nsections = 1;
        schema->sections[0].nfields = json_array_size(flat);
        *fields = json_incref(flat);

        return 0;
    }

    if (!json_is_array(secs) || json_array_size(secs) == 0) {
        cc_load_error(ld, "\"sections\" must be a non-empty array");
        return -1;
    }

    schema->sections = calloc(json_array_size(secs), sizeof(cc_section_t));
    *fields = json_array();

    if (schema->sections == NULL || *fields == NULL) {
        cc_load_error(ld, "out of memory");
        return -1;
    }

    json_array_foreach(secs, i, js) {
        schema->nsections = i + 1;

        if (cc_load_section(ld, schema, i, js, *fields) != 0) {
            return -1;
        }
    }

    return 0;
}


/* the sections' conditions, once every field is known */

static int
cc_load_section_conds(cc_load_t *ld, cc_schema_t *schema, json_t *root)
{
    char           msg[512];
    size_t         i;
    json_t        *j;
    cc_section_t  *sec;

    for (i = 0; i < schema->nsections; i++) {
        sec = &schema->sections[i];
        j = json_object_get(json_array_get(json_object_get(root, "sections"),
                                           i),
                            "visible_if");

        if (j == NULL) {
            continue;
        }

        if (cc_cond_load(&sec->cond, schema, sec->first, j, msg, sizeof(msg))
            != 0)
        {
            snprintf(ld->where, sizeof(ld->where), "section #%zu: ", i + 1);
            cc_load_error(ld, "\"visible_if\": %s", msg);
            return -1;
        }
    }

    return 0;
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
    char          msg[1024];
    size_t        i, k, n;
    json_t       *root, *form, *title, *intro, *value, *jf;
    json_t       *fields = NULL;
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
            && strcmp(key, "intro") != 0 && strcmp(key, "fields") != 0
            && strcmp(key, "sections") != 0)
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

    intro = json_object_get(root, "intro");

    if (intro != NULL && !json_is_string(intro)) {
        cc_load_error(&ld, "\"intro\" must be a string");
        goto failed;
    }

    schema->intro = cc_strdup(intro ? json_string_value(intro) : "");

    if (schema->form == NULL || schema->title == NULL
        || schema->intro == NULL)
    {
        cc_load_error(&ld, "out of memory");
        goto failed;
    }

    if (cc_load_sections(&ld, schema, root, &fields) != 0) {
        goto failed;
    }

    schema->fields = calloc(json_array_size(fields), sizeof(cc_field_t));
    if (schema->fields == NULL) {
        cc_load_error(&ld, "out of memory");
        goto failed;
    }

    schema->nfields = json_array_size(fields);

    json_array_foreach(fields, i, jf) {
        if (cc_load_name(&ld, schema, i, jf) != 0) {
            goto failed;
        }
    }

    for (k = 0, i = 0; k < schema->nsections; k++) {
        for (n = 0; n < schema->sections[k].nfields; n++, i++) {
            schema->fields[i].section = k;
        }
    }

    ld.where[0] = '\0';

    json_array_foreach(fields, i, jf) {
        if (cc_field_load(&schema->fields[i], schema, i, jf, msg,
                          sizeof(msg))
            != 0)
        {
            cc_load_error(&ld, "%s", msg);
            goto failed;
        }
    }

    if (cc_load_section_conds(&ld, schema, root) != 0) {
        goto failed;
    }

    if (cc_schema_slots_build(schema, msg, sizeof(msg)) != 0) {
        ld.where[0] = '\0';
        cc_load_error(&ld, "%s", msg);
        goto failed;
    }

    json_decref(fields);
    json_decref(root);

    return schema;

failed:

    json_decref(fields);
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
    size_t         i;
    cc_section_t  *sec;

    if (schema == NULL) {
        return;
    }

    for (i = 0; schema->fields && i < schema->nfields; i++) {
        cc_field_free(&schema->fields[i]);
    }

    for (i = 0; schema->sections && i < schema->nsections; i++) {
        sec = &schema->sections[i];
        free(sec->name);
        free(sec->title);
        free(sec->intro);
        cc_cond_free(sec->cond);
    }

    for (i = 0; i < schema->nslots; i++) {
        free(schema->slots[i].name);
    }

    for (i = 0; i < schema->ncolumns; i++) {
        free(schema->columns[i].name);
    }

    free(schema->columns);
    free(schema->slots);
    free(schema->sections);
    free(schema->fields);
    free(schema->form);
    free(schema->title);
    free(schema->intro);
    free(schema);
}
