/*
 * The loaded schema, shared by the loader (cc_schema.c), the validator
 * (cc_validate.c) and the error page (cc_http.c); not part of the API the
 * nginx glue uses.
 */

#ifndef CC_SCHEMA_INT_H
#define CC_SCHEMA_INT_H

#include <stddef.h>
#include "cc_schema.h"
#include "cc_errors.h"
#include "cc_messages.h"
#include "cc_text.h"

#define CC_NBSP  "\xc2\xa0"     /* French typography: « x », before ":" */

typedef struct {
    char              *value;
    size_t             value_len;    /* compared per submitted value */
    char              *label;
} cc_option_t;


/*
 * visible_if: "in" tests the options of an earlier field (a choice, a
 * multiple choice or a ranking: one of the listed options given), "all"
 * and "any" combine conditions.
 */

typedef enum {
    CC_COND_IN = 0,
    CC_COND_ALL,
    CC_COND_ANY
} cc_cond_op_e;

typedef struct cc_cond_s  cc_cond_t;

struct cc_cond_s {
    cc_cond_op_e       op;
    size_t             field;        /* IN: index in schema->fields */
    unsigned char     *in;           /* IN: per option of that field */
    cc_cond_t         *subs;         /* ALL, ANY */
    size_t             nsubs;
    char              *json;         /* the whole condition, for pages */
};


/*
 * The names a field is answered under, in both body formats: "profil";
 * its "other" text, "profil.autre"; a grid's rows, "accord.gouvernance".
 * The stored answer uses the same names.
 */

typedef enum {
    CC_SLOT_VALUE = 0,
    CC_SLOT_OTHER,
    CC_SLOT_ROW
} cc_slot_kind_e;

#define CC_OTHER_SUFFIX   ".autre"
#define CC_OTHER_NAME     "autre"        /* the suffix, without its dot */

typedef struct {
    char              *name;
    size_t             name_len;
    size_t             field;        /* index in schema->fields */
    size_t             row;          /* CC_SLOT_ROW */
    unsigned char      kind;         /* cc_slot_kind_e */
    unsigned char      list;         /* takes several values */
    unsigned char      consent;
} cc_slot_t;


typedef struct {
    char              *name;
    size_t             name_len;     /* looked up per submitted name */
    char              *label;
    char              *hint;         /* NULL: none */
    char              *link_href;    /* a link after the hint, or NULL */
    char              *link_text;
    cc_field_type_e    type;
    int                required;
    size_t             section;      /* index in schema->sections */
    cc_cond_t         *cond;         /* visible_if, or NULL */

    size_t             min;          /* multiple, ranking: answers */
    size_t             max;
    size_t             max_length;   /* text, textarea, in code points */
    cc_option_t       *options;      /* choice, multiple, ranking */
    size_t             noptions;     /* with the "other" option, last */
    int                other;        /* the last option opens a text */
    size_t             other_max_length;
    char              *other_label;  /* the text's label ("Précisez") */
    int                select;       /* choice: a list box */
    size_t             rows_hint;    /* textarea: rows shown */
    char              *autocomplete; /* text, email: the token, or NULL */

    long long          nmin;         /* number */
    long long          nmax;
    char              *unit;

    size_t             points;       /* scale, matrix: 2 to 11 */
    char             **point_labels; /* scale, matrix: npoint_labels */
    size_t             npoint_labels;/* 0, 2 (the ends) or points */
    char              *dont_know;    /* "Je ne sais pas" point, or NULL */
    cc_option_t       *rows;         /* matrix: the statements */
    size_t             nrows;

    size_t             slot;         /* its first slot */
    size_t             nslots;
} cc_field_t;


/* a column of an export: a slot, or one rank of a ranking */

typedef struct {
    char              *name;         /* "profil", "priorites.1" */
    size_t             slot;
    size_t             rank;         /* from 1 for a ranking, else 0 */
} cc_column_t;


typedef struct {
    char              *name;         /* for anchors, or NULL */
    char              *title;        /* NULL: the untitled section */
    char              *intro;
    cc_cond_t         *cond;
    size_t             first;        /* its fields */
    size_t             nfields;
} cc_section_t;


struct cc_schema_s {
    char              *form;
    char              *title;
    char              *intro;
    cc_field_t        *fields;
    size_t             nfields;
    cc_section_t      *sections;
    size_t             nsections;
    cc_slot_t         *slots;
    size_t             nslots;
    cc_column_t       *columns;
    size_t             ncolumns;
    size_t             noptions;     /* of all fields, for the input */
};

#define CC_DONT_KNOW      "nsp"

const cc_field_t *cc_schema_field(const cc_schema_t *schema,
    const char *name);
const cc_option_t *cc_field_option(const cc_field_t *field,
    const char *value, size_t len);
/* the slot named s[0..len), or NULL */
const cc_slot_t *cc_schema_slot(const cc_schema_t *schema, const char *s,
    size_t len);
/* the row "value" of a matrix, or NULL */
const cc_option_t *cc_field_row(const cc_field_t *field, const char *value,
    size_t len);

/* cc_schema_slots.c: the slots and columns of loaded fields */
int cc_schema_slots_build(cc_schema_t *schema, char *err, size_t errlen);

/* cc_schema_cond.c: visible_if, read at load time (-1: err written) */
int cc_cond_load(cc_cond_t **cond, const cc_schema_t *schema,
    size_t before, json_t *j, char *err, size_t errlen);
void cc_cond_free(cc_cond_t *cond);

/* cc_schema_field.c: one field's properties, by type (-1: err written) */
int cc_field_load(cc_field_t *f, const cc_schema_t *schema, size_t idx,
    json_t *jf, char *err, size_t errlen);
void cc_field_free(cc_field_t *f);
const char *cc_field_type_name(cc_field_type_e type);

#define CC_SHOW_SIZE  (64 * 4 + 4)
#define CC_MSG_SIZE   1024

/* *errors = one whole-body error (field null); CC_MALFORMED or CC_NOMEM */
cc_validation_e cc_malformed(cc_errors_t **errors, cc_msg_e id, ...);
/* user text quoted in a message, cut to 64 code points; buf CC_SHOW_SIZE */
const char *cc_show(const char *s, size_t len, char *buf);
/* cc_text.c: white space off both ends; an e-mail address's form (1/0) */
void cc_text_trim(const char **s, size_t *len);
int cc_email_valid(const char *s, size_t len);

/* 1 for the values an HTML checkbox or a form may send for "yes" */
int cc_consent_accepted(const char *s, size_t len);

#endif /* CC_SCHEMA_INT_H */
