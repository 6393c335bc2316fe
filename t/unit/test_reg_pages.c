#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "cc_event_text.h"
#include "cc_reg_html.h"
#include "cc_registration.h"
#include "cc_time.h"
#include "cc_schema_int.h"
#include "cc_test.h"

/*
 * The registration journey's words and pages: Paris time on both sides of
 * the clock changes, the French ordinals, the programme's list and seats,
 * the answer and cancellation pages, and the registration form completed
 * from the programme.
 */


#define PROG                                                                  \
    "{\"events\":["                                                           \
    "{\"id\":\"atelier-eure\",\"kind\":\"atelier\","                          \
    "\"title\":\"Atelier de l'Eure\",\"place\":\"Martot\","                   \
    "\"address\":\"Rue de la Mairie, 27340 Martot\","                         \
    "\"bring\":\"Une pièce d'identité\","                                     \
    "\"start\":\"2027-03-01T13:00:00Z\",\"end\":\"2027-03-01T16:30:00Z\","    \
    "\"capacity\":2,\"waitlist\":1,"                                          \
    "\"questions\":[{\"name\":\"acces\",\"type\":\"text\","                   \
    "\"max_length\":50,"                                                      \
    "\"label\":\"Besoins d'accessibilité\"}]},"                               \
    "{\"id\":\"conf\",\"kind\":\"conference\",\"title\":\"Conférence\","      \
    "\"place\":\"Caen\",\"start\":\"2027-03-29T09:30:00+02:00\","             \
    "\"end\":\"2027-03-30T12:00:00+02:00\",\"capacity\":300,\"waitlist\":0," \
    "\"questions\":[{\"name\":\"acces\",\"type\":\"text\","                   \
    "\"max_length\":50,"                                                      \
    "\"label\":\"Besoins d'accessibilité\"},{\"name\":\"repas\","             \
    "\"type\":\"consent\",\"label\":\"Je déjeune sur place\"}]},"             \
    "{\"id\":\"web\",\"kind\":\"webinaire\",\"title\":\"Tourisme\","          \
    "\"capacity\":500,\"waitlist\":0}]}"

#define FORM                                                                  \
    "{\"form\":\"inscription\",\"title\":\"Inscription\",\"fields\":["        \
    "{\"name\":\"evenement\",\"type\":\"choice\",\"required\":true,"          \
    "\"label\":\"Événement\",\"options\":%s},"                                \
    "{\"name\":\"nom\",\"type\":\"text\",\"max_length\":9,\"label\":\"Nom\"},"                 \
    "{\"name\":\"email\",\"type\":\"email\",\"required\":true,"               \
    "\"label\":\"Adresse\"},"                                                 \
    "{\"name\":\"consentement\",\"type\":\"consent\",\"required\":true,"      \
    "\"label\":\"J'accepte\"}]}"


static void
test_paris_time(void)
{
    int64_t  t;
    int      off;
    char     s[CC_EVENT_TEXT_LEN];

    /* 2027: summer time from 28 March 01:00 UTC to 31 October 01:00 UTC */
    CHECK(cc_time_parse("2027-03-28T00:59:59Z", 20, &t, &off) == NULL);
    CHECK(cc_time_paris_offset(t) == 3600);
    CHECK(cc_time_paris_offset(t + 1) == 7200);
    CHECK(cc_time_parse("2027-10-31T00:59:59Z", 20, &t, &off) == NULL);
    CHECK(cc_time_paris_offset(t) == 7200);
    CHECK(cc_time_paris_offset(t + 1) == 3600);

    /* a start written in UTC reads in Paris time */
    CHECK(cc_time_parse("2027-07-14T08:00:00Z", 20, &t, &off) == NULL);
    CHECK(cc_event_iso(t, s, sizeof(s)) > 0);
    CHECK_STR(s, "2027-07-14T10:00:00+02:00");
}


