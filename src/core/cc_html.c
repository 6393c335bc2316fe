/*
 * The French HTML answer pages, for browsers without JavaScript: they must
 * work alone, under a CSP without inline style or script, and be accessible
 * (error summary first, each error tied to its field).  The output depends
 * only on the arguments, so that tests can compare it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_http.h"
#include "cc_schema_int.h"
#include "cc_messages.h"

#define CC_SITE     "Concertation ESS Normandie"
#define CC_NDASH    "\xe2\x80\x93"
#define CC_FFFD     "\xef\xbf\xbd"

/*
 * The header and the footer of the pages of html/ (skip link, site name,
 * menu, personal data, accessibility status), so that a page made here
 * looks like the site and has the same landmarks; keep them in step.
 */
#define CC_PAGE_HEADER                                                        \
    "<a class=\"evitement\" href=\"#contenu\">Aller au contenu</a>\n"         \
    "<header class=\"entete\">\n<div class=\"conteneur\">\n"                  \
    "<p class=\"site\"><a href=\"/\">R\xc3\xa9gion Normandie "                \
    "<small>Concertation ESS 2022</small></a></p>\n"                          \
    "<nav aria-label=\"Menu principal\">\n<ul>\n"                             \
    "<li><a href=\"/\">Accueil</a></li>\n"                                    \
    "<li><a href=\"/questionnaire.html\">Questionnaire</a></li>\n"            \
    "<li><a href=\"/inscription.html\">Ateliers et inscriptions</a></li>\n"   \
    "</ul>\n</nav>\n</div>\n</header>\n"

#define CC_PAGE_FOOTER                                                        \
    "<footer class=\"pied\">\n<div class=\"conteneur\">\n<ul>\n"              \
    "<li><a href=\"/donnees-personnelles.html\">Donn\xc3\xa9" "es "            \
    "personnelles</a></li>\n"                                                 \
    "<li><a href=\"/accessibilite.html\">Accessibilit\xc3\xa9" CC_NBSP        \
    ": partiellement conforme</a></li>\n"                                     \
    "</ul>\n<p>\xc2\xa9 R\xc3\xa9gion Normandie</p>\n</div>\n</footer>\n"


/* a growing output buffer; one failed allocation poisons it */

typedef struct {
    char    *p;
    size_t   len;
    size_t   cap;
    int      failed;
} cc_buf_t;


static void
cc_buf_add(cc_buf_t *b, const char *s, size_t n)
{
    char    *p;
    size_t   cap;

    if (b->failed) {
        return;
    }

    if (b->cap - b->len <= n) {
        cap = b->cap ? b->cap : 4096;

        while (cap - b->len <= n) {
            cap *= 2;
        }

        p = realloc(b->p, cap);
        if (p == NULL) {
            b->failed = 1;
            return;
        }

        b->p = p;
        b->cap = cap;
    }

    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}


static void
cc_buf_str(cc_buf_t *b, const char *s)
{
    cc_buf_add(b, s, strlen(s));
}


static void
cc_buf_num(cc_buf_t *b, size_t n)
{
    char  num[32];

    snprintf(num, sizeof(num), "%zu", n);
    cc_buf_str(b, num);
}


/*
 * Text and attribute values alike; control characters, which HTML does not
 * allow even as character references, become U+FFFD.
 */

static void
cc_buf_esc(cc_buf_t *b, const char *s, size_t len)
{
    size_t               i, start;
    const char          *rep;
    const unsigned char *p;

    p = (const unsigned char *) s;
    start = 0;

    for (i = 0; i < len; i++) {

        switch (p[i]) {
        case '&':  rep = "&amp;";  break;
        case '<':  rep = "&lt;";   break;
        case '>':  rep = "&gt;";   break;
        case '"':  rep = "&quot;"; break;
        case '\'': rep = "&#39;";  break;
        case '\t': case '\n': case '\r':
            continue;
        default:
            if (p[i] < 0x20 || p[i] == 0x7F) {
                rep = CC_FFFD;
                break;
            }

            if (p[i] == 0xC2 && i + 1 < len && p[i + 1] >= 0x80
                && p[i + 1] <= 0x9F)
            {
                /* C1 controls, U+0080..U+009F */
                cc_buf_add(b, s + start, i - start);
                cc_buf_str(b, CC_FFFD);
                start = ++i + 1;
            }

            continue;
        }

        cc_buf_add(b, s + start, i - start);
        cc_buf_str(b, rep);
        start = i + 1;
    }

    cc_buf_add(b, s + start, len - start);
}


static void
cc_buf_escs(cc_buf_t *b, const char *s)
{
    cc_buf_esc(b, s, strlen(s));
}


