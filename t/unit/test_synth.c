/*
 * The synthesis report's counting (tools/export/cc_synth*.c): options,
 * multiple choices counted per respondent, conditions, scales with "don't
 * know", rankings and their Borda score, numbers and their median,
 * unknown names and values, unreadable entries, the days in Paris time,
 * registrations replayed to their last state, and the report's HTML
 * (escaped texts, no script, the figures in tables).
 */

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_test.h"
#include "cc_synth.h"


static const char  synth_schema[] =
"{\"form\": \"q\", \"title\": \"Essai\", \"fields\": ["
"{\"name\": \"profil\", \"type\": \"choice\", \"label\": \"Profil\","
" \"options\": [{\"value\": \"a\", \"label\": \"A\"},"
"               {\"value\": \"b\", \"label\": \"B\"}],"
" \"other\": {\"value\": \"autre\", \"label\": \"Autre\","
"             \"text_label\": \"Précisez\", \"max_length\": 50}},"
"{\"name\": \"age\", \"type\": \"choice\", \"label\": \"Âge\","
" \"visible_if\": {\"field\": \"profil\", \"in\": [\"b\"]},"
" \"options\": [{\"value\": \"j\", \"label\": \"Jeune\"},"
"               {\"value\": \"v\", \"label\": \"Vieux\"}]},"
"{\"name\": \"themes\", \"type\": \"multiple\", \"label\": \"Thèmes\","
" \"options\": [{\"value\": \"x\", \"label\": \"X\"},"
"               {\"value\": \"y\", \"label\": \"Y\"}]},"
"{\"name\": \"note\", \"type\": \"scale\", \"points\": 4,"
" \"dont_know\": true, \"label\": \"Note\"},"
"{\"name\": \"ordre\", \"type\": \"ranking\", \"max\": 2, \"label\": \"Ordre\","
" \"options\": [{\"value\": \"p\", \"label\": \"P\"},"
"               {\"value\": \"q\", \"label\": \"Q\"},"
"               {\"value\": \"r\", \"label\": \"R\"}]},"
"{\"name\": \"taille\", \"type\": \"number\", \"max\": 1000, \"label\": \"Taille\"},"
"{\"name\": \"avis\", \"type\": \"textarea\", \"max_length\": 500,"
" \"label\": \"Avis\"}"
"]}";


static int
add(cc_synth_t *s, const char *json)
{
    return cc_synth_answer(s, "1-0", "2022-03-08T22:30:00.000Z", json,
                           strlen(json));
}


