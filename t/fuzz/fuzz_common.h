/*
 * Shared by the harnesses: the real schema, loaded once, and a check that
 * aborts (so that libFuzzer reports it) when an invariant breaks.
 */

#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_schema.h"
#include "cc_http.h"

#ifndef CC_SCHEMA_PATH
#define CC_SCHEMA_PATH  "../../conf/questionnaire.json"
#endif

#define FUZZ_ASSERT(cond)                                                     \
    do {                                                                      \
        if (!(cond)) {                                                        \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,        \
                    __LINE__, #cond);                                         \
            abort();                                                          \
        }                                                                     \
    } while (0)


static inline cc_schema_t *
fuzz_schema(void)
{
    char                 err[512];
    static cc_schema_t  *schema;

    if (schema == NULL) {
        schema = cc_schema_load_file(CC_SCHEMA_PATH, err, sizeof(err));

        if (schema == NULL) {
            fprintf(stderr, "%s\n", err);
            abort();
        }
    }

    return schema;
}


/*
 * An HTML page never lets markup through from its inputs: the only '<',
 * '>' and '"' are ours, so they balance, and every attribute value opens
 * after '=' and closes before ' ' or '>'.  (User text may well read
 * "style=" or "script", escaped into harmless text.)
 */

static inline void
fuzz_check_page(char *page)
{
    char    *p, *q;
    size_t   lt, gt;

    FUZZ_ASSERT(page != NULL);
    FUZZ_ASSERT(strncmp(page, "<!DOCTYPE html>\n<html lang=\"fr\">", 32) == 0);
    FUZZ_ASSERT(strstr(page, "<script") == NULL);
    FUZZ_ASSERT(strstr(page, "<style") == NULL);
    FUZZ_ASSERT(strstr(page, "</html>\n") != NULL);

    lt = gt = 0;

    for (p = page; *p; p++) {
        lt += *p == '<';
        gt += *p == '>';
    }

    FUZZ_ASSERT(lt == gt);

    for (p = strchr(page, '"'); p != NULL; p = strchr(q + 1, '"')) {
        q = strchr(p + 1, '"');
        FUZZ_ASSERT(q != NULL);
        FUZZ_ASSERT(p[-1] == '=');
        FUZZ_ASSERT(q[1] == ' ' || q[1] == '>');
        FUZZ_ASSERT(memchr(p, '<', (size_t) (q - p)) == NULL);
        FUZZ_ASSERT(memchr(p, '>', (size_t) (q - p)) == NULL);
    }

    free(page);
}


/*
 * The verdict's shape, then idempotence: a normalised answer is jansson's
 * dump of itself, and, sent again as JSON, is valid and normalises to the
 * same bytes.  Error bodies and the error page are rendered for every
 * non-valid verdict; "submitted" comes with CC_INVALID only.
 */

static inline void
fuzz_check_result(cc_validation_e rc, char *norm, size_t norm_len,
    json_t *errors, json_t *submitted)
{
    char             *s, *norm2;
    size_t            len2;
    json_t           *o, *errors2;
    cc_schema_t      *schema;
    cc_validation_e   rc2;

    schema = fuzz_schema();

    if (rc == CC_NOMEM) {
        FUZZ_ASSERT(norm == NULL && errors == NULL && submitted == NULL);
        return;
    }

    FUZZ_ASSERT(rc == CC_VALID || rc == CC_INVALID || rc == CC_MALFORMED);
    FUZZ_ASSERT((rc == CC_VALID) == (norm != NULL));
    FUZZ_ASSERT((rc == CC_VALID) == (errors == NULL));
    FUZZ_ASSERT((rc == CC_INVALID) == (submitted != NULL));

    if (rc == CC_VALID) {
        FUZZ_ASSERT(strlen(norm) == norm_len);

        o = json_loadb(norm, norm_len, JSON_REJECT_DUPLICATES, NULL);
        FUZZ_ASSERT(json_is_object(o));
        s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        FUZZ_ASSERT(s != NULL);
        if (strcmp(s, norm) != 0) {
            fprintf(stderr, "ours:    %s\njansson: %s\n", norm, s);
        }
        FUZZ_ASSERT(strcmp(s, norm) == 0);
        free(s);
        json_decref(o);

        rc2 = cc_validate_json(schema, norm, norm_len, &norm2, &len2,
                               &errors2, NULL);
        if (rc2 != CC_VALID) {
            fprintf(stderr, "normalised answer not valid again: %s\n", norm);
        }
        FUZZ_ASSERT(rc2 == CC_VALID);
        FUZZ_ASSERT(len2 == norm_len && memcmp(norm, norm2, len2) == 0);

        free(norm2);
        return;
    }

    FUZZ_ASSERT(json_is_array(errors) && json_array_size(errors) > 0);
    FUZZ_ASSERT(rc == CC_INVALID || json_array_size(errors) == 1);

    s = cc_errors_body_json(errors);
    FUZZ_ASSERT(s != NULL);
    free(s);

    fuzz_check_page(cc_errors_page_html(schema, errors, submitted,
                                        "/questionnaire"));
}

/*
 * The module's path: the same body through the _ex variant gives the same
 * verdict, and its 422/400 body is byte for byte jansson's dump of the
 * errors; a valid answer also gives what was submitted.
 */
static inline void
fuzz_check_errors_json(cc_validation_e rc, const unsigned char *data,
    size_t size, int json)
{
    char             *norm, *fast, *slow;
    size_t            len;
    json_t           *body, *submitted;
    cc_errors_t      *errors;
    cc_validation_e   rc2;

    submitted = NULL;

    rc2 = json ? cc_validate_json_ex(fuzz_schema(), (const char *) data,
                                     size, &norm, &len, &errors, &submitted,
                                     NULL)
               : cc_validate_urlencoded_ex(fuzz_schema(), (const char *) data,
                                           size, &norm, &len, &errors,
                                           &submitted, NULL);

    if (rc2 == CC_NOMEM || rc == CC_NOMEM) {
        free(norm);
        cc_errors_free(errors);
        json_decref(submitted);
        return;
    }

    FUZZ_ASSERT(rc2 == rc);
    FUZZ_ASSERT((rc2 == CC_VALID || rc2 == CC_INVALID)
                == (submitted != NULL));

    if (errors) {
        fast = cc_errors_json(errors, &len);
        body = json_pack("{s:o}", "errors", cc_errors_to_json(errors));
        slow = body ? json_dumps(body, JSON_COMPACT) : NULL;

        FUZZ_ASSERT(fast != NULL && slow != NULL);
        if (strcmp(fast, slow) != 0) {
            fprintf(stderr, "ours:    %s\njansson: %s\n", fast, slow);
        }
        FUZZ_ASSERT(strcmp(fast, slow) == 0 && strlen(fast) == len);

        free(fast);
        free(slow);
        json_decref(body);
    }

    free(norm);
    cc_errors_free(errors);
    json_decref(submitted);
}


#endif /* FUZZ_COMMON_H */
