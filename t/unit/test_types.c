/*
 * The questionnaire language beyond the flat fields: sections, conditions,
 * "other" texts, one-line texts, numbers, scales, grids and rankings; how
 * they are refused at load time, checked, stored and rendered.
 */

#include <stdlib.h>

#include "cc_test.h"
#include "cc_schema.h"
#include "cc_http.h"

#define NB  "\xc2\xa0"

static cc_schema_t      *schema;
static cc_validation_e   rc;
static json_t           *errs, *sub;
static char             *norm;
static size_t            norm_len;


/* every type, two sections, conditions on a choice and on a multiple */

static const char *types_json =
    "{\"form\":\"t\",\"title\":\"Types\",\"sections\":["
    "{\"title\":\"Vous\",\"fields\":["
    " {\"name\":\"profil\",\"type\":\"choice\",\"required\":true,"
    "  \"label\":\"Profil\",\"options\":[{\"value\":\"ess\",\"label\":\"ESS\"},"
    "  {\"value\":\"citoyen\",\"label\":\"Citoyen\"}],"
    "  \"other\":{\"label\":\"Autre profil\",\"max_length\":10}},"
    " {\"name\":\"nom\",\"type\":\"text\",\"required\":true,\"max_length\":20,"
    "  \"autocomplete\":\"family-name\",\"label\":\"Nom\",\"hint\":\"Aide\"},"
    " {\"name\":\"age\",\"type\":\"number\",\"min\":16,\"max\":120,"
    "  \"unit\":\"ans\",\"label\":\"\\u00c2ge\","
    "  \"visible_if\":{\"field\":\"profil\",\"in\":[\"citoyen\"]},"
    "  \"required\":true},"
    " {\"name\":\"themes\",\"type\":\"multiple\",\"max\":2,\"label\":\"Th\","
    "  \"options\":[{\"value\":\"a\",\"label\":\"A\"},"
    "  {\"value\":\"b\",\"label\":\"B\"},{\"value\":\"c\",\"label\":\"C\"}],"
    "  \"other\":true}"
    "]},"
    "{\"title\":\"Structure\",\"intro\":\"Pour les structures.\","
    " \"visible_if\":{\"any\":[{\"field\":\"profil\",\"in\":[\"ess\"]},"
    "  {\"field\":\"themes\",\"in\":[\"c\"]}]},\"fields\":["
    " {\"name\":\"salaries\",\"type\":\"number\",\"required\":true,"
    "  \"max\":1000,\"label\":\"Salari\\u00e9s\"}"
    "]},"
    "{\"title\":\"Avis\",\"fields\":["
    " {\"name\":\"note\",\"type\":\"scale\",\"points\":4,"
    "  \"labels\":[\"Non\",\"Oui\"],\"dont_know\":true,\"label\":\"Note\"},"
    " {\"name\":\"accord\",\"type\":\"matrix\",\"required\":true,"
    "  \"points\":3,\"label\":\"Accord\",\"rows\":["
    "  {\"value\":\"r1\",\"label\":\"Ligne un\"},"
    "  {\"value\":\"r2\",\"label\":\"Ligne deux\"}]},"
    " {\"name\":\"rang\",\"type\":\"ranking\",\"required\":true,\"max\":2,"
    "  \"label\":\"Rang\",\"options\":[{\"value\":\"x\",\"label\":\"X\"},"
    "  {\"value\":\"y\",\"label\":\"Y\"},{\"value\":\"z\",\"label\":\"Z\"}]},"
    " {\"name\":\"texte\",\"type\":\"textarea\",\"max_length\":50,"
    "  \"label\":\"Texte\"},"
    " {\"name\":\"ok\",\"type\":\"consent\",\"required\":true,"
    "  \"label\":\"OK\",\"link\":{\"href\":\"/donnees.html\","
    "  \"text\":\"Vos donn\\u00e9es\"}}"
    "]}]}";


static void
reset(void)
{
    free(norm);
    json_decref(errs);
    json_decref(sub);
    norm = NULL;
    errs = sub = NULL;
}


static void
json_v(const char *body)
{
    reset();
    rc = cc_validate_json(schema, body, strlen(body), &norm, &norm_len, &errs,
                          &sub);
}