static char *
cc_buf_done(cc_buf_t *b)
{
    if (b->failed || b->p == NULL) {
        free(b->p);
        return NULL;
    }

    return b->p;
}


char *
cc_html_escape(const char *s, size_t len)
{
    cc_buf_t  b = { NULL, 0, 0, 0 };

    cc_buf_add(&b, "", 0);
    cc_buf_esc(&b, s, len);

    return cc_buf_done(&b);
}


static void
cc_page_head(cc_buf_t *b, const char *title)
{
    cc_buf_str(b, "<!DOCTYPE html>\n"
               "<html lang=\"fr\">\n"
               "<head>\n"
               "<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" "
               "content=\"width=device-width, initial-scale=1\">\n"
               "<title>");
    cc_buf_escs(b, title);
    cc_buf_str(b, " " CC_NDASH " " CC_SITE "</title>\n"
               "<link rel=\"stylesheet\" href=\"/css/site.css\">\n"
               "</head>\n"
               "<body>\n"
               CC_PAGE_HEADER
               "<main id=\"contenu\">\n");
}


static void
cc_page_tail(cc_buf_t *b)
{
    cc_buf_str(b, "</main>\n" CC_PAGE_FOOTER "</body>\n</html>\n");
}


char *
cc_message_page_html(const char *title, const char *message)
{
    cc_buf_t  b = { NULL, 0, 0, 0 };

    title = title ? title : "";

    cc_page_head(&b, title);
    cc_buf_str(&b, "<h1>");
    cc_buf_escs(&b, title);
    cc_buf_str(&b, "</h1>\n<p>");
    cc_buf_escs(&b, message ? message : "");
    cc_buf_str(&b, "</p>\n");
    cc_page_tail(&b);

    return cc_buf_done(&b);
}


/* what was submitted for "name": its string, or the first of its list */

static const char *
cc_sub_first(json_t *submitted, const char *name)
{
    json_t  *v;

    v = json_object_get(submitted, name);

    if (json_is_array(v)) {
        v = json_array_get(v, 0);
    }

    return json_is_string(v) ? json_string_value(v) : NULL;
}


static int
cc_sub_has(json_t *submitted, const char *name, const char *value)
{
    size_t   i;
    json_t  *v, *item;

    v = json_object_get(submitted, name);

    if (json_is_string(v)) {
        return strcmp(json_string_value(v), value) == 0;
    }

    json_array_foreach(v, i, item) {
        if (json_is_string(item)
            && strcmp(json_string_value(item), value) == 0)
        {
            return 1;
        }
    }

    return 0;
}


static const char *
cc_error_field(json_t *e)
{
    json_t  *f;

    f = json_object_get(e, "field");

    return json_is_string(f) ? json_string_value(f) : NULL;
}


static const char *
cc_error_message(json_t *e)
{
    json_t  *m;

    m = json_object_get(e, "message");

    return json_is_string(m) ? json_string_value(m) : "";
}


/* the inline error(s) of a field; 1 when there was one */

static int
cc_field_errors(cc_buf_t *b, const cc_field_t *f, json_t *errors)
{
    int          n;
    size_t       i;
    json_t      *e;
    const char  *field;

    n = 0;

    json_array_foreach(errors, i, e) {
        field = cc_error_field(e);

        if (field == NULL || strcmp(field, f->name) != 0) {
            continue;
        }

        if (n++ == 0) {
            cc_buf_str(b, "<p class=\"erreur\" id=\"erreur-");
            cc_buf_str(b, f->name);
            cc_buf_str(b, "\">");

        } else {
            cc_buf_str(b, " ");
        }

        cc_buf_escs(b, cc_error_message(e));
    }

    if (n) {
        cc_buf_str(b, "</p>\n");
    }

    return n > 0;
}


static void
cc_field_label(cc_buf_t *b, const cc_field_t *f)
{
    cc_buf_escs(b, f->label);

    if (f->required) {
        cc_buf_str(b, " <span class=\"obligatoire\">(obligatoire)</span>");
    }
}


/* attributes shared by every control; names are [A-Za-z0-9_-] */

static void
cc_control_attrs(cc_buf_t *b, const cc_field_t *f, size_t idx, int invalid,
    int describe)
{
    cc_buf_str(b, " id=\"champ-");
    cc_buf_str(b, f->name);

    if (idx > 0) {
        cc_buf_str(b, "-");
        cc_buf_num(b, idx + 1);
    }

    cc_buf_str(b, "\" name=\"");
    cc_buf_str(b, f->name);
    cc_buf_str(b, "\"");

    if (invalid && describe) {
        cc_buf_str(b, " aria-describedby=\"erreur-");
        cc_buf_str(b, f->name);
        cc_buf_str(b, "\"");
    }

    if (invalid) {
        cc_buf_str(b, " aria-invalid=\"true\"");
    }
}


