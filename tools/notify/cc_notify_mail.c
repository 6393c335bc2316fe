/*
 * The messages of concertation-notify.  Nothing a person typed goes into
 * a header as it is: the name is an RFC 2047 encoded word (base64, so a
 * CR or LF in it cannot end the header), the address must pass
 * cc_mail_address_ok(), and the bodies are base64.  The texts say the
 * event as the pages do (cc_event_text.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cc_notify.h"
#include "cc_html_int.h"
#include "cc_event_text.h"
#include "cc_time.h"


#define CC_MAIL_SIGN  "Région Normandie " CC_NDASH_TEXT " Concertation ESS"


static const char  *cc_mail_kinds[] = {
    "confirmation", "attente", "promotion", "annulation", "rappel"
};


const char *
cc_mail_kind_name(cc_mail_kind_e kind)
{
    return kind < CC_MAIL_KINDS ? cc_mail_kinds[kind] : "?";
}


int
cc_mail_address_ok(const char *s)
{
    size_t       n, at;
    const char  *p;

    n = 0;
    at = 0;

    for (p = s; *p; p++, n++) {
        if (*p <= ' ' || *p > '~' || strchr("<>()[],;:\"\\", *p) != NULL) {
            return 0;
        }

        if (*p == '@') {
            if (at) {
                return 0;
            }

            at = n + 1;
        }
    }

    return n <= 254 && at > 1 && at < n;
}


size_t
cc_mail_message_id(const cc_mail_t *m, char *out, size_t len)
{
    int  n;

    n = snprintf(out, len, "<%s.%s@%s>", cc_mail_kind_name(m->kind), m->id,
                 m->domain);

    return (n < 0 || (size_t) n >= len) ? 0 : (size_t) n;
}


/* base64 of s, in lines of 76 characters (MIME) */

static void
cc_mail_base64(cc_buf_t *b, const char *s, size_t len)
{
    size_t         n;
    unsigned char  out[80];

    while (len > 0) {
        n = len > 57 ? 57 : len;                 /* 57 bytes: 76 chars */
        EVP_EncodeBlock(out, (const unsigned char *) s, (int) n);
        cc_buf_str(b, (char *) out);
        cc_buf_str(b, "\r\n");
        s += n;
        len -= n;
    }
}


/*
 * A header value in RFC 2047 encoded words ("=?UTF-8?B?...?="), each of
 * at most 45 bytes of text (60 characters of base64) and never cutting a
 * character, folded on several lines.
 */