static void
form_v(const char *body)
{
    reset();
    rc = cc_validate_urlencoded(schema, body, strlen(body), &norm, &norm_len,
                                &errs, &sub);
}


static const char *
error(const char *field, const char *code)
{
    size_t   i;
    json_t  *e;

    json_array_foreach(errs, i, e) {
        if (json_is_string(json_object_get(e, "field"))
            && strcmp(json_string_value(json_object_get(e, "field")), field)
               == 0
            && strcmp(json_string_value(json_object_get(e, "code")), code)
               == 0)
        {
            return json_string_value(json_object_get(e, "message"));
        }
    }

    return NULL;
}


static void
refused(int line, const char *json, const char *want)
{
    char          err[512];
    cc_schema_t  *s;

    err[0] = '\0';
    s = cc_schema_load_buffer("q.json", json, strlen(json), err, sizeof(err));

    if (s == NULL && strstr(err, want) != NULL) {
        cc_test_passed++;
        return;
    }

    cc_test_failed++;
    fprintf(stderr, "test_types.c:%d: FAILED: %s\n  got: %s\n  want: %s\n",
            line, s ? "accepted" : "wrong message", err, want);
    cc_schema_free(s);
}

#define REFUSED(json, want)  refused(__LINE__, json, want)

#define CH(name)  "{\"name\":\"" name "\",\"type\":\"choice\",\"label\":\"L\"," \
                  "\"options\":[{\"value\":\"a\",\"label\":\"A\"}," \
                  "{\"value\":\"b\",\"label\":\"B\"}]}"


