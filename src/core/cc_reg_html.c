/*
 * The pages of the registration journey.  Every sentence about an event
 * comes from the programme through cc_event_text.c, so that the list, the
 * answers and the e-mails say the same day, hours and place.
 */

#include <stdio.h>
#include <string.h>

#include "cc_reg_html.h"
#include "cc_html_int.h"


static const struct {
    const char  *kind;
    const char  *heading;
} cc_kinds[] = {
    { "atelier", "Les ateliers territoriaux" },
    { "conference", "La conférence régionale" },
    { "webinaire", "Les webinaires thématiques" },
};


static void
cc_reg_event_item(cc_buf_t *b, const cc_event_t *ev, const cc_seats_t *s,
    int64_t now)
{
    char  text[CC_EVENT_TEXT_LEN];
    int   full;

    full = s && s->known && s->confirmed >= ev->capacity
           && s->waitlisted >= ev->waitlist;

    cc_buf_str(b, "<li class=\"evenement");
    cc_buf_str(b, full ? " complet" : "");
    cc_buf_str(b, "\" data-evenement=\"");
    cc_buf_escs(b, ev->id);
    cc_buf_str(b, "\" data-complet=\"");
    cc_buf_str(b, full ? "true" : "false");
    cc_buf_str(b, "\">\n<strong>");
    cc_buf_escs(b, ev->title);
    cc_buf_str(b, "</strong>\n<br>");

    if (cc_event_when_fr(ev, text, sizeof(text))) {
        cc_buf_str(b, "<time datetime=\"");
        cc_event_iso(ev->start, text, sizeof(text));
        cc_buf_escs(b, text);
        cc_buf_str(b, "\">");
        cc_event_when_fr(ev, text, sizeof(text));
        cc_buf_escs(b, text);
        cc_buf_str(b, "</time>");

    } else {
        cc_buf_str(b, "Date communiquée aux personnes inscrites");
    }

    cc_buf_str(b, "\n<br>");

    if (strcmp(ev->kind, "webinaire") == 0 && ev->place[0] == '\0') {
        cc_buf_str(b, "En ligne");

    } else if (ev->place[0]) {
        cc_buf_str(b, "Lieu" CC_NBSP ": ");
        cc_buf_escs(b, ev->place);

    } else {
        cc_buf_str(b, "Lieu communiqué aux personnes inscrites");
    }

    cc_buf_str(b, "\n<br><span class=\"places\" data-places=\"");
    cc_buf_escs(b, ev->id);
    cc_buf_str(b, "\">");
    cc_event_seats_fr(ev, s, now, text, sizeof(text));
    cc_buf_escs(b, text);
    cc_buf_str(b, "</span></li>\n");
}


static void
cc_reg_programme(cc_buf_t *b, const cc_events_t *events,
    const cc_seats_t *seats, int64_t now, int room_only,
    const cc_event_t *except)
{
    size_t             k, i, shown;
    const cc_seats_t  *s;
    const cc_event_t  *ev;

    cc_buf_str(b, "<div id=\"liste-evenements\">\n");

    for (k = 0; k < sizeof(cc_kinds) / sizeof(cc_kinds[0]); k++) {
        shown = 0;

        for (i = 0; i < events->n; i++) {
            ev = &events->events[i];
            s = seats ? &seats[i] : NULL;

            if (strcmp(ev->kind, cc_kinds[k].kind) != 0 || ev == except
                || (room_only && !cc_event_has_room(ev, s, now)))
            {
                continue;
            }

            if (shown++ == 0) {
                cc_buf_str(b, room_only ? "<h3>" : "<h2>");
                cc_buf_str(b, cc_kinds[k].heading);
                cc_buf_str(b, room_only ? "</h3>\n" : "</h2>\n");
                cc_buf_str(b, "<ul class=\"evenements\">\n");
            }

            cc_reg_event_item(b, ev, s, now);
        }

        if (shown) {
            cc_buf_str(b, "</ul>\n");
        }
    }

    cc_buf_str(b, "</div>\n");
}


