#include <stdlib.h>

#include "cc_test.h"
#include "cc_schema.h"
#include "cc_input.h"

#define NB  "\xc2\xa0"                      /* no-break space */

static cc_schema_t      *schema;
static cc_validation_e   rc;
static json_t           *errs, *sub;
static char             *norm, *norm_s, *sub_s;
static size_t            norm_len;


static void
reset(void)
{
    free(norm);
    json_decref(errs);
    json_decref(sub);
    free(norm_s);
    free(sub_s);
    errs = sub = NULL;
    norm = norm_s = sub_s = NULL;
    norm_len = 0;
}


/*
 * The normalised text is what json_dumps(JSON_COMPACT) made of the same
 * object: jansson reads it back and dumps it again, byte for byte.
 */

static int
same_as_jansson(const char *text, size_t len)
{
    int      same;
    char    *again;
    json_t  *o;

    o = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return 0;
    }

    again = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    same = again != NULL && strlen(again) == len
           && memcmp(again, text, len) == 0;

    free(again);
    json_decref(o);

    return same;
}


static void
after(int line)
{
    /* exactly one of the two results, whatever the verdict */
    if ((rc == CC_VALID) != (norm != NULL)
        || (rc == CC_VALID) != (errs == NULL))
    {
        cc_test_failed++;
        fprintf(stderr, "test_validate.c:%d: FAILED: result/outputs "
                "mismatch (rc %d)\n", line, rc);
    }

    /* "submitted" only for an invalid answer */
    if (sub != NULL && rc != CC_INVALID) {
        cc_test_failed++;
        fprintf(stderr, "test_validate.c:%d: FAILED: submitted set with "
                "rc %d\n", line, rc);
    }

    if (norm != NULL
        && (strlen(norm) != norm_len || !same_as_jansson(norm, norm_len)))
    {
        cc_test_failed++;
        fprintf(stderr, "test_validate.c:%d: FAILED: normalised text is "
                "not jansson's dump: %s\n", line, norm);
    }

    norm_s = NULL;

    if (norm != NULL) {
        norm_s = malloc(norm_len + 1);
        if (norm_s) {
            memcpy(norm_s, norm, norm_len + 1);
        }
    }
    sub_s = sub ? json_dumps(sub, JSON_COMPACT) : NULL;
}


#define JSONB(body, len)                                                      \
    do {                                                                      \
        reset();                                                              \
        rc = cc_validate_json(schema, body, len, &norm, &norm_len, &errs,     \
                              &sub);                                          \
        after(__LINE__);                                                      \
    } while (0)

#define JSON(body)  JSONB(body, strlen(body))

#define FORMB(body, len)                                                      \
    do {                                                                      \
        reset();                                                              \
        rc = cc_validate_urlencoded(schema, body, len, &norm, &norm_len,      \
                                    &errs, &sub);                             \
        after(__LINE__);                                                      \
    } while (0)

#define FORM(body)  FORMB(body, strlen(body))


/* the message of the error (field, code), or NULL */

static const char *
error(const char *field, const char *code)
{
    size_t   i;
    json_t  *e, *f;

    json_array_foreach(errs, i, e) {
        f = json_object_get(e, "field");

        if (((field == NULL && json_is_null(f))
             || (field && json_is_string(f)
                 && strcmp(json_string_value(f), field) == 0))
            && strcmp(json_string_value(json_object_get(e, "code")), code)
               == 0)
        {
            return json_string_value(json_object_get(e, "message"));
        }
    }

    return NULL;
}

#define HAS(field, code)  CHECK(error(field, code) != NULL)
#define NERR(n)           CHECK(json_array_size(errs) == (n))


#define VISION                                                                \
    "Je souhaite que la Normandie d\xc3\xa9veloppe un tourisme durable qui "  \
    "respecte le littoral, les marais et le bocage, en s'appuyant sur les "   \
    "acteurs de l'\xc3\xa9" "conomie sociale et solidaire. La formation des " \
    "jeunes aux m\xc3\xa9tiers de l'accueil, de la restauration et de "       \
    "l'agriculture biologique doit \xc3\xaatre une priorit\xc3\xa9 ; il "     \
    "faut aussi garantir la mobilit\xc3\xa9 douce \xc3\xa0 Caen comme "       \
    "\xc3\xa0 Bayeux, pr\xc3\xa8s des gares. \xc3\x87" "a changerait tout, "  \
    "et vite !"

#define WORKLOAD_NORMALISED                                                   \
    "{\"profil\":\"acteur_ess\",\"departement\":\"14\","                      \
    "\"priorites\":[\"tourisme\",\"formation\"],\"vision\":\"" VISION "\","   \
    "\"email\":\"camille.lefevre@example.org\",\"consentement\":true}"

/* a valid answer, to which one field is added or replaced */
#define BASE  "\"profil\":\"citoyen\",\"departement\":\"76\"," \
              "\"priorites\":[\"emploi\"],\"vision\":\"Oui.\"," \
              "\"consentement\":true"
