/*
 * The calendar invitation of a registration (RFC 5545).  Times are local
 * times of Europe/Paris with the zone's VTIMEZONE, so that a calendar shows
 * 14:00 in Caen whatever the reader's own zone; the zone's rules are the
 * EU's since 1996, the same ones the pages use (cc_time_paris_offset()).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_notify.h"
#include "cc_html_int.h"
#include "cc_event_text.h"
#include "cc_time.h"


static const char  cc_ics_timezone[] =
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Paris\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\n"
    "DTSTART:19960331T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\n"
    "DTSTART:19961027T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n";


/*
 * One content line, folded: at most 75 octets a line, a fold being CRLF
 * and a space, never inside a UTF-8 character (RFC 5545, 3.1).
 */

static void
cc_ics_line(cc_buf_t *b, const char *line, size_t len)
{
    size_t  n, room;

    room = 75;

    while (len > room) {
        n = room;

        while (n > 0 && ((unsigned char) line[n] & 0xc0) == 0x80) {
            n--;
        }

        if (n == 0) {
            /* not UTF-8: no character to keep whole, cut anywhere */
            n = room;
        }

        cc_buf_add(b, line, n);
        cc_buf_str(b, "\r\n ");
        line += n;
        len -= n;
        room = 74;                       /* the space counts */
    }

    cc_buf_add(b, line, len);
    cc_buf_str(b, "\r\n");
}


/* a TEXT value: backslash, ";", "," and line breaks escaped (3.3.11) */

static void
cc_ics_text(cc_buf_t *l, const char *s)
{
    for ( /* void */ ; *s; s++) {
        switch (*s) {

        case '\\':
        case ';':
        case ',':
            cc_buf_add(l, "\\", 1);
            cc_buf_add(l, s, 1);
            break;

        case '\n':
            cc_buf_add(l, "\\n", 2);
            break;

        case '\r':
            break;

        default:
            cc_buf_add(l, s, 1);
        }
    }
}


static void
cc_ics_prop(cc_buf_t *b, const char *name, const char *value, int text)
{
    cc_buf_t  l = { NULL, 0, 0, 0 };

    cc_buf_str(&l, name);
    cc_buf_str(&l, ":");

    if (text) {
        cc_ics_text(&l, value);

    } else {
        cc_buf_str(&l, value);
    }

    if (l.failed) {
        b->failed = 1;

    } else {
        cc_ics_line(b, l.p, l.len);
    }

    free(l.p);
}


/* "20270222T140000" in Paris, or "20270201T100000Z" in UTC */

static void
cc_ics_time(int64_t t, int utc, char *out, size_t len)
{
    cc_tm_t  tm;

    if (cc_time_civil(t, utc ? 0 : cc_time_paris_offset(t), &tm) != 0) {
        memset(&tm, 0, sizeof(tm));
    }

    snprintf(out, len, "%04d%02d%02dT%02d%02d%02d%s", tm.year, tm.month,
             tm.day, tm.hour, tm.min, tm.sec, utc ? "Z" : "");
}


char *
cc_mail_ics(const cc_mail_t *m)
{
    char               t[32], uid[512], where[2048], desc[4096];
    cc_buf_t           b = { NULL, 0, 0, 0 };
    const cc_event_t  *ev;

    ev = m->event;

    if (!ev->dated) {
        return NULL;
    }

    cc_buf_str(&b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
               "PRODID:-//Region Normandie//concertation-notify//FR\r\n"
               "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n");
    cc_buf_str(&b, cc_ics_timezone);
    cc_buf_str(&b, "BEGIN:VEVENT\r\n");

    /* one UID per registration: a resend, a promotion, a reminder update
       the same entry of the calendar instead of adding one */

    snprintf(uid, sizeof(uid), "%s.%s@%s", m->id, ev->id, m->domain);
    cc_ics_prop(&b, "UID", uid, 0);

    cc_ics_time(m->now, 1, t, sizeof(t));
    cc_ics_prop(&b, "DTSTAMP", t, 0);
    cc_ics_time(ev->start, 0, t, sizeof(t));
    cc_ics_prop(&b, "DTSTART;TZID=Europe/Paris", t, 0);
    cc_ics_time(ev->end, 0, t, sizeof(t));
    cc_ics_prop(&b, "DTEND;TZID=Europe/Paris", t, 0);
    cc_ics_prop(&b, "SUMMARY", ev->title, 1);

    if (ev->place[0] || ev->address[0]) {
        snprintf(where, sizeof(where), "%s%s%s", ev->place,
                 ev->place[0] && ev->address[0] ? "\n" : "", ev->address);
        cc_ics_prop(&b, "LOCATION", where, 1);
    }

    snprintf(desc, sizeof(desc), "Concertation sur l'économie sociale et "
             "solidaire en Normandie.%s%s\nPour annuler votre inscription"
             CC_NBSP ": %s", ev->bring[0] ? "\nÀ prévoir" CC_NBSP ": " : "",
             ev->bring,
             m->cancel_url);
    cc_ics_prop(&b, "DESCRIPTION", desc, 1);
    cc_ics_prop(&b, "URL", m->site, 0);
    cc_ics_prop(&b, "STATUS", "CONFIRMED", 0);
    cc_ics_prop(&b, "TRANSP", "OPAQUE", 0);
    cc_buf_str(&b, "END:VEVENT\r\nEND:VCALENDAR\r\n");

    return cc_buf_done(&b);
}
