#include <stdlib.h>
#include <string.h>

#include "cc_test.h"
#include "cc_registration.h"
#include "cc_token.h"

/* registrations (issue 4): cancellation tokens, e-mail keys, schema check */

static const unsigned char  secret[] = "0123456789abcdef-secret";
static const char           id[] = "01a20ef2-0f75-75f0-9399-63777039c66f";


static void
test_reg_token(void)
{
    int         rc;
    char        tok[CC_REG_TOKEN_MAX_LEN + 1], bad[CC_REG_TOKEN_MAX_LEN + 2];
    char        got_id[CC_ID_LEN + 1], got_ev[CC_REG_EVENT_MAX + 1];
    char        form[CC_TOKEN_MAX_LEN + 1];
    size_t      n, m;
    cc_hmac_t  *key, *other, *formkey;
    char        longev[CC_REG_EVENT_MAX + 2];

    key = cc_reg_token_key(secret, sizeof(secret) - 1);
    other = cc_reg_token_key((const unsigned char *) "another secret, 16+",
                             19);
    formkey = cc_token_key(secret, sizeof(secret) - 1);
    CHECK(key != NULL && other != NULL && formkey != NULL);
    if (key == NULL || other == NULL || formkey == NULL) {
        goto done;
    }

    n = cc_reg_token_make(key, id, "atelier-caen", 12, tok);
    CHECK(n == CC_ID_LEN + 1 + 12 + 1 + CC_REG_MAC_LEN);
    CHECK(n == strlen(tok));
    CHECK(strncmp(tok, id, CC_ID_LEN) == 0);
    CHECK(strncmp(tok + CC_ID_LEN, ".atelier-caen.", 14) == 0);

    /* deterministic, and verified without any table */
    CHECK(cc_reg_token_make(key, id, "atelier-caen", 12, bad) == n);
    CHECK_STR(bad, tok);

    rc = cc_reg_token_check(key, tok, n, got_id, got_ev);
    CHECK(rc == 0);
    CHECK_STR(got_id, id);
    CHECK_STR(got_ev, "atelier-caen");

    /* another secret, a changed MAC, id or event: forged */
    CHECK(cc_reg_token_check(other, tok, n, got_id, got_ev) == -2);

    memcpy(bad, tok, n + 1);
    bad[n - 1] = bad[n - 1] == '0' ? '1' : '0';
    CHECK(cc_reg_token_check(key, bad, n, got_id, got_ev) == -2);

    memcpy(bad, tok, n + 1);
    bad[0] = bad[0] == '0' ? '1' : '0';
    CHECK(cc_reg_token_check(key, bad, n, got_id, got_ev) == -2);

    m = cc_reg_token_make(key, id, "atelier-rouen", 13, bad);
    CHECK(m > 0);
    memcpy(bad + CC_ID_LEN + 1, "atelier-caen", 12);
    memmove(bad + CC_ID_LEN + 13, bad + CC_ID_LEN + 14, m - CC_ID_LEN - 13);
    CHECK(cc_reg_token_check(key, bad, m - 1, got_id, got_ev) == -2);

    /* malformed */
    CHECK(cc_reg_token_check(key, "", 0, got_id, got_ev) == -1);
    CHECK(cc_reg_token_check(key, tok, n - 1, got_id, got_ev) == -1);
    memcpy(bad, tok, n + 1);
    bad[CC_ID_LEN] = '-';
    CHECK(cc_reg_token_check(key, bad, n, got_id, got_ev) == -1);
    memcpy(bad, tok, n + 1);
    bad[CC_ID_LEN + 1] = 'A';
    CHECK(cc_reg_token_check(key, bad, n, got_id, got_ev) == -1);
    memcpy(bad, tok, n + 1);
    bad[n - 3] = 'g';
    CHECK(cc_reg_token_check(key, bad, n, got_id, got_ev) == -1);
    CHECK(cc_reg_token_check(key, "x.y.z", 5, got_id, got_ev) == -1);

    /* a form token is never a cancellation token */
    m = cc_token_make(formkey, 1644307200123LL, form);
    CHECK(m > 0);
    CHECK(cc_reg_token_check(key, form, m, got_id, got_ev) == -1);

    /* events: a-z, 0-9, "-", 1 to 64 characters */
    CHECK(cc_reg_token_make(key, id, "", 0, bad) == 0);
    CHECK(cc_reg_token_make(key, id, "Atelier", 7, bad) == 0);
    CHECK(cc_reg_token_make(key, id, "a.b", 3, bad) == 0);
    memset(longev, 'a', sizeof(longev));
    CHECK(cc_reg_token_make(key, id, longev, CC_REG_EVENT_MAX + 1, bad)
          == 0);
    n = cc_reg_token_make(key, id, longev, CC_REG_EVENT_MAX, tok);
    CHECK(n == CC_REG_TOKEN_MAX_LEN);
    CHECK(cc_reg_token_check(key, tok, n, got_id, got_ev) == 0);
    CHECK(strlen(got_ev) == CC_REG_EVENT_MAX);

done:

    cc_hmac_free(key);
    cc_hmac_free(other);
    cc_hmac_free(formkey);
}


