/*
 * The JSON reader (cc_json.c): each grammar rule, jansson's limits, keys
 * twice at any depth, nesting, escapes and surrogates, error positions;
 * for every body, the same accept/refuse verdict as jansson's
 * json_loadb(JSON_REJECT_DUPLICATES), which it replaced.  Then the
 * normalised text against jansson's dump for tricky strings.
 */

#include <stdlib.h>

#include "cc_test.h"
#include "cc_schema.h"
#include "cc_input.h"
#include "cc_utf8.h"

#define NB  "\xc2\xa0"

static cc_schema_t  *schema;
static char          code[64], message[1024];
static char         *norm;
static size_t        norm_len;


/* the verdict, and the first error's code and message */

static cc_validation_e
validate(const char *body, size_t len)
{
    json_t           *errors, *e;
    cc_validation_e   rc;

    free(norm);
    norm = NULL;
    code[0] = message[0] = '\0';

    rc = cc_validate_json(schema, body, len, &norm, &norm_len, &errors,
                          NULL);

    e = json_array_get(errors, 0);

    if (e) {
        snprintf(code, sizeof(code), "%s",
                 json_string_value(json_object_get(e, "code")));
        snprintf(message, sizeof(message), "%s",
                 json_string_value(json_object_get(e, "message")));
    }

    json_decref(errors);

    return rc;
}


/* 1 when the reader and jansson both accept, or both refuse, the body */

static int
agrees(const char *body, size_t len)
{
    int               ours, theirs;
    json_t           *root;
    cc_input_t        in;
    cc_json_error_t   err;

    if (memchr(body, '\0', len) != NULL || !cc_utf8_valid(body, len)) {
        return 1;                       /* refused before either reads */
    }

    if (cc_input_init(&in, schema, len) != 0) {
        return 0;
    }

    ours = cc_json_read(schema, body, len, &in, &err) == CC_JSON_OK;
    cc_input_free(&in);

    root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    theirs = json_is_object(root);
    json_decref(root);

    if (ours != theirs) {
        fprintf(stderr, "  reader %s, jansson %s: %.*s\n",
                ours ? "accepts" : "refuses", theirs ? "accepts" : "refuses",
                (int) len, body);
    }

    return ours == theirs;
}


#define VERDICT(body, want_rc, want_code)                                     \
    do {                                                                      \
        CHECK(validate(body, strlen(body)) == (want_rc));                     \
        CHECK_STR(code, want_code);                                           \
        CHECK(agrees(body, strlen(body)));                                    \
    } while (0)

#define SYNTAX(body)      VERDICT(body, CC_MALFORMED, "invalid_json")
#define ENCODING(body)    VERDICT(body, CC_MALFORMED, "invalid_encoding")
/* read fine: the answer is then only wrong (the fields are missing) */
#define READ(body)        VERDICT(body, CC_INVALID, "required")

#define BASE  "\"profil\":\"citoyen\",\"departement\":\"76\"," \
              "\"priorites\":[\"emploi\"],\"consentement\":true"