static int
cc_has_error(json_t *errors, const char *name)
{
    size_t       i;
    json_t      *e;
    const char  *field;

    json_array_foreach(errors, i, e) {
        field = cc_error_field(e);

        if (field != NULL && strcmp(field, name) == 0) {
            return 1;
        }
    }

    return 0;
}


/* radios or checkboxes in a fieldset, the error described on the group */

static void
cc_field_group(cc_buf_t *b, const cc_field_t *f, json_t *errors,
    json_t *submitted)
{
    int     invalid;
    size_t  i;

    invalid = cc_has_error(errors, f->name);

    cc_buf_str(b, invalid ? "<fieldset class=\"champ champ-erreur\""
                            " aria-describedby=\"erreur-"
                          : "<fieldset class=\"champ");

    if (invalid) {
        cc_buf_str(b, f->name);
    }

    cc_buf_str(b, "\">\n<legend>");
    cc_field_label(b, f);
    cc_buf_str(b, "</legend>\n");
    cc_field_errors(b, f, errors);

    for (i = 0; i < f->noptions; i++) {
        cc_buf_str(b, f->type == CC_FIELD_CHOICE
                      ? "<div class=\"option\"><input type=\"radio\""
                      : "<div class=\"option\"><input type=\"checkbox\"");
        cc_control_attrs(b, f, i, invalid, 0);
        cc_buf_str(b, " value=\"");
        cc_buf_escs(b, f->options[i].value);
        cc_buf_str(b, "\"");

        if (f->type == CC_FIELD_CHOICE && f->required) {
            cc_buf_str(b, " required");
        }

        if (cc_sub_has(submitted, f->name, f->options[i].value)) {
            cc_buf_str(b, " checked");
        }

        cc_buf_str(b, "><label for=\"champ-");
        cc_buf_str(b, f->name);

        if (i > 0) {
            cc_buf_str(b, "-");
            cc_buf_num(b, i + 1);
        }

        cc_buf_str(b, "\">");
        cc_buf_escs(b, f->options[i].label);
        cc_buf_str(b, "</label></div>\n");
    }

    cc_buf_str(b, "</fieldset>\n");
}


static void
cc_field_single(cc_buf_t *b, const cc_field_t *f, json_t *errors,
    json_t *submitted)
{
    int          invalid;
    const char  *value;

    invalid = cc_has_error(errors, f->name);
    value = cc_sub_first(submitted, f->name);

    cc_buf_str(b, invalid ? "<div class=\"champ champ-erreur\">\n"
                          : "<div class=\"champ\">\n");

    if (f->type == CC_FIELD_CONSENT) {
        cc_field_errors(b, f, errors);
        cc_buf_str(b, "<input type=\"checkbox\"");
        cc_control_attrs(b, f, 0, invalid, 1);
        cc_buf_str(b, " value=\"oui\"");

        if (f->required) {
            cc_buf_str(b, " required");
        }

        if (value && cc_consent_accepted(value, strlen(value))) {
            cc_buf_str(b, " checked");
        }

        cc_buf_str(b, "><label for=\"champ-");
        cc_buf_str(b, f->name);
        cc_buf_str(b, "\">");
        cc_field_label(b, f);
        cc_buf_str(b, "</label>\n</div>\n");
        return;
    }

    cc_buf_str(b, "<label for=\"champ-");
    cc_buf_str(b, f->name);
    cc_buf_str(b, "\">");
    cc_field_label(b, f);
    cc_buf_str(b, "</label>\n");
    cc_field_errors(b, f, errors);

    if (f->type == CC_FIELD_TEXT) {
        cc_buf_str(b, "<textarea");
        cc_control_attrs(b, f, 0, invalid, 1);
        cc_buf_str(b, " rows=\"8\" maxlength=\"");
        cc_buf_num(b, f->max_length);
        cc_buf_str(b, f->required ? "\" required>" : "\">");

        /* the parser drops one newline right after <textarea> */
        cc_buf_str(b, "\n");
        cc_buf_escs(b, value ? value : "");
        cc_buf_str(b, "</textarea>\n</div>\n");
        return;
    }

    cc_buf_str(b, "<input type=\"email\"");
    cc_control_attrs(b, f, 0, invalid, 1);
    cc_buf_str(b, " autocomplete=\"email\" maxlength=\"254\"");

    if (f->required) {
        cc_buf_str(b, " required");
    }

    if (value) {
        cc_buf_str(b, " value=\"");
        cc_buf_escs(b, value);
        cc_buf_str(b, "\"");
    }

    cc_buf_str(b, ">\n</div>\n");
}