static void
test_synth_counts(void)
{
    char                     err[512];
    cc_schema_t             *schema;
    cc_synth_t              *s;
    const cc_synth_field_t  *f;
    const char              *cross[] = { "profil" };
    const char              *bad[] = { "avis" };

    schema = cc_schema_load_buffer("synthese", synth_schema,
                                   sizeof(synth_schema) - 1, err, sizeof(err));
    CHECK(schema != NULL);
    if (schema == NULL) {
        fprintf(stderr, "%s\n", err);
        return;
    }

    CHECK(cc_synth_new(schema, bad, 1, err, sizeof(err)) == NULL);
    CHECK_HAS(err, "seul un choix unique");

    s = cc_synth_new(schema, cross, 1, err, sizeof(err));
    CHECK(s != NULL);
    if (s == NULL) {
        cc_schema_free(schema);
        return;
    }

    CHECK(add(s, "{\"profil\":\"a\",\"themes\":[\"x\",\"y\"],\"note\":4,"
                 "\"ordre\":[\"q\",\"p\"],\"taille\":10,"
                 "\"avis\":\"<b>gras</b> & =1+1\"}") == 0);
    CHECK(add(s, "{\"profil\":\"b\",\"age\":\"j\",\"themes\":[\"x\"],"
                 "\"note\":\"nsp\",\"ordre\":[\"q\"],\"taille\":20}") == 0);
    CHECK(add(s, "{\"profil\":\"b\",\"note\":2,\"ordre\":[\"r\",\"q\"],"
                 "\"taille\":30,\"taille2\":1}") == 0);
    CHECK(add(s, "{\"profil\":\"autre\",\"profil.autre\":\"Moi\","
                 "\"themes\":[\"z\"],\"taille\":1000}") == 0);
    CHECK(add(s, "{\"profil\":\"retire\"}") == 0);
    CHECK(add(s, "pas du JSON") == 1);
    CHECK(add(s, "[1,2]") == 1);

    CHECK(cc_synth_total(s) == 7);
    CHECK(cc_synth_unreadable(s) == 2);

    f = cc_synth_field(s, "profil");
    CHECK(f->asked == 5 && f->answered == 4);
    CHECK(f->opt[0] == 1 && f->opt[1] == 2 && f->opt[2] == 1);
    CHECK(f->others == 1);

    /* asked of the profile "b" only */
    f = cc_synth_field(s, "age");
    CHECK(f->asked == 2 && f->answered == 1 && f->opt[0] == 1);

    /* per respondent: 2 answered, x twice, y once; z unknown */
    f = cc_synth_field(s, "themes");
    CHECK(f->answered == 2 && f->opt[0] == 2 && f->opt[1] == 1);

    f = cc_synth_field(s, "note");
    CHECK(f->answered == 3 && f->pts[3] == 1 && f->pts[1] == 1
          && f->pts[4] == 1 && f->sum == 6);

    /* first places, ranks, Borda: 2 points first, 1 second */
    f = cc_synth_field(s, "ordre");
    CHECK(f->answered == 3);
    CHECK(f->opt[1] == 2 && f->opt[2] == 1 && f->opt[0] == 0);
    CHECK(f->rank[0 * 2 + 1] == 1 && f->rank[1 * 2 + 0] == 2
          && f->rank[1 * 2 + 1] == 1);
    CHECK(f->borda[0] == 1 && f->borda[1] == 5 && f->borda[2] == 2);

    f = cc_synth_field(s, "taille");
    CHECK(f->answered == 4 && f->nn == 4);
    CHECK(cc_synth_median(f) == 25.0);

    /* the cross-tabulation by profile: "ordre" first places of group b */
    f = cc_synth_field(s, "ordre");
    CHECK(f->cross_answered[0][1] == 2);
    CHECK(f->cross[0][1 * f->width + 1] == 1);
    CHECK(f->cross[0][1 * f->width + 2] == 1);

    /* unknown names and values, named */
    {
        const cc_synth_tally_t  *u = cc_synth_unknown(s);
        size_t                   i;
        int                      z = 0, t = 0, r = 0;

        for (i = 0; i < u->n; i++) {
            z += strcmp(u->keys[i], "themes = z") == 0 && u->counts[i] == 1;
            t += strcmp(u->keys[i], "taille2") == 0 && u->counts[i] == 1;
            r += strcmp(u->keys[i], "profil = retire") == 0;
        }
        CHECK(z == 1 && t == 1 && r == 1);
    }

    /* 22:30 UTC on 8 March is the 8th in Paris; 23:30 the 9th */
    CHECK(cc_synth_day("2022-03-08T22:30:00.000Z", NULL)
          == cc_synth_day("2022-03-08T01:00:00Z", NULL));
    CHECK(cc_synth_day("2022-03-08T23:30:00.5Z", NULL)
          == cc_synth_day("2022-03-08T01:00:00Z", NULL) + 1);
    CHECK(cc_synth_day("pas une date", NULL) == -1);
    {
        int64_t  ms;

        CHECK(cc_synth_day("2022-03-08T10:00:00.512Z", &ms) > 0
              && ms == 1646733600512LL);
    }

    /* registrations, replayed to their last state */
    CHECK(cc_synth_registration(s, "1-0", "r1", "ev", "registered",
                                "2022-03-10T10:00:00.000Z") == 0);
    CHECK(cc_synth_registration(s, "2-0", "r2", "ev", "waitlisted",
                                "2022-03-10T10:00:00.000Z") == 0);
    CHECK(cc_synth_registration(s, "3-0", "r1", "ev", "cancelled",
                                "2022-03-11T10:00:00.000Z") == 0);
    CHECK(cc_synth_registration(s, "4-0", "r2", "ev", "promoted",
                                "2022-03-11T10:00:00.000Z") == 0);
    CHECK(cc_synth_registration(s, "5-0", "zz", "ev", "cancelled",
                                "2022-03-11T10:00:00.000Z") == 0);
    {
        const cc_synth_event_t  *e = cc_synth_event(s, "ev");

        CHECK(e != NULL && e->confirmed == 1 && e->waiting == 0
              && e->cancelled == 1 && e->registrations == 2
              && e->promoted == 1);
        CHECK(s->regs_unknown == 1);
    }

    /* the report */
    {
        char             *html = NULL;
        size_t            len = 0;
        FILE             *fp = open_memstream(&html, &len);
        cc_synth_meta_t   meta;

        memset(&meta, 0, sizeof(meta));
        meta.generated = "2022-06-01T10:00:00Z";
        meta.schema_path = "synthese.json";
        meta.stream_key = "concertation:questionnaire";
        meta.regs_key = "concertation:inscriptions";
        CHECK(cc_synth_html(s, fp, &meta) == 0);
        fclose(fp);
        CHECK_HAS(html, "<html lang=\"fr\">");
        CHECK_NOT_HAS(html, "<script");
        CHECK_NOT_HAS(html, "<b>gras");
        CHECK_HAS(html, "<li>&lt;b&gt;gras&lt;/b&gt; &amp; =1+1</li>");
        CHECK_HAS(html, "<dd id=\"total\" data-n=\"5\">");
        CHECK_HAS(html, "<tr data-k=\"b\"><th scope=\"row\">B</th>"
                        "<td data-n=\"2\">2</td><td>50,0\xc2\xa0%</td>");
        CHECK_HAS(html, "<td data-k=\"borda\" data-n=\"5\">");
        CHECK_HAS(html, "médiane <strong data-v=\"25.0\">25,0</strong>");
        CHECK_HAS(html, "<tr data-k=\"themes = z\">");
        CHECK_HAS(html, "<strong id=\"illisibles\" data-n=\"2\">");
        CHECK_HAS(html, "role=\"img\"");
        free(html);
    }

    cc_synth_free(s);
    cc_schema_free(schema);
}


