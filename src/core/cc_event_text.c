/*
 * An event of the programme in French words.  Times are shown in Paris
 * time whatever offset the programme wrote them with, so that a start
 * given in UTC still reads "14 h" on the page and in the invitation.
 */

#include <stdio.h>
#include <string.h>

#include "cc_event_text.h"
#include "cc_time.h"


static size_t
cc_put(char *out, size_t len, int n)
{
    if (n < 0 || (size_t) n >= len) {
        if (len) {
            out[0] = '\0';
        }

        return 0;
    }

    return (size_t) n;
}


static void
cc_paris(int64_t t, cc_tm_t *tm)
{
    if (cc_time_civil(t, cc_time_paris_offset(t), tm) != 0) {
        memset(tm, 0, sizeof(cc_tm_t));
    }
}


/* "14 h", "9 h 30" */

static void
cc_hour(const cc_tm_t *tm, char *out, size_t len)
{
    if (tm->min) {
        snprintf(out, len, "%d" CC_NBSP "h" CC_NBSP "%02d", tm->hour,
                 tm->min);

    } else {
        snprintf(out, len, "%d" CC_NBSP "h", tm->hour);
    }
}


static void
cc_day(const cc_tm_t *tm, char *out, size_t len)
{
    snprintf(out, len, "%s %d%s %s %d", cc_time_day_fr(tm->wday), tm->day,
             tm->day == 1 ? "er" : "", cc_time_month_fr(tm->month),
             tm->year);
}


size_t
cc_event_day_fr(const cc_event_t *ev, char *out, size_t len)
{
    cc_tm_t  tm;
    char     day[64];

    if (!ev->dated) {
        return cc_put(out, len, -1);
    }

    cc_paris(ev->start, &tm);
    cc_day(&tm, day, sizeof(day));

    return cc_put(out, len, snprintf(out, len, "%s", day));
}


size_t
cc_event_when_fr(const cc_event_t *ev, char *out, size_t len)
{
    cc_tm_t  s, e;
    char     d1[64], d2[64], h1[32], h2[32];

    if (!ev->dated) {
        return cc_put(out, len, -1);
    }

    cc_paris(ev->start, &s);
    cc_paris(ev->end, &e);
    cc_day(&s, d1, sizeof(d1));
    cc_day(&e, d2, sizeof(d2));
    cc_hour(&s, h1, sizeof(h1));
    cc_hour(&e, h2, sizeof(h2));

    if (strcmp(d1, d2) == 0) {
        return cc_put(out, len, snprintf(out, len, "%s, de %s à %s", d1, h1,
                                         h2));
    }

    return cc_put(out, len, snprintf(out, len, "du %s à %s au %s à %s", d1,
                                     h1, d2, h2));
}


size_t
cc_event_label_fr(const cc_event_t *ev, char *out, size_t len)
{
    char         day[64];
    const char  *pre;

    pre = strcmp(ev->kind, "webinaire") == 0
          && strncmp(ev->title, "Webinaire", 9) != 0
          ? "Webinaire" CC_NBSP ": " : "";

    if (cc_event_day_fr(ev, day, sizeof(day)) == 0) {
        return cc_put(out, len, snprintf(out, len, "%s%s", pre, ev->title));
    }

    return cc_put(out, len, snprintf(out, len, "%s%s, %s", pre, ev->title,
                                     day));
}


int
cc_event_has_room(const cc_event_t *ev, const cc_seats_t *seats,
    int64_t now)
{
    if (now > ev->deadline) {
        return 0;
    }

    if (seats == NULL || !seats->known) {
        return 1;
    }

    return seats->confirmed < ev->capacity
           || seats->waitlisted < ev->waitlist;
}


/* the same words as html/js/formulaire.js's seatsText() */