static void
cc_error_summary(cc_buf_t *b, const cc_schema_t *schema, json_t *errors)
{
    size_t       i, n;
    json_t      *e;
    const char  *field, *label;

    n = json_array_size(errors);

    cc_buf_str(b, "<div class=\"resume-erreurs\" role=\"alert\" "
               "aria-labelledby=\"resume-erreurs-titre\">\n"
               "<h2 id=\"resume-erreurs-titre\">"
               CC_PAGE_NOT_RECORDED CC_NBSP ": ");
    cc_buf_num(b, n);
    cc_buf_str(b, n > 1 ? " " CC_PAGE_ERRORS "</h2>\n<ul>\n"
                        : " " CC_PAGE_ERROR "</h2>\n<ul>\n");

    json_array_foreach(errors, i, e) {
        field = cc_error_field(e);
        label = field ? cc_schema_label_of(schema, field) : NULL;

        if (label == NULL) {
            /* whole-body or unknown-field error: nothing to link to */
            cc_buf_str(b, "<li>");
            cc_buf_escs(b, cc_error_message(e));
            cc_buf_str(b, "</li>\n");
            continue;
        }

        cc_buf_str(b, "<li><a href=\"#champ-");
        cc_buf_str(b, field);
        cc_buf_str(b, "\">");
        cc_buf_escs(b, label);
        cc_buf_str(b, CC_NBSP ": ");
        cc_buf_escs(b, cc_error_message(e));
        cc_buf_str(b, "</a></li>\n");
    }

    cc_buf_str(b, "</ul>\n</div>\n");
}


char *
cc_errors_page_html(const cc_schema_t *schema, json_t *errors,
    json_t *submitted, const char *action)
{
    return cc_errors_page_html_ex(schema, errors, submitted, action, NULL);
}


/*
 * The honeypot as on the questionnaire page: out of sight, out of the tab
 * order and of autofill, and labelled for whoever reaches it anyway.
 */

static void
cc_plumbing(cc_buf_t *b, const cc_page_plumbing_t *pl)
{
    if (pl == NULL) {
        return;
    }

    if (pl->token_name && pl->token) {
        cc_buf_str(b, "<input type=\"hidden\" name=\"");
        cc_buf_escs(b, pl->token_name);
        cc_buf_str(b, "\" value=\"");
        cc_buf_escs(b, pl->token);
        cc_buf_str(b, "\">\n");
    }

    if (pl->honeypot) {
        cc_buf_str(b, "<div class=\"pot\" aria-hidden=\"true\">"
                   "<label for=\"champ-pot\">" CC_PAGE_HONEYPOT "</label>"
                   "<input type=\"text\" id=\"champ-pot\" name=\"");
        cc_buf_escs(b, pl->honeypot);
        cc_buf_str(b, "\" value=\"\" tabindex=\"-1\" autocomplete=\"off\">"
                   "</div>\n");
    }
}


char *
cc_errors_page_html_ex(const cc_schema_t *schema, json_t *errors,
    json_t *submitted, const char *action, const cc_page_plumbing_t *pl)
{
    size_t             i;
    cc_buf_t           b = { NULL, 0, 0, 0 };
    const char        *key;
    const cc_field_t  *f;

    if (!json_is_array(errors)) {
        errors = NULL;
    }

    if (!json_is_object(submitted)) {
        submitted = NULL;
    }

    cc_page_head(&b, "Erreur dans le formulaire");
    cc_buf_str(&b, "<h1>");
    cc_buf_escs(&b, schema->title[0] ? schema->title : "Questionnaire");
    cc_buf_str(&b, "</h1>\n");

    cc_error_summary(&b, schema, errors);

    cc_buf_str(&b, "<form method=\"post\"");

    if (action) {
        cc_buf_str(&b, " action=\"");
        cc_buf_escs(&b, action);
        cc_buf_str(&b, "\"");
    }

    cc_buf_str(&b, " accept-charset=\"utf-8\">\n");

    /* a retry of the same answer must keep its idempotency key */

    key = cc_sub_first(submitted, "_idempotency_key");

    if (key) {
        cc_buf_str(&b, "<input type=\"hidden\" name=\"_idempotency_key\" "
                   "value=\"");
        cc_buf_escs(&b, key);
        cc_buf_str(&b, "\">\n");
    }

    cc_plumbing(&b, pl);

    for (i = 0; i < schema->nfields; i++) {
        f = &schema->fields[i];

        if (f->type == CC_FIELD_CHOICE || f->type == CC_FIELD_MULTIPLE) {
            cc_field_group(&b, f, errors, submitted);

        } else {
            cc_field_single(&b, f, errors, submitted);
        }
    }

    cc_buf_str(&b, "<button type=\"submit\">" CC_PAGE_SUBMIT "</button>\n"
               "</form>\n");
    cc_page_tail(&b);

    return cc_buf_done(&b);
}
