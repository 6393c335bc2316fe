/*
 * Questionnaire schemas: loading (configuration time) and validation of a
 * submitted answer (request time).  Plain C99 + jansson, no nginx header.
 */

#ifndef CC_SCHEMA_H
#define CC_SCHEMA_H

#include <stddef.h>
#include <jansson.h>

typedef struct cc_schema_s  cc_schema_t;

typedef enum {
    CC_FIELD_CHOICE = 0,     /* one value among options */
    CC_FIELD_MULTIPLE,       /* min..max values among options */
    CC_FIELD_TEXT,           /* free text, max_length in characters */
    CC_FIELD_EMAIL,
    CC_FIELD_CONSENT         /* boolean that must be true */
} cc_field_type_e;

/*
 * Loads and checks a schema file.  On failure returns NULL and writes into
 * err a message naming the file and the faulty field, e.g.
 *   "conf/questionnaire.json: field \"priorites\": \"min\" greater than \"max\""
 */
cc_schema_t *cc_schema_load_file(const char *path, char *err, size_t errlen);

/* Same, from a JSON document in memory; "name" is used in error messages. */
cc_schema_t *cc_schema_load_buffer(const char *name, const char *buf,
    size_t len, char *err, size_t errlen);

void cc_schema_free(cc_schema_t *schema);

/* The form name ("questionnaire"), as declared in the schema's "form". */
const char *cc_schema_form(const cc_schema_t *schema);

/* The schema's "title", or "" when it has none. */
const char *cc_schema_title(const cc_schema_t *schema);

/* Field introspection, for the HTML error page and tools. */
size_t cc_schema_nfields(const cc_schema_t *schema);
const char *cc_schema_field_name(const cc_schema_t *schema, size_t i);
const char *cc_schema_field_label(const cc_schema_t *schema, size_t i);
/* Label of the option "value" of field "name", or NULL. */
const char *cc_schema_option_label(const cc_schema_t *schema,
    const char *name, const char *value);
/* Label of the field "name", or NULL when there is no such field. */
const char *cc_schema_label_of(const cc_schema_t *schema, const char *name);

/* Result of a validation. */
typedef enum {
    CC_VALID = 0,        /* *normalised is set */
    CC_INVALID = 1,      /* *errors is set: 422, field errors */
    CC_MALFORMED = 2,    /* *errors is set: 400, the body itself is unreadable */
    CC_NOMEM = -1
} cc_validation_e;

/*
 * Validates a body against the schema.  Exactly one of *normalised (on
 * CC_VALID) and *errors (on CC_INVALID / CC_MALFORMED) is set to a new
 * reference the caller must json_decref(); the other is set to NULL.
 *
 * *errors is an array of {"field": string or null, "code": string,
 * "message": French string}, listing every error at once (null field for
 * whole-body errors such as invalid JSON, invalid UTF-8, bad escapes).
 *
 * *normalised is an object holding the schema's fields in schema order,
 * optional fields left empty omitted: texts trimmed, email lower-cased,
 * multiple choices deduplicated in option order, consent as true.
 *
 * Codes, whole body (CC_MALFORMED, field null): "invalid_json",
 * "invalid_encoding", "too_many_fields" (urlencoded, over 256 pairs).
 * Per field (CC_INVALID): "required", "invalid_type", "invalid_choice",
 * "too_few", "too_many", "too_long", "invalid_characters", "invalid_email",
 * "must_be_true", "duplicate_field" (urlencoded), "unknown_field" (field is
 * the unknown name; at most 32 reported).  At most one error per field.
 * Urlencoded names starting with '_' (e.g. "_idempotency_key") are form
 * plumbing: ignored by validation, kept in "submitted".  On CC_NOMEM all
 * outputs are NULL.
 *
 * When "submitted" is not NULL it receives (on CC_VALID and CC_INVALID) an
 * object with what was submitted, as strings or arrays of strings, for
 * redisplaying a form; NULL on CC_MALFORMED.
 */
cc_validation_e cc_validate_json(const cc_schema_t *schema, const char *body,
    size_t len, json_t **normalised, json_t **errors, json_t **submitted);

cc_validation_e cc_validate_urlencoded(const cc_schema_t *schema,
    const char *body, size_t len, json_t **normalised, json_t **errors,
    json_t **submitted);

#endif /* CC_SCHEMA_H */