static void
cc_mail_words(cc_buf_t *b, const char *s)
{
    size_t         len, n, first;
    unsigned char  out[80];

    len = strlen(s);
    first = 1;

    while (len > 0) {
        n = len > 45 ? 45 : len;

        while (n < len && n > 0 && ((unsigned char) s[n] & 0xc0) == 0x80) {
            n--;
        }

        if (n == 0) {
            /* not UTF-8: no character to keep whole, cut anywhere */
            n = len > 45 ? 45 : len;
        }

        EVP_EncodeBlock(out, (const unsigned char *) s, (int) n);
        cc_buf_str(b, first ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?");
        cc_buf_str(b, (char *) out);
        cc_buf_str(b, "?=");
        s += n;
        len -= n;
        first = 0;
    }
}


/* the texts ---------------------------------------------------------------- */

typedef struct {
    cc_buf_t      *text;
    cc_buf_t      *html;
} cc_mail_out_t;


/* a paragraph in both parts; "s" is plain text */

static void
cc_mail_para(cc_mail_out_t *o, const char *s)
{
    cc_buf_str(o->text, s);
    cc_buf_str(o->text, "\r\n\r\n");
    cc_buf_str(o->html, "<p>");
    cc_buf_escs(o->html, s);
    cc_buf_str(o->html, "</p>\r\n");
}


static void
cc_mail_link(cc_mail_out_t *o, const char *before, const char *url,
    const char *label)
{
    cc_buf_str(o->text, before);
    cc_buf_str(o->text, "\r\n");
    cc_buf_str(o->text, url);
    cc_buf_str(o->text, "\r\n\r\n");
    cc_buf_str(o->html, "<p>");
    cc_buf_escs(o->html, before);
    cc_buf_str(o->html, "<br>\r\n<a href=\"");
    cc_buf_escs(o->html, url);
    cc_buf_str(o->html, "\">");
    cc_buf_escs(o->html, label);
    cc_buf_str(o->html, "</a></p>\r\n");
}


/* the event: title, day and hours, place, address */

static void
cc_mail_event(cc_mail_out_t *o, const cc_event_t *ev)
{
    char         when[CC_EVENT_TEXT_LEN];
    const char  *where;

    if (cc_event_when_fr(ev, when, sizeof(when)) == 0) {
        snprintf(when, sizeof(when), "Date communiquée aux personnes "
                 "inscrites");
    }

    where = ev->place[0] ? ev->place
            : strcmp(ev->kind, "webinaire") == 0 ? "En ligne"
            : "Lieu communiqué aux personnes inscrites";

    cc_buf_str(o->text, "  ");
    cc_buf_str(o->text, ev->title);
    cc_buf_str(o->text, "\r\n  ");
    cc_buf_str(o->text, when);
    cc_buf_str(o->text, "\r\n  ");
    cc_buf_str(o->text, where);

    cc_buf_str(o->html, "<p><strong>");
    cc_buf_escs(o->html, ev->title);
    cc_buf_str(o->html, "</strong><br>\r\n");
    cc_buf_escs(o->html, when);
    cc_buf_str(o->html, "<br>\r\n");
    cc_buf_escs(o->html, where);

    if (ev->address[0]) {
        cc_buf_str(o->text, "\r\n  ");
        cc_buf_str(o->text, ev->address);
        cc_buf_str(o->html, "<br>\r\n");
        cc_buf_escs(o->html, ev->address);
    }

    cc_buf_str(o->text, "\r\n\r\n");
    cc_buf_str(o->html, "</p>\r\n");
}


static void
cc_mail_subject(const cc_mail_t *m, char *out, size_t len)
{
    char  day[CC_EVENT_TEXT_LEN];

    switch (m->kind) {

    case CC_MAIL_CONFIRMED:
        snprintf(out, len, "Inscription confirmée" CC_NBSP ": %s",
                 m->event->title);
        break;

    case CC_MAIL_WAITLISTED:
        snprintf(out, len, "Liste d'attente" CC_NBSP ": %s", m->event->title);
        break;

    case CC_MAIL_PROMOTED:
        snprintf(out, len, "Une place s'est libérée" CC_NBSP ": votre "
                 "inscription est confirmée (%s)", m->event->title);
        break;

    case CC_MAIL_CANCELLED:
        snprintf(out, len, "Inscription annulée" CC_NBSP ": %s",
                 m->event->title);
        break;

    default:
        if (cc_event_day_fr(m->event, day, sizeof(day)) == 0) {
            day[0] = '\0';
        }

        snprintf(out, len, "Rappel" CC_NBSP ": %s%s%s", m->event->title,
                 day[0] ? ", " : "", day);
    }
}


static void
cc_mail_body(const cc_mail_t *m, cc_mail_out_t *o)
{
    char  s[CC_EVENT_TEXT_LEN + 256], rank[96];

    snprintf(s, sizeof(s), "Bonjour%s%s,", m->name[0] ? " " : "", m->name);
    cc_mail_para(o, s);

    switch (m->kind) {

    case CC_MAIL_CONFIRMED:
        cc_mail_para(o, "Votre inscription est confirmée" CC_NBSP ": une "
                     "place vous est réservée.");
        break;

    case CC_MAIL_WAITLISTED:
        cc_ordinal_fr((unsigned) (m->position > 0 ? m->position : 1), rank,
                      sizeof(rank));
        snprintf(s, sizeof(s), "L'événement est complet" CC_NBSP ": vous "
                 "êtes sur sa liste d'attente, en %s position. Dès "
                 "qu'une place se libère, elle revient à la première "
                 "personne de la liste, et un courriel la prévient.", rank);
        cc_mail_para(o, s);
        break;

    case CC_MAIL_PROMOTED:
        cc_mail_para(o, "Une place s'est libérée" CC_NBSP ": vous étiez en "
                     "tête de la liste d'attente, votre inscription est "
                     "maintenant confirmée.");
        break;

    case CC_MAIL_CANCELLED:
        cc_mail_para(o, "Votre inscription est annulée. Merci de nous "
                     "avoir prévenus" CC_NBSP ": votre place peut servir à "
                     "quelqu'un d'autre.");
        break;

    default:
        cc_mail_para(o, "Nous vous rappelons votre inscription à "
                     "l'événement suivant" CC_NBSP ":");
    }

    cc_mail_event(o, m->event);

    if (m->kind == CC_MAIL_CANCELLED) {
        cc_mail_link(o, "Pour vous inscrire à un autre événement" CC_NBSP
                     ":", m->site, m->site);
        return;
    }

    if (m->kind != CC_MAIL_WAITLISTED && m->event->bring[0]) {
        snprintf(s, sizeof(s), "À prévoir" CC_NBSP ": %s", m->event->bring);
        cc_mail_para(o, s);
    }

    if (m->kind != CC_MAIL_WAITLISTED && m->event->dated) {
        cc_mail_para(o, "L'invitation jointe (invitation.ics) ajoute "
                     "l'événement à votre agenda.");
    }

    cc_mail_link(o, m->kind == CC_MAIL_WAITLISTED
                    ? "Si vous ne souhaitez plus attendre une place, "
                      "quittez la liste d'attente" CC_NBSP ":"
                    : "Si vous ne pouvez plus venir, annulez votre "
                      "inscription pour libérer votre place" CC_NBSP ":",
                 m->cancel_url,
                 m->kind == CC_MAIL_WAITLISTED ? "Quitter la liste d'attente"
                                               : "Annuler mon inscription");
}


/* the message --------------------------------------------------------------- */

static void
cc_mail_header(cc_buf_t *b, const char *name, const char *value)
{
    cc_buf_str(b, name);
    cc_buf_str(b, ": ");
    cc_buf_str(b, value);
    cc_buf_str(b, "\r\n");
}


static void
cc_mail_part(cc_buf_t *b, const char *boundary, const char *type,
    const char *extra, const char *body)
{
    cc_buf_str(b, "--");
    cc_buf_str(b, boundary);
    cc_buf_str(b, "\r\nContent-Type: ");
    cc_buf_str(b, type);
    cc_buf_str(b, "\r\nContent-Transfer-Encoding: base64\r\n");
    cc_buf_str(b, extra);
    cc_buf_str(b, "\r\n");
    cc_mail_base64(b, body, strlen(body));
}


char *
cc_mail_message(const cc_mail_t *m, size_t *len)
{
    char           *ics, *r;
    char            s[CC_EVENT_TEXT_LEN + 256], id[512], date[64];
    cc_tm_t         tm;
    cc_buf_t        b = { NULL, 0, 0, 0 };
    cc_buf_t        text = { NULL, 0, 0, 0 }, html = { NULL, 0, 0, 0 };
    cc_mail_out_t   o;

    static const char  *days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
                                   "Sat" };
    static const char  *months[] = { "Jan", "Feb", "Mar", "Apr", "May",
                                     "Jun", "Jul", "Aug", "Sep", "Oct",
                                     "Nov", "Dec" };

    if (!cc_mail_address_ok(m->email) || !cc_mail_address_ok(m->from)
        || cc_mail_message_id(m, id, sizeof(id)) == 0
        || cc_time_civil(m->now, 0, &tm) != 0)
    {
        return NULL;
    }

    o.text = &text;
    o.html = &html;

    cc_buf_str(&html, "<!DOCTYPE html>\r\n<html lang=\"fr\">\r\n<head>\r\n"
               "<meta charset=\"utf-8\">\r\n<title>");
    cc_mail_subject(m, s, sizeof(s));
    cc_buf_escs(&html, s);
    cc_buf_str(&html, "</title>\r\n</head>\r\n<body>\r\n");
    cc_mail_body(m, &o);
    cc_buf_str(&text, "-- \r\n" CC_MAIL_SIGN "\r\n");
    cc_buf_str(&text, m->site);
    cc_buf_str(&text, "\r\n");
    cc_buf_str(&html, "<p>" CC_MAIL_SIGN "<br>\r\n<a href=\"");
    cc_buf_escs(&html, m->site);
    cc_buf_str(&html, "\">");
    cc_buf_escs(&html, m->site);
    cc_buf_str(&html, "</a></p>\r\n</body>\r\n</html>\r\n");

    /* the headers */

    cc_buf_str(&b, "From: ");
    cc_mail_words(&b, m->from_name);
    cc_buf_str(&b, " <");
    cc_buf_str(&b, m->from);
    cc_buf_str(&b, ">\r\nTo: ");

    if (m->name[0]) {
        cc_mail_words(&b, m->name);
        cc_buf_str(&b, " ");
    }

    cc_buf_str(&b, "<");
    cc_buf_str(&b, m->email);
    cc_buf_str(&b, ">\r\nSubject: ");
    cc_mail_words(&b, s);
    cc_buf_str(&b, "\r\n");

    snprintf(date, sizeof(date), "%s, %d %s %04d %02d:%02d:%02d +0000",
             days[tm.wday], tm.day, months[tm.month - 1], tm.year, tm.hour,
             tm.min, tm.sec);
    cc_mail_header(&b, "Date", date);
    cc_mail_header(&b, "Message-ID", id);
    cc_mail_header(&b, "MIME-Version", "1.0");
    cc_mail_header(&b, "Auto-Submitted", "auto-generated");
    cc_mail_header(&b, "Content-Language", "fr");

    ics = (m->kind == CC_MAIL_CONFIRMED || m->kind == CC_MAIL_PROMOTED
           || m->kind == CC_MAIL_REMINDER)
          ? cc_mail_ics(m) : NULL;

    if (ics) {
        cc_mail_header(&b, "Content-Type", "multipart/mixed; "
                       "boundary=\"=_concertation_mixte\"");
        cc_buf_str(&b, "\r\n--=_concertation_mixte\r\n");
    }

    cc_buf_str(&b, "Content-Type: multipart/alternative; "
               "boundary=\"=_concertation_texte\"\r\n\r\n");

    if (text.p && html.p) {
        cc_mail_part(&b, "=_concertation_texte",
                     "text/plain; charset=utf-8", "", text.p);
        cc_mail_part(&b, "=_concertation_texte",
                     "text/html; charset=utf-8", "", html.p);
    }

    cc_buf_str(&b, "--=_concertation_texte--\r\n");

    if (ics) {
        cc_mail_part(&b, "=_concertation_mixte",
                     "text/calendar; charset=utf-8; method=PUBLISH; "
                     "name=\"invitation.ics\"",
                     "Content-Disposition: attachment; "
                     "filename=\"invitation.ics\"\r\n", ics);
        cc_buf_str(&b, "--=_concertation_mixte--\r\n");
    }

    free(ics);
    b.failed |= text.failed || html.failed || text.p == NULL
                || html.p == NULL;
    free(text.p);
    free(html.p);

    r = cc_buf_done(&b);

    if (r && len) {
        *len = b.len;
    }

    return r;
}