static void
test_ordinals(void)
{
    static const struct { unsigned n; const char *w; } o[] = {
        { 1, "première" }, { 2, "deuxième" }, { 3, "troisième" },
        { 4, "quatrième" }, { 5, "cinquième" }, { 9, "neuvième" },
        { 11, "onzième" }, { 17, "dix-septième" }, { 21, "vingt et unième" },
        { 35, "trente-cinquième" }, { 71, "soixante et onzième" },
        { 77, "soixante-dix-septième" }, { 80, "quatre-vingtième" },
        { 81, "quatre-vingt-unième" }, { 99, "quatre-vingt-dix-neuvième" },
        { 100, "centième" }, { 200, "deux centième" },
        { 201, "deux cent unième" }, { 1200, "1200e" }
    };
    size_t  i;
    char    s[128];

    for (i = 0; i < sizeof(o) / sizeof(o[0]); i++) {
        CHECK(cc_ordinal_fr(o[i].n, s, sizeof(s)) > 0);
        CHECK_STR(s, o[i].w);
    }

    CHECK(cc_ordinal_fr(0, s, sizeof(s)) == 0);
    CHECK(cc_ordinal_fr(2, s, 4) == 0);
}


static void
test_words(const cc_events_t *ev)
{
    char        s[CC_EVENT_TEXT_LEN];
    cc_seats_t  seats = { 0, 0, 1 };

    CHECK(cc_event_when_fr(&ev->events[0], s, sizeof(s)) > 0);
    CHECK_STR(s, "lundi 1er mars 2027, de 14" CC_NBSP "h à 17" CC_NBSP "h"
              CC_NBSP "30");
    CHECK(cc_event_when_fr(&ev->events[1], s, sizeof(s)) > 0);
    CHECK_STR(s, "du lundi 29 mars 2027 à 9" CC_NBSP "h" CC_NBSP "30 au "
              "mardi 30 mars 2027 à 12" CC_NBSP "h");
    CHECK(cc_event_when_fr(&ev->events[2], s, sizeof(s)) == 0);

    CHECK(cc_event_label_fr(&ev->events[0], s, sizeof(s)) > 0);
    CHECK_STR(s, "Atelier de l'Eure, lundi 1er mars 2027");
    CHECK(cc_event_label_fr(&ev->events[2], s, sizeof(s)) > 0);
    CHECK_STR(s, "Webinaire" CC_NBSP ": Tourisme");

    cc_event_seats_fr(&ev->events[0], &seats, 0, s, sizeof(s));
    CHECK_STR(s, "2 places restantes");
    seats.confirmed = 2;
    cc_event_seats_fr(&ev->events[0], &seats, 0, s, sizeof(s));
    CHECK_STR(s, "Complet" CC_NBSP ": liste d'attente, 1 place");
    CHECK(cc_event_has_room(&ev->events[0], &seats, 0));
    seats.waitlisted = 1;
    cc_event_seats_fr(&ev->events[0], &seats, 0, s, sizeof(s));
    CHECK_STR(s, "Complet");
    CHECK(!cc_event_has_room(&ev->events[0], &seats, 0));
    seats.known = 0;
    cc_event_seats_fr(&ev->events[0], &seats, 0, s, sizeof(s));
    CHECK_STR(s, "places limitées");

    /* past the deadline (the start): closed, whatever the seats */
    cc_event_seats_fr(&ev->events[0], NULL, ev->events[0].start + 1, s,
                      sizeof(s));
    CHECK_STR(s, "Inscriptions closes");
}


