#include <stdlib.h>

#include "cc_test.h"
#include "cc_schema.h"


/* loads a broken schema and checks the message names what is wrong */

static void
broken(int line, const char *json, const char *want1, const char *want2)
{
    char          err[512];
    cc_schema_t  *s;

    err[0] = '\0';
    s = cc_schema_load_buffer("conf/test.json", json, strlen(json), err,
                              sizeof(err));

    if (s != NULL) {
        cc_test_failed++;
        fprintf(stderr, "test_schema.c:%d: FAILED: schema accepted\n", line);
        cc_schema_free(s);
        return;
    }

    if (strncmp(err, "conf/test.json: ", 16) == 0 && strstr(err, want1)
        && (want2 == NULL || strstr(err, want2)))
    {
        cc_test_passed++;
        return;
    }

    cc_test_failed++;
    fprintf(stderr, "test_schema.c:%d: FAILED: message \"%s\" lacks \"%s\" "
            "or \"%s\"\n", line, err, want1, want2 ? want2 : "");
}

#define BROKEN(json, w1, w2)  broken(__LINE__, json, w1, w2)

#define OPTS  "\"options\":[{\"value\":\"a\",\"label\":\"A\"}," \
              "{\"value\":\"b\",\"label\":\"B\"},"              \
              "{\"value\":\"c\",\"label\":\"C\"}]"