#define FBASE "profil=citoyen&departement=76&priorites=emploi&vision=Oui." \
              "&consentement=on"


/* body, less "cut" bytes at its end, then "extra": a new string */

static char *
with_extra(const char *body, size_t len, const char *extra, size_t cut)
{
    char    *s;
    size_t   n;

    n = strlen(extra);
    s = malloc(len - cut + n + 1);

    if (s != NULL) {
        memcpy(s, body, len - cut);
        memcpy(s + len - cut, extra, n + 1);
    }

    return s;
}


static void
test_workload(void)
{
    char    *body, *body2, *norm2;
    size_t   len, len2;

    body = cc_test_read("../data/questionnaire.json", &len);
    CHECK(body != NULL);
    if (body) {
        JSONB(body, len);
        CHECK(rc == CC_VALID);
        CHECK_STR(norm_s, WORKLOAD_NORMALISED);
        CHECK(sub == NULL);

        /* "submitted" comes with an invalid answer: one unknown name more */
        body2 = with_extra(body, len, ",\"zz\":1}", 1);
        JSON(body2);
        CHECK(rc == CC_INVALID);
        NERR(1);
        HAS("zz", "unknown_field");
        CHECK_STR(sub_s,
                  "{\"profil\":\"acteur_ess\",\"departement\":\"14\","
                  "\"priorites\":[\"tourisme\",\"formation\"],"
                  "\"vision\":\"" VISION "\",\"consentement\":\"true\","
                  "\"email\":\"camille.lefevre@example.org\",\"zz\":\"1\"}");
        free(body2);
        free(body);
    }

    body = cc_test_read("../data/questionnaire.urlencoded", &len);
    CHECK(body != NULL);
    if (body) {
        /* the file may end with a newline: a body would not */
        while (len && (body[len - 1] == '\n' || body[len - 1] == '\r')) {
            len--;
        }

        FORMB(body, len);
        CHECK(rc == CC_VALID);
        CHECK_STR(norm_s, WORKLOAD_NORMALISED);
        CHECK(sub == NULL);

        body2 = with_extra(body, len, "&zz=1", 0);
        FORM(body2);
        CHECK(rc == CC_INVALID);
        NERR(1);
        CHECK_STR(sub_s,
                  "{\"profil\":\"acteur_ess\",\"departement\":\"14\","
                  "\"priorites\":[\"tourisme\",\"formation\"],"
                  "\"vision\":\"" VISION "\",\"consentement\":\"oui\","
                  "\"email\":\"camille.lefevre@example.org\",\"zz\":\"1\"}");

        /* asked for nothing, given nothing */
        reset();
        rc = cc_validate_urlencoded(schema, body2, strlen(body2), &norm,
                                    &norm_len, &errs, NULL);
        CHECK(rc == CC_INVALID && norm == NULL && errs != NULL);
        free(body2);
        free(body);
    }

    /* the benchmark's answers: a full answer to the real questionnaire */
    {
        char         err[512], *form;
        cc_schema_t  *flat;

        flat = schema;
        schema = cc_schema_load_file("../../conf/questionnaire.json", err,
                                     sizeof(err));
        CHECK(schema != NULL);
        body = cc_test_read("../bench/questionnaire.json", &len);
        form = cc_test_read("../bench/questionnaire.urlencoded", &len2);

        if (schema && body && form) {
            JSONB(body, len);
            CHECK(rc == CC_VALID);
            CHECK_HAS(norm_s, "\"accord.cooperation\":\"nsp\"");
            len2 -= form[len2 - 1] == '\n';
            norm2 = norm_s ? malloc(strlen(norm_s) + 1) : NULL;
            if (norm2) {
                memcpy(norm2, norm_s, strlen(norm_s) + 1);
            }
            FORMB(form, len2);
            CHECK(rc == CC_VALID);
            CHECK_STR(norm_s, norm2);
            free(norm2);
        }

        free(body);
        free(form);
        reset();
        cc_schema_free(schema);
        schema = flat;
    }
}