static void
test_grammar(void)
{
    READ("{}");
    READ(" \t\r\n{ } \n");
    SYNTAX("{} x");
    SYNTAX("{}}");
    SYNTAX("{}{}");
    SYNTAX("{,}");
    SYNTAX("{\"a\":1,}");
    SYNTAX("{\"a\":[1,]}");
    SYNTAX("{\"a\":[,1]}");
    SYNTAX("{\"a\" 1}");
    SYNTAX("{\"a\":}");
    SYNTAX("{\"a\"}");
    SYNTAX("{'a':1}");
    SYNTAX("{a:1}");
    SYNTAX("{\"a\":1");
    SYNTAX("{\"a\":[1");
    SYNTAX("{\"a");
    SYNTAX("{\"a\\");
    SYNTAX("\f{}");                     /* not JSON white space */
    SYNTAX("{\"a\":\v1}");

    /* numbers */
    READ("{\"a\":0,\"b\":-0,\"c\":1.5e-3,\"d\":-12E+2,\"e\":0.0}");
    SYNTAX("{\"a\":01}");
    SYNTAX("{\"a\":-01}");
    SYNTAX("{\"a\":00}");
    SYNTAX("{\"a\":1.}");
    SYNTAX("{\"a\":.5}");
    SYNTAX("{\"a\":1e}");
    SYNTAX("{\"a\":1e+}");
    SYNTAX("{\"a\":+1}");
    SYNTAX("{\"a\":-}");
    SYNTAX("{\"a\":1x}");
    SYNTAX("{\"a\":0x10}");
    SYNTAX("{\"a\":NaN}");
    SYNTAX("{\"a\":Infinity}");

    /* jansson's limits: 64-bit integers, finite doubles */
    READ("{\"a\":9223372036854775807,\"b\":-9223372036854775808}");
    SYNTAX("{\"a\":9223372036854775808}");
    SYNTAX("{\"a\":-9223372036854775809}");
    SYNTAX("{\"a\":123456789012345678901234567890}");
    READ("{\"a\":1.7976931348623157e308,\"b\":-1.7976931348623157e308}");
    READ("{\"a\":179769313486231570000000000000e278}");
    SYNTAX("{\"a\":1.7976931348623159e308}");
    SYNTAX("{\"a\":1e999}");
    SYNTAX("{\"a\":-1e309}");
    SYNTAX("{\"a\":1e99999999999999999999}");
    READ("{\"a\":1e-400,\"b\":0e999999,\"c\":0.000e99999999999}");
    READ("{\"a\":0.00000000000000000000000000000001e340}");

    /* literals */
    READ("{\"a\":true,\"b\":false,\"c\":null}");
    SYNTAX("{\"a\":tru}");
    SYNTAX("{\"a\":True}");
    SYNTAX("{\"a\":nul}");
    SYNTAX("{\"a\":nulll}");
    SYNTAX("{\"a\":falsey}");

    /* strings: raw control characters, escapes */
    SYNTAX("{\"a\":\"x\ty\"}");
    SYNTAX("{\"a\":\"x\ny\"}");
    SYNTAX("{\"a\":\"\x1f\"}");
    READ("{\"a\":\"\x7f\"}");
    SYNTAX("{\"a\":\"\\x\"}");
    SYNTAX("{\"a\":\"\\'\"}");
    SYNTAX("{\"a\":\"\\u12\"}");
    SYNTAX("{\"a\":\"\\u12G4\"}");
    SYNTAX("{\"a\":\"\\U0041\"}");
    READ("{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\u20AC\"}");

    /* the top: an object, or an array refused as not one */
    SYNTAX("");
    SYNTAX("   ");
    SYNTAX("\"x\"");
    SYNTAX("42");
    SYNTAX("null");
    VERDICT("[]", CC_MALFORMED, "invalid_json");
    CHECK_HAS(message, "doit \xc3\xaatre un objet");
    VERDICT(" [1, {\"a\": [true]}] ", CC_MALFORMED, "invalid_json");
    CHECK_HAS(message, "doit \xc3\xaatre un objet");
    SYNTAX("[1,]");
    SYNTAX("[] []");
}


static void
test_positions(void)
{
    SYNTAX("{\"profil\":\"citoyen\"");
    CHECK_HAS(message, "(ligne 1, colonne 19)");
    SYNTAX("{\n  \"a\": x}");
    CHECK_HAS(message, "(ligne 2, colonne 8)");
    SYNTAX("{\n\"\xc3\xa9\xc3\xa9\":1,\n\"b\":01}");
    CHECK_HAS(message, "(ligne 3, colonne 6)");
    /* columns count code points, not bytes */
    SYNTAX("{\"\xc3\xa9\xc3\xa9\":1 2}");
    CHECK_HAS(message, "(ligne 1, colonne 9)");
}


static void
test_duplicates(void)
{
    VERDICT("{\"profil\":\"a\",\"profil\":\"b\"}", CC_MALFORMED,
            "invalid_json");
    CHECK_HAS(message, "\xc2\xab" NB "profil" NB "\xc2\xbb appara");

    /* the same key once escaped */
    VERDICT("{\"profil\":\"a\",\"\\u0070rofil\":\"b\"}", CC_MALFORMED,
            "invalid_json");
    CHECK_HAS(message, "\xc2\xab" NB "profil" NB "\xc2\xbb");

    /* a field sent as null still counts */
    VERDICT("{\"email\":null,\"email\":\"a@b.fr\"}", CC_MALFORMED,
            "invalid_json");

    /* unknown names, and keys of nested objects, at any depth */
    VERDICT("{\"zz\":1,\"zz\":2}", CC_MALFORMED, "invalid_json");
    CHECK_HAS(message, "\xc2\xab" NB "zz" NB "\xc2\xbb");
    VERDICT("{\"a\":{\"b\":1,\"b\":2}}", CC_MALFORMED, "invalid_json");
    CHECK_HAS(message, "\xc2\xab" NB "b" NB "\xc2\xbb");
    VERDICT("{\"a\":[{\"x\":[{\"y\":1,\"z\":{},\"y\":3}]}]}", CC_MALFORMED,
            "invalid_json");
    CHECK_HAS(message, "\xc2\xab" NB "y" NB "\xc2\xbb");
    VERDICT("{\"a\":{\"\":1,\"\":2}}", CC_MALFORMED, "invalid_json");

    /* same names in different objects are fine */
    READ("{\"a\":[{\"x\":1},{\"x\":1}],\"x\":{\"a\":{\"a\":1}}}");
    READ("{\"a\":{\"b\":{\"c\":1},\"c\":2},\"b\":3,\"c\":{\"b\":4}}");

    /* many keys: the key set grows */
    {
        char    body[40000];
        size_t  i, n;

        n = 0;
        body[n++] = '{';

        for (i = 0; i < 2000; i++) {
            n += (size_t) snprintf(body + n, sizeof(body) - n,
                                   "%s\"k%zu\":{\"k%zu\":1}", i ? "," : "",
                                   i, i);
        }

        memcpy(body + n, "}", 2);
        READ(body);
        CHECK(validate(body, strlen(body)) == CC_INVALID);
        memcpy(body + n, ",\"k1999\":2}", 12);
        SYNTAX(body);
        CHECK_HAS(message, "k1999");
    }
}