static void
test_synth_tally(void)
{
    cc_synth_tally_t  t;
    char              k[32];
    int               i;

    memset(&t, 0, sizeof(t));
    for (i = 0; i < CC_SYNTH_MAX_UNKNOWN + 10; i++) {
        snprintf(k, sizeof(k), "nom%d", i);
        CHECK(cc_synth_tally_add(&t, k, strlen(k)) == 0);
    }
    CHECK(cc_synth_tally_add(&t, "nom0", 4) == 0);
    CHECK(t.n == CC_SYNTH_MAX_UNKNOWN && t.dropped == 10);
    CHECK(t.counts[0] == 2);
    cc_synth_tally_free(&t);
}


/* a cross field of many options: the texts in one group (file limits) */
static void
test_synth_many_groups(void)
{
    char          json[8192], err[512];
    size_t        n, i;
    cc_schema_t  *schema;
    cc_synth_t   *s;
    const char   *cross[] = { "commune" };

    n = (size_t) snprintf(json, sizeof(json), "{\"form\": \"q\", \"fields\": ["
                          "{\"name\": \"commune\", \"type\": \"choice\", "
                          "\"label\": \"Commune\", \"options\": [");
    for (i = 0; i < 40; i++) {
        n += (size_t) snprintf(json + n, sizeof(json) - n,
                               "%s{\"value\": \"c%zu\", \"label\": \"C%zu\"}",
                               i ? "," : "", i, i);
    }
    n += (size_t) snprintf(json + n, sizeof(json) - n, "]}, {\"name\": \"avis\", "
                           "\"type\": \"textarea\", \"max_length\": 100, "
                           "\"label\": \"Avis\"}]}");
    schema = cc_schema_load_buffer("many", json, n, err, sizeof(err));
    CHECK(schema != NULL);
    if (schema == NULL) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    s = cc_synth_new(schema, cross, 1, err, sizeof(err));
    CHECK(s != NULL && s->ntext_groups == 1);
    CHECK(add(s, "{\"commune\":\"c39\",\"avis\":\"un\"}") == 0);
    CHECK(s->texts[schema->fields[1].slot].n == 1);
    cc_synth_free(s);
    cc_schema_free(schema);
}


void
test_synth(void)
{
    test_synth_counts();
    test_synth_tally();
    test_synth_many_groups();
}