static void
test_json_fields(void)
{
    char    *big;
    size_t   i;

    /* every field error at once, in schema order, unknown ones last */
    JSON("{\"profil\":\"x\",\"departement\":5,"
         "\"priorites\":[\"tourisme\",\"peche\",\"b\"],\"vision\":\"  \\n \","
         "\"email\":\"pas-une-adresse\",\"consentement\":false,\"zzz\":1,"
         "\"structure\":\"mutuelle\"}");
    CHECK(rc == CC_INVALID);
    NERR(7);
    CHECK(sub != NULL);
    CHECK_STR(error("profil", "invalid_choice"),
              "Choisissez l'une des r\xc3\xa9ponses propos\xc3\xa9" "es.");
    HAS("departement", "invalid_type");
    CHECK_STR(error("priorites", "invalid_choice"),
              "La r\xc3\xa9ponse \xc2\xab" NB "peche" NB "\xc2\xbb ne fait "
              "pas partie des r\xc3\xa9ponses propos\xc3\xa9" "es.");
    CHECK_STR(error("vision", "required"), "Ce champ est obligatoire.");
    CHECK_STR(error("email", "invalid_email"),
              "Cette adresse \xc3\xa9lectronique n'est pas valide "
              "(exemple" NB ": nom@domaine.fr).");
    HAS("consentement", "must_be_true");
    CHECK_STR(error("zzz", "unknown_field"),
              "Le champ \xc2\xab" NB "zzz" NB "\xc2\xbb n'existe pas dans "
              "ce formulaire.");
    CHECK_STR(json_string_value(json_object_get(json_array_get(errs, 0),
                                                "field")), "profil");
    CHECK_STR(json_string_value(json_object_get(json_array_get(errs, 6),
                                                "field")), "zzz");
    CHECK_STR(sub_s, "{\"profil\":\"x\",\"departement\":\"5\","
              "\"priorites\":[\"tourisme\",\"peche\",\"b\"],"
              "\"vision\":\"  \\n \",\"email\":\"pas-une-adresse\","
              "\"consentement\":\"false\",\"zzz\":\"1\","
              "\"structure\":\"mutuelle\"}");

    /* all required fields missing */
    JSON("{}");
    CHECK(rc == CC_INVALID);
    NERR(5);
    HAS("profil", "required");
    HAS("departement", "required");
    CHECK_STR(error("priorites", "required"),
              "Ce champ est obligatoire" NB ": choisissez entre 1 et 3 "
              "r\xc3\xa9ponses.");
    HAS("vision", "required");
    HAS("consentement", "required");
    CHECK(error("email", "required") == NULL);
    CHECK_STR(sub_s, "{}");

    /* optional fields: absent, null, "" and blanks all mean absent */
    JSON("{" BASE ",\"structure\":null,\"attentes\":\"\",\"email\":\"  \"}");
    CHECK(rc == CC_VALID);
    CHECK_STR(norm_s, "{\"profil\":\"citoyen\",\"departement\":\"76\","
              "\"priorites\":[\"emploi\"],\"vision\":\"Oui.\","
              "\"consentement\":true}");

    /* normalisation: trimmed, lower-cased, deduplicated in option order */
    JSON("{\"consentement\":true,\"email\":\" Camille.LEFEVRE@Example.ORG\\t\","
         "\"vision\":\"  a\\r\\nb\\rc\\n\\td\\t \","
         "\"attentes\":\"\xe2\x80\x99\","
         "\"priorites\":[\"emploi\",\" tourisme \",\"emploi\",\"emploi\"],"
         "\"departement\":\" 50 \",\"structure\":\"cooperative\","
         "\"profil\":\"reseau\"}");
    CHECK(rc == CC_VALID);
    CHECK_STR(norm_s, "{\"profil\":\"reseau\",\"structure\":\"cooperative\","
              "\"departement\":\"50\",\"priorites\":[\"tourisme\",\"emploi\"],"
              "\"vision\":\"a\\nb\\nc\\n\\td\",\"attentes\":\"\xe2\x80\x99\","
              "\"email\":\"camille.lefevre@example.org\","
              "\"consentement\":true}");

    /* wrong JSON types and nesting */
    JSON("{\"profil\":[\"citoyen\"],\"departement\":true,"
         "\"priorites\":\"emploi\",\"vision\":{\"a\":\"b\"},"
         "\"attentes\":42,\"email\":[],\"consentement\":\"true\","
         "\"structure\":1.5}");
    CHECK(rc == CC_INVALID);
    NERR(8);
    HAS("profil", "invalid_type");
    HAS("departement", "invalid_type");
    CHECK_STR(error("priorites", "invalid_type"),
              "Ce champ attend une liste de r\xc3\xa9ponses (textes).");
    CHECK_STR(error("vision", "invalid_type"), "Ce champ attend un texte.");
    HAS("attentes", "invalid_type");
    HAS("email", "invalid_type");
    HAS("consentement", "invalid_type");
    HAS("structure", "invalid_type");

    JSON("{" BASE ",\"priorites\":[[\"emploi\"]]}");
    CHECK(rc == CC_MALFORMED);      /* duplicate key "priorites" */

    JSON("{\"profil\":\"citoyen\",\"departement\":\"76\","
         "\"priorites\":[[\"emploi\"]],\"vision\":\"x\","
         "\"consentement\":1}");
    CHECK(rc == CC_INVALID);
    NERR(2);
    HAS("priorites", "invalid_type");
    HAS("consentement", "invalid_type");

    JSON("{\"profil\":\"citoyen\",\"departement\":\"76\","
         "\"priorites\":[\"emploi\",null],\"vision\":\"x\","
         "\"consentement\":null}");
    NERR(2);
    HAS("priorites", "invalid_type");
    HAS("consentement", "required");

    /* multiple: duplicates do not count, more than max distinct does */
    JSON("{\"profil\":\"citoyen\",\"departement\":\"76\",\"vision\":\"x\","
         "\"consentement\":true,\"priorites\":[\"emploi\",\"tourisme\","
         "\"formation\",\"emploi\",\"tourisme\",\"formation\"]}");
    CHECK(rc == CC_VALID);
    CHECK_HAS(norm_s, "[\"tourisme\",\"formation\",\"emploi\"]");

    JSON("{\"profil\":\"citoyen\",\"departement\":\"76\",\"vision\":\"x\","
         "\"consentement\":true,\"priorites\":[\"emploi\",\"tourisme\","
         "\"formation\",\"cooperation\"]}");
    CHECK(rc == CC_INVALID);
    NERR(1);
    CHECK_STR(error("priorites", "too_many"),
              "Choisissez entre 1 et 3 r\xc3\xa9ponses (4 coch\xc3\xa9" "es).");

    JSON("{\"profil\":\"citoyen\",\"departement\":\"76\",\"vision\":\"x\","
         "\"consentement\":true,\"priorites\":[]}");
    NERR(1);
    HAS("priorites", "required");

    /* text length is in code points, after trimming and CRLF -> LF */
    big = malloc(20000);
    CHECK(big != NULL);
    if (big == NULL) {
        return;
    }

    strcpy(big, "{" BASE ",\"attentes\":\"  ");
    for (i = 0; i < 5000; i++) {
        strcat(big, "\xc3\xa9");
    }
    strcat(big, " \\r\\n\"}");
    JSON(big);
    CHECK(rc == CC_VALID);

    strcpy(big, "{" BASE ",\"attentes\":\"");
    for (i = 0; i < 2499; i++) {
        strcat(big, "a\\r\\n");
    }
    strcat(big, "aa\"}");
    JSON(big);
    CHECK(rc == CC_VALID);

    strcpy(big, "{" BASE ",\"attentes\":\"");
    for (i = 0; i < 5123; i++) {
        strcat(big, "\xc3\xa9");
    }
    strcat(big, "\"}");
    JSON(big);
    CHECK(rc == CC_INVALID);
    NERR(1);
    CHECK_STR(error("attentes", "too_long"),
              "Votre texte d\xc3\xa9passe 5000 caract\xc3\xa8res (5123 "
              "saisis)" NB "; raccourcissez-le.");
    free(big);

    /* control characters other than TAB, LF, CR */
    JSON("{" BASE ",\"attentes\":\"a\\u0001b\"}");
    HAS("attentes", "invalid_characters");
    JSON("{" BASE ",\"attentes\":\"a\\u001bb\"}");
    HAS("attentes", "invalid_characters");
    JSON("{" BASE ",\"attentes\":\"a\\u007fb\"}");
    HAS("attentes", "invalid_characters");
    JSON("{" BASE ",\"attentes\":\"a\\tb\\r\\nc\"}");
    CHECK(rc == CC_VALID);
    CHECK_HAS(norm_s, "\"attentes\":\"a\\tb\\nc\"");

    /* consent */
    JSON("{\"profil\":\"citoyen\",\"departement\":\"76\","
         "\"priorites\":[\"emploi\"],\"vision\":\"x\",\"consentement\":false}");
    CHECK_STR(error("consentement", "must_be_true"),
              "Vous devez cocher cette case pour pouvoir envoyer votre "
              "r\xc3\xa9ponse.");

    /* unknown fields: listed, but a flood is cut at 32 */
    big = malloc(2000);
    if (big) {
        strcpy(big, "{" BASE);
        for (i = 0; i < 40; i++) {
            sprintf(big + strlen(big), ",\"x%zu\":1", i);
        }
        strcat(big, "}");
        JSON(big);
        CHECK(rc == CC_INVALID);
        NERR(32);
        HAS("x0", "unknown_field");
        HAS("x31", "unknown_field");
        CHECK(error("x32", "unknown_field") == NULL);
        free(big);
    }

    /* "_" names are form plumbing in JSON too (issue 3), not unknown */
    JSON("{" BASE ",\"_idempotency_key\":\"k\",\"_jeton\":1}");
    CHECK(rc == CC_VALID);
    CHECK(error("_idempotency_key", "unknown_field") == NULL);
}


