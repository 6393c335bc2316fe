/*
 * The French HTML answer pages, for browsers without JavaScript: they must
 * work alone, under a CSP without inline style or script, and be accessible
 * (error summary first, each error tied to its field).  The output depends
 * only on the arguments, so that tests can compare it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_html_int.h"

#define CC_FFFD     "\xef\xbf\xbd"


void
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


void
cc_buf_str(cc_buf_t *b, const char *s)
{
    cc_buf_add(b, s, strlen(s));
}


void
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

void
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


void
cc_buf_escs(cc_buf_t *b, const char *s)
{
    cc_buf_esc(b, s, strlen(s));
}


char *
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


/* what was submitted for "name": its string, or the first of its list */

const char *
cc_sub_first(json_t *submitted, const char *name)
{
    json_t  *v;

    v = json_object_get(submitted, name);

    if (json_is_array(v)) {
        v = json_array_get(v, 0);
    }

    return json_is_string(v) ? json_string_value(v) : NULL;
}


int
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


const char *
cc_error_field(json_t *e)
{
    json_t  *f;

    f = json_object_get(e, "field");

    return json_is_string(f) ? json_string_value(f) : NULL;
}


const char *
cc_error_message(json_t *e)
{
    json_t  *m;

    m = json_object_get(e, "message");

    return json_is_string(m) ? json_string_value(m) : "";
}


int
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


