#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "cc_notify.h"
#include "cc_events.h"
#include "cc_test.h"

/*
 * concertation-notify's messages: headers that a name cannot break, the
 * parts and their encodings, a stable Message-ID, the invitation's lines
 * (RFC 5545: folding, escaping, Paris time).  The integration test parses
 * the same messages with Python's email and icalendar packages.
 */


#define PROG                                                                  \
    "{\"events\":[{\"id\":\"atelier-caen\",\"kind\":\"atelier\","            \
    "\"title\":\"Atelier territorial du Calvados; suite, et fin\","           \
    "\"place\":\"Caen, 14 rue Clos Herbert, salles 02 et 06\","               \
    "\"address\":\"14 rue Clos Herbert, 14000 Caen\","                        \
    "\"bring\":\"Votre confirmation\","                                      \
    "\"start\":\"2027-03-08T13:00:00Z\",\"end\":\"2027-03-08T16:00:00Z\","    \
    "\"capacity\":60,\"waitlist\":20},"                                       \
    "{\"id\":\"web\",\"kind\":\"webinaire\",\"title\":\"Tourisme\","          \
    "\"capacity\":500,\"waitlist\":0}]}"


/* the decoded base64 of the part after "marker", NUL-terminated */

static char *
part(const char *msg, const char *marker)
{
    char        *out, *b64, *q;
    const char  *p, *end;
    int          n;

    p = strstr(msg, marker);
    if (p == NULL || (p = strstr(p, "\r\n\r\n")) == NULL) {
        return NULL;
    }

    p += 4;
    end = strstr(p, "\r\n--");
    if (end == NULL) {
        return NULL;
    }

    b64 = malloc(end - p + 1);
    for (q = b64; p < end; p++) {
        if (*p != '\r' && *p != '\n') {
            *q++ = *p;
        }
    }
    *q = '\0';

    out = calloc(1, strlen(b64) + 4);
    n = EVP_DecodeBlock((unsigned char *) out, (unsigned char *) b64,
                        (int) strlen(b64));
    free(b64);

    if (n < 0) {
        free(out);
        return NULL;
    }

    return out;
}


static void
test_headers(cc_mail_t *m)
{
    char        *msg, *text, *html, *end, *h, id[256];
    size_t       len;

    msg = cc_mail_message(m, &len);
    CHECK(msg != NULL && strlen(msg) == len);
    if (msg == NULL) {
        return;
    }

    end = strstr(msg, "\r\n\r\n");
    CHECK(end != NULL);
    h = strndup(msg, end - msg);

    /* the name's CR LF cannot end a header: only encoded words */
    CHECK(strstr(h, "Bcc") == NULL);
    CHECK_HAS(h, "To: =?UTF-8?B?");
    CHECK_HAS(h, " <camille@example.org>\r\n");
    CHECK_HAS(h, "Subject: =?UTF-8?B?");
    CHECK_HAS(h, "Date: Mon, 1 Feb 2027 10:00:00 +0000\r\n");
    CHECK(cc_mail_message_id(m, id, sizeof(id)) > 0);
    CHECK_STR(id, "<confirmation.0190a000-0000-7000-8000-000000000001"
              "@concertation-ess.normandie.fr>");
    CHECK_HAS(h, "Message-ID: <confirmation.0190a000");
    CHECK_HAS(h, "MIME-Version: 1.0\r\n");
    CHECK_HAS(h, "multipart/mixed");
    for (char *p = h; *p; p++) {
        CHECK(*p == '\r' || *p == '\n' || (*p >= ' ' && *p <= '~'));
        if (*p == '\n') {
            /* a line break is CRLF; a continuation starts with a space */
            CHECK(p > h && p[-1] == '\r');
        }
    }
    free(h);

    text = part(msg, "text/plain; charset=utf-8");
    html = part(msg, "text/html; charset=utf-8");
    CHECK(text != NULL && html != NULL);
    if (text && html) {
        CHECK_HAS(text, "Bonjour Camille\r\nBcc: x@evil.example Lefèvre<b>,");
        CHECK_HAS(text, "lundi 8 mars 2027, de 14\xc2\xa0h à 17\xc2\xa0h");
        CHECK_HAS(text, "14 rue Clos Herbert, 14000 Caen");
        CHECK_HAS(text, "https://concertation-ess.normandie.fr"
                  "/inscription/annulation?jeton=T");
        CHECK_HAS(html, "<strong>Atelier territorial du Calvados; suite, "
                  "et fin</strong>");
        CHECK_HAS(html, "&lt;b&gt;");
    }
    free(text);
    free(html);
    CHECK_HAS(msg, "Content-Type: text/calendar; charset=utf-8; "
              "method=PUBLISH");
    free(msg);

    /* an address that would break the envelope: no message */
    m->email = "a@b.fr>\r\nRCPT TO:<x@y.fr";
    CHECK(cc_mail_message(m, &len) == NULL);
    m->email = "camille@example.org";
}