char *
cc_programme_html(const cc_events_t *events, const cc_seats_t *seats,
    int64_t now, int room_only, const cc_event_t *except)
{
    size_t    i;
    cc_buf_t  b = { NULL, 0, 0, 0 };

    cc_buf_add(&b, "", 0);

    if (room_only) {
        cc_buf_str(&b, "<section class=\"encadre\" aria-labelledby=\"places-"
                   "restantes\">\n<h2 id=\"places-restantes\">Les "
                   "événements qui ont encore de la place</h2>\n");

        for (i = 0; i < events->n; i++) {
            if (&events->events[i] != except
                && cc_event_has_room(&events->events[i],
                                     seats ? &seats[i] : NULL, now))
            {
                break;
            }
        }

        if (i == events->n) {
            cc_buf_str(&b, "<p>Aucun autre événement n'a encore de "
                       "place.</p>\n</section>\n");
            return cc_buf_done(&b);
        }
    }

    cc_reg_programme(&b, events, seats, now, room_only, except);

    if (room_only) {
        cc_buf_str(&b, "</section>\n");

    } else {
        cc_buf_str(&b, "<h2 id=\"formulaire-inscription\">Formulaire "
                   "d'inscription</h2>\n");
    }

    return cc_buf_done(&b);
}


/* the registration: event, date, place, name */

static void
cc_reg_summary(cc_buf_t *b, const cc_reg_view_t *v)
{
    char               text[CC_EVENT_TEXT_LEN];
    const cc_event_t  *ev;

    ev = v->event;

    cc_buf_str(b, "<dl class=\"inscription\">\n<dt>Événement</dt><dd>");
    cc_buf_escs(b, ev->title);
    cc_buf_str(b, "</dd>\n<dt>Date</dt><dd>");

    if (cc_event_when_fr(ev, text, sizeof(text))) {
        cc_buf_escs(b, text);

    } else {
        cc_buf_str(b, "communiquée aux personnes inscrites");
    }

    cc_buf_str(b, "</dd>\n<dt>Lieu</dt><dd>");

    if (ev->place[0]) {
        cc_buf_escs(b, ev->place);

        if (ev->address[0]) {
            cc_buf_str(b, "<br>");
            cc_buf_escs(b, ev->address);
        }

    } else {
        cc_buf_str(b, strcmp(ev->kind, "webinaire") == 0
                      ? "en ligne" : "communiqué aux personnes inscrites");
    }

    cc_buf_str(b, "</dd>\n");

    if (v->name && v->name[0]) {
        cc_buf_str(b, "<dt>Nom</dt><dd>");
        cc_buf_escs(b, v->name);
        cc_buf_str(b, "</dd>\n");
    }

    if (v->status == CC_REG_WAITLISTED && v->position > 0) {
        cc_buf_str(b, "<dt>Liste d'attente</dt><dd>");
        cc_ordinal_fr((unsigned) v->position, text, sizeof(text));
        cc_buf_escs(b, text);
        cc_buf_str(b, " position</dd>\n");
    }

    cc_buf_str(b, "</dl>\n");
}


static void
cc_reg_cancel_link(cc_buf_t *b, const cc_reg_view_t *v)
{
    cc_buf_escs(b, v->cancel);
    cc_buf_str(b, strchr(v->cancel, '?') ? "&amp;jeton=" : "?jeton=");
    cc_buf_escs(b, v->token);
}


/* what becomes of the seat, said before and after cancelling */

static const char *
cc_reg_seat_fate(const cc_reg_view_t *v)
{
    if (v->status == CC_REG_WAITLISTED) {
        return "Vous quitterez la liste d'attente" CC_NBSP "; les "
               "personnes après vous y gagnent un rang.";
    }

    if (v->event->waitlist > 0) {
        return "Votre place sera attribuée à la première personne de la "
               "liste d'attente, ou de nouveau proposée aux inscriptions "
               "si personne n'attend.";
    }

    return "Votre place sera de nouveau proposée aux inscriptions.";
}


