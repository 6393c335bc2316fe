/*
 * The synthesis report (tools/export/cc_synth*.c) on any stored answer:
 * each entry is counted or said unreadable, never both; no question is
 * answered more often than it was asked of (the validator's rule that a
 * question whose condition fails is dropped is not assumed here, so the
 * bound is the answers read); a choice's options add up to its answered;
 * and the report written from them carries no markup of the input: no
 * script, image, frame or event handler, whatever the answers hold.
 *
 * Input: up to three answers to the real questionnaire, separated by a
 * NUL byte; the first byte after each NUL (if any) picks the day.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdint.h>

#include "cc_synth.h"
#include "fuzz_common.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char  *cross[] = { "profil", "departement" };
    static const char  *days[] = { "2022-02-08T09:00:00.000Z",
                                   "2022-03-27T01:30:00.5Z",
                                   "not a date", "2022-04-25T21:59:59.999Z" };
    cc_schema_t        *schema = fuzz_schema();
    cc_synth_t         *s;
    cc_synth_meta_t     meta;
    const uint8_t      *p, *end, *nul;
    char               *html = NULL, *copy;
    size_t              len = 0, i, k, n = 0, unreadable = 0;
    FILE               *fp;
    char                err[256];
    int                 rc;

    s = cc_synth_new(schema, cross, 2, err, sizeof(err));
    FUZZ_ASSERT(s != NULL);

    p = data;
    end = data + size;
    for (k = 0; k < 3 && p <= end; k++) {
        nul = memchr(p, 0, (size_t) (end - p));
        if (nul == NULL) {
            nul = end;
        }
        rc = cc_synth_answer(s, "1-0", days[(p > data ? p[-1] : 0) % 4],
                             (const char *) p, (size_t) (nul - p));
        FUZZ_ASSERT(rc == 0 || rc == 1);
        n++;
        unreadable += rc == 1;
        p = nul + 1;
    }

    FUZZ_ASSERT(cc_synth_total(s) == n);
    FUZZ_ASSERT(cc_synth_unreadable(s) == unreadable);

    for (i = 0; i < schema->nfields; i++) {
        const cc_field_t        *f = &schema->fields[i];
        const cc_synth_field_t  *sf = cc_synth_field(s, f->name);
        uint64_t                 sum = 0;

        FUZZ_ASSERT(sf->answered <= n - unreadable);
        FUZZ_ASSERT(sf->asked <= n - unreadable);
        if (f->type == CC_FIELD_CHOICE) {
            for (k = 0; k < f->noptions; k++) {
                sum += sf->opt[k];
            }
            FUZZ_ASSERT(sum == sf->answered);
        }
    }

    cc_synth_registration(s, "1-0", "r", "ev", "registered", days[0]);

    fp = open_memstream(&html, &len);
    FUZZ_ASSERT(fp != NULL);
    memset(&meta, 0, sizeof(meta));
    meta.generated = "2022-06-01T10:00:00Z";
    meta.schema_path = "questionnaire.json";
    meta.stream_key = "concertation:questionnaire";
    meta.regs_key = "concertation:inscriptions";
    FUZZ_ASSERT(cc_synth_html(s, fp, &meta) == 0);
    fclose(fp);

    /* lower-cased, every tag of the report is one it writes, without an
       event handler: none comes from the input */
    copy = strndup(html, len);
    FUZZ_ASSERT(copy != NULL);
    for (i = 0; i < len; i++) {
        if (copy[i] >= 'A' && copy[i] <= 'Z') {
            copy[i] = (char) (copy[i] - 'A' + 'a');
        }
    }
    for (i = 0; i < len; i++) {
        static const char  *tags[] = {
            "!doctype", "html", "head", "meta", "title", "style", "body",
            "svg", "defs", "pattern", "rect", "path", "circle", "text",
            "line", "header", "p", "h1", "h2", "h3", "h4", "h5", "nav", "ol",
            "ul", "li", "a", "main", "section", "dl", "div", "dt", "dd",
            "figure", "figcaption", "table", "caption", "thead", "tbody",
            "tr", "th", "td", "span", "strong", "article", "code", "br",
            "sup", NULL };
        size_t       t, nlen;
        const char  *name, *close;
        int          known = 0;

        if (copy[i] != '<') {
            continue;
        }
        name = copy + i + 1 + (copy[i + 1] == '/');
        nlen = strcspn(name, " >/\n");
        for (t = 0; tags[t]; t++) {
            known |= strlen(tags[t]) == nlen && memcmp(tags[t], name, nlen) == 0;
        }
        FUZZ_ASSERT(known);
        /* the tag runs to the first '>' outside a quoted attribute value;
           a value is the input's, escaped, so only what lies outside the
           quotes is markup */
        for (close = name; close < copy + len && *close != '>'; close++) {
            if (*close == '"' || *close == '\'') {
                const char  *q = memchr(close + 1, *close,
                                        (size_t) (copy + len - close - 1));

                FUZZ_ASSERT(q != NULL);
                close = q;
                continue;
            }
            if (close[0] == ' ' && close + 3 < copy + len
                && close[1] == 'o' && close[2] == 'n')
            {
                size_t  w = 3;

                while (close + w < copy + len
                       && close[w] >= 'a' && close[w] <= 'z')
                {
                    w++;
                }
                FUZZ_ASSERT(w == 3 || close[w] != '=');
            }
        }
        FUZZ_ASSERT(close < copy + len);
        i = (size_t) (close - copy);
    }
    free(copy);
    free(html);
    cc_synth_free(s);

    return 0;
}