static void
test_pages(const cc_events_t *ev)
{
    char           *h;
    cc_seats_t      seats[3] = { { 2, 1, 1 }, { 10, 0, 1 }, { 0, 0, 1 } };
    cc_reg_view_t   v;

    h = cc_programme_html(ev, seats, 0, 0, NULL);
    CHECK_HAS(h, "<h2>Les ateliers territoriaux</h2>");
    CHECK_HAS(h, "data-evenement=\"atelier-eure\" data-complet=\"true\"");
    CHECK_HAS(h, "<time datetime=\"2027-03-01T14:00:00+01:00\">");
    CHECK_HAS(h, "290 places restantes");
    CHECK_HAS(h, "Date communiquée aux personnes inscrites\n<br>En ligne");
    free(h);

    /* the full page's list: the events that still take registrations */
    h = cc_programme_html(ev, seats, 0, 1, &ev->events[1]);
    CHECK(strstr(h, "atelier-eure") == NULL);
    CHECK(strstr(h, "data-evenement=\"conf\"") == NULL);
    CHECK_HAS(h, "data-evenement=\"web\"");
    free(h);

    memset(&v, 0, sizeof(v));
    v.event = &ev->events[0];
    v.status = CC_REG_WAITLISTED;
    v.position = 3;
    v.name = "Camille <Lefèvre>";
    v.email = "c@example.org";
    v.token = "ID.atelier-eure.MAC";
    v.cancel = "/inscription/annulation";
    v.mailed = 1;

    h = cc_reg_answer_html(NULL, &v);
    CHECK_HAS(h, "<h1>Vous êtes sur la liste d'attente</h1>");
    CHECK_HAS(h, "en troisième position sur la liste d'attente");
    CHECK_HAS(h, "Camille &lt;Lefèvre&gt;");
    CHECK_HAS(h, "Rue de la Mairie, 27340 Martot");
    CHECK_HAS(h, "Une pièce d&#39;identité");
    CHECK_HAS(h, "href=\"/inscription/annulation?jeton=ID.atelier-eure.MAC\"");
    CHECK_HAS(h, "<meta name=\"viewport\"");
    free(h);

    v.status = CC_REG_CONFIRMED;
    h = cc_reg_cancel_html(NULL, &v);
    CHECK_HAS(h, "Confirmer l'annulation");
    CHECK_HAS(h, "<form method=\"post\" action=\"/inscription/annulation\"");
    CHECK_HAS(h, "name=\"jeton\" value=\"ID.atelier-eure.MAC\"");
    CHECK_HAS(h, "première personne de la liste d'attente");
    free(h);

    /* a webinar has no waiting list: the seat is offered again */
    v.event = &ev->events[2];
    h = cc_reg_cancel_html(NULL, &v);
    CHECK(strstr(h, "liste d'attente") == NULL);
    CHECK_HAS(h, "de nouveau proposée aux inscriptions");
    free(h);

    v.status = CC_REG_CANCELLED;
    h = cc_reg_cancel_html(NULL, &v);
    CHECK(strstr(h, "<form") == NULL);
    CHECK_HAS(h, "Inscription déjà annulée");
    free(h);

    v.event = &ev->events[0];
    v.status = CC_REG_CONFIRMED;
    h = cc_reg_cancelled_html(NULL, &v, 1);
    CHECK_HAS(h, "attribuée à la première personne de la liste d'attente");
    free(h);
    h = cc_reg_cancelled_html(NULL, &v, 0);
    CHECK_HAS(h, "de nouveau proposée aux inscriptions");
    free(h);
    v.status = CC_REG_WAITLISTED;
    h = cc_reg_cancelled_html(NULL, &v, 0);
    CHECK_HAS(h, "Vous avez quitté la liste d'attente.");
    free(h);
}


static cc_schema_t *
form(const char *options, const char *progtext, char *err, size_t errlen)
{
    int           fd;
    char          path[] = "/tmp/cc-reg-XXXXXX", body[4096];
    cc_events_t  *ev;
    cc_schema_t  *s;

    snprintf(body, sizeof(body), FORM, options);
    fd = mkstemp(path);
    if (fd < 0 || write(fd, body, strlen(body)) != (ssize_t) strlen(body)) {
        return NULL;
    }
    close(fd);

    ev = progtext ? cc_events_load_buffer("p.json", progtext,
                                          strlen(progtext), err, errlen)
                  : NULL;
    s = cc_reg_schema_load_file(path, ev, err, errlen);

    if (s && ev && cc_reg_check_schema(s, "evenement", ev, err, errlen)) {
        cc_schema_free(s);
        s = NULL;
    }

    cc_events_free(ev);
    unlink(path);

    return s;
}


