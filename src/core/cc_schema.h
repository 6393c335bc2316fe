/*
 * Questionnaire schemas: loading (configuration time) and validation of a
 * submitted answer (request time).  Plain C99 + jansson, no nginx header.
 */

#ifndef CC_SCHEMA_H
#define CC_SCHEMA_H

#include <stddef.h>
#include <jansson.h>

#include "cc_errors.h"

typedef struct cc_schema_s  cc_schema_t;

typedef enum {
    CC_FIELD_CHOICE = 0,     /* one value among options (+ "other") */
    CC_FIELD_MULTIPLE,       /* min..max values among options (+ "other") */
    CC_FIELD_TEXT,           /* one line of text, max_length characters */
    CC_FIELD_EMAIL,
    CC_FIELD_CONSENT,        /* boolean that must be true */
    CC_FIELD_TEXTAREA,       /* free text on several lines */
    CC_FIELD_NUMBER,         /* an integer between min and max */
    CC_FIELD_SCALE,          /* 1..points, or "nsp" (don't know) */
    CC_FIELD_MATRIX,         /* rows, each answered on one scale */
    CC_FIELD_RANKING,        /* up to max options, in order, no repeat */
    CC_FIELD_NTYPES
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
/*
 * The columns of an export, in order: the names answers are stored under
 * ("profil", "profil.autre", "accord.gouvernance"), a ranking spread over
 * one column per rank ("priorites.1", "priorites.2"...).
 */
size_t cc_schema_ncolumns(const cc_schema_t *schema);
const char *cc_schema_column_name(const cc_schema_t *schema, size_t i);

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
 * Validates a body against the schema.  Nothing is allocated per value and
 * no jansson tree is built for a valid answer: the call costs one scratch
 * allocation plus the answer itself.
 *
 * On CC_VALID, *normalised is the normalised answer as compact JSON text,
 * NUL-terminated, *normalised_len bytes long, malloc()ed: the caller
 * free()s it.  It is byte for byte what json_dumps(JSON_COMPACT) gives for
 * an object holding the schema's fields in schema order, optional fields
 * left empty omitted: texts trimmed with line breaks as LF, email
 * lower-cased, multiple choices deduplicated in option order, consent as
 * true.  Otherwise *normalised is NULL and *normalised_len 0.
 *
 * On CC_INVALID and CC_MALFORMED, *errors is a new reference the caller
 * must json_decref(): an array of {"field": string or null, "code": string,
 * "message": French string}, listing every error at once (null field for
 * whole-body errors such as invalid JSON, invalid UTF-8, bad escapes).
 * Otherwise it is NULL.
 *
 * Codes, whole body (CC_MALFORMED, field null): "invalid_json" (syntax,
 * with line and column; duplicate key in any object, named; nesting deeper
 * than 32; not an object), "invalid_encoding" (invalid UTF-8, NUL, a lone
 * or mismatched \u surrogate escape), "too_many_fields" (urlencoded, over
 * 256 pairs).  Per field (CC_INVALID): "required", "invalid_type",
 * "invalid_choice", "too_few", "too_many", "too_long",
 * "invalid_characters", "invalid_email", "must_be_true", "duplicate_field"
 * (urlencoded), "unknown_field" (field is the unknown name; at most 32
 * reported).  At most one error per field.  Names starting with '_' (e.g.
 * "_idempotency_key") are form plumbing, in both encodings: ignored by
 * validation, kept in "submitted" (see cc_validate_json_ex() below).  On
 * CC_NOMEM all outputs are NULL.
 *
 * "submitted" may be NULL; otherwise it receives, on CC_INVALID only, an
 * object with what was submitted, as strings or arrays of strings, for
 * redisplaying a form (a new reference), and NULL in every other case.
 * The readers note it as they go (the body is read once); ask for it only
 * when an HTML page will be rendered.
 *
 * These two give the errors as a jansson array: the _ex variants below,
 * which the module uses, give them as a cc_errors_t (cc_errors.h), written
 * as JSON text without a tree being built.
 */
cc_validation_e cc_validate_json(const cc_schema_t *schema, const char *body,
    size_t len, char **normalised, size_t *normalised_len, json_t **errors,
    json_t **submitted);

cc_validation_e cc_validate_urlencoded(const cc_schema_t *schema,
    const char *body, size_t len, char **normalised, size_t *normalised_len,
    json_t **errors, json_t **submitted);

/*
 * Reserved names: top-level names starting with '_' ("_jeton",
 * "_idempotency_key", a honeypot) are form plumbing, never answers nor
 * unknown fields, in JSON as in urlencoded bodies.  The _ex variants hand
 * each one to handler as it is read, with its decoded value (value NULL
 * when a JSON value is not a string); the value lives only for the call.
 * Values read from a body later found malformed (CC_MALFORMED) must be
 * ignored.  Nothing is allocated for them.
 */
typedef void (*cc_reserved_pt)(void *data, const char *name,
    size_t name_len, const char *value, size_t value_len);

/*
 * value, when not NULL, is given the single values of a valid answer (its
 * choices, texts and e-mail addresses), field by field, as they were read
 * (the normalised answer lower-cases the e-mail and turns line breaks into
 * LF): what a caller needs of the answer, without reading it again.  s
 * lives only during the call.
 */
typedef void (*cc_value_pt)(void *data, const char *name, const char *s,
    size_t len);

typedef struct {
    cc_reserved_pt      handler;
    void               *data;
    cc_value_pt         value;
} cc_reserved_t;

/*
 * The same, with the errors as a cc_errors_t (free with cc_errors_free()),
 * the reserved names and values handed over, and "submitted" given for a
 * valid answer too (CC_VALID or CC_INVALID): a form refused for another
 * reason than its fields (an abuse control) is shown again all the same.
 */
cc_validation_e cc_validate_json_ex(const cc_schema_t *schema,
    const char *body, size_t len, char **normalised, size_t *normalised_len,
    cc_errors_t **errors, json_t **submitted, const cc_reserved_t *reserved);

cc_validation_e cc_validate_urlencoded_ex(const cc_schema_t *schema,
    const char *body, size_t len, char **normalised, size_t *normalised_len,
    cc_errors_t **errors, json_t **submitted, const cc_reserved_t *reserved);

#endif /* CC_SCHEMA_H */
