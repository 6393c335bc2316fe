#include <stdlib.h>

#include "cc_test.h"
#include "cc_http.h"

#define NB  "\xc2\xa0"
#define CT(s)  cc_content_type(s, strlen(s))
#define AH(s)  cc_accept_prefers_html(s, strlen(s))


static void
test_content_type(void)
{
    CHECK(CT("application/json") == CC_BODY_JSON);
    CHECK(CT("Application/JSON") == CC_BODY_JSON);
    CHECK(CT("application/json; charset=utf-8") == CC_BODY_JSON);
    CHECK(CT("application/json;charset=UTF-8") == CC_BODY_JSON);
    CHECK(CT("  application/json ;  charset = \"utf-8\" ") == CC_BODY_JSON);
    CHECK(CT("application/json; foo=bar") == CC_BODY_JSON);
    CHECK(CT("application/json;") == CC_BODY_JSON);
    CHECK(CT("application/x-www-form-urlencoded") == CC_BODY_URLENCODED);
    CHECK(CT("application/x-www-form-urlencoded;charset=UTF-8")
          == CC_BODY_URLENCODED);
    CHECK(CT("APPLICATION/X-WWW-FORM-URLENCODED") == CC_BODY_URLENCODED);

    CHECK(CT("application/json; charset=iso-8859-1") == CC_BODY_UNSUPPORTED);
    CHECK(CT("application/x-www-form-urlencoded; charset=windows-1252")
          == CC_BODY_UNSUPPORTED);
    CHECK(CT("multipart/form-data; boundary=x") == CC_BODY_UNSUPPORTED);
    CHECK(CT("text/plain") == CC_BODY_UNSUPPORTED);
    CHECK(CT("application/jsonx") == CC_BODY_UNSUPPORTED);
    CHECK(CT("application/json-seq") == CC_BODY_UNSUPPORTED);
    CHECK(CT("application") == CC_BODY_UNSUPPORTED);
    CHECK(CT("") == CC_BODY_UNSUPPORTED);
    CHECK(cc_content_type(NULL, 0) == CC_BODY_UNSUPPORTED);

    /* only len bytes count */
    CHECK(cc_content_type("application/jsonXYZ", 16) == CC_BODY_JSON);
}