static void
test_refusals(void)
{
    REFUSED("{\"fields\":[" CH("p") ",{\"name\":\"q\",\"type\":\"text\","
            "\"max_length\":5,\"label\":\"Q\",\"visible_if\":{\"field\":"
            "\"zz\",\"in\":[\"a\"]}}]}",
            "q.json: field \"q\": \"visible_if\": \"field\": there is no "
            "question \"zz\"");
    REFUSED("{\"fields\":[{\"name\":\"q\",\"type\":\"text\",\"max_length\":5,"
            "\"label\":\"Q\",\"visible_if\":{\"field\":\"p\",\"in\":[\"a\"]}},"
            CH("p") "]}",
            "field \"q\": \"visible_if\": \"field\": \"p\" comes later");
    REFUSED("{\"fields\":[{\"name\":\"p\",\"type\":\"choice\",\"label\":\"L\","
            "\"options\":[{\"value\":\"a\",\"label\":\"A\"}],"
            "\"visible_if\":{\"field\":\"p\",\"in\":[\"a\"]}}]}",
            "\"p\" is the question itself (a cycle)");
    REFUSED("{\"fields\":[" CH("p") ",{\"name\":\"q\",\"type\":\"text\","
            "\"max_length\":5,\"label\":\"Q\",\"visible_if\":{\"field\":"
            "\"p\",\"in\":[\"c\"]}}]}",
            "\"in\": \"c\" is not an option of \"p\"");
    REFUSED("{\"fields\":[{\"name\":\"t\",\"type\":\"text\",\"max_length\":5,"
            "\"label\":\"T\"}," CH("p") ",{\"name\":\"q\",\"type\":\"text\","
            "\"max_length\":5,\"label\":\"Q\",\"visible_if\":{\"all\":["
            "{\"field\":\"p\",\"in\":[\"a\"]},{\"field\":\"t\",\"in\":"
            "[\"x\"]}]}}]}",
            "\"t\" is a text; a condition tests a choice");
    REFUSED("{\"fields\":[" CH("p") ",{\"name\":\"q\",\"type\":\"text\","
            "\"max_length\":5,\"label\":\"Q\",\"visible_if\":{\"all\":[]}}]}",
            "\"all\" must be an array of 1 to 16 conditions");
    REFUSED("{\"fields\":[" CH("p") ",{\"name\":\"q\",\"type\":\"text\","
            "\"max_length\":5,\"label\":\"Q\",\"visible_if\":{\"field\":"
            "\"p\",\"in\":[\"a\"],\"any\":[]}}]}",
            "\"any\" stands alone in its object");
    /* a section's condition may not test its own questions */
    REFUSED("{\"sections\":[{\"title\":\"S\",\"visible_if\":{\"field\":\"p\","
            "\"in\":[\"a\"]},\"fields\":[" CH("p") "]}]}",
            "q.json: section #1: \"visible_if\": \"field\": \"p\" is the "
            "question itself");
    REFUSED("{\"sections\":[{\"title\":\"S\",\"fields\":[" CH("p") "]}],"
            "\"fields\":[" CH("q") "]}",
            "\"fields\" and \"sections\" cannot go together");
    REFUSED("{\"sections\":[{\"fields\":[" CH("p") "]}]}",
            "section #1: \"title\" is missing");
    REFUSED("{\"sections\":[{\"title\":\"S\",\"fields\":[" CH("p") "],"
            "\"colour\":\"red\"}]}",
            "section #1: unknown property \"colour\"");
    REFUSED("{\"sections\":[{\"title\":\"S\",\"fields\":[" CH("p") "]},"
            "{\"title\":\"T\",\"fields\":[" CH("p") "]}]}",
            "field \"p\": duplicate field name (also field #1)");

    /* the types' properties */
    REFUSED("{\"fields\":[{\"name\":\"n\",\"type\":\"number\",\"label\":\"N\","
            "\"min\":5,\"max\":1}]}",
            "field \"n\": \"min\" (5) greater than \"max\" (1)");
    REFUSED("{\"fields\":[{\"name\":\"n\",\"type\":\"number\",\"label\":\"N\"}"
            "]}", "field \"n\": \"max\" is missing");
    REFUSED("{\"fields\":[{\"name\":\"n\",\"type\":\"number\",\"label\":\"N\","
            "\"max\":3,\"max_length\":3}]}",
            "property \"max_length\" is not allowed for type \"number\"");
    REFUSED("{\"fields\":[{\"name\":\"s\",\"type\":\"scale\",\"label\":\"S\","
            "\"points\":12}]}", "\"points\" (12) must be between 2 and 11");
    REFUSED("{\"fields\":[{\"name\":\"s\",\"type\":\"scale\",\"label\":\"S\","
            "\"points\":4,\"labels\":[\"a\",\"b\",\"c\"]}]}",
            "\"labels\" must be an array of 2 strings (the two ends) or of "
            "4 (one per point)");
    REFUSED("{\"fields\":[{\"name\":\"m\",\"type\":\"matrix\",\"label\":\"M\","
            "\"rows\":[{\"value\":\"a b\",\"label\":\"A\"}]}]}",
            "row \"a b\": \"value\" must be ASCII letters");
    REFUSED("{\"fields\":[{\"name\":\"m\",\"type\":\"matrix\",\"label\":\"M\"}"
            "]}", "field \"m\": \"rows\" is missing");
    REFUSED("{\"fields\":[{\"name\":\"r\",\"type\":\"ranking\",\"label\":\"R\","
            "\"max\":3,\"options\":[{\"value\":\"a\",\"label\":\"A\"}]}]}",
            "\"max\" (3) greater than the number of options (1)");
    REFUSED("{\"fields\":[{\"name\":\"r\",\"type\":\"ranking\",\"label\":\"R\","
            "\"other\":true,\"options\":[{\"value\":\"a\",\"label\":\"A\"}]}"
            "]}", "property \"other\" is not allowed for type \"ranking\"");
    REFUSED("{\"fields\":[{\"name\":\"c\",\"type\":\"choice\",\"label\":\"C\","
            "\"select\":true,\"other\":true,\"options\":[{\"value\":\"a\","
            "\"label\":\"A\"}]}]}",
            "\"select\" and \"other\" cannot go together");
    REFUSED("{\"fields\":[{\"name\":\"c\",\"type\":\"choice\",\"label\":\"C\","
            "\"other\":{\"value\":\"a\"},\"options\":[{\"value\":\"a\","
            "\"label\":\"A\"}]}]}",
            "\"other\": the value \"a\" is already an option");
    REFUSED("{\"fields\":[{\"name\":\"c\",\"type\":\"consent\",\"label\":\"C\","
            "\"link\":{\"href\":\"javascript:alert(1)\",\"text\":\"x\"}}]}",
            "\"link\": \"href\" must start with \"/\" or \"https://\"");
    REFUSED("{\"fields\":[{\"name\":\"t\",\"type\":\"text\",\"label\":\"T\","
            "\"max_length\":3,\"autocomplete\":\"password\"}]}",
            "\"autocomplete\" must be one of");
    REFUSED("{\"fields\":[{\"name\":\"t\",\"type\":\"text\",\"label\":\"T\","
            "\"max_length\":3,\"hint\":\"\"}]}",
            "field \"t\": \"hint\" must be a non-empty string");
    REFUSED("{\"fields\":[{\"name\":\"t\",\"type\":\"date\",\"label\":\"T\"}]}",
            "unknown type \"date\" (expected choice, multiple, text, "
            "textarea, email, consent, number, scale, matrix or ranking)");
}