static void
test_reg_email(void)
{
    char  out[32];

    CHECK(cc_reg_email_key(" Anne.Martin@Example.ORG\t", 25, out,
                           sizeof(out)) == 23);
    CHECK_STR(out, "anne.martin@example.org");
    CHECK(cc_reg_email_key("   ", 3, out, sizeof(out)) == 0);
    CHECK(cc_reg_email_key("a@b.fr", 6, out, 6) == 0);
    CHECK(cc_reg_email_key("a@b.fr", 6, out, 7) == 6);
    CHECK_STR(out, "a@b.fr");
    /* UTF-8 bytes are kept as they are */
    CHECK(cc_reg_email_key("\xc3\x89lise@ex.fr", 12, out, sizeof(out))
          == 12);
    CHECK_STR(out, "\xc3\x89lise@ex.fr");
}


static void
test_reg_schema(void)
{
    char          err[256];
    cc_schema_t  *schema, *q;
    cc_events_t  *events, *demo, *one = NULL;
    cc_schema_t  *small = NULL;

    static const char  one_programme[] =
        "{\"events\": [{\"id\": \"atelier-caen\", \"kind\": \"atelier\","
        " \"title\": \"Atelier\", \"capacity\": 2, \"waitlist\": 0}]}";
    static const char  small_schema[] =
        "{\"form\": \"inscription\", \"title\": \"Inscription\", "
        "\"fields\": [{\"name\": \"evenement\", \"type\": \"choice\", "
        "\"required\": true, \"label\": \"\u00c9v\u00e9nement\", "
        "\"options\": [{\"value\": \"atelier-caen\", \"label\": \"Atelier\"}]},"
        " {\"name\": \"email\", \"type\": \"email\", \"required\": true, "
        "\"label\": \"Adresse\"}]}";

    events = cc_events_load_file("../../conf/events.json", err, sizeof(err));
    demo = cc_events_load_file("../../conf/events.demo.json", err,
                               sizeof(err));
    schema = cc_reg_schema_load_file("../../conf/inscription.json", events,
                                     err, sizeof(err));
    if (schema == NULL) {
        fprintf(stderr, "  %s\n", err);
    }
    q = cc_schema_load_file(CC_TEST_SCHEMA, err, sizeof(err));
    CHECK(schema != NULL && events != NULL && demo != NULL && q != NULL);

    if (schema && events && demo && q) {
        /* the shipped schema takes the programme's events and labels:
         * the 2022 dates are not the demo's */
        CHECK(cc_reg_check_schema(schema, "evenement", events, err,
                                  sizeof(err)) == 0);
        CHECK(cc_reg_check_schema(schema, "evenement", demo, err,
                                  sizeof(err)) == -1);
        CHECK_HAS(err, "differs from the programme's");

        /* no such field, or not a choice */
        CHECK(cc_reg_check_schema(schema, "absent", events, err,
                                  sizeof(err)) == -1);
        CHECK_HAS(err, "absent");
        CHECK(cc_reg_check_schema(schema, "nom", events, err,
                                  sizeof(err)) == -1);

        /* the questionnaire's e-mail is optional: no way to recognise */
        CHECK(cc_reg_check_schema(q, "profil", events, err, sizeof(err))
              == -1);
        CHECK_HAS(err, "email");

                /* options that are not events, events that are not options */
        one = cc_events_load_buffer("one.json", one_programme,
                                    strlen(one_programme), err, sizeof(err));
        small = cc_schema_load_buffer("small.json", small_schema,
                                      strlen(small_schema), err,
                                      sizeof(err));
        CHECK(one != NULL && small != NULL);
        if (one && small) {
            CHECK(cc_reg_check_schema(schema, "evenement", one, err,
                                      sizeof(err)) == -1);
            CHECK_HAS(err, "not in the programme");
            CHECK(cc_reg_check_schema(small, "evenement", events, err,
                                      sizeof(err)) == -1);
            CHECK_HAS(err, "not an option");
            CHECK(cc_reg_check_schema(small, "evenement", one, err,
                                      sizeof(err)) == 0);
        }
        cc_events_free(one);
        cc_schema_free(small);
    }

    cc_schema_free(schema);
    cc_schema_free(q);
    cc_events_free(events);
    cc_events_free(demo);
}


void
test_registration(void)
{
    test_reg_token();
    test_reg_email();
    test_reg_schema();
}