size_t
cc_event_seats_fr(const cc_event_t *ev, const cc_seats_t *seats,
    int64_t now, char *out, size_t len)
{
    unsigned  left;

    if (now > ev->deadline) {
        return cc_put(out, len, snprintf(out, len, "Inscriptions closes"));
    }

    if (seats == NULL || !seats->known) {
        return cc_put(out, len, snprintf(out, len, "places limitées"));
    }

    if (seats->confirmed < ev->capacity) {
        left = ev->capacity - seats->confirmed;

        return cc_put(out, len, snprintf(out, len, "%u %s", left,
                                         left > 1 ? "places restantes"
                                                  : "place restante"));
    }

    if (seats->waitlisted < ev->waitlist) {
        left = ev->waitlist - seats->waitlisted;

        return cc_put(out, len, snprintf(out, len, "Complet" CC_NBSP
                                         ": liste d'attente, %u %s", left,
                                         left > 1 ? "places" : "place"));
    }

    return cc_put(out, len, snprintf(out, len, "Complet"));
}


/* French numbers, traditional spelling ("vingt et un", "deux cents") */

static const char  *cc_units[] = {
    "", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit",
    "neuf", "dix", "onze", "douze", "treize", "quatorze", "quinze", "seize",
    "dix-sept", "dix-huit", "dix-neuf"
};

static const char  *cc_tens[] = {
    "", "", "vingt", "trente", "quarante", "cinquante", "soixante"
};


static int
cc_below100(unsigned n, char *out, size_t len)
{
    unsigned  t, u;

    if (n < 20) {
        return snprintf(out, len, "%s", cc_units[n]);
    }

    if (n < 70) {
        t = n / 10;
        u = n % 10;

        return snprintf(out, len, "%s%s%s", cc_tens[t],
                        u == 1 ? " et " : u ? "-" : "", cc_units[u]);
    }

    if (n < 80) {
        return snprintf(out, len, "soixante%s%s", n == 71 ? " et " : "-",
                        cc_units[n - 60]);
    }

    if (n == 80) {
        return snprintf(out, len, "quatre-vingts");
    }

    return snprintf(out, len, "quatre-vingt-%s", cc_units[n - 80]);
}


static int
cc_cardinal(unsigned n, char *out, size_t len)
{
    int       k;
    unsigned  h, rest;

    h = n / 100;
    rest = n % 100;

    if (h == 0) {
        return cc_below100(n, out, len);
    }

    if (h == 1) {
        k = snprintf(out, len, "cent");

    } else {
        k = snprintf(out, len, "%s cent%s", cc_units[h], rest ? "" : "s");
    }

    if (k < 0 || (size_t) k >= len || rest == 0) {
        return k;
    }

    out[k++] = ' ';

    return k + cc_below100(rest, out + k, len - k);
}


size_t
cc_ordinal_fr(unsigned n, char *out, size_t len)
{
    int     k;
    char    w[96];
    size_t  m;

    if (n == 0) {
        return cc_put(out, len, -1);
    }

    if (n == 1) {
        return cc_put(out, len, snprintf(out, len, "première"));
    }

    if (n >= 1000) {
        return cc_put(out, len, snprintf(out, len, "%ue", n));
    }

    k = cc_cardinal(n, w, sizeof(w));
    if (k <= 0 || (size_t) k >= sizeof(w)) {
        return cc_put(out, len, -1);
    }

    m = (size_t) k;

    /* the last word takes "-ième": cinq-uième, neu-vième, quatr-ième */

    if (m >= 4 && strcmp(w + m - 4, "cinq") == 0) {
        strcpy(w + m, "u");
        m++;

    } else if (m >= 4 && strcmp(w + m - 4, "neuf") == 0) {
        w[m - 1] = 'v';

    } else if ((m >= 6 && strcmp(w + m - 6, "vingts") == 0)
               || (m >= 5 && strcmp(w + m - 5, "cents") == 0))
    {
        w[--m] = '\0';

    } else if (w[m - 1] == 'e') {
        w[--m] = '\0';
    }

    return cc_put(out, len, snprintf(out, len, "%.*sième", (int) m, w));
}


size_t
cc_event_iso(int64_t t, char *out, size_t len)
{
    int      off;
    cc_tm_t  tm;

    off = cc_time_paris_offset(t);

    if (cc_time_civil(t, off, &tm) != 0) {
        return cc_put(out, len, -1);
    }

    return cc_put(out, len, snprintf(out, len,
                                     "%04d-%02d-%02dT%02d:%02d:%02d+%02d:00",
                                     tm.year, tm.month, tm.day, tm.hour,
                                     tm.min, tm.sec, off / 3600));
}