/* {BASE, "email": "a@" + n labels of len 'b's and '.' + last chars 'c'} */

static void
email_body(char *body, size_t n, size_t len, size_t last)
{
    size_t  i;
    char   *p;

    p = body + sprintf(body, "{" BASE ",\"email\":\"a@");

    for (i = 0; i < n; i++) {
        memset(p, 'b', len);
        p[len] = '.';
        p += len + 1;
    }

    memset(p, 'c', last);
    strcpy(p + last, "\"}");
}


static void
test_email(void)
{
    size_t  i;
    char    body[1024];

    static const char  *good[] = {
        "a@b.fr", "a+tag@sous-domaine.example.fr", "o'brien@example.ie",
        "x_y.z@123.example", "A@B.CO",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@b.fr",
        NULL
    };

    static const char  *bad[] = {
        "a@b", "a@@b.fr", "a@b@c.fr", "@b.fr", "a@", "a@-b.fr", "a@b-.fr",
        "a@b..fr", "a@.fr", "a@fr.", "a b@c.fr", "\xc3\xa9@c.fr",
        "a@\xc3\xa9.fr", "a(b)@c.fr", "a,b@c.fr", "a\\\\b@c.fr",
        "a\\\"b@c.fr", "a<b>@c.fr", "a;b@c.fr", "a@b_c.fr", "a@b.fr\\t.x",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "a@b.fr",                               /* local part of 65 */
        "a@bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        "b.fr",                                 /* label of 65 */
        "nom", NULL
    };

    for (i = 0; good[i]; i++) {
        snprintf(body, sizeof(body), "{" BASE ",\"email\":\"%s\"}", good[i]);
        JSON(body);
        CHECK(rc == CC_VALID);
        if (rc != CC_VALID) {
            fprintf(stderr, "  rejected: %s\n", good[i]);
        }
    }

    for (i = 0; bad[i]; i++) {
        snprintf(body, sizeof(body), "{" BASE ",\"email\":\"%s\"}", bad[i]);
        JSON(body);
        CHECK(error("email", "invalid_email") != NULL);
        if (rc != CC_INVALID) {
            fprintf(stderr, "  accepted: %s\n", bad[i]);
        }
    }

    /* 254 characters at most, 63 per label */
    email_body(body, 4, 62, 2);                 /* 2 + 4 * 63 + 2 = 256 */
    JSON(body);
    HAS("email", "invalid_email");
    email_body(body, 3, 62, 62);                /* 2 + 3 * 63 + 62 = 253 */
    JSON(body);
    CHECK(rc == CC_VALID);
    email_body(body, 3, 62, 63);                /* 254 */
    JSON(body);
    CHECK(rc == CC_VALID);
    email_body(body, 3, 62, 64);                /* 255 */
    JSON(body);
    HAS("email", "invalid_email");
    email_body(body, 1, 64, 2);                 /* a 64-character label */
    JSON(body);
    HAS("email", "invalid_email");
    email_body(body, 1, 63, 2);
    JSON(body);
    CHECK(rc == CC_VALID);
}