static void
test_ics(cc_mail_t *m, const cc_events_t *ev)
{
    char        *ics, *line, *save, *un, *p, *q;
    size_t       folded;

    ics = cc_mail_ics(m);
    CHECK(ics != NULL);
    if (ics == NULL) {
        return;
    }

    /* unfolded, for the properties; folded, for the lines */
    un = strdup(ics);
    for (p = q = un; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
            p += 2;
            continue;
        }
        *q++ = *p;
    }
    *q = '\0';

    CHECK_HAS(un, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    CHECK_HAS(un, "METHOD:PUBLISH\r\n");
    CHECK_HAS(un, "TZID:Europe/Paris\r\n");
    CHECK_HAS(un, "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n");
    CHECK_HAS(un, "UID:0190a000-0000-7000-8000-000000000001.atelier-caen"
              "@concertation-ess.normandie.fr\r\n");
    CHECK_HAS(un, "DTSTAMP:20270201T100000Z\r\n");
    CHECK_HAS(un, "DTSTART;TZID=Europe/Paris:20270308T140000\r\n");
    CHECK_HAS(un, "DTEND;TZID=Europe/Paris:20270308T170000\r\n");
    CHECK_HAS(un, "SUMMARY:Atelier territorial du Calvados\\; suite\\, et "
              "fin\r\n");
    CHECK_HAS(un, "LOCATION:Caen\\, 14 rue Clos Herbert\\, salles 02 et 06"
              "\\n14 rue");

    free(un);

    /* every line at most 75 octets, a fold never inside a character */
    folded = 0;
    for (line = strtok_r(ics, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save))
    {
        CHECK(strlen(line) <= 76);                /* with its CR */
        CHECK(((unsigned char) line[line[0] == ' '] & 0xc0) != 0x80);
        folded += line[0] == ' ';
    }
    CHECK(folded > 0);
    free(ics);

    /* a webinar without dates: no invitation */
    m->event = &ev->events[1];
    CHECK(cc_mail_ics(m) == NULL);
    m->event = &ev->events[0];
}


void
test_notify(void)
{
    char          err[256];
    cc_mail_t     m;
    cc_events_t  *ev;

    CHECK(cc_mail_address_ok("camille@example.org"));
    CHECK(!cc_mail_address_ok("camille@"));
    CHECK(!cc_mail_address_ok("@example.org"));
    CHECK(!cc_mail_address_ok("a@b@c"));
    CHECK(!cc_mail_address_ok("a b@c.fr"));
    CHECK(!cc_mail_address_ok("\xc3\xa9lise@exemple.fr"));
    CHECK(!cc_mail_address_ok("a@b.fr\r\nBcc: x@y"));
    CHECK_STR(cc_mail_kind_name(CC_MAIL_REMINDER), "rappel");

    ev = cc_events_load_buffer("p.json", PROG, strlen(PROG), err,
                               sizeof(err));
    CHECK(ev != NULL);
    if (ev == NULL) {
        fprintf(stderr, "  %s\n", err);
        return;
    }

    memset(&m, 0, sizeof(m));
    m.kind = CC_MAIL_CONFIRMED;
    m.event = &ev->events[0];
    m.id = "0190a000-0000-7000-8000-000000000001";
    m.email = "camille@example.org";
    m.name = "Camille\r\nBcc: x@evil.example Lefèvre<b>";
    m.cancel_url = "https://concertation-ess.normandie.fr"
                   "/inscription/annulation?jeton=T";
    m.site = "https://concertation-ess.normandie.fr";
    m.from = "concertation-ess@normandie.fr";
    m.from_name = "Région Normandie";
    m.domain = "concertation-ess.normandie.fr";
    m.now = 1801476000;                  /* 2027-02-01T10:00:00Z */

    test_headers(&m);
    test_ics(&m, ev);

    cc_events_free(ev);
}