static void
cc_error_summary(cc_buf_t *b, const cc_schema_t *schema, json_t *errors,
    int registration)
{
    int          found;
    size_t       i, n;
    json_t      *e;
    const char  *field;

    n = json_array_size(errors);

    cc_buf_str(b, "<div class=\"resume-erreurs\" role=\"alert\" "
               "aria-labelledby=\"resume-erreurs-titre\">\n"
               "<h2 id=\"resume-erreurs-titre\">");
    cc_buf_str(b, registration ? CC_PAGE_REG_NOT_RECORDED
                               : CC_PAGE_NOT_RECORDED);
    cc_buf_str(b, CC_NBSP ": ");
    cc_buf_num(b, n);
    cc_buf_str(b, n > 1 ? " " CC_PAGE_ERRORS "</h2>\n<ul>\n"
                        : " " CC_PAGE_ERROR "</h2>\n<ul>\n");

    json_array_foreach(errors, i, e) {
        field = cc_error_field(e);

        if (field == NULL || cc_schema_slot(schema, field, strlen(field))
                             == NULL)
        {
            /* whole-body or unknown-field error: nothing to link to */
            cc_buf_str(b, "<li>");
            cc_buf_escs(b, cc_error_message(e));
            cc_buf_str(b, "</li>\n");
            continue;
        }

        cc_buf_str(b, "<li><a href=\"#champ-");
        cc_buf_escs(b, field);
        cc_buf_str(b, "\">");
        cc_form_error_label(b, schema, field, &found);
        cc_buf_str(b, CC_NBSP ": ");
        cc_buf_escs(b, cc_error_message(e));
        cc_buf_str(b, "</a></li>\n");
    }

    cc_buf_str(b, "</ul>\n</div>\n");
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


static void
cc_hidden(cc_buf_t *b, const char *name, const char *value)
{
    cc_buf_str(b, "<input type=\"hidden\" name=\"");
    cc_buf_escs(b, name);
    cc_buf_str(b, "\" value=\"");
    cc_buf_escs(b, value);
    cc_buf_str(b, "\">\n");
}


char *
cc_form_page_html(const cc_schema_t *schema, const cc_shell_t *shell,
    json_t *errors, json_t *submitted, const cc_form_page_t *fp)
{
    cc_buf_t     b = { NULL, 0, 0, 0 };
    const char  *key, *title;

    if (!json_is_array(errors) || json_array_size(errors) == 0) {
        errors = NULL;
    }

    if (!json_is_object(submitted)) {
        submitted = NULL;
    }

    title = schema->title[0] ? schema->title : "Questionnaire";

    if (!fp->fragment) {
        cc_page_head(&b, shell, errors ? CC_PAGE_FORM_ERROR_TITLE : title,
                     fp->current);
        cc_buf_str(&b, "<h1>");
        cc_buf_escs(&b, title);
        cc_buf_str(&b, "</h1>\n");

    } else {
        cc_buf_add(&b, "", 0);
    }

    if (errors) {
        cc_error_summary(&b, schema, errors, fp->native);

    } else if (schema->intro[0] && !fp->fragment) {
        cc_buf_str(&b, "<p class=\"intro\">");
        cc_buf_escs(&b, schema->intro);
        cc_buf_str(&b, "</p>\n");
    }

    if (fp->notice) {
        cc_buf_str(&b, "<p class=\"encadre\" role=\"status\">");
        cc_buf_escs(&b, fp->notice);
        cc_buf_str(&b, "</p>\n");
    }

    if (fp->draft) {
        cc_buf_str(&b, "<div class=\"encadre brouillon\" role=\"status\">"
                   "<p>" CC_PAGE_DRAFT_SAVED "</p>\n<p><a href=\"");
        cc_buf_escs(&b, fp->draft);
        cc_buf_str(&b, "\" id=\"lien-reprise\">");
        cc_buf_escs(&b, fp->draft);
        cc_buf_str(&b, "</a></p>\n<p>" CC_PAGE_DRAFT_KEEP "</p>\n</div>\n");
    }

    if (fp->before) {
        cc_buf_str(&b, fp->before);
    }

    cc_buf_str(&b, "<p class=\"encadre\">" CC_PAGE_REQUIRED_NOTE "</p>\n"
               "<form id=\"");
    cc_buf_escs(&b, schema->form);
    cc_buf_str(&b, "\" method=\"post\"");

    if (fp->action) {
        cc_buf_str(&b, " action=\"");
        cc_buf_escs(&b, fp->action);
        cc_buf_str(&b, "\"");
    }

    cc_buf_str(&b, fp->native ? " data-formulaire data-envoi-natif"
                              : " data-formulaire");

    if (fp->thanks) {
        cc_buf_str(&b, " data-merci=\"");
        cc_buf_escs(&b, fp->thanks);
        cc_buf_str(&b, "\"");
    }

    cc_buf_str(&b, " accept-charset=\"utf-8\">\n");

    /* a retry of the same answer must keep its idempotency key */

    key = cc_sub_first(submitted, "_idempotency_key");
    key = key ? key : fp->key;

    if (key) {
        cc_hidden(&b, "_idempotency_key", key);
    }

    /* the draft this answer comes from, deleted once the answer is in */

    key = cc_sub_first(submitted, "_reprise");
    key = key ? key : fp->resume;

    if (key) {
        cc_hidden(&b, "_reprise", key);
    }

    cc_plumbing(&b, fp->pl);

    if (fp->fields && errors == NULL && submitted == NULL) {
        cc_buf_str(&b, fp->fields);

    } else {
        cc_form_fields(&b, schema, errors, submitted);
    }

    cc_buf_str(&b, "<p class=\"envoi\"><button type=\"submit\" "
               "class=\"bouton\">" CC_PAGE_SUBMIT "</button>");

    if (fp->drafts) {
        /* no browser check: a draft may be incomplete */
        cc_buf_str(&b, " <button type=\"submit\" class=\"bouton secondaire\" "
                   "name=\"_brouillon\" value=\"1\" formnovalidate>"
                   CC_PAGE_SAVE_DRAFT "</button>");
    }

    cc_buf_str(&b, "</p>\n</form>\n");

    if (!fp->fragment) {
        cc_page_tail(&b, shell);
    }

    return cc_buf_done(&b);
}


char *
cc_form_fields_html(const cc_schema_t *schema)
{
    cc_buf_t  b = { NULL, 0, 0, 0 };

    cc_buf_add(&b, "", 0);
    cc_form_fields(&b, schema, NULL, NULL);

    return cc_buf_done(&b);
}


char *
cc_errors_page_html_ex(const cc_schema_t *schema, json_t *errors,
    json_t *submitted, const char *action, const cc_page_plumbing_t *pl)
{
    cc_form_page_t  fp;

    memset(&fp, 0, sizeof(fp));
    fp.action = action;
    fp.pl = pl;

    return cc_form_page_html(schema, NULL, errors, submitted, &fp);
}


char *
cc_errors_page_html(const cc_schema_t *schema, json_t *errors,
    json_t *submitted, const char *action)
{
    return cc_errors_page_html_ex(schema, errors, submitted, action, NULL);
}
