/*
 * The flat input both body readers fill (cc_json.c for JSON, cc_body.c for
 * urlencoded forms; cc_input.c) and the validator (cc_validate.c) checks:
 * one slot per name a field is answered under, indexed like schema->slots
 * (cc_schema_int.h), plus the unknown names.  No allocation per value: strings are slices of the body, or of
 * one scratch buffer when they had to be unescaped or percent-decoded.
 */

#ifndef CC_INPUT_H
#define CC_INPUT_H

#include <stddef.h>
#include "cc_schema_int.h"
#include "cc_errors.h"

#define CC_MAX_UNKNOWN  32      /* unknown names reported, at most */


typedef struct {
    const char         *s;
    size_t              len;
} cc_slice_t;


typedef enum {
    CC_IN_ABSENT = 0,
    CC_IN_NULL,
    CC_IN_STRING,
    CC_IN_LIST,          /* an array (JSON) or the values of a multiple */
    CC_IN_TRUE,
    CC_IN_FALSE,
    CC_IN_NUMBER,        /* a JSON number: str is its text */
    CC_IN_OTHER          /* an object: never a valid answer */
} cc_in_type_e;


/* a string of a list; lists of one field are chained, in order */

typedef struct {
    cc_slice_t          str;
    size_t              next;           /* index in items, or CC_IN_END */
} cc_in_item_t;

#define CC_IN_END  ((size_t) -1)


typedef struct {
    unsigned char       type;           /* cc_in_type_e */
    unsigned char       dup;            /* urlencoded: sent more than once */

    /* a list that holds a non-string after its first nitems strings */
    unsigned char       bad_item;

    cc_slice_t          str;            /* CC_IN_STRING, CC_IN_NUMBER */

    /* CC_IN_LIST, kept for the slots that take a list: the strings */
    size_t              first;
    size_t              last;
    size_t              nitems;

    /* the validator's verdict, to write the normalised answer */
    unsigned char       out;
    cc_slice_t          out_str;
    long long           out_num;
    /* per option: 1 chosen (choice, multiple), the rank (ranking) */
    unsigned char      *seen;
} cc_in_field_t;


/* what was submitted, as the readers met it (cc_input_mark()) */

typedef enum {
    CC_MARK_NAME = 0,       /* a name: the marks that follow are its */
    CC_MARK_VALUE,          /* a value, as text ("true", "12", "...") */
    CC_MARK_LIST,           /* the name's value is a list (JSON) */
    CC_MARK_ITEM            /* a string of that list */
} cc_mark_e;

typedef struct {
    cc_mark_e           kind;
    cc_slice_t          str;
} cc_mark_t;


typedef struct {
    cc_in_field_t      *fields;         /* schema->nslots */

    cc_in_item_t       *items;
    size_t              nitems;
    size_t              items_cap;
    unsigned            items_owned:1;  /* items were grown with malloc() */

    /* distinct unknown names, in order, the first CC_MAX_UNKNOWN only */
    cc_slice_t          unknown[CC_MAX_UNKNOWN];
    size_t              nunknown;

    char               *scratch;        /* at least the body's length */

    /* where the reserved "_" names go; NULL: dropped */
    const cc_reserved_t *reserved;
    unsigned char      *seen;           /* the options of all fields */

    /* what was submitted, noted when "marking" (for a form shown again) */
    cc_mark_t          *marks;
    size_t              nmarks;
    size_t              marks_cap;
    unsigned            marking:1;
    unsigned            marks_nomem:1;
} cc_input_t;


/*
 * The allocator of the readers and of the normalised answer: malloc(),
 * memory the caller free()s; the unit tests make it fail on purpose.
 */
extern void *(*cc_malloc)(size_t size);

/*
 * One allocation for a call: the field slots, a first batch of list items,
 * the validator's per-option flags and a scratch buffer of len + 1 bytes.
 * Free with cc_input_free().
 */
int cc_input_init(cc_input_t *in, const cc_schema_t *schema, size_t len);
void cc_input_free(cc_input_t *in);

/* index of the slot named s[0..len), or -1 */
int cc_input_field(const cc_schema_t *schema, const char *s, size_t len);

/* appends a string to the list of field i; -1 on no memory */
int cc_input_add_item(cc_input_t *in, size_t i, const char *s, size_t len);

/* notes an unknown name, if there is room (the caller deduplicates) */
void cc_input_add_unknown(cc_input_t *in, const char *s, size_t len);

/* notes what was submitted (when in->marking), for the form shown again */
void cc_input_mark(cc_input_t *in, cc_mark_e kind, const char *s,
    size_t len);
/*
 * The marks as the redisplayed form reads them: an object of strings and
 * arrays of strings (form: a name met twice, or a multiple field, is an
 * array).  NULL on no memory.
 */
json_t *cc_input_submitted(const cc_schema_t *schema, const cc_input_t *in,
    int form);


/* What the JSON reader says of a body it could not read. */

typedef enum {
    CC_JSON_OK = 0,
    CC_JSON_SYNTAX,          /* grammar; line and column set */
    CC_JSON_DEPTH,           /* nested deeper than CC_JSON_MAX_DEPTH */
    CC_JSON_NOT_OBJECT,      /* a valid document, but an array */
    CC_JSON_DUPLICATE,       /* a key twice in an object: key set */
    CC_JSON_UNICODE,         /* \uD800 alone, or a bad surrogate pair */
    CC_JSON_NUL,             /* \u0000 in a string or a key */
    CC_JSON_NOMEM
} cc_json_status_e;

#define CC_JSON_MAX_DEPTH  32

typedef struct {
    cc_json_status_e    status;
    size_t              line;           /* from 1 */
    size_t              column;         /* in code points, from 1 */
    cc_slice_t          key;            /* CC_JSON_DUPLICATE */
} cc_json_error_t;


/*
 * Reads a JSON body, which the caller has checked is valid UTF-8 without
 * NUL bytes, into "in" (initialised for this schema and length): RFC 8259,
 * strictly, with jansson's limits (integers of 64 bits, reals that do not
 * overflow a double) and no duplicate key in any object.
 */
cc_json_status_e cc_json_read(const cc_schema_t *schema, const char *body,
    size_t len, cc_input_t *in, cc_json_error_t *err);

/* The validation of a filled input; see cc_validate_json(). */
cc_validation_e cc_validate_input(const cc_schema_t *schema,
    cc_input_t *in, char **normalised, size_t *normalised_len,
    cc_errors_t **errors);

#endif /* CC_INPUT_H */
