#include <stdlib.h>
#include <string.h>

#include "cc_test.h"
#include "cc_token.h"
#include "cc_abuse.h"
#include "cc_http.h"

/* signed form tokens, origins and body bounds (issue 3, abuse controls) */

static const unsigned char  secret[] = "0123456789abcdef-secret";


static void
test_token_make_check(void)
{
    char               tok[CC_TOKEN_MAX_LEN + 1], bad[CC_TOKEN_MAX_LEN + 1];
    size_t             n;
    int64_t            issued;
    cc_hmac_t         *key, *other, *client;
    cc_token_status_e  st;
    char               hex[CC_CLIENT_KEY_LEN + 1], hex2[CC_CLIENT_KEY_LEN + 1];

    key = cc_token_key(secret, sizeof(secret) - 1);
    other = cc_token_key((const unsigned char *) "another secret, 16+", 19);
    CHECK(key != NULL && other != NULL);
    if (key == NULL || other == NULL) {
        cc_hmac_free(key);
        cc_hmac_free(other);
        return;
    }

    n = cc_token_make(key, 1644307200123LL, tok);
    CHECK(n == 13 + 1 + CC_TOKEN_MAC_LEN);
    CHECK(n == strlen(tok));
    CHECK(strncmp(tok, "1644307200123.", 14) == 0);

    /* deterministic: the same time gives the same token */
    CHECK(cc_token_make(key, 1644307200123LL, bad) == n);
    CHECK_STR(bad, tok);

    /* domain separation: not a client key of the same secret */
    client = cc_hmac_new(secret, sizeof(secret) - 1);
    CHECK(client != NULL);
    if (client) {
        CHECK(cc_hmac_hex(client, (const unsigned char *) "1644307200123",
                          13, hex) == 0);
        CHECK(strncmp(hex, tok + 14, CC_TOKEN_MAC_LEN) != 0);
        cc_hmac_free(client);
    }
    CHECK(cc_hmac_hex(key, (const unsigned char *) "1644307200123", 13,
                      hex2) == 0);
    CHECK(strncmp(hex2, tok + 14, CC_TOKEN_MAC_LEN) == 0);

    /* the window: min 5 s, max 2 h, exact to the millisecond */
    issued = 0;
    st = cc_token_check(key, tok, n, 1644307200123LL + 5000, 5000,
                        7200000, &issued);
    CHECK(st == CC_TOKEN_OK);
    CHECK(issued == 1644307200123LL);
    CHECK(cc_token_check(key, tok, n, 1644307200123LL + 4999, 5000, 7200000,
                         NULL) == CC_TOKEN_TOO_FRESH);
    CHECK(cc_token_check(key, tok, n, 1644307200123LL + 7200000, 5000,
                         7200000, NULL) == CC_TOKEN_OK);
    CHECK(cc_token_check(key, tok, n, 1644307200123LL + 7200001, 5000,
                         7200000, NULL) == CC_TOKEN_EXPIRED);
    /* no maximum */
    CHECK(cc_token_check(key, tok, n, 1644307200123LL + 999999999, 0, 0,
                         NULL) == CC_TOKEN_OK);
    /* issued in the future (clock skew): too fresh, never accepted early */
    CHECK(cc_token_check(key, tok, n, 1644307200000LL, 0, 0, NULL)
          == CC_TOKEN_TOO_FRESH);

    /* another secret */
    CHECK(cc_token_check(other, tok, n, 1644307300000LL, 0, 0, NULL)
          == CC_TOKEN_FORGED);

    /* tampered time: the MAC covers it */
    strcpy(bad, tok);
    bad[0] = '0';
    CHECK(cc_token_check(key, bad, n, 1644307300000LL, 0, 0, NULL)
          == CC_TOKEN_FORGED);
    strcpy(bad, tok);
    bad[12] = '2';
    CHECK(cc_token_check(key, bad, n, 1644307300000LL, 0, 0, NULL)
          == CC_TOKEN_FORGED);

    /* tampered MAC, last hex digit */
    strcpy(bad, tok);
    bad[n - 1] = bad[n - 1] == '0' ? '1' : '0';
    CHECK(cc_token_check(key, bad, n, 1644307300000LL, 0, 0, NULL)
          == CC_TOKEN_FORGED);

    /* malformed */
    CHECK(cc_token_check(key, "", 0, 1, 0, 0, NULL) == CC_TOKEN_MISSING);
    CHECK(cc_token_check(key, tok, n - 1, 1644307300000LL, 0, 0, NULL)
          == CC_TOKEN_MALFORMED);
    strcpy(bad, tok);
    bad[n - 1] = 'A';                       /* upper case hex */
    CHECK(cc_token_check(key, bad, n, 1644307300000LL, 0, 0, NULL)
          == CC_TOKEN_MALFORMED);
    strcpy(bad, tok);
    bad[13] = ':';
    CHECK(cc_token_check(key, bad, n, 1644307300000LL, 0, 0, NULL)
          == CC_TOKEN_MALFORMED);
    CHECK(cc_token_check(key, ".0123456789abcdef0123456789abcdef", 33, 1, 0,
                         0, NULL) == CC_TOKEN_MALFORMED);
    CHECK(cc_token_check(key, "12345678901234567.0123456789abcdef0123456789"
                         "abcdef", 50, 1, 0, 0, NULL) == CC_TOKEN_MALFORMED);
    CHECK(cc_token_check(key, "x", 1, 1, 0, 0, NULL) == CC_TOKEN_MALFORMED);

    /* negative times are not issued */
    CHECK(cc_token_make(key, -1, bad) == 0);

    cc_hmac_free(key);
    cc_hmac_free(other);
}