static void
test_json_malformed(void)
{
    size_t  i;
    char    key[200], body[600];

    JSON("{\"profil\":\"citoyen\",\"profil\":\"autre\"}");
    CHECK(rc == CC_MALFORMED);
    CHECK(sub == NULL);
    NERR(1);
    CHECK_STR(error(NULL, "invalid_json"),
              "La cl\xc3\xa9 \xc2\xab" NB "profil" NB "\xc2\xbb "
              "appara\xc3\xaet "
              "plusieurs fois dans le document JSON" NB "; envoyez chaque "
              "champ une seule fois.");

    /* a long key jansson does not quote is still named */
    for (i = 0; i < 100; i++) {
        key[i] = 'k';
    }
    strcpy(key + 100, "\\\"\xc3\xa9");
    snprintf(body, sizeof(body), "{\"%s\":1, \"%s\"  :2}", key, key);
    JSON(body);
    CHECK(rc == CC_MALFORMED);
    CHECK_HAS(error(NULL, "invalid_json"),
              "kkkkkkkkkkkkkkkk\xe2\x80\xa6" NB "\xc2\xbb appara\xc3\xaet");
    JSON("{\"a\":{\"b\":1,\"b\":2}}");
    CHECK_HAS(error(NULL, "invalid_json"), "\xc2\xab" NB "b" NB "\xc2\xbb");

    JSON("");
    CHECK(rc == CC_MALFORMED);
    CHECK_STR(error(NULL, "invalid_json"),
              "Le corps de la requ\xc3\xaate est vide" NB "; envoyez un "
              "objet JSON.");
    JSON("   ");
    HAS(NULL, "invalid_json");
    JSON("[]");
    CHECK(rc == CC_MALFORMED);
    HAS(NULL, "invalid_json");
    JSON("[{\"profil\":\"citoyen\"}]");
    HAS(NULL, "invalid_json");
    JSON("\"x\"");
    HAS(NULL, "invalid_json");
    JSON("42");
    HAS(NULL, "invalid_json");
    JSON("null");
    HAS(NULL, "invalid_json");
    JSON("{\"profil\":\"citoyen\"");
    CHECK_STR(error(NULL, "invalid_json"),
              "Le corps de la requ\xc3\xaate n'est pas un document JSON "
              "valide (ligne 1, colonne 19)" NB "; v\xc3\xa9rifiez sa "
              "syntaxe.");
    JSON("{\"profil\":\"citoyen\"} {}");
    HAS(NULL, "invalid_json");
    JSON("{profil:1}");
    HAS(NULL, "invalid_json");
    JSON("{\"a\":1e999}");
    HAS(NULL, "invalid_json");

    /* encoding */
    JSON("{\"vision\":\"\xff\"}");
    CHECK(rc == CC_MALFORMED);
    HAS(NULL, "invalid_encoding");
    JSON("{\"vision\":\"\xc0\xaf\"}");
    HAS(NULL, "invalid_encoding");
    JSON("{\"vision\":\"\xed\xa0\x80\"}");
    HAS(NULL, "invalid_encoding");
    JSON("{\"vision\":\"a\\u0000b\"}");
    HAS(NULL, "invalid_encoding");
    JSON("{\"a\\u0000\":1}");
    HAS(NULL, "invalid_encoding");
    JSON("{\"vision\":\"\\ud800\"}");
    HAS(NULL, "invalid_encoding");
    JSONB("{\"vision\":\"a\0b\"}", 15);
    CHECK(rc == CC_MALFORMED);
    HAS(NULL, "invalid_encoding");
    CHECK(sub == NULL);

    /* deep nesting is refused by the parser, not by the stack */
    {
        char *deep = malloc(200001);

        if (deep) {
            memset(deep, '[', 100000);
            memset(deep + 100000, ']', 100000);
            deep[0] = '{';
            deep[200000] = '\0';
            JSONB(deep, 200000);
            CHECK(rc == CC_MALFORMED);
            free(deep);
        }
    }

    /* valid escapes are fine */
    JSON("{" BASE ",\"attentes\":\"\\u00e9\\ud83d\\ude00\\\"\"}");
    CHECK(rc == CC_VALID);
    CHECK_HAS(norm_s, "\"attentes\":\"\xc3\xa9\xf0\x9f\x98\x80\\\"\"");
}