static void
test_accept(void)
{
    CHECK(AH("text/html,application/xhtml+xml,application/xml;q=0.9,"
             "*/*;q=0.8"));
    CHECK(AH("text/html,application/xhtml+xml,application/xml;q=0.9,"
             "image/avif,image/webp,*/*;q=0.8"));
    CHECK(AH("TEXT/HTML"));
    CHECK(AH(" text/html ; q=1 , application/json ; q=0.5 "));
    CHECK(AH("text/*"));
    CHECK(AH("text/html, */*"));
    CHECK(AH("text/html, application/json"));
    CHECK(AH("application/json;q=0.4, text/html;q=0.5"));

    CHECK(!AH(""));
    CHECK(!cc_accept_prefers_html(NULL, 0));
    CHECK(!AH("*/*"));
    CHECK(!AH("application/json"));
    CHECK(!AH("application/json, text/plain, */*"));
    CHECK(!AH("application/json, text/html"));
    CHECK(!AH("text/html;q=0.5, application/json"));
    CHECK(!AH("text/html;q=0"));
    CHECK(!AH("text/html;q=0, */*"));
    CHECK(!AH("text/*;q=0.5, application/*"));
    CHECK(!AH("text/plain"));
    CHECK(!AH("application/xhtml+xml"));
    CHECK(!AH(",,,;;;"));
    CHECK(!AH("text/html;q=abc, application/json;q=0.1"));

    /* the most specific range decides, not the highest q */
    CHECK(!AH("text/html;q=0.1, */*;q=1"));
    CHECK(AH("application/json;q=0.1, */*"));

    /* the status page: JSON against the text format */
#define AJ(s)  cc_accept_prefers(s, strlen(s), "application/json", "text/plain")
    CHECK(AJ("application/json"));
    CHECK(AJ("application/json;q=0.9, text/plain;q=0.5"));
    CHECK(AJ("application/json, text/plain"));
    CHECK(!AJ("text/plain, application/json"));
    CHECK(!AJ("application/json;q=0.1, text/plain"));
    CHECK(!AJ("application/json;q=0"));
    CHECK(!AJ("*/*"));
    CHECK(!AJ(""));
    /* Prometheus 2.42's own */
    CHECK(!AJ("application/openmetrics-text;version=1.0.0,"
              "application/openmetrics-text;version=0.0.1;q=0.75,"
              "text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
    /* a browser's: text/html named, any other type for the rest */
    CHECK(!AJ("text/html,application/xhtml+xml,application/xml;q=0.9,"
              "*/*;q=0.8"));
#undef AJ
}


static void
test_json_bodies(void)
{
    char    *s;
    json_t  *errors;

    s = cc_error_body_json(NULL, "invalid_json",
                           "Le corps n'est pas valide \xc2\xab" NB "x"
                           NB "\xc2\xbb.");
    CHECK_STR(s, "{\"errors\":[{\"field\":null,\"code\":\"invalid_json\","
              "\"message\":\"Le corps n'est pas valide \xc2\xab" NB "x"
              NB "\xc2\xbb.\"}]}");
    free(s);

    s = cc_error_body_json("vision", "too_long", "Trop \"long\" / </script>");
    CHECK_STR(s, "{\"errors\":[{\"field\":\"vision\",\"code\":\"too_long\","
              "\"message\":\"Trop \\\"long\\\" / </script>\"}]}");
    free(s);

    errors = json_pack("[{s:s,s:s,s:s},{s:n,s:s,s:s}]",
                       "field", "profil", "code", "required",
                       "message", "Ce champ est obligatoire.",
                       "field", "code", "invalid_encoding",
                       "message", "UTF-8 \xc3\xa9");
    CHECK(errors != NULL);
    s = cc_errors_body_json(errors);
    CHECK_STR(s, "{\"errors\":[{\"field\":\"profil\",\"code\":\"required\","
              "\"message\":\"Ce champ est obligatoire.\"},{\"field\":null,"
              "\"code\":\"invalid_encoding\","
              "\"message\":\"UTF-8 \xc3\xa9\"}]}");
    free(s);
    CHECK(errors->refcount == 1);               /* not leaked, not stolen */
    json_decref(errors);

    s = cc_errors_body_json(NULL);
    CHECK_STR(s, "{\"errors\":[]}");
    free(s);
}


static void
test_escape(void)
{
    char  *s;

    s = cc_html_escape("<a href=\"x\">l'&amp;</a>", 23);
    CHECK_STR(s, "&lt;a href=&quot;x&quot;&gt;l&#39;&amp;amp;&lt;/a&gt;");
    free(s);

    s = cc_html_escape("", 0);
    CHECK_STR(s, "");
    free(s);

    s = cc_html_escape("d\xc3\xa9j\xc3\xa0\t\r\n", 9);
    CHECK_STR(s, "d\xc3\xa9j\xc3\xa0\t\r\n");
    free(s);

    s = cc_html_escape("a\x01" "b\x7f" "c\xc2\x85" "d\0e", 10);
    CHECK_STR(s, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd" "d"
              "\xef\xbf\xbd" "e");
    free(s);

    s = cc_html_escape("<<x", 2);
    CHECK_STR(s, "&lt;&lt;");
    free(s);
}


/* the HTML is well nested: a crude check that tags open and close */

static int
count(const char *hay, const char *needle)
{
    int  n;

    for (n = 0; (hay = strstr(hay, needle)) != NULL; hay++) {
        n++;
    }

    return n;
}


static void
test_pages(void)
{
    char            err[256], *page;
    char           *norm;
    size_t          norm_len;
    json_t         *errors, *sub;
    cc_shell_t      shell;
    cc_schema_t    *schema;
    cc_form_page_t  fp;
    cc_validation_e rc;
    const char     *body;

    schema = cc_schema_load_file(CC_TEST_SCHEMA, err, sizeof(err));
    CHECK(schema != NULL);
    if (schema == NULL) {
        return;
    }

    /* the site's fragments, as the module reads them */
    CHECK(cc_shell_load(&shell, "../../html/inc", err, sizeof(err)) == 0);
    CHECK_HAS(shell.header, "<nav aria-label=\"Menu principal\">");
    cc_shell_free(&shell);
    CHECK(cc_shell_load(&shell, "/nonexistent", err, sizeof(err)) == -1);
    CHECK_HAS(err, "/nonexistent/tete.html: cannot open");
    CHECK(cc_shell_load(&shell, "../../html/inc", err, sizeof(err)) == 0);

    body = "profil=autre&departement=76&priorites=emploi&priorites=nope"
           "&vision=%3Cscript%3Ealert(1)%3C%2Fscript%3E+%22l%27%C3%A9t%C3%A9%22"
           "&email=x%22+onfocus%3D%22alert(1)&consentement=oui"
           "&_idempotency_key=k%22%3E&%3Cb%3E=1";
    rc = cc_validate_urlencoded(schema, body, strlen(body), &norm, &norm_len,
                                &errors, &sub);
    CHECK(rc == CC_INVALID);

    memset(&fp, 0, sizeof(fp));
    fp.action = "/questionnaire?a=1&b=2";
    fp.current = "/questionnaire.html";
    page = cc_form_page_html(schema, &shell, errors, sub, &fp);
    CHECK(page != NULL);

    CHECK(strncmp(page, "<!DOCTYPE html>\n<html lang=\"fr\">\n", 33) == 0);
    CHECK_HAS(page, "<meta charset=\"utf-8\">");
    CHECK_HAS(page, "<meta name=\"viewport\" content=\"width=device-width, "
              "initial-scale=1\">");
    CHECK_HAS(page, "<title>Erreur dans le formulaire \xe2\x80\x94 "
              "Concertation ESS \xe2\x80\x94 R\xc3\xa9gion Normandie</title>");
    /* the shell's menu, the page's own link marked */
    CHECK_HAS(page, "<li><a href=\"/questionnaire.html\" "
              "aria-current=\"page\">Questionnaire</a></li>");
    CHECK_HAS(page, "<script src=\"/js/formulaire.js\" defer></script>");
    CHECK_HAS(page, "<link rel=\"stylesheet\" href=\"/css/site.css\">");
    CHECK_HAS(page, "<h1>Questionnaire de la concertation sur la "
              "strat\xc3\xa9gie r\xc3\xa9gionale de l&#39;ESS 2022-2028</h1>");
    /* one script, the site's, from the shell: nothing inline */
    CHECK(count(page, "<script") == 1);
    CHECK_NOT_HAS(page, "<script>");
    CHECK_NOT_HAS(page, "style=");
    CHECK_NOT_HAS(page, "onfocus=\"");
    CHECK_NOT_HAS(page, "<b>");

    /* summary first, with links to the fields */
    CHECK_HAS(page, "role=\"alert\"");
    CHECK_HAS(page, "Votre r\xc3\xa9ponse n'a pas \xc3\xa9t\xc3\xa9 "
              "enregistr\xc3\xa9" "e" NB ": 3 erreurs \xc3\xa0 corriger</h2>");
    CHECK_HAS(page, "<li><a href=\"#champ-priorites\">Vos priorit\xc3\xa9s "
              "pour l&#39;ESS en Normandie (de 1 \xc3\xa0 3)" NB ": La "
              "r\xc3\xa9ponse \xc2\xab" NB "nope" NB "\xc2\xbb ne fait pas "
              "partie des r\xc3\xa9ponses propos\xc3\xa9" "es.</a></li>");
    CHECK_HAS(page, "<li><a href=\"#champ-email\">");
    CHECK_HAS(page, "<li>Le champ \xc2\xab" NB "&lt;b&gt;" NB "\xc2\xbb "
              "n&#39;existe pas dans ce formulaire.</li>");
    CHECK(strstr(page, "role=\"alert\"") < strstr(page, "<form"));

    /* the form, posting again, with what was submitted */
    CHECK_HAS(page, "<form id=\"questionnaire\" method=\"post\" "
              "action=\"/questionnaire?a=1&amp;b=2\" data-formulaire "
              "accept-charset=\"utf-8\">");
    CHECK_HAS(page, "<input type=\"hidden\" name=\"_idempotency_key\" "
              "value=\"k&quot;&gt;\">");
    CHECK_HAS(page, "<input type=\"radio\" id=\"champ-profil\" "
              "name=\"profil\" value=\"acteur_ess\" required>");
    CHECK_HAS(page, "<input type=\"radio\" id=\"champ-profil-6\" "
              "name=\"profil\" value=\"autre\" required checked>"
              "<label for=\"champ-profil-6\">Autre</label>");
    CHECK_HAS(page, "<fieldset class=\"champ champ-erreur\" "
              "id=\"q-priorites\" data-nom=\"priorites\" data-requis=\"Ce "
              "champ est obligatoire" NB ": choisissez entre 1 et 3 "
              "r\xc3\xa9ponses.\" aria-describedby=\"erreur-priorites\">\n"
              "<legend>");
    CHECK_HAS(page, "<p class=\"erreur\" id=\"erreur-priorites\">");
    CHECK_HAS(page, "<input type=\"checkbox\" id=\"champ-priorites-6\" "
              "name=\"priorites\" aria-invalid=\"true\" value=\"emploi\" "
              "checked>");
    CHECK_HAS(page, "<textarea id=\"champ-vision\" name=\"vision\" "
              "rows=\"8\" maxlength=\"5000\" required>\n"
              "&lt;script&gt;alert(1)&lt;/script&gt; &quot;l&#39;"
              "\xc3\xa9t\xc3\xa9&quot;</textarea>");
    CHECK_HAS(page, "<input type=\"email\" id=\"champ-email\" name=\"email\" "
              "aria-describedby=\"erreur-email\" aria-invalid=\"true\" "
              "autocomplete=\"email\" maxlength=\"254\" "
              "value=\"x&quot; onfocus=&quot;alert(1)\">");
    CHECK_HAS(page, "<input type=\"checkbox\" id=\"champ-consentement\" "
              "name=\"consentement\" value=\"oui\" required checked>");
    CHECK_HAS(page, "<button type=\"submit\" class=\"bouton\">Envoyer ma "
              "r\xc3\xa9ponse</button>");
    CHECK_NOT_HAS(page, "_brouillon");
    CHECK_HAS(page, "(obligatoire)");
    CHECK(count(page, "<fieldset") == 4 && count(page, "</fieldset>") == 4);
    CHECK(count(page, "<div") == count(page, "</div>"));
    CHECK(count(page, "<p") == count(page, "</p>"));
    CHECK(count(page, "aria-invalid=\"true\"") == 6 + 1);
    /* the summary's, plus 3 in the menu and 2 in the footer */
    CHECK(count(page, "<li>") == 3 + 5 && count(page, "<li><a") == 2 + 5);
    CHECK(strlen(page) > 0 && page[strlen(page) - 1] == '\n');
    CHECK_HAS(page, "</form>\n</main>\n<footer class=\"pied\">");
    CHECK_HAS(page, "<a class=\"evitement\" href=\"#contenu\">");
    CHECK_HAS(page, "</footer>\n</body>\n</html>\n");

    /* deterministic */
    {
        char *again = cc_form_page_html(schema, &shell, errors, sub, &fp);
        CHECK_STR(again, page);
        free(again);
    }

    free(page);
    json_decref(errors);
    json_decref(sub);

    /* a whole-body error, nothing submitted, no action */
    errors = json_pack("[{s:n,s:s,s:s}]", "field", "code", "invalid_encoding",
                       "message", "Encodage <invalide>.");
    page = cc_errors_page_html(schema, errors, NULL, NULL);
    CHECK_HAS(page, "<li>Encodage &lt;invalide&gt;.</li>");
    CHECK_HAS(page, ": 1 erreur \xc3\xa0 corriger</h2>");
    CHECK_HAS(page, "<form id=\"questionnaire\" method=\"post\" "
              "data-formulaire accept-charset=\"utf-8\">");
    CHECK_NOT_HAS(page, "aria-invalid");
    CHECK_NOT_HAS(page, "checked");
    CHECK_NOT_HAS(page, "_idempotency_key");
    free(page);
    json_decref(errors);

    /* a JSON submission redisplayed: "true" ticks the consent box */
    body = "{\"consentement\":true,\"vision\":\"\\n\\nx\",\"profil\":1}";
    rc = cc_validate_json(schema, body, strlen(body), &norm, &norm_len,
                          &errors, &sub);
    CHECK(rc == CC_INVALID);
    page = cc_errors_page_html(schema, errors, sub, "/q");
    CHECK_HAS(page, "value=\"oui\" required checked>");
    CHECK_HAS(page, "required>\n\n\nx</textarea>");
    CHECK_HAS(page, "<input type=\"radio\" id=\"champ-profil\" "
              "name=\"profil\" aria-invalid=\"true\" value=\"acteur_ess\" "
              "required>");
    free(page);
    json_decref(errors);
    json_decref(sub);

    page = cc_message_page_html_ex(&shell, "Questionnaire clos",
                                   "La concertation est close depuis le "
                                   "30 juin <2022> & merci.");
    CHECK(page != NULL);
    CHECK(strncmp(page, "<!DOCTYPE html>\n<html lang=\"fr\">\n", 33) == 0);
    CHECK_HAS(page, "<title>Questionnaire clos \xe2\x80\x94 Concertation ESS "
              "\xe2\x80\x94 R\xc3\xa9gion Normandie</title>");
    CHECK_HAS(page, "<footer class=\"pied\">");
    CHECK_NOT_HAS(page, "aria-current");
    CHECK_HAS(page, "<h1>Questionnaire clos</h1>\n<p>La concertation est "
              "close depuis le 30 juin &lt;2022&gt; &amp; merci.</p>\n");
    CHECK_HAS(page, "<link rel=\"stylesheet\" href=\"/css/site.css\">");
    CHECK_NOT_HAS(page, "style=");
    free(page);

    /* without fragments: a plain page, complete all the same */
    page = cc_message_page_html("Titre", "Texte.");
    CHECK_HAS(page, "<meta name=\"viewport\"");
    CHECK_HAS(page, "<body>\n<main id=\"contenu\">\n<h1>Titre</h1>");
    CHECK_HAS(page, "</main>\n</body>\n</html>\n");
    free(page);

    /* the form alone, for a page that includes it */
    fp.fragment = 1;
    fp.key = "k1";
    fp.drafts = 1;
    page = cc_form_page_html(schema, &shell, NULL, NULL, &fp);
    CHECK(page != NULL && strncmp(page, "<p class=\"encadre\">", 19) == 0);
    CHECK_NOT_HAS(page, "<h1>");
    CHECK_HAS(page, "<input type=\"hidden\" name=\"_idempotency_key\" "
              "value=\"k1\">");
    CHECK_HAS(page, "name=\"_brouillon\" value=\"1\" formnovalidate>"
              "Enregistrer et reprendre plus tard</button>");
    CHECK(strlen(page) > 7 && strcmp(page + strlen(page) - 8, "</form>\n")
                              == 0);
    free(page);

    cc_shell_free(&shell);
    cc_schema_free(schema);
}


void
test_http(void)
{
    test_content_type();
    test_accept();
    test_json_bodies();
    test_escape();
    test_pages();
}