static size_t
slen(const char *s)
{
    return s ? strlen(s) : 0;
}


static void
test_origin(void)
{
    char         c[CC_ORIGIN_MAX];
    const char  *allowed[2];
    char         a0[CC_ORIGIN_MAX], a1[CC_ORIGIN_MAX];

#define CANON(s, slash, want)                                                 \
    do {                                                                      \
        CHECK(cc_origin_canon(s, strlen(s), slash, c) == strlen(want));       \
        CHECK_STR(c, want);                                                   \
    } while (0)

#define NOT_ORIGIN(s)                                                         \
    CHECK(cc_origin_canon(s, strlen(s), 1, c) == 0)

    CANON("https://concertation-ess.normandie.fr", 0,
          "https://concertation-ess.normandie.fr:443");
    CANON("HTTPS://Concertation-ESS.Normandie.FR:443", 0,
          "https://concertation-ess.normandie.fr:443");
    CANON("http://127.0.0.1:8080", 0, "http://127.0.0.1:8080");
    CANON("http://localhost", 0, "http://localhost:80");
    CANON("http://localhost:80/", 1, "http://localhost:80");
    CANON("https://[::1]:8443", 0, "https://[::1]:8443");
    CANON("https://[FE80::1]", 0, "https://[fe80::1]:443");
    CANON("https://x.fr:00443", 0, "https://x.fr:443");

    NOT_ORIGIN("null");
    NOT_ORIGIN("");
    NOT_ORIGIN("ftp://x.fr");
    NOT_ORIGIN("https://");
    NOT_ORIGIN("https://x.fr/path");
    NOT_ORIGIN("https://x.fr:");
    NOT_ORIGIN("https://x.fr:0");
    NOT_ORIGIN("https://x.fr:65536");
    NOT_ORIGIN("https://x.fr:443443");
    NOT_ORIGIN("https://user@x.fr");
    NOT_ORIGIN("https://x.fr?q");
    NOT_ORIGIN("https://[::1");
    NOT_ORIGIN("https://[]");
    NOT_ORIGIN("https://[zz::1]");
    CHECK(cc_origin_canon("http://x.fr/", 12, 0, c) == 0);  /* no slash */

    CHECK(cc_fetch_site("same-origin", 11) == CC_SITE_SAME_ORIGIN);
    CHECK(cc_fetch_site(" Same-Origin ", 13) == CC_SITE_SAME_ORIGIN);
    CHECK(cc_fetch_site("same-site", 9) == CC_SITE_SAME_SITE);
    CHECK(cc_fetch_site("cross-site", 10) == CC_SITE_CROSS_SITE);
    CHECK(cc_fetch_site("none", 4) == CC_SITE_NONE);
    CHECK(cc_fetch_site("same-origin, x", 14) == CC_SITE_UNKNOWN);
    CHECK(cc_fetch_site("", 0) == CC_SITE_UNKNOWN);

    cc_origin_canon("https://concertation-ess.normandie.fr", 37, 1, a0);
    cc_origin_canon("http://127.0.0.1:8080", 21, 1, a1);
    allowed[0] = a0;
    allowed[1] = a1;

#define ALLOWED(o, s, miss)                                                   \
    cc_origin_allowed(allowed, 2, o, slen(o), s, slen(s), miss)

    CHECK(ALLOWED("https://concertation-ess.normandie.fr", NULL, 0) == 1);
    CHECK(ALLOWED("https://concertation-ess.normandie.fr:443", NULL, 0) == 1);
    CHECK(ALLOWED("https://CONCERTATION-ESS.normandie.fr", NULL, 0) == 1);
    CHECK(ALLOWED("http://127.0.0.1:8080", NULL, 0) == 1);
    /* scheme, host and port each matter */
    CHECK(ALLOWED("http://concertation-ess.normandie.fr", NULL, 0) == 0);
    CHECK(ALLOWED("https://concertation-ess.normandie.fr:8443", NULL, 0)
          == 0);
    CHECK(ALLOWED("https://evil.concertation-ess.normandie.fr", NULL, 0)
          == 0);
    CHECK(ALLOWED("https://concertation-ess.normandie.fr.evil.fr", NULL, 0)
          == 0);
    CHECK(ALLOWED("http://127.0.0.1:8081", NULL, 0) == 0);
    CHECK(ALLOWED("null", "same-origin", 1) == 0);
    /* an Origin decides, whatever Sec-Fetch-Site says */
    CHECK(ALLOWED("https://evil.fr", "same-origin", 1) == 0);
    CHECK(ALLOWED("http://127.0.0.1:8080", "cross-site", 0) == 1);
    /* no Origin: Sec-Fetch-Site */
    CHECK(ALLOWED(NULL, "same-origin", 0) == 1);
    CHECK(ALLOWED(NULL, "same-site", 1) == 0);
    CHECK(ALLOWED(NULL, "cross-site", 1) == 0);
    CHECK(ALLOWED(NULL, "none", 1) == 0);
    /* neither */
    CHECK(ALLOWED(NULL, NULL, 0) == 0);
    CHECK(ALLOWED(NULL, NULL, 1) == 1);
}


