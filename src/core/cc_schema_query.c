/*
 * What a loaded schema says: its names, labels and options, for the
 * validator, the pages and the tools.
 */

#include <string.h>

#include "cc_schema_int.h"


const char *
cc_schema_form(const cc_schema_t *schema)
{
    return schema->form;
}


const char *
cc_schema_title(const cc_schema_t *schema)
{
    return schema->title;
}


size_t
cc_schema_nfields(const cc_schema_t *schema)
{
    return schema->nfields;
}


const char *
cc_schema_field_name(const cc_schema_t *schema, size_t i)
{
    return i < schema->nfields ? schema->fields[i].name : NULL;
}


size_t
cc_schema_ncolumns(const cc_schema_t *schema)
{
    return schema->ncolumns;
}


const char *
cc_schema_column_name(const cc_schema_t *schema, size_t i)
{
    return i < schema->ncolumns ? schema->columns[i].name : NULL;
}


const char *
cc_schema_field_label(const cc_schema_t *schema, size_t i)
{
    return i < schema->nfields ? schema->fields[i].label : NULL;
}


const cc_field_t *
cc_schema_field(const cc_schema_t *schema, const char *name)
{
    size_t  i;

    for (i = 0; i < schema->nfields; i++) {
        if (strcmp(schema->fields[i].name, name) == 0) {
            return &schema->fields[i];
        }
    }

    return NULL;
}


const cc_option_t *
cc_field_option(const cc_field_t *field, const char *value, size_t len)
{
    size_t  i;

    for (i = 0; i < field->noptions; i++) {
        if (field->options[i].value_len == len
            && memcmp(field->options[i].value, value, len) == 0)
        {
            return &field->options[i];
        }
    }

    return NULL;
}


const char *
cc_schema_option_label(const cc_schema_t *schema, const char *name,
    const char *value)
{
    const cc_field_t   *f;
    const cc_option_t  *o;

    f = cc_schema_field(schema, name);
    if (f == NULL) {
        return NULL;
    }

    o = cc_field_option(f, value, strlen(value));

    return o ? o->label : NULL;
}


const char *
cc_schema_label_of(const cc_schema_t *schema, const char *name)
{
    const cc_field_t  *f;

    f = cc_schema_field(schema, name);

    return f ? f->label : NULL;
}


const cc_slot_t *
cc_schema_slot(const cc_schema_t *schema, const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < schema->nslots; i++) {
        if (schema->slots[i].name_len == len
            && memcmp(schema->slots[i].name, s, len) == 0)
        {
            return &schema->slots[i];
        }
    }

    return NULL;
}


const cc_option_t *
cc_field_row(const cc_field_t *field, const char *value, size_t len)
{
    size_t  i;

    for (i = 0; i < field->nrows; i++) {
        if (field->rows[i].value_len == len
            && memcmp(field->rows[i].value, value, len) == 0)
        {
            return &field->rows[i];
        }
    }

    return NULL;
}