char *
cc_reg_answer_html(const cc_shell_t *shell, const cc_reg_view_t *v)
{
    char         rank[96];
    cc_buf_t     b = { NULL, 0, 0, 0 };
    const char  *title;

    title = v->status == CC_REG_WAITLISTED
            ? "Vous êtes sur la liste d'attente"
            : "Votre inscription est confirmée";

    cc_page_head(&b, shell, title, NULL);
    cc_buf_str(&b, "<h1>");
    cc_buf_str(&b, title);
    cc_buf_str(&b, "</h1>\n<div class=\"encadre\" role=\"status\">\n<p>");

    if (v->again) {
        cc_buf_str(&b, "Cette adresse électronique était déjà inscrite "
                   "à cet événement" CC_NBSP ": rien n'a changé. ");
    }

    if (v->status == CC_REG_WAITLISTED) {
        cc_ordinal_fr((unsigned) (v->position > 0 ? v->position : 1), rank,
                      sizeof(rank));
        cc_buf_str(&b, "<strong>L'événement «" CC_NBSP);
        cc_buf_escs(&b, v->event->title);
        cc_buf_str(&b, CC_NBSP "» est complet. Vous êtes en ");
        cc_buf_escs(&b, rank);
        cc_buf_str(&b, " position sur la liste d'attente.</strong></p>\n"
                   "<p>Dès qu'une place se libère, elle revient à la "
                   "première personne de la liste, sans qu'elle ait rien "
                   "à faire.</p>\n");

        if (v->mailed) {
            cc_buf_str(&b, "<p>Si une place vous revient, un courriel vous "
                       "le dira.</p>\n");
        }

    } else {
        cc_buf_str(&b, "<strong>Votre place est réservée.</strong></p>\n");
    }

    if (v->mailed && v->email) {
        cc_buf_str(&b, "<p>Un courriel récapitulatif est envoyé à ");
        cc_buf_escs(&b, v->email);
        cc_buf_str(&b, v->status == CC_REG_WAITLISTED ? "."
                   : ", avec une invitation à ajouter à votre agenda.");
        cc_buf_str(&b, "</p>\n");
    }

    cc_buf_str(&b, "</div>\n");
    cc_reg_summary(&b, v);

    if (v->event->bring[0]) {
        cc_buf_str(&b, "<p><strong>À prévoir" CC_NBSP ":</strong> ");
        cc_buf_escs(&b, v->event->bring);
        cc_buf_str(&b, "</p>\n");
    }

    if (v->cancel == NULL) {
        cc_buf_str(&b, "<h2>Annuler votre inscription</h2>\n<p>Si vous ne "
                   "pouvez plus venir, libérez votre place avec ce jeton "
                   "d'annulation" CC_NBSP ": <code>");
        cc_buf_escs(&b, v->token);
        cc_buf_str(&b, "</code></p>\n<p><a href=\"/\">Retour à "
                   "l'accueil</a></p>\n");
        cc_page_tail(&b, shell);

        return cc_buf_done(&b);
    }

    cc_buf_str(&b, "<h2>Annuler votre inscription</h2>\n<p>Si vous ne "
               "pouvez plus venir, libérez votre place. Gardez ce lien"
               CC_NBSP ": il mène à la page d'annulation, où vous "
               "confirmerez.</p>\n<p><a id=\"lien-annulation\" href=\"");
    cc_reg_cancel_link(&b, v);
    cc_buf_str(&b, "\">");
    cc_buf_str(&b, v->status == CC_REG_WAITLISTED
                   ? "Quitter la liste d'attente"
                   : "Annuler mon inscription");
    cc_buf_str(&b, "</a></p>\n<p><a href=\"/\">Retour à l'accueil</a></p>\n");
    cc_page_tail(&b, shell);

    return cc_buf_done(&b);
}