static char    got_names[512];
static char    got_token[128];
static size_t  got_null;


static void
on_reserved(void *data, const char *name, size_t name_len,
    const char *value, size_t value_len)
{
    (void) data;

    strncat(got_names, name, name_len);
    strcat(got_names, ";");

    if (value == NULL) {
        got_null++;

    } else if (name_len == 6 && memcmp(name, "_jeton", 6) == 0
               && value_len < sizeof(got_token))
    {
        memcpy(got_token, value, value_len);
        got_token[value_len] = '\0';
    }
}


#define BASE_FORM  "profil=citoyen&departement=76&priorites=emploi" \
                   "&vision=Oui.&consentement=on"
#define BASE_JSON  "\"profil\":\"citoyen\",\"departement\":\"76\"," \
                   "\"priorites\":[\"emploi\"],\"vision\":\"Oui.\"," \
                   "\"consentement\":true"


static void
test_reserved(cc_schema_t *schema)
{
    char             *norm, *page;
    size_t            len;
    json_t           *errors, *sub;
    cc_errors_t      *errs;
    cc_reserved_t     res;
    cc_validation_e   rc;
    const char       *body;

    res.handler = on_reserved;
    res.data = NULL;
    res.value = NULL;

    /* urlencoded: decoded, in order, answer untouched */
    got_names[0] = '\0';
    got_token[0] = '\0';
    got_null = 0;
    body = BASE_FORM "&_jeton=12.ab%2Bc&_site=&_idempotency_key=k";
    rc = cc_validate_urlencoded_ex(schema, body, strlen(body), &norm, &len,
                                   &errs, NULL, &res);
    CHECK(rc == CC_VALID);
    CHECK_STR(got_names, "_jeton;_site;_idempotency_key;");
    CHECK_STR(got_token, "12.ab+c");
    CHECK(norm && strstr(norm, "_jeton") == NULL);
    free(norm);
    cc_errors_free(errs);

    /* JSON: strings unescaped, other values reported as NULL */
    got_names[0] = '\0';
    got_token[0] = '\0';
    body = "{" BASE_JSON ",\"_jeton\":\"12.\\u0061b\",\"_site\":1,"
           "\"_x\":{\"_y\":\"z\"}}";
    rc = cc_validate_json_ex(schema, body, strlen(body), &norm, &len,
                             &errs, NULL, &res);
    CHECK(rc == CC_VALID);
    CHECK(errs == NULL);
    /* only top-level names: "_y" is inside an object */
    CHECK_STR(got_names, "_jeton;_site;_x;");
    CHECK_STR(got_token, "12.ab");
    CHECK(got_null == 2);
    free(norm);

    /* a duplicate reserved key is still a duplicate key */
    body = "{" BASE_JSON ",\"_jeton\":\"a\",\"_jeton\":\"b\"}";
    rc = cc_validate_json_ex(schema, body, strlen(body), &norm, &len,
                             &errs, NULL, &res);
    CHECK(rc == CC_MALFORMED);
    CHECK(cc_errors_count(errs) == 1);
    cc_errors_free(errs);

    /* the plain functions still ignore them */
    body = "{" BASE_JSON ",\"_jeton\":\"a\"}";
    rc = cc_validate_json(schema, body, strlen(body), &norm, &len, &errors,
                          NULL);
    CHECK(rc == CC_VALID);
    free(norm);

    /* what was submitted, for a form refused with valid fields */
    sub = NULL;
    rc = cc_validate_urlencoded_ex(schema, BASE_FORM, strlen(BASE_FORM),
                                   &norm, &len, &errs, &sub, &res);
    CHECK(rc == CC_VALID && errs == NULL);
    free(norm);
    CHECK(json_is_object(sub)
          && strcmp(json_string_value(json_object_get(sub, "profil")),
                    "citoyen") == 0);

    {
        cc_page_plumbing_t  pl = { "_jeton", "1.abc\"<", "_site" };

        errors = json_pack("[{s:n,s:s,s:s}]", "field", "code", "refused",
                           "message", "Votre envoi n'a pas pu être accepté.");
        page = cc_errors_page_html_ex(schema, errors, sub, "/api/q", &pl);
        CHECK(page != NULL);
        if (page) {
            CHECK_HAS(page, "<input type=\"hidden\" name=\"_jeton\" "
                      "value=\"1.abc&quot;&lt;\">");
            CHECK_HAS(page, "name=\"_site\" value=\"\" tabindex=\"-1\" "
                      "autocomplete=\"off\"");
            CHECK_HAS(page, "class=\"pot\" aria-hidden=\"true\"");
            CHECK_HAS(page, "Ne remplissez pas ce champ");
            CHECK_HAS(page, "Votre envoi n&#39;a pas pu être accepté.");
            CHECK_HAS(page, "value=\"citoyen\" required checked");
            free(page);
        }

        page = cc_errors_page_html(schema, errors, sub, "/api/q");
        CHECK(page != NULL);
        if (page) {
            CHECK_NOT_HAS(page, "_jeton");
            CHECK_NOT_HAS(page, "Ne remplissez pas");
            free(page);
        }

        json_decref(errors);
    }

    json_decref(sub);
}


