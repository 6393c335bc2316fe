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

#define CC_NBSP  "\xc2\xa0"     /* French typography: « x », before ":" */

typedef struct {
    char              *value;
    size_t             value_len;    /* compared per submitted value */
    char              *label;
} cc_option_t;

typedef struct {
    char              *name;
    size_t             name_len;     /* looked up per submitted name */
    char              *label;
    cc_field_type_e    type;
    int                required;
    size_t             min;          /* multiple */
    size_t             max;          /* multiple */
    size_t             max_length;   /* text, in code points */
    cc_option_t       *options;      /* choice, multiple */
    size_t             noptions;
} cc_field_t;

struct cc_schema_s {
    char              *form;
    char              *title;
    cc_field_t        *fields;
    size_t             nfields;
};

const cc_field_t *cc_schema_field(const cc_schema_t *schema,
    const char *name);
const cc_option_t *cc_field_option(const cc_field_t *field,
    const char *value, size_t len);

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
