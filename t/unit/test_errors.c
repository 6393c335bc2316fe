/*
 * The error list (cc_errors.c) against jansson's dump of the same, the
 * values a valid answer hands over (cc_reserved_t.value), and the message
 * table (cc_messages.c).
 */

#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cc_test.h"
#include "cc_errors.h"
#include "cc_messages.h"
#include "cc_schema.h"


/* cc_errors_json() must be what json_dumps(JSON_COMPACT) makes of it */

static void
same_as_jansson(const cc_errors_t *e)
{
    char    *fast, *slow;
    size_t   len;
    json_t  *body;

    fast = cc_errors_json(e, &len);
    body = json_pack("{s:o}", "errors", cc_errors_to_json(e));
    slow = body ? json_dumps(body, JSON_COMPACT) : NULL;

    CHECK(fast != NULL && len == strlen(fast));
    CHECK_STR(fast, slow);

    free(fast);
    free(slow);
    json_decref(body);
}


static void
test_errors_list(void)
{
    size_t        i;
    char          msg[64];
    cc_errors_t  *e;
    const char   *field, *code, *message;

    e = NULL;
    CHECK(cc_errors_count(e) == 0);
    same_as_jansson(e);

    CHECK(cc_errors_add(&e, NULL, 0, "invalid_json",
                        "Le corps n'est pas \"valide\" \\ ici") == 0);
    CHECK(cc_errors_add(&e, "vision", 6, "too_long",
                        "Trop long\x01, \t </script> \xc2\xab" "é\xc2\xbb "
                        "\x7f / \r\n") == 0);
    CHECK(cc_errors_add(&e, "zz\"x", 4, "unknown_field", "") == 0);
    CHECK(cc_errors_count(e) == 3);

    cc_errors_get(e, 0, &field, &code, &message);
    CHECK(field == NULL);
    CHECK_STR(code, "invalid_json");
    cc_errors_get(e, 2, &field, &code, &message);
    CHECK_STR(field, "zz\"x");
    CHECK_STR(message, "");

    same_as_jansson(e);

    /* enough to grow the entries and the strings several times */
    for (i = 0; i < 200; i++) {
        snprintf(msg, sizeof(msg), "erreur %zu : %s", i, i % 2 ? "é" : "\n");
        CHECK(cc_errors_add(&e, msg, strlen(msg), "x", msg) == 0);
    }

    CHECK(cc_errors_count(e) == 203);
    cc_errors_get(e, 202, &field, &code, &message);
    CHECK_STR(message, "erreur 199 : é");
    same_as_jansson(e);

    cc_errors_free(e);
    cc_errors_free(NULL);
}


/* the single values of a valid answer, without reading it again */

static char  got_values[1024];

static void
on_value(void *data, const char *name, const char *s, size_t len)
{
    size_t  n;

    (void) data;
    n = strlen(got_values);
    snprintf(got_values + n, sizeof(got_values) - n, "%s=%.*s;", name,
             (int) len, s);
}


static void
test_values(void)
{
    char             *norm, err[256];
    size_t            len;
    cc_errors_t      *errors;
    cc_schema_t      *schema;
    cc_reserved_t     res;
    cc_validation_e   rc;
    const char       *body;

    schema = cc_schema_load_file("../../conf/questionnaire.json", err,
                                 sizeof(err));
    CHECK(schema != NULL);
    if (schema == NULL) {
        return;
    }

    memset(&res, 0, sizeof(res));
    res.value = on_value;

    got_values[0] = '\0';
    body = "{\"profil\":\"citoyen\",\"departement\":\"14\","
           "\"priorites\":[\"tourisme\"],\"vision\":\"A\\r\\nB\","
           "\"consentement\":true,\"email\":\"Camille@Example.org\"}";
    rc = cc_validate_json_ex(schema, body, strlen(body), &norm, &len,
                             &errors, NULL, &res);
    CHECK(rc == CC_VALID);
    CHECK_STR(got_values, "profil=citoyen;departement=14;vision=A\r\nB;"
                          "email=Camille@Example.org;");
    free(norm);

    /* nothing for a refused answer */
    got_values[0] = '\0';
    body = "profil=citoyen&departement=99";
    rc = cc_validate_urlencoded_ex(schema, body, strlen(body), &norm, &len,
                                   &errors, NULL, &res);
    CHECK(rc == CC_INVALID && norm == NULL);
    CHECK_STR(got_values, "");
    cc_errors_free(errors);

    cc_schema_free(schema);
}


static void
test_message_table(void)
{
    unsigned             i;
    const cc_message_t  *m;

    for (i = 0; i < CC_MSG_N; i++) {
        m = cc_message((cc_msg_e) i);
        CHECK(m->status >= 400 && m->status < 600);
        CHECK(m->code != NULL && m->code[0] != '\0');
        CHECK(m->text != NULL && strlen(m->text) > 10);
    }

    /* the two texts formatted by their callers have their one %s */
    CHECK(strstr(cc_message(CC_MSG_NOT_OPEN)->text, "%s") != NULL);
    CHECK(strstr(cc_message(CC_MSG_RATE_LIMITED)->text, "%s") != NULL);
    CHECK(cc_message(CC_MSG_N)->status == 503);
}


void
test_errors(void)
{
    test_errors_list();
    test_values();
    test_message_table();
}