static void
test_form(void)
{
    size_t   i;
    char    *big;

    FORM("profil=citoyen&departement=76&priorites=emploi&vision=x"
         "&consentement=on");
    CHECK(rc == CC_VALID);
    CHECK_STR(norm_s, "{\"profil\":\"citoyen\",\"departement\":\"76\","
              "\"priorites\":[\"emploi\"],\"vision\":\"x\","
              "\"consentement\":true}");
    CHECK(sub == NULL);
    FORM("profil=citoyen&departement=76&priorites=emploi&vision=x"
         "&consentement=on&zz=");
    CHECK(rc == CC_INVALID);
    CHECK_STR(sub_s, "{\"profil\":\"citoyen\",\"departement\":\"76\","
              "\"priorites\":[\"emploi\"],\"vision\":\"x\","
              "\"consentement\":\"on\",\"zz\":\"\"}");

    /* the accepted spellings of a checked box */
    FORM(FBASE "&consentement=oui");
    HAS("consentement", "duplicate_field");
    FORM("profil=citoyen&departement=76&priorites=emploi&vision=x"
         "&consentement=OUI");
    CHECK(rc == CC_VALID);
    FORM("profil=citoyen&departement=76&priorites=emploi&vision=x"
         "&consentement=true");
    CHECK(rc == CC_VALID);
    FORM("profil=citoyen&departement=76&priorites=emploi&vision=x"
         "&consentement=1");
    CHECK(rc == CC_VALID);
    FORM("profil=citoyen&departement=76&priorites=emploi&vision=x"
         "&consentement=yes");
    CHECK(rc == CC_VALID);
    FORM("profil=citoyen&departement=76&priorites=emploi&vision=x"
         "&consentement=non");
    CHECK(rc == CC_INVALID);
    HAS("consentement", "must_be_true");
    FORM("profil=citoyen&departement=76&priorites=emploi&vision=x"
         "&consentement=0");
    HAS("consentement", "must_be_true");
    FORM("profil=citoyen&departement=76&priorites=emploi&vision=x"
         "&consentement=");
    HAS("consentement", "required");
    FORM("profil=citoyen&departement=76&priorites=emploi&vision=x");
    HAS("consentement", "required");

    /* repeated names: a list for "multiple", an error otherwise */
    FORM(FBASE "&priorites=tourisme&priorites=emploi&priorites=");
    CHECK(rc == CC_VALID);
    CHECK_HAS(norm_s, "\"priorites\":[\"tourisme\",\"emploi\"]");
    FORM(FBASE "&priorites=tourisme&priorites=emploi&priorites=&zz=1");
    CHECK(rc == CC_INVALID);
    CHECK_HAS(sub_s, "\"priorites\":[\"emploi\",\"tourisme\",\"emploi\",\"\"]");

    FORM(FBASE "&profil=autre&vision=y&vision=z&email=a%40b.fr");
    CHECK(rc == CC_INVALID);
    NERR(2);
    CHECK_STR(error("profil", "duplicate_field"),
              "Ce champ a \xc3\xa9t\xc3\xa9 envoy\xc3\xa9 plusieurs fois" NB
              "; une seule valeur est attendue.");
    HAS("vision", "duplicate_field");
    CHECK_HAS(sub_s, "\"profil\":[\"citoyen\",\"autre\"]");
    CHECK_HAS(sub_s, "\"vision\":[\"Oui.\",\"y\",\"z\"]");

    FORM("profil=citoyen&departement=76&priorites=&vision=x&consentement=on");
    CHECK(rc == CC_INVALID);
    NERR(1);
    HAS("priorites", "required");

    FORM("profil=citoyen&departement=76&priorites=emploi&priorites=tourisme"
         "&priorites=formation&priorites=cooperation&vision=x"
         "&consentement=on");
    HAS("priorites", "too_many");
    FORM(FBASE "&priorites=nope");
    HAS("priorites", "invalid_choice");

    /* "_" names are plumbing: ignored, but kept for redisplay */
    FORM(FBASE "&_idempotency_key=0190f0e4-aaaa&_autre=1");
    CHECK(rc == CC_VALID);
    CHECK_NOT_HAS(norm_s, "_idempotency_key");
    FORM(FBASE "&_idempotency_key=0190f0e4-aaaa&_autre=1&zz=1");
    CHECK(rc == CC_INVALID);
    NERR(1);
    CHECK_HAS(sub_s, "\"_idempotency_key\":\"0190f0e4-aaaa\"");

    FORM(FBASE "&zzz=1&zzz=2&structure=");
    CHECK(rc == CC_INVALID);
    NERR(1);
    HAS("zzz", "unknown_field");

    /* empty body: every required field */
    FORM("");
    CHECK(rc == CC_INVALID);
    NERR(5);
    HAS("profil", "required");
    HAS("departement", "required");
    HAS("priorites", "required");
    HAS("vision", "required");
    HAS("consentement", "required");
    CHECK_STR(sub_s, "{}");

    /* same rules as JSON: trimming, CRLF, case */
    FORM(FBASE "&attentes=+a%0D%0Ab+&email=+Nom%40Domaine.FR+"
         "&structure=fondation");
    CHECK(rc == CC_VALID);
    CHECK_STR(norm_s, "{\"profil\":\"citoyen\",\"structure\":\"fondation\","
              "\"departement\":\"76\",\"priorites\":[\"emploi\"],"
              "\"vision\":\"Oui.\",\"attentes\":\"a\\nb\","
              "\"email\":\"nom@domaine.fr\",\"consentement\":true}");
    FORM(FBASE "&attentes=a%01b");
    HAS("attentes", "invalid_characters");

    /* malformed bodies */
    FORM("profil=%");
    CHECK(rc == CC_MALFORMED);
    CHECK(sub == NULL);
    NERR(1);
    CHECK_STR(error(NULL, "invalid_encoding"),
              "Le formulaire contient un signe \xc2\xab" NB "%" NB "\xc2\xbb "
              "qui n'est pas suivi de deux chiffres hexad\xc3\xa9" "cimaux "
              "(par exemple %C3%A9).");
    FORM(FBASE "&vision=%4");
    HAS(NULL, "invalid_encoding");
    FORM(FBASE "&vision=%zz");
    HAS(NULL, "invalid_encoding");
    FORM(FBASE "&attentes=%FF");
    CHECK(rc == CC_MALFORMED);
    HAS(NULL, "invalid_encoding");
    FORM(FBASE "&attentes=%C0%AF");
    HAS(NULL, "invalid_encoding");
    FORM(FBASE "&attentes=%E9t%E9");
    HAS(NULL, "invalid_encoding");
    FORM(FBASE "&attentes=a%00b");
    CHECK(rc == CC_MALFORMED);
    CHECK_STR(error(NULL, "invalid_encoding"),
              "Le formulaire contient un caract\xc3\xa8re nul, qui n'est pas "
              "autoris\xc3\xa9.");
    FORMB("profil=a\0b", 10);
    HAS(NULL, "invalid_encoding");

    big = malloc(257 * 4 + 1);
    if (big) {
        big[0] = '\0';
        for (i = 0; i < 257; i++) {
            strcat(big, "a=1&");
        }
        FORM(big);
        CHECK(rc == CC_MALFORMED);
        HAS(NULL, "too_many_fields");
        free(big);
    }
}