void
test_schema(void)
{
    char          err[512];
    const char   *ok;
    cc_schema_t  *s;

    err[0] = 'x';
    s = cc_schema_load_file(CC_TEST_SCHEMA, err, sizeof(err));
    CHECK(s != NULL);

    if (s == NULL) {
        fprintf(stderr, "  %s\n", err);
        return;
    }

    CHECK_STR(cc_schema_form(s), "questionnaire");
    CHECK_HAS(cc_schema_title(s), "strat\xc3\xa9gie r\xc3\xa9gionale");
    CHECK(cc_schema_nfields(s) == 8);
    CHECK_STR(cc_schema_field_name(s, 0), "profil");
    CHECK_STR(cc_schema_field_name(s, 3), "priorites");
    CHECK_STR(cc_schema_field_name(s, 7), "consentement");
    CHECK(cc_schema_field_name(s, 8) == NULL);
    CHECK_STR(cc_schema_field_label(s, 2), "Votre d\xc3\xa9partement");
    CHECK(cc_schema_field_label(s, 99) == NULL);
    CHECK_STR(cc_schema_label_of(s, "vision"),
              "Votre vision de l'ESS en Normandie pour les six prochaines "
              "ann\xc3\xa9" "es");
    CHECK(cc_schema_label_of(s, "nope") == NULL);
    CHECK_STR(cc_schema_option_label(s, "departement", "76"),
              "Seine-Maritime (76)");
    CHECK(cc_schema_option_label(s, "departement", "75") == NULL);
    CHECK(cc_schema_option_label(s, "nope", "76") == NULL);
    cc_schema_free(s);

    /* minimal schema: "form" from the file name, "title" optional */
    ok = "{\"fields\":[{\"name\":\"c\",\"type\":\"consent\",\"label\":\"L\"}]}";
    s = cc_schema_load_buffer("conf/inscription.json", ok, strlen(ok), err,
                              sizeof(err));
    CHECK(s != NULL);
    if (s) {
        CHECK_STR(cc_schema_form(s), "inscription");
        CHECK_STR(cc_schema_title(s), "");
        cc_schema_free(s);
    }

    s = cc_schema_load_file("/nonexistent/q.json", err, sizeof(err));
    CHECK(s == NULL);
    CHECK_HAS(err, "/nonexistent/q.json: cannot open");

    /* the document itself */
    BROKEN("{\"fields\": [", "invalid JSON at line 1", NULL);
    BROKEN("", "invalid JSON", NULL);
    BROKEN("[]", "must be a JSON object", NULL);
    BROKEN("{\"fields\":[],\"fields\":[]}", "duplicate object key", NULL);
    BROKEN("{\"form\":\"q\"}", "\"fields\" (or \"sections\") is missing", NULL);
    BROKEN("{\"fields\":{}}", "\"fields\" must be a non-empty array", NULL);
    BROKEN("{\"fields\":[]}", "\"fields\" must be a non-empty array", NULL);
    BROKEN("{\"titel\":\"x\",\"fields\":[]}",
           "unknown top-level property \"titel\"", NULL);
    BROKEN("{\"form\":\"a b\",\"fields\":[]}", "\"form\" must be", NULL);
    BROKEN("{\"title\":3,\"fields\":[]}", "\"title\" must be a string", NULL);

    /* fields without a usable name are named by position */
    BROKEN("{\"fields\":[3]}", "field #1: not an object", NULL);
    BROKEN("{\"fields\":[{\"name\":\"a\",\"type\":\"email\",\"label\":\"A\"},"
           "{\"type\":\"email\",\"label\":\"B\"}]}",
           "field #2: \"name\" is missing", NULL);
    BROKEN("{\"fields\":[{\"name\":7,\"type\":\"email\",\"label\":\"A\"}]}",
           "field #1: \"name\" must be a string", NULL);
    BROKEN("{\"fields\":[{\"name\":\"a b\",\"type\":\"email\","
           "\"label\":\"A\"}]}", "field #1: \"name\" must be", NULL);
    BROKEN("{\"fields\":[{\"name\":\"_k\",\"type\":\"email\","
           "\"label\":\"A\"}]}", "field #1: \"name\" must be", "'_'");

    /* then by name */
    BROKEN("{\"fields\":[{\"name\":\"mail\",\"label\":\"A\"}]}",
           "field \"mail\": \"type\" is missing", NULL);
    BROKEN("{\"fields\":[{\"name\":\"mail\",\"type\":\"date\","
           "\"label\":\"A\"}]}", "field \"mail\": unknown type \"date\"",
           NULL);
    BROKEN("{\"fields\":[{\"name\":\"mail\",\"type\":\"email\","
           "\"label\":\"A\"},{\"name\":\"mail\",\"type\":\"email\","
           "\"label\":\"B\"}]}", "field \"mail\": duplicate field name",
           "field #1");
    BROKEN("{\"fields\":[{\"name\":\"mail\",\"type\":\"email\"}]}",
           "field \"mail\": \"label\" must be a non-empty string", NULL);
    BROKEN("{\"fields\":[{\"name\":\"mail\",\"type\":\"email\","
           "\"label\":\"A\",\"required\":\"yes\"}]}",
           "field \"mail\": \"required\" must be true or false", NULL);
    BROKEN("{\"fields\":[{\"name\":\"mail\",\"type\":\"email\","
           "\"label\":\"A\",\"requried\":true}]}",
           "field \"mail\": unknown property \"requried\"", NULL);
    BROKEN("{\"fields\":[{\"name\":\"mail\",\"type\":\"email\","
           "\"label\":\"A\",\"max_length\":5}]}",
           "field \"mail\": property \"max_length\" is not allowed for type "
           "\"email\"", NULL);
    BROKEN("{\"fields\":[{\"name\":\"p\",\"type\":\"choice\","
           "\"label\":\"A\"," OPTS ",\"min\":1}]}",
           "field \"p\": property \"min\" is not allowed", NULL);

    /* options */
    BROKEN("{\"fields\":[{\"name\":\"p\",\"type\":\"choice\","
           "\"label\":\"A\"}]}", "field \"p\": \"options\" is missing", NULL);
    BROKEN("{\"fields\":[{\"name\":\"p\",\"type\":\"multiple\","
           "\"label\":\"A\",\"options\":[]}]}",
           "field \"p\": \"options\" must be a non-empty array", NULL);
    BROKEN("{\"fields\":[{\"name\":\"p\",\"type\":\"choice\","
           "\"label\":\"A\",\"options\":[{\"value\":\"a\",\"label\":\"A\"},"
           "{\"value\":\"a\",\"label\":\"B\"}]}]}",
           "field \"p\": duplicate option value \"a\"", NULL);
    BROKEN("{\"fields\":[{\"name\":\"p\",\"type\":\"choice\","
           "\"label\":\"A\",\"options\":[{\"value\":\"\",\"label\":\"A\"}]}]}",
           "field \"p\": option #1: \"value\" must be", NULL);
    BROKEN("{\"fields\":[{\"name\":\"p\",\"type\":\"choice\","
           "\"label\":\"A\",\"options\":[{\"value\":\"a\"}]}]}",
           "field \"p\": option \"a\": \"label\"", NULL);
    BROKEN("{\"fields\":[{\"name\":\"p\",\"type\":\"choice\","
           "\"label\":\"A\",\"options\":[{\"value\":\"a\",\"label\":\"A\","
           "\"lable\":\"x\"}]}]}",
           "field \"p\": option #1: unknown property \"lable\"", NULL);

    /* multiple: min and max */
    BROKEN("{\"fields\":[{\"name\":\"priorites\",\"type\":\"multiple\","
           "\"label\":\"A\"," OPTS ",\"min\":3,\"max\":2}]}",
           "field \"priorites\": \"min\" (3) greater than \"max\" (2)", NULL);
    BROKEN("{\"fields\":[{\"name\":\"priorites\",\"type\":\"multiple\","
           "\"label\":\"A\"," OPTS ",\"max\":4}]}",
           "field \"priorites\": \"max\" (4) greater than the number of "
           "options (3)", NULL);
    BROKEN("{\"fields\":[{\"name\":\"priorites\",\"type\":\"multiple\","
           "\"label\":\"A\"," OPTS ",\"min\":-1}]}",
           "field \"priorites\": \"min\" (-1) must be between", NULL);
    BROKEN("{\"fields\":[{\"name\":\"priorites\",\"type\":\"multiple\","
           "\"label\":\"A\"," OPTS ",\"min\":\"1\"}]}",
           "field \"priorites\": \"min\" must be an integer", NULL);

    /* text: max_length */
    BROKEN("{\"fields\":[{\"name\":\"vision\",\"type\":\"text\","
           "\"label\":\"A\"}]}",
           "field \"vision\": \"max_length\" is missing", NULL);
    BROKEN("{\"fields\":[{\"name\":\"vision\",\"type\":\"text\","
           "\"label\":\"A\",\"max_length\":0}]}",
           "field \"vision\": \"max_length\" (0) must be between 1", NULL);
    BROKEN("{\"fields\":[{\"name\":\"vision\",\"type\":\"text\","
           "\"label\":\"A\",\"max_length\":5.5}]}",
           "field \"vision\": \"max_length\" must be an integer", NULL);

    /* a truncated message never overflows the caller's buffer */
    s = cc_schema_load_buffer("name", "[", 1, err, 8);
    CHECK(s == NULL && strlen(err) == 7);
}