static const char *
cond_of(const cc_schema_t *s, const char *name)
{
    const cc_field_t  *f;

    f = cc_schema_field(s, name);

    return f && f->cond ? f->cond->json : "";
}


static void
test_form(void)
{
    char          err[512];
    const char   *cond;
    cc_schema_t  *s;

    s = form("\"programme\"", PROG, err, sizeof(err));
    CHECK(s != NULL);

    if (s) {
        CHECK_STR(cc_schema_option_label(s, "evenement", "atelier-eure"),
                  "Atelier de l'Eure, lundi 1er mars 2027");
        CHECK_STR(cc_schema_field_name(s, 2), "email");
        CHECK_STR(cc_schema_field_name(s, 3), "acces");
        CHECK_STR(cc_schema_field_name(s, 4), "repas");
        CHECK_STR(cc_schema_field_name(s, 5), "consentement");
        cond = cond_of(s, "acces");
        CHECK_HAS(cond, "\"in\":[\"atelier-eure\",\"conf\"]");
        cond = cond_of(s, "repas");
        CHECK_HAS(cond, "\"in\":[\"conf\"]");
        cc_schema_free(s);
    }

    /* a label written by hand must be the programme's */
    s = form("[{\"value\":\"atelier-eure\",\"label\":\"Atelier de l'Eure, "
             "mardi 22 février 2022\"},{\"value\":\"conf\",\"label\":\"x\"},"
             "{\"value\":\"web\",\"label\":\"y\"}]", PROG, err, sizeof(err));
    CHECK(s == NULL);
    CHECK_HAS(err, "differs from the programme's \"Atelier de l'Eure, "
              "lundi 1er mars 2027\"");

    s = form("\"programme\"", NULL, err, sizeof(err));
    CHECK(s == NULL);
    CHECK_HAS(err, "needs the programme");

    /* one name, one question */
    s = form("\"programme\"",
             "{\"events\":[{\"id\":\"a\",\"kind\":\"atelier\",\"title\":\"A\","
             "\"capacity\":1,\"waitlist\":0,\"questions\":[{\"name\":\"q\","
             "\"type\":\"text\",\"max_length\":5,\"label\":\"Q\"}]},{\"id\":\"b\",\"kind\":"
             "\"atelier\",\"title\":\"B\",\"capacity\":1,\"waitlist\":0,"
             "\"questions\":[{\"name\":\"q\",\"type\":\"text\",\"label\":"
             "\"Autre\"}]}]}", err, sizeof(err));
    CHECK(s == NULL);
    CHECK_HAS(err, "event \"b\": question \"q\" differs");

    /* an event's question is checked like any question */
    s = form("\"programme\"",
             "{\"events\":[{\"id\":\"a\",\"kind\":\"atelier\",\"title\":\"A\","
             "\"capacity\":1,\"waitlist\":0,\"questions\":[{\"name\":\"q\","
             "\"type\":\"texte\",\"label\":\"Q\"}]}]}", err, sizeof(err));
    CHECK(s == NULL);
    CHECK_HAS(err, "\"q\"");
}


void
test_reg_pages(void)
{
    char          err[256];
    cc_events_t  *ev;

    test_paris_time();
    test_ordinals();

    ev = cc_events_load_buffer("p.json", PROG, strlen(PROG), err,
                               sizeof(err));
    CHECK(ev != NULL);

    if (ev == NULL) {
        fprintf(stderr, "  %s\n", err);
        return;
    }

    test_words(ev);
    test_pages(ev);
    cc_events_free(ev);

    test_form();
}