static void
test_other_schema(void)
{
    char          err[256];
    cc_schema_t  *saved;
    const char   *s;

    /* bounds the real schema does not exercise */
    s = "{\"form\":\"t\",\"fields\":["
        "{\"name\":\"m\",\"type\":\"multiple\",\"label\":\"M\",\"min\":2,"
        "\"max\":3,\"options\":[{\"value\":\"a\",\"label\":\"A\"},"
        "{\"value\":\"b\",\"label\":\"B\"},{\"value\":\"c\",\"label\":\"C\"},"
        "{\"value\":\"d\",\"label\":\"D\"}]},"
        "{\"name\":\"e\",\"type\":\"multiple\",\"label\":\"E\",\"min\":2,"
        "\"max\":2,\"required\":true,\"options\":[{\"value\":\"a\","
        "\"label\":\"A\"},{\"value\":\"b\",\"label\":\"B\"}]},"
        "{\"name\":\"t\",\"type\":\"text\",\"label\":\"T\",\"max_length\":1},"
        "{\"name\":\"c\",\"type\":\"consent\",\"label\":\"C\"}]}";

    saved = schema;
    schema = cc_schema_load_buffer("t", s, strlen(s), err, sizeof(err));
    CHECK(schema != NULL);

    if (schema == NULL) {
        fprintf(stderr, "  %s\n", err);
        schema = saved;
        return;
    }

    JSON("{\"m\":[\"a\",\"a\"],\"e\":[\"a\",\"b\"]}");
    CHECK(rc == CC_INVALID);
    CHECK_STR(error("m", "too_few"),
              "Choisissez entre 2 et 3 r\xc3\xa9ponses (1 coch\xc3\xa9" "e).");

    JSON("{\"e\":[\"a\"]}");
    CHECK_STR(error("e", "too_few"),
              "Choisissez exactement 2 r\xc3\xa9ponses (1 coch\xc3\xa9" "e).");

    JSON("{\"e\":[\"a\",\"b\"],\"t\":\"\xc3\xa9\xc3\xa9\"}");
    CHECK_STR(error("t", "too_long"),
              "Votre texte d\xc3\xa9passe 1 caract\xc3\xa8re (2 saisis)" NB
              "; raccourcissez-le.");

    /* an optional consent may be absent, but not false */
    JSON("{\"e\":[\"b\",\"a\"],\"t\":\"x\"}");
    CHECK(rc == CC_VALID);
    CHECK_STR(norm_s, "{\"e\":[\"a\",\"b\"],\"t\":\"x\"}");
    JSON("{\"e\":[\"b\",\"a\"],\"c\":false}");
    HAS("c", "must_be_true");

    cc_schema_free(schema);
    schema = saved;
}