static void
test_max_body(cc_schema_t *schema)
{
    size_t  worst, i;
    char   *body, *norm, *p;
    size_t  len;
    json_t *errors;

    worst = cc_schema_max_body(schema, 0);
    CHECK(worst > 1000);
    CHECK(cc_schema_max_body(schema, 4096) == worst + 4096);

    /* a valid answer with its longest text, every character escaped */
    body = malloc(worst + 1);
    CHECK(body != NULL);
    if (body == NULL) {
        return;
    }

    p = body + sprintf(body, "{" BASE_JSON ",\"attentes\":\"");
    for (i = 0; i < 5000; i++) {
        p += sprintf(p, "\\ud83d\\ude00");
    }
    p += sprintf(p, "\"}");
    len = (size_t) (p - body);
    CHECK(len <= worst);

    CHECK(cc_validate_json(schema, body, len, &norm, &len, &errors, NULL)
          == CC_VALID);
    free(norm);
    json_decref(errors);
    free(body);
}


void
test_token(void)
{
    char         err[256];
    cc_schema_t *schema;

    test_token_make_check();
    test_origin();

    schema = cc_schema_load_file(CC_TEST_SCHEMA, err, sizeof(err));
    CHECK(schema != NULL);
    if (schema == NULL) {
        return;
    }

    test_reserved(schema);
    test_max_body(schema);

    cc_schema_free(schema);
}
