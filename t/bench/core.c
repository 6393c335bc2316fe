/*
 * Micro-benchmark of the validation core, no server: the per-call cost of
 * cc_validate_json() and cc_validate_urlencoded() on the workload bodies,
 * output freed each time as the module does.  Prints ns/call measured in
 * this run; asserts nothing about time.
 *
 *   core <schema> <questionnaire.json> <questionnaire.urlencoded> [seconds
 *        [invalid.json [previous-schema previous.json [fragments-dir]]]]
 *
 * With a previous definition and an answer to it, the same JSON benchmark
 * on it, for comparison; with the site's fragments, the cost of rendering
 * the form's page (cc_form_page_html(), as a GET of the page does).
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cc_schema.h"
#include "cc_errors.h"
#include "cc_http.h"


static char *
read_file(const char *path, size_t *len)
{
    long   n;
    char  *buf;
    FILE  *f;

    f = fopen(path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
        perror(path);
        exit(1);
    }

    rewind(f);
    buf = malloc((size_t) n + 1);

    if (buf == NULL || fread(buf, 1, (size_t) n, f) != (size_t) n) {
        perror(path);
        exit(1);
    }

    fclose(f);

    /* a file may end with a newline: a body would not */
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        n--;
    }

    *len = (size_t) n;

    return buf;
}


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static void
bench(const char *name, const cc_schema_t *schema, const char *body,
    size_t len, int json, double seconds)
{
    char             *norm;
    size_t            i, n, norm_len;
    double            t0, t;
    json_t           *errors;
    cc_validation_e   rc;

    n = 0;
    t0 = now();

    do {
        for (i = 0; i < 1000; i++) {
            rc = json ? cc_validate_json(schema, body, len, &norm, &norm_len,
                                         &errors, NULL)
                      : cc_validate_urlencoded(schema, body, len, &norm,
                                               &norm_len, &errors, NULL);
            if (rc != CC_VALID) {
                fprintf(stderr, "%s: not valid (%d)\n", name, rc);
                exit(1);
            }

            free(norm);
        }

        n += 1000;
        t = now() - t0;

    } while (t < seconds);

    printf("  %-24s %6zu bytes  %8.0f ns/call\n", name, len, t * 1e9 / n);
}


/* an invalid answer: validated, and its 422 body written, as the module does */

static void
bench_invalid(const cc_schema_t *schema, const char *body, size_t len,
    double seconds)
{
    char             *norm, *out;
    size_t            i, n, norm_len, out_len;
    double            t0, t;
    cc_errors_t      *errors;
    cc_validation_e   rc;

    n = 0;
    t0 = now();

    do {
        for (i = 0; i < 1000; i++) {
            rc = cc_validate_json_ex(schema, body, len, &norm, &norm_len,
                                     &errors, NULL, NULL);
            if (rc != CC_INVALID) {
                fprintf(stderr, "invalid body: not invalid (%d)\n", rc);
                exit(1);
            }

            out = cc_errors_json(errors, &out_len);
            if (out == NULL) {
                fprintf(stderr, "invalid body: no 422 body\n");
                exit(1);
            }

            free(out);
            cc_errors_free(errors);
        }

        n += 1000;
        t = now() - t0;

    } while (t < seconds);

    printf("  %-24s %6zu bytes  %8.0f ns/call\n", "invalid, 422 body", len,
           t * 1e9 / n);
}


/* the form's page, as a GET renders it: shell, token, key, every question */

static void
bench_page(const cc_schema_t *schema, const char *dir, double seconds,
    int cached)
{
    char                err[512], *page;
    size_t              i, n, len;
    double              t0, t;
    cc_shell_t          shell;
    cc_form_page_t      fp;
    cc_page_plumbing_t  pl;

    if (cc_shell_load(&shell, dir, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }

    memset(&fp, 0, sizeof(fp));
    pl.token_name = "_jeton";
    pl.token = "1644307200000.0123456789abcdef0123456789abcdef";
    pl.honeypot = "_site_web";
    fp.action = "/api/questionnaire";
    fp.thanks = "/merci.html";
    fp.key = "5622c24c-53b8-46b0-93ed-6e147970698c";
    fp.pl = &pl;
    fp.current = "/questionnaire.html";
    fp.fields = cached ? cc_form_fields_html(schema) : NULL;

    n = 0;
    len = 0;
    t0 = now();

    do {
        for (i = 0; i < 100; i++) {
            page = cc_form_page_html(schema, &shell, NULL, NULL, &fp);
            if (page == NULL) {
                fprintf(stderr, "form page: no memory\n");
                exit(1);
            }

            len = strlen(page);
            free(page);
        }

        n += 100;
        t = now() - t0;

    } while (t < seconds);

    printf("  %-24s %6zu bytes  %8.0f ns/call\n",
           cached ? "form page (GET)" : "form page, all rendered", len,
           t * 1e9 / n);

    free((char *) fp.fields);
    cc_shell_free(&shell);
}


int
main(int argc, char **argv)
{
    char         err[512], *json, *form;
    size_t       json_len, form_len;
    double       seconds;
    cc_schema_t  *schema;

    if (argc < 4) {
        fprintf(stderr, "usage: %s schema json urlencoded [seconds "
                "[invalid json]]\n", argv[0]);
        return 2;
    }

    seconds = argc > 4 ? atof(argv[4]) : 1.0;

    schema = cc_schema_load_file(argv[1], err, sizeof(err));
    if (schema == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }

    json = read_file(argv[2], &json_len);
    form = read_file(argv[3], &form_len);

    printf("core validation (gcc -O2, one thread), %s: %zu questions, "
           "%zu columns:\n", argv[1], cc_schema_nfields(schema),
           cc_schema_ncolumns(schema));
    bench("cc_validate_json", schema, json, json_len, 1, seconds);
    bench("cc_validate_urlencoded", schema, form, form_len, 0, seconds);

    if (argc > 5) {
        free(json);
        json = read_file(argv[5], &json_len);
        bench_invalid(schema, json, json_len, seconds);
    }

    if (argc > 7) {
        cc_schema_t  *prev;
        char         *pjson;
        size_t        pjson_len;

        prev = cc_schema_load_file(argv[6], err, sizeof(err));
        if (prev == NULL) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }

        pjson = read_file(argv[7], &pjson_len);
        printf("the previous definition, for comparison (%s: %zu "
               "questions):\n", argv[6], cc_schema_nfields(prev));
        bench("cc_validate_json", prev, pjson, pjson_len, 1, seconds);
        free(pjson);
        cc_schema_free(prev);
    }

    if (argc > 8) {
        printf("the form's page, rendered from the definition (the "
               "questions made once, as the module does; all of it):\n");
        bench_page(schema, argv[8], seconds, 1);
        bench_page(schema, argv[8], seconds, 0);
    }

    free(json);
    free(form);
    cc_schema_free(schema);

    return 0;
}