static void
test_depth(void)
{
    char    body[200];
    size_t  i, n;

    /* the object and 31 arrays: 32 levels, fine */
    n = 0;
    memcpy(body, "{\"a\":", 5);
    n = 5;

    for (i = 0; i < 31; i++) {
        body[n++] = '[';
    }

    for (i = 0; i < 31; i++) {
        body[n++] = ']';
    }

    body[n++] = '}';
    body[n] = '\0';
    READ(body);

    /* one more: refused, where jansson went to 2048 */
    memmove(body + 6, body + 5, n - 4);
    body[5] = '[';
    n++;
    memmove(body + n - 1, body + n - 2, 3);
    body[n - 2] = ']';
    body[n] = '\0';
    CHECK(validate(body, n) == CC_MALFORMED);
    CHECK_STR(code, "invalid_json");
    CHECK_HAS(message, "ligne 1, colonne 37");

    /* objects count as well */
    n = 0;

    for (i = 0; i < 33; i++) {
        memcpy(body + n, "{\"a\":", 5);
        n += 5;
    }

    body[n++] = '1';

    for (i = 0; i < 33; i++) {
        body[n++] = '}';
    }

    body[n] = '\0';
    CHECK(validate(body, n) == CC_MALFORMED);
    CHECK_STR(code, "invalid_json");
    CHECK(agrees(body + 5, n - 6));     /* 32 levels: both read it */
}


static void
test_escapes(void)
{
    /* a surrogate pair is one code point, U+1F600 */
    VERDICT("{" BASE ",\"vision\":\"\\ud83d\\ude00\"}", CC_VALID, "");
    CHECK_HAS(norm, "\"vision\":\"\xf0\x9f\x98\x80\"");
    VERDICT("{" BASE ",\"vision\":\"x\\uD83D\\uDE00y\"}", CC_VALID, "");
    CHECK_HAS(norm, "\"vision\":\"x\xf0\x9f\x98\x80y\"");
    VERDICT("{" BASE ",\"vision\":\"\\udbff\\udfff\"}", CC_VALID, "");
    CHECK_HAS(norm, "\"vision\":\"\xf4\x8f\xbf\xbf\"");
    VERDICT("{" BASE ",\"vision\":\"\\u00e9\\u0800\\uFFFF\"}", CC_VALID, "");
    CHECK_HAS(norm, "\"vision\":\"\xc3\xa9\xe0\xa0\x80\xef\xbf\xbf\"");
    VERDICT("{" BASE ",\"vision\":\"a\\/b\\\\c\\\"d\"}", CC_VALID, "");
    CHECK_HAS(norm, "\"vision\":\"a/b\\\\c\\\"d\"");

    /* a lone or mismatched half: an encoding error */
    ENCODING("{\"vision\":\"\\ud83d\"}");
    CHECK_HAS(message, "Unicode invalide");
    ENCODING("{\"vision\":\"\\ude00\"}");
    ENCODING("{\"vision\":\"\\ude00\\ud83d\"}");
    ENCODING("{\"vision\":\"\\ud83d\\u0041\"}");
    ENCODING("{\"vision\":\"\\ud83d\\ud83d\\ude00\"}");
    ENCODING("{\"vision\":\"\\ud83dx\"}");
    ENCODING("{\"vision\":\"\\ud83d\\n\"}");
    ENCODING("{\"\\ud800\":1}");
    ENCODING("{\"a\":{\"b\":[\"\\udc00\"]}}");

    /* but a grammar error anywhere in the same string comes first */
    SYNTAX("{\"vision\":\"\\ud83d\\u00\"}");
    SYNTAX("{\"vision\":\"\\ud800 \\x\"}");
    SYNTAX("{\"vision\":\"\\ud800 \x01\"}");
    SYNTAX("{\"vision\":\"\\ud800");

    /* \u0000: an encoding error, for values and keys */
    ENCODING("{\"vision\":\"a\\u0000b\"}");
    CHECK_HAS(message, "caract\xc3\xa8re nul");
    ENCODING("{\"a\\u0000\":1}");
    ENCODING("{\"a\":[{\"b\":\"\\u0000\"}]}");
    /* where a surrogate error is there too, it is the one reported */
    ENCODING("{\"vision\":\"\\u0000\\ud800\"}");
    CHECK_HAS(message, "Unicode invalide");

    /* a string where none may be is still read, as jansson's lexer did */
    ENCODING("{\"a\" \"\\ud800\"}");
    ENCODING("[\"\\ud800\"]");
    ENCODING("\"\\ud800\"");
    SYNTAX("{\"a\" \"\\u0000\"}");
    SYNTAX("\"\\u0000\"");
}


