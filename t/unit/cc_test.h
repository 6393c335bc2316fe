/*
 * A minimal test framework: CHECK() counts, and prints file:line of every
 * failure; the runner prints "N passed, N failed" and fails when N > 0.
 */

#ifndef CC_TEST_H
#define CC_TEST_H

#include <stdio.h>
#include <string.h>

extern unsigned  cc_test_passed;
extern unsigned  cc_test_failed;

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (cond) {                                                           \
            cc_test_passed++;                                                 \
        } else {                                                              \
            cc_test_failed++;                                                 \
            fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                     \
    } while (0)

/* string equality, printing both sides on failure; NULL never matches */
#define CHECK_STR(got, want)                                                  \
    do {                                                                      \
        const char *g_ = (got), *w_ = (want);                                 \
        if (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0) {                \
            cc_test_passed++;                                                 \
        } else {                                                              \
            cc_test_failed++;                                                 \
            fprintf(stderr, "%s:%d: FAILED: %s\n  got:  %s\n  want: %s\n",    \
                    __FILE__, __LINE__, #got, g_ ? g_ : "(null)",             \
                    w_ ? w_ : "(null)");                                      \
        }                                                                     \
    } while (0)

/* substring presence */
#define CHECK_HAS(hay, needle)                                                \
    do {                                                                      \
        const char *h_ = (hay), *n_ = (needle);                               \
        if (h_ != NULL && strstr(h_, n_) != NULL) {                           \
            cc_test_passed++;                                                 \
        } else {                                                              \
            cc_test_failed++;                                                 \
            fprintf(stderr, "%s:%d: FAILED: %s does not contain \"%s\"\n"     \
                    "  in: %.2000s\n", __FILE__, __LINE__, #hay, n_,          \
                    h_ ? h_ : "(null)");                                      \
        }                                                                     \
    } while (0)

#define CHECK_NOT_HAS(hay, needle)                                            \
    do {                                                                      \
        const char *h_ = (hay), *n_ = (needle);                               \
        if (h_ != NULL && strstr(h_, n_) == NULL) {                           \
            cc_test_passed++;                                                 \
        } else {                                                              \
            cc_test_failed++;                                                 \
            fprintf(stderr, "%s:%d: FAILED: %s contains \"%s\"\n",            \
                    __FILE__, __LINE__, #hay, n_);                            \
        }                                                                     \
    } while (0)

/* the schema every test uses: the real one, relative to t/unit/ */
/* a flat questionnaire (no sections), the earlier one, for the plain types */
#define CC_TEST_SCHEMA  "../data/plat.json"

/* reads a whole file (NUL-terminated, malloc()ed), or NULL */
char *cc_test_read(const char *path, size_t *len);

void test_utf8(void);
void test_urlencoded(void);
void test_schema(void);
void test_validate(void);
void test_types(void);
void test_json(void);
void test_record(void);
void test_http(void);
void test_time(void);
void test_limit(void);
void test_token(void);
void test_events(void);
void test_registration(void);
void test_spool(void);
void test_reply(void);
void test_export(void);
void test_metrics(void);
void test_errors(void);
void test_reg_pages(void);
void test_notify(void);
void test_synth(void);

#endif /* CC_TEST_H */
