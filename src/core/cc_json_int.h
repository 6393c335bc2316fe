/*
 * The strict JSON reader's own: its state, and the scanners of its tokens
 * (cc_json_scan.c) that its grammar (cc_json.c) uses.
 */

#ifndef CC_JSON_INT_H
#define CC_JSON_INT_H

#include <stddef.h>

#include "cc_input.h"


typedef struct {
    const char         *s;
    size_t              len;
    size_t              obj;
} cc_key_t;


typedef struct {
    const char         *start;
    const char         *p;
    const char         *end;
    char               *out;            /* next free byte of the scratch */
    cc_input_t         *in;
    const cc_schema_t  *schema;
    cc_json_error_t    *err;
    size_t              depth;
    size_t              nobjects;
    unsigned            items:1;        /* marking a top member's list */

    /* keys of the objects whose keys no field slot deduplicates */
    cc_key_t           *keys;
    size_t              nkeys;
    size_t              keys_cap;
} cc_json_t;


int cc_json_fail(cc_json_t *j, cc_json_status_e status, const char *at);
int cc_json_unexpected(cc_json_t *j);
void cc_json_ws(cc_json_t *j);
/* a key of an object no field slot deduplicates: 1 when met before */
int cc_json_key_add(cc_json_t *j, const cc_slice_t *key, size_t obj);
/* a string, j->p on '"', unescaped into the scratch */
int cc_json_string(cc_json_t *j, cc_slice_t *out, int check_nul);
int cc_json_number(cc_json_t *j);
int cc_json_literal(cc_json_t *j, const char *word, size_t len);

#endif /* CC_JSON_INT_H */