static void
test_load(void)
{
    char          err[512];
    cc_schema_t  *q;

    q = cc_schema_load_file("../../conf/questionnaire.json", err,
                            sizeof(err));
    CHECK(q != NULL);

    if (q != NULL) {
        /* about 25 questions in 5 or 6 sections */
        CHECK(cc_schema_nfields(q) == 25);
        CHECK_STR(cc_schema_field_name(q, 0), "profil");
        cc_schema_free(q);

    } else {
        fprintf(stderr, "  %s\n", err);
    }

    schema = cc_schema_load_buffer("t.json", types_json, strlen(types_json),
                                   err, sizeof(err));
    CHECK(schema != NULL);

    if (schema == NULL) {
        fprintf(stderr, "  %s\n", err);
    }
}


#define VALID_REST  "\"note\":\"nsp\",\"accord.r1\":1,\"accord.r2\":\"3\"," \
                    "\"rang\":[\"z\",\"x\"],\"ok\":true"

static void
test_verdicts(void)
{
    const char  *m;

    /* a citizen: the structure section does not apply, age does */
    json_v("{\"profil\":\"citoyen\",\"nom\":\"Dupont\",\"age\":42,"
           "\"salaries\":\"abc\"," VALID_REST "}");
    CHECK(rc == CC_VALID);
    CHECK_STR(norm, "{\"profil\":\"citoyen\",\"nom\":\"Dupont\",\"age\":42,"
              "\"note\":\"nsp\",\"accord.r1\":1,\"accord.r2\":3,"
              "\"rang\":[\"z\",\"x\"],\"ok\":true}");

    /* an ESS structure: age does not apply (not required, not stored) */
    json_v("{\"profil\":\"ess\",\"nom\":\"Dupont\",\"age\":\"x\","
           "\"salaries\":\"007\"," VALID_REST "}");
    CHECK(rc == CC_VALID);
    CHECK_HAS(norm, "\"salaries\":7,");
    CHECK(norm && strstr(norm, "age") == NULL);

    /* the section applies through the multiple choice too ("any") */
    json_v("{\"profil\":\"citoyen\",\"nom\":\"D\",\"age\":20,"
           "\"themes\":[\"c\"]," VALID_REST "}");
    CHECK(rc == CC_INVALID);
    CHECK(error("salaries", "required") != NULL);
    CHECK(json_array_size(errs) == 1);

    /* required where it applies */
    json_v("{\"profil\":\"citoyen\",\"nom\":\"D\"," VALID_REST "}");
    CHECK(rc == CC_INVALID && error("age", "required") != NULL);

    /* numbers: integers only, in range, JSON number or string alike */
    json_v("{\"profil\":\"citoyen\",\"nom\":\"D\",\"age\":1.5," VALID_REST
           "}");
    m = error("age", "invalid_number");
    CHECK_HAS(m, "nombre entier");
    json_v("{\"profil\":\"citoyen\",\"nom\":\"D\",\"age\":\"12\"," VALID_REST
           "}");
    CHECK_STR(error("age", "out_of_range"),
              "Saisissez un nombre entre 16 et 120.");
    json_v("{\"profil\":\"citoyen\",\"nom\":\"D\",\"age\":\"99999999999999\","
           VALID_REST "}");
    CHECK(error("age", "invalid_number") != NULL);

    /* one line for a text */
    json_v("{\"profil\":\"citoyen\",\"nom\":\"Du\\npont\",\"age\":20,"
           VALID_REST "}");
    CHECK_HAS(error("nom", "one_line"), "une seule ligne");

    /* "other": the text needs its option, the option its text */
    json_v("{\"profil\":\"autre\",\"nom\":\"D\"," VALID_REST "}");
    CHECK_HAS(error("profil.autre", "required"),
              "Vous avez choisi \xc2\xab" NB "Autre profil" NB "\xc2\xbb");
    json_v("{\"profil\":\"citoyen\",\"profil.autre\":\"elu\",\"nom\":\"D\","
           "\"age\":30," VALID_REST "}");
    CHECK(error("profil.autre", "other_without_option") != NULL);
    json_v("{\"profil\":\"autre\",\"profil.autre\":\" \\u00e9lu \","
           "\"nom\":\"D\"," VALID_REST "}");
    CHECK(rc == CC_VALID);
    CHECK_HAS(norm, "\"profil\":\"autre\",\"profil.autre\":\"\xc3\xa9lu\"");
    json_v("{\"profil\":\"autre\",\"profil.autre\":\"0123456789a\","
           "\"nom\":\"D\"," VALID_REST "}");
    CHECK(error("profil.autre", "too_long") != NULL);
    json_v("{\"profil\":\"ess\",\"themes\":[\"a\",\"autre\"],"
           "\"themes.autre\":\"t\",\"salaries\":1,\"nom\":\"D\"," VALID_REST
           "}");
    CHECK(rc == CC_VALID);
    CHECK_HAS(norm, "\"themes\":[\"a\",\"autre\"],\"themes.autre\":\"t\"");

    /* scales and grids: a point, or "nsp" where allowed */
    json_v("{\"profil\":\"ess\",\"nom\":\"D\",\"salaries\":1,\"note\":5,"
           "\"accord.r1\":\"nsp\",\"accord.r2\":0,\"rang\":[\"x\"],"
           "\"ok\":true}");
    CHECK_STR(error("note", "invalid_choice"),
              "Choisissez l'une des r\xc3\xa9ponses de l'\xc3\xa9" "chelle "
              "(de 1 \xc3\xa0 4).");
    CHECK(error("accord.r1", "invalid_choice") != NULL);
    CHECK(error("accord.r2", "invalid_choice") != NULL);

    /* a required grid names each missing row */
    json_v("{\"profil\":\"ess\",\"nom\":\"D\",\"salaries\":1,"
           "\"accord.r2\":2,\"rang\":[\"x\"],\"ok\":true}");
    CHECK_STR(error("accord.r1", "required"),
              "\xc2\xab" NB "Ligne un" NB "\xc2\xbb" NB ": choisissez une "
              "r\xc3\xa9ponse pour cette ligne.");
    CHECK(error("accord.r2", "required") == NULL);

    /* rankings: in order, no repeat, at most max, blanks skipped */
    json_v("{\"profil\":\"ess\",\"nom\":\"D\",\"salaries\":1,"
           "\"accord.r1\":1,\"accord.r2\":1,\"rang\":[\"x\",\"x\"],"
           "\"ok\":true}");
    CHECK_HAS(error("rang", "duplicate_choice"),
              "\xc2\xab" NB "X" NB "\xc2\xbb est class\xc3\xa9" "e plusieurs");
    json_v("{\"profil\":\"ess\",\"nom\":\"D\",\"salaries\":1,"
           "\"accord.r1\":1,\"accord.r2\":1,\"rang\":[\"x\",\"y\",\"z\"],"
           "\"ok\":true}");
    CHECK_STR(error("rang", "too_many"),
              "Classez entre 1 et 2 r\xc3\xa9ponses (3 class\xc3\xa9" "es).");
    json_v("{\"profil\":\"ess\",\"nom\":\"D\",\"salaries\":1,"
           "\"accord.r1\":1,\"accord.r2\":1,\"rang\":[\"\",\"\"],"
           "\"ok\":true}");
    CHECK_HAS(error("rang", "required"), "classez");
    json_v("{\"profil\":\"ess\",\"nom\":\"D\",\"salaries\":1,"
           "\"accord.r1\":1,\"accord.r2\":1,\"rang\":[\"w\"],\"ok\":true}");
    CHECK(error("rang", "invalid_choice") != NULL);

    /* a plain form gets the same verdicts, blank list boxes included */
    form_v("profil=ess&nom=D&salaries=3&accord.r1=2&accord.r2=nsp"
           "&rang=&rang=y&ok=oui&texte=a%0D%0Ab");
    CHECK(rc == CC_INVALID);
    CHECK(error("accord.r2", "invalid_choice") != NULL);  /* no nsp here */
    form_v("profil=ess&nom=D&salaries=3&accord.r1=2&accord.r2=3"
           "&rang=&rang=y&ok=oui&texte=a%0D%0Ab");
    CHECK(rc == CC_VALID);
    CHECK_STR(norm, "{\"profil\":\"ess\",\"nom\":\"D\",\"salaries\":3,"
              "\"accord.r1\":2,\"accord.r2\":3,\"rang\":[\"y\"],"
              "\"texte\":\"a\\nb\",\"ok\":true}");
    form_v("profil=ess&nom=D&salaries=3&salaries=4&accord.r1=2&accord.r2=3"
           "&rang=y&ok=oui");
    CHECK(error("salaries", "duplicate_field") != NULL);

    /* errors at once; what was typed comes back */
    form_v("profil=autre&nom=&age=abc&accord.r1=9&rang=x&rang=x");
    CHECK(rc == CC_INVALID);
    CHECK(error("profil.autre", "required") && error("nom", "required")
          && error("accord.r1", "invalid_choice")
          && error("accord.r2", "required")
          && error("rang", "duplicate_choice") && error("ok", "required"));
    CHECK(error("age", "invalid_number") == NULL);     /* not a citizen */
    CHECK_STR(json_string_value(json_object_get(sub, "accord.r1")), "9");
    CHECK(json_array_size(json_object_get(sub, "rang")) == 2);
}