/* the answer with this vision, as jansson dumps the same object */

static char *
jansson_answer(const char *vision)
{
    char    *s;
    json_t  *o;

    o = json_pack("{s:s,s:s,s:[s],s:s,s:b}", "profil", "citoyen",
                  "departement", "76", "priorites", "emploi", "vision",
                  vision, "consentement", 1);
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);

    return s;
}


static void
test_dump(void)
{
    char                      *want, *body, *s;
    size_t                     i, n;
    json_t                    *o;
    static const char * const  visions[][2] = {
        /* as sent (JSON string body), as stored */
        { "a\\\"b\\\\c/d\\te\\nf", "a\"b\\c/d\te\nf" },
        { "x\\r\\ny\\rz", "x\ny\nz" },
        { "\xe2\x80\xa8 \xe2\x80\xa9 \xf0\x9f\x98\x80 \xc3\xa9\xef\xbf\xbf",
          "\xe2\x80\xa8 \xe2\x80\xa9 \xf0\x9f\x98\x80 \xc3\xa9\xef\xbf\xbf" },
        { "  \\t<b>&amp;</b>\\u003c\\u003e  ", "<b>&amp;</b><>" },
        { "12345678\\\"12345678\\\\1234567/", "12345678\"12345678\\1234567/" }
    };

    for (i = 0; i < sizeof(visions) / sizeof(visions[0]); i++) {
        n = strlen(visions[i][0]) + 200;
        body = malloc(n);
        snprintf(body, n, "{\"profil\":\"citoyen\",\"departement\":\"76\","
                 "\"priorites\":[\"emploi\"],\"vision\":\"%s\","
                 "\"consentement\":true}", visions[i][0]);

        CHECK(validate(body, strlen(body)) == CC_VALID);
        want = jansson_answer(visions[i][1]);
        CHECK_STR(norm, want);
        CHECK(norm && norm_len == strlen(norm));
        free(want);
        free(body);
    }

    /* the control characters that reach the text: escaped as jansson does */
    o = json_pack("{s:s}", "v", "\x01\x08\x0c\x1f\x7f\t\n\r\"\\/");
    s = json_dumps(o, JSON_COMPACT);
    CHECK_STR(s, "{\"v\":\"\\u0001\\b\\f\\u001F\x7f\\t\\n\\r\\\"\\\\/\"}");
    free(s);
    json_decref(o);

    /* the same bytes from a form */
    {
        cc_validation_e  rc;
        json_t          *errors;

        free(norm);
        norm = NULL;
        body = "profil=citoyen&departement=76&priorites=emploi"
               "&vision=a%22b%5Cc%2Fd%09e%0D%0Af&consentement=on";
        rc = cc_validate_urlencoded(schema, body, strlen(body), &norm,
                                    &norm_len, &errors, NULL);
        CHECK(rc == CC_VALID);
        want = jansson_answer("a\"b\\c/d\te\nf");
        CHECK_STR(norm, want);
        free(want);
        json_decref(errors);
    }
}


void
test_json(void)
{
    char  err[256];

    schema = cc_schema_load_file(CC_TEST_SCHEMA, err, sizeof(err));
    CHECK(schema != NULL);
    if (schema == NULL) {
        return;
    }

    test_grammar();
    test_positions();
    test_duplicates();
    test_depth();
    test_escapes();
    test_dump();

    free(norm);
    norm = NULL;
    cc_schema_free(schema);
}