/* jansson allocations fail from the n-th on: every path must clean up */

static long  alloc_budget = -1;


static void *
failing_malloc(size_t size)
{
    if (alloc_budget == 0) {
        return NULL;
    }

    if (alloc_budget > 0) {
        alloc_budget--;
    }

    return malloc(size);
}


static void
test_nomem(void)
{
    int              consistent, saw_nomem, saw_done;
    long             n, k;
    char            *text;
    size_t           text_len;
    json_t          *o[3];
    cc_validation_e  r;

    static const char  *json_bodies[] = {
        "{\"profil\":\"citoyen\",\"departement\":\"76\","
        "\"priorites\":[\"emploi\",\"tourisme\"],\"vision\":\"a\","
        "\"email\":\"A@B.FR\",\"consentement\":true}",
        "{\"profil\":1,\"priorites\":[\"x\"],\"vision\":\"\\u0001\","
        "\"email\":\"a\",\"consentement\":false,\"zz\":[1,true]}",
        "{\"a\":1,\"a\":2}",
        "[1]"
    };

    static const char  *form_bodies[] = {
        "profil=citoyen&departement=76&priorites=emploi&priorites=tourisme"
        "&vision=a&consentement=on&_idempotency_key=k",
        "profil=a&profil=b&priorites=x&zz=1&zz=2&consentement=non",
        "a=%zz"
    };

    consistent = 1;
    saw_nomem = 0;
    saw_done = 0;

    json_set_alloc_funcs(failing_malloc, free);
    cc_malloc = failing_malloc;

    for (k = 0; k < 7; k++) {
        for (n = 0; n < 400; n++) {
            alloc_budget = n;
            o[0] = o[1] = o[2] = NULL;
            text = NULL;

            if (k < 4) {
                r = cc_validate_json(schema, json_bodies[k],
                                     strlen(json_bodies[k]), &text,
                                     &text_len, &o[1], &o[2]);
            } else {
                r = cc_validate_urlencoded(schema, form_bodies[k - 4],
                                           strlen(form_bodies[k - 4]),
                                           &text, &text_len, &o[1], &o[2]);
            }

            alloc_budget = -1;

            if (r == CC_NOMEM) {
                saw_nomem = 1;
                consistent &= text == NULL && o[1] == NULL && o[2] == NULL;

            } else {
                consistent &= (r == CC_VALID) == (text != NULL);
                consistent &= (r == CC_VALID) == (o[1] == NULL);
                consistent &= (r == CC_INVALID) == (o[2] != NULL);
            }

            free(text);
            json_decref(o[1]);
            json_decref(o[2]);

            if (r != CC_NOMEM) {
                saw_done++;
                break;
            }
        }
    }

    json_set_alloc_funcs(malloc, free);
    cc_malloc = malloc;

    CHECK(consistent);
    CHECK(saw_nomem);
    CHECK(saw_done == 7);           /* each body eventually had enough */
}


void
test_validate(void)
{
    char  err[256];

    schema = cc_schema_load_file(CC_TEST_SCHEMA, err, sizeof(err));
    CHECK(schema != NULL);

    if (schema == NULL) {
        fprintf(stderr, "  %s\n", err);
        return;
    }

    test_workload();
    test_json_fields();
    test_email();
    test_json_malformed();
    test_form();
    test_other_schema();

    reset();
    test_nomem();
    cc_schema_free(schema);
}