static void
test_render(void)
{
    char  *page;

    /* the empty form */
    page = cc_errors_page_html(schema, NULL, NULL, "/t");
    CHECK(page != NULL);

    /* sections, their intro, and a condition in words and as data */
    CHECK_HAS(page, "<section class=\"partie\" id=\"partie-2\" "
              "aria-labelledby=\"partie-2-titre\" data-si=\"{&quot;any&quot;:"
              "[{&quot;field&quot;:&quot;profil&quot;,&quot;in&quot;:"
              "[&quot;ess&quot;]},{&quot;field&quot;:&quot;themes&quot;,"
              "&quot;in&quot;:[&quot;c&quot;]}]}\">");
    CHECK_HAS(page, "<p class=\"condition\">Si vous avez r\xc3\xa9pondu "
              "\xc2\xab" NB "ESS" NB "\xc2\xbb \xc3\xa0 \xc2\xab" NB "Profil"
              NB "\xc2\xbb, ou vous avez r\xc3\xa9pondu \xc2\xab" NB "C" NB
              "\xc2\xbb \xc3\xa0 \xc2\xab" NB "Th" NB "\xc2\xbb.</p>");
    CHECK_HAS(page, "<p class=\"intro\">Pour les structures.</p>");

    /* a conditional question: never "required" for the browser */
    CHECK_HAS(page, "<input type=\"number\" id=\"champ-age\" name=\"age\" "
              "inputmode=\"numeric\" step=\"1\" min=\"16\" max=\"120\">");
    CHECK_HAS(page, "<input type=\"number\" id=\"champ-salaries\" "
              "name=\"salaries\" inputmode=\"numeric\" step=\"1\" min=\"0\" "
              "max=\"1000\">");
    CHECK_HAS(page, "<span class=\"unite\">(ans)</span>");

    /* one line, its hint tied to it, autocomplete */
    CHECK_HAS(page, "<input type=\"text\" id=\"champ-nom\" name=\"nom\" "
              "aria-describedby=\"aide-nom\" autocomplete=\"family-name\" "
              "maxlength=\"20\" required>");
    CHECK_HAS(page, "<p class=\"aide\" id=\"aide-nom\">Aide</p>");

    /* "other": its option and its text */
    CHECK_HAS(page, "value=\"autre\" required><label for=\"champ-profil-3\">"
              "Autre profil</label>");
    CHECK_HAS(page, "<input type=\"text\" id=\"champ-profil.autre\" "
              "name=\"profil.autre\" maxlength=\"10\">");

    /* a scale with its ends labelled and "don't know" */
    CHECK_HAS(page, "value=\"1\"><label for=\"champ-note\">1 \xe2\x80\x93 "
              "Non</label>");
    CHECK_HAS(page, "value=\"4\"><label for=\"champ-note-4\">4 \xe2\x80\x93 "
              "Oui</label>");
    CHECK_HAS(page, "value=\"nsp\"><label for=\"champ-note-5\">Je ne sais "
              "pas</label>");

    /* a grid: one group per row */
    CHECK_HAS(page, "<fieldset class=\"ligne\" data-nom=\"accord.r2\" "
              "data-requis=\"\xc2\xab" NB "Ligne deux" NB "\xc2\xbb" NB
              ": choisissez une r\xc3\xa9ponse pour cette ligne.\">"
              "<legend>Ligne deux</legend>");
    /* what the script says of a required question left empty */
    CHECK_HAS(page, "<fieldset class=\"champ\" id=\"q-rang\" "
              "data-nom=\"rang\" data-requis=\"Ce champ est obligatoire"
              NB ": classez entre 1 et 2 r\xc3\xa9ponses.\">");
    CHECK_HAS(page, "<input type=\"radio\" id=\"champ-accord.r2-3\" "
              "name=\"accord.r2\" value=\"3\" required>");

    /* a ranking: one list box per rank */
    CHECK_HAS(page, "<label for=\"champ-rang-2\">2<sup>e</sup> choix</label>"
              " <select id=\"champ-rang-2\" name=\"rang\">");
    CHECK_HAS(page, "<select id=\"champ-rang\" name=\"rang\" required>");

    /* the consent's link */
    CHECK_HAS(page, "<a href=\"/donnees.html\">Vos donn\xc3\xa9" "es</a>");
    CHECK(strstr(page, "<fieldset") != NULL);
    free(page);

    /* the questions rendered once serve every empty page, the same bytes */
    {
        char            *fields, *again;
        cc_form_page_t   fp;

        memset(&fp, 0, sizeof(fp));
        fp.action = "/t";
        page = cc_form_page_html(schema, NULL, NULL, NULL, &fp);
        fields = cc_form_fields_html(schema);
        fp.fields = fields;
        again = cc_form_page_html(schema, NULL, NULL, NULL, &fp);
        CHECK(page != NULL && again != NULL && fields != NULL);
        CHECK_STR(again, page);
        free(again);

        /* not for a page shown again: its answers and errors are in it */
        form_v("profil=autre");
        again = cc_form_page_html(schema, NULL, errs, sub, &fp);
        CHECK_HAS(again, "name=\"profil\" value=\"autre\" required checked>");
        CHECK_HAS(again, "<p class=\"erreur\" id=\"erreur-profil.autre\">");
        free(again);
        free(fields);
        free(page);
    }

    /* shown again: answers and errors, the summary naming rows */
    form_v("profil=autre&nom=&accord.r1=2&rang=y&rang=x&texte=%3Cb%3E");
    CHECK(rc == CC_INVALID);
    page = cc_errors_page_html(schema, errs, sub, "/t");
    CHECK_HAS(page, "<li><a href=\"#champ-accord.r2\">Accord \xe2\x80\x93 "
              "Ligne deux" NB ": ");
    CHECK_HAS(page, "<li><a href=\"#champ-profil.autre\">Profil (Pr\xc3\xa9"
              "cisez)" NB ": ");
    CHECK_HAS(page, "<p class=\"erreur\" id=\"erreur-accord.r2\">");
    CHECK_HAS(page, "name=\"accord.r1\" value=\"2\" required checked>");
    CHECK_HAS(page, "<option value=\"y\" selected>Y</option>");
    CHECK_HAS(page, "&lt;b&gt;</textarea>");
    free(page);
}


void
test_types(void)
{
    test_refusals();
    test_load();

    if (schema == NULL) {
        return;
    }

    test_verdicts();
    test_render();

    reset();
    cc_schema_free(schema);
    schema = NULL;
}