char *
cc_reg_cancel_html(const cc_shell_t *shell, const cc_reg_view_t *v)
{
    cc_buf_t     b = { NULL, 0, 0, 0 };
    const char  *title;

    title = v->status == CC_REG_CANCELLED ? "Inscription déjà annulée"
                                          : "Annuler votre inscription";

    cc_page_head(&b, shell, title, NULL);
    cc_buf_str(&b, "<h1>");
    cc_buf_str(&b, title);
    cc_buf_str(&b, "</h1>\n");

    if (v->status == CC_REG_CANCELLED) {
        cc_buf_str(&b, "<p class=\"encadre\" role=\"status\">Cette "
                   "inscription est annulée" CC_NBSP ": il n'y a plus rien "
                   "à faire.</p>\n");
        cc_reg_summary(&b, v);

    } else {
        cc_buf_str(&b, "<p>Vous allez annuler cette inscription"
                   CC_NBSP ":</p>\n");
        cc_reg_summary(&b, v);
        cc_buf_str(&b, "<p>");
        cc_buf_str(&b, cc_reg_seat_fate(v));
        cc_buf_str(&b, " L'annulation est définitive.</p>\n"
                   "<form method=\"post\" action=\"");
        cc_buf_escs(&b, v->cancel);
        cc_buf_str(&b, "\" accept-charset=\"utf-8\">\n"
                   "<input type=\"hidden\" name=\"jeton\" value=\"");
        cc_buf_escs(&b, v->token);
        cc_buf_str(&b, "\">\n<p class=\"envoi\"><button type=\"submit\" "
                   "class=\"bouton\">Confirmer l'annulation</button></p>\n"
                   "</form>\n<p><a href=\"/\">Garder mon inscription et "
                   "revenir à l'accueil</a></p>\n");
    }

    if (v->status == CC_REG_CANCELLED && v->signup) {
        cc_buf_str(&b, "<p><a href=\"");
        cc_buf_escs(&b, v->signup);
        cc_buf_str(&b, "\">S'inscrire à un événement</a></p>\n");
    }

    cc_page_tail(&b, shell);

    return cc_buf_done(&b);
}


char *
cc_reg_cancelled_html(const cc_shell_t *shell, const cc_reg_view_t *v,
    int promoted)
{
    cc_buf_t     b = { NULL, 0, 0, 0 };
    const char  *title, *what;

    if (v->status == CC_REG_CANCELLED) {
        title = "Inscription déjà annulée";
        what = "Cette inscription était déjà annulée" CC_NBSP ": rien n'a "
               "changé.";

    } else if (v->status == CC_REG_WAITLISTED) {
        title = "Votre inscription est annulée";
        what = "Vous avez quitté la liste d'attente.";

    } else if (promoted) {
        title = "Votre inscription est annulée";
        what = "Votre place est libérée" CC_NBSP ": elle a été attribuée à "
               "la première personne de la liste d'attente.";

    } else {
        title = "Votre inscription est annulée";
        what = "Votre place est libérée" CC_NBSP ": elle est de nouveau "
               "proposée aux inscriptions.";
    }

    cc_page_head(&b, shell, title, NULL);
    cc_buf_str(&b, "<h1>");
    cc_buf_str(&b, title);
    cc_buf_str(&b, "</h1>\n<p class=\"encadre\" role=\"status\">");
    cc_buf_str(&b, what);

    if (v->mailed && v->status != CC_REG_CANCELLED) {
        cc_buf_str(&b, " Un courriel vous le confirme.");
    }

    cc_buf_str(&b, "</p>\n");
    cc_reg_summary(&b, v);

    if (v->signup) {
        cc_buf_str(&b, "<p><a href=\"");
        cc_buf_escs(&b, v->signup);
        cc_buf_str(&b, "\">S'inscrire à un autre événement</a></p>\n");
    }

    cc_buf_str(&b, "<p><a href=\"/\">Retour à l'accueil</a></p>\n");
    cc_page_tail(&b, shell);

    return cc_buf_done(&b);
}


size_t
cc_reg_full_text(const cc_event_t *ev, char *out, size_t len)
{
    int   n;
    char  day[CC_EVENT_TEXT_LEN];

    if (cc_event_day_fr(ev, day, sizeof(day)) == 0) {
        n = snprintf(out, len, "L'événement «" CC_NBSP "%s" CC_NBSP "» est "
                     "complet" CC_NBSP ": il ne reste ni place ni place sur "
                     "la liste d'attente. Choisissez un autre événement.",
                     ev->title);

    } else {
        n = snprintf(out, len, "L'événement «" CC_NBSP "%s" CC_NBSP "» du "
                     "%s%s%s%s est complet" CC_NBSP ": il ne reste ni place "
                     "ni place sur la liste d'attente. Choisissez un autre "
                     "événement.", ev->title, day, ev->place[0] ? " (" : "",
                     ev->place, ev->place[0] ? ")" : "");
    }

    if (n < 0 || (size_t) n >= len) {
        return 0;
    }

    return (size_t) n;
}
