/*
 * What the field loader (cc_schema_field.c) and the loaders of its richer
 * properties (cc_schema_props.c) share, at configuration time only.
 */

#ifndef CC_SCHEMA_LOAD_H
#define CC_SCHEMA_LOAD_H

#include "cc_schema_int.h"

typedef struct {
    cc_field_t  *f;
    json_t      *jf;
    char        *err;
    size_t       errlen;
} cc_fload_t;

/* "field \"name\": " and the message into fl->err; always -1 */
int cc_ferr(cc_fload_t *fl, const char *fmt, ...);
/* a non-empty string property; absent is 0 (*out NULL) unless required */
int cc_fstring(cc_fload_t *fl, json_t *obj, const char *prop, int required,
    char **out, const char *what);
/* an integer property in [lo, hi]; absent: dflt, or an error if LLONG_MIN */
int cc_fcount(cc_fload_t *fl, json_t *obj, const char *prop, long long lo,
    long long hi, long long dflt, long long *out);
int cc_fsize(cc_fload_t *fl, json_t *obj, const char *prop, long long lo,
    long long hi, long long dflt, size_t *out);

/* cc_schema_props.c */
int cc_frow_values(cc_fload_t *fl);
int cc_fother(cc_fload_t *fl);
int cc_fscale(cc_fload_t *fl);
int cc_flink(cc_fload_t *fl);

#endif /* CC_SCHEMA_LOAD_H */
