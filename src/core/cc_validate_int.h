/*
 * What the validator's two files (cc_validate.c: the loop, the plain
 * types and the normalised answer; cc_validate_more.c: numbers, scales,
 * grids, rankings, "other" texts, conditions) share.
 */

#ifndef CC_VALIDATE_INT_H
#define CC_VALIDATE_INT_H

#include "cc_input.h"
#include "cc_jsonw.h"
#include "cc_messages.h"


/* what a valid slot puts in the normalised answer */

typedef enum {
    CC_OUT_NONE = 0,
    CC_OUT_STRING = CC_JSONW_STRING,  /* out_str as is */
    CC_OUT_TEXT = CC_JSONW_TEXT,      /* out_str, line breaks made LF */
    CC_OUT_LOWER = CC_JSONW_LOWER,    /* out_str, ASCII lower-cased */
    CC_OUT_LIST,            /* the options flagged in seen, in order */
    CC_OUT_RANKED,          /* the options by their rank in seen */
    CC_OUT_NUMBER,          /* out_num */
    CC_OUT_TRUE
} cc_out_e;


typedef struct {
    const cc_schema_t  *schema;
    cc_errors_t        *errors;         /* created at the first error */
} cc_check_t;


/* appends the table's message, formatted, for "field"; -1 on no memory */
int cc_error(cc_check_t *ck, const char *field, cc_msg_e id, ...);

/* an error on the number of answers: none (required), too few or many */
int cc_count_error(cc_check_t *ck, const cc_field_t *f, cc_msg_e required,
    cc_msg_e id, size_t n);

/* "exactement 3 réponses"...: the wanted count, into want */
void cc_count_want(const cc_field_t *f, char *want, size_t size);
const char *cc_plural(size_t n);

/* a slot's string, trimmed; NULL when it is not a string (or a number) */
const char *cc_slot_text(const cc_in_field_t *v, size_t *len, int numbers);

/* text of at most max characters, one line when one_line */
int cc_check_text(cc_check_t *ck, const char *name, size_t max,
    int one_line, cc_in_field_t *v, const char *s, size_t len);

/* cc_validate_more.c */
int cc_visible(const cc_schema_t *schema, const cc_input_t *in,
    const cc_field_t *f);
int cc_check_number(cc_check_t *ck, const cc_field_t *f, cc_in_field_t *v);
int cc_check_point(cc_check_t *ck, const cc_field_t *f, const char *name,
    cc_in_field_t *v);
int cc_check_matrix(cc_check_t *ck, const cc_input_t *in,
    const cc_field_t *f);
int cc_check_ranking(cc_check_t *ck, const cc_input_t *in,
    const cc_field_t *f, cc_in_field_t *v);
int cc_check_other(cc_check_t *ck, const cc_input_t *in,
    const cc_field_t *f);

#endif /* CC_VALIDATE_INT_H */
