/*
 * The consultation window's timestamps.  Calendar arithmetic is done here
 * rather than with mktime()/timegm(): those depend on the TZ of the process,
 * accept 2022-02-30 by normalising it to 2 March, and timegm() is not C99.
 */

#include <stdio.h>

#include "cc_time.h"


#define CC_SECONDS_PER_DAY  86400

/* 0000-01-01 and 9999-12-31 as days from 1970-01-01 */
#define CC_DAYS_MIN  (-719528)
#define CC_DAYS_MAX  2932896


static int cc_digits(const char *p, size_t n, int *value);
static int cc_leap(int year);
static int cc_month_days(int year, int month);
static int64_t cc_days_from_civil(int y, int m, int d);
static void cc_civil_from_days(int64_t z, int *y, int *m, int *d);


static const char  *cc_days_fr[] = {
    "dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"
};

static const char  *cc_months_fr[] = {
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet",
    "août", "septembre", "octobre", "novembre", "décembre"
};


const char *
cc_time_parse(const char *s, size_t len, int64_t *t, int *offset)
{
    int          year, month, day, hour, min, sec, oh, om, sign;
    size_t       i;
    const char  *p;

    /* "YYYY-MM-DDTHH:MM:SS" is 19 bytes; the shortest offset, "Z", one */

    if (len < 19) {
        return "expected YYYY-MM-DDTHH:MM:SS followed by Z or +HH:MM";
    }

    p = s;

    if (!cc_digits(p, 4, &year) || p[4] != '-'
        || !cc_digits(p + 5, 2, &month) || p[7] != '-'
        || !cc_digits(p + 8, 2, &day))
    {
        return "expected a date as YYYY-MM-DD";
    }

    if (p[10] != 'T' && p[10] != 't') {
        return "expected \"T\" between the date and the time";
    }

    if (!cc_digits(p + 11, 2, &hour) || p[13] != ':'
        || !cc_digits(p + 14, 2, &min) || p[16] != ':'
        || !cc_digits(p + 17, 2, &sec))
    {
        return "expected a time as HH:MM:SS";
    }

    if (month < 1 || month > 12) {
        return "no such month";
    }

    if (day < 1 || day > cc_month_days(year, month)) {
        return "no such day in that month";
    }

    if (hour > 23 || min > 59 || sec > 59) {
        return "no such time of day (00:00:00 to 23:59:59)";
    }

    p += 19;
    i = len - 19;

    if (i == 0) {
        return "missing UTC offset (Z or +HH:MM)";
    }

    if (*p == '.' || *p == ',') {
        return "fractions of a second are not supported";
    }

    if (*p == 'Z' || *p == 'z') {
        if (i != 1) {
            return "unexpected characters after the UTC offset";
        }

        sign = 1;
        oh = 0;
        om = 0;

    } else if (*p == '+' || *p == '-') {
        if (i < 6 || !cc_digits(p + 1, 2, &oh) || p[3] != ':'
            || !cc_digits(p + 4, 2, &om))
        {
            return "expected a UTC offset as +HH:MM or -HH:MM";
        }

        if (i != 6) {
            return "unexpected characters after the UTC offset";
        }

        if (oh > 23 || om > 59) {
            return "UTC offset out of range (at most 23:59)";
        }

        sign = (*p == '-') ? -1 : 1;

        if (sign < 0 && oh == 0 && om == 0) {
            return "\"-00:00\" means an unknown offset: use Z or +00:00";
        }

    } else {
        return "missing UTC offset (Z or +HH:MM)";
    }

    *offset = sign * (oh * 3600 + om * 60);
    *t = cc_days_from_civil(year, month, day) * CC_SECONDS_PER_DAY
         + hour * 3600 + min * 60 + sec - *offset;

    return NULL;
}


size_t
cc_time_format_fr(int64_t t, int offset, char *out)
{
    int      n;
    cc_tm_t  tm;

    if (cc_time_civil(t, offset, &tm) != 0) {
        return 0;
    }

    n = snprintf(out, CC_TIME_FR_LEN, "%s %d%s %s %04d à %d h %02d",
                 cc_days_fr[tm.wday], tm.day, tm.day == 1 ? "er" : "",
                 cc_months_fr[tm.month - 1], tm.year, tm.hour, tm.min);

    if (n < 0 || n >= CC_TIME_FR_LEN) {
        return 0;
    }

    return (size_t) n;
}


int
cc_time_civil(int64_t t, int offset, cc_tm_t *tm)
{
    int64_t  local, days, secs;

    if (t < (int64_t) (CC_DAYS_MIN - 2) * CC_SECONDS_PER_DAY
        || t > (int64_t) (CC_DAYS_MAX + 2) * CC_SECONDS_PER_DAY
        || offset < -86400 || offset > 86400)
    {
        return -1;
    }

    local = t + offset;
    days = local / CC_SECONDS_PER_DAY;
    secs = local % CC_SECONDS_PER_DAY;

    if (secs < 0) {
        secs += CC_SECONDS_PER_DAY;
        days--;
    }

    if (days < CC_DAYS_MIN || days > CC_DAYS_MAX) {
        return -1;
    }

    cc_civil_from_days(days, &tm->year, &tm->month, &tm->day);
    tm->wday = (int) ((days % 7 + 7 + 4) % 7);
    tm->hour = (int) (secs / 3600);
    tm->min = (int) (secs % 3600 / 60);
    tm->sec = (int) (secs % 60);

    return 0;
}


/* the last Sunday of a month, at 01:00 UTC */

static int64_t
cc_time_last_sunday(int year, int month)
{
    int64_t  days;

    days = cc_days_from_civil(year, month, cc_month_days(year, month));
    days -= (days % 7 + 7 + 4) % 7;

    return days * CC_SECONDS_PER_DAY + 3600;
}


/*
 * Summer time in the European Union (directive 2000/84/EC, in force in
 * France since 1996): from the last Sunday of March to the last Sunday of
 * October, both at 01:00 UTC.  Computed rather than read from the tz
 * database, so that the module and its tools agree whatever the machine's
 * zoneinfo, and the calendar invitation's VTIMEZONE says the same rule.
 */

int
cc_time_paris_offset(int64_t t)
{
    cc_tm_t  tm;

    if (cc_time_civil(t, 0, &tm) != 0 || tm.year < 1996) {
        return 3600;
    }

    if (t >= cc_time_last_sunday(tm.year, 3)
        && t < cc_time_last_sunday(tm.year, 10))
    {
        return 7200;
    }

    return 3600;
}


const char *
cc_time_day_fr(int wday)
{
    return cc_days_fr[((wday % 7) + 7) % 7];
}


const char *
cc_time_month_fr(int month)
{
    return (month >= 1 && month <= 12) ? cc_months_fr[month - 1] : "";
}


cc_phase_e
cc_time_phase(int64_t start, int64_t end, int64_t now)
{
    if (now < start) {
        return CC_PHASE_BEFORE;
    }

    if (now > end) {
        return CC_PHASE_CLOSED;
    }

    return CC_PHASE_OPEN;
}


const char *
cc_phase_name(cc_phase_e phase)
{
    switch (phase) {
    case CC_PHASE_BEFORE:
        return "before";
    case CC_PHASE_CLOSED:
        return "closed";
    default:
        return "open";
    }
}


/* exactly n ASCII digits (isdigit() would depend on the locale) */

static int
cc_digits(const char *p, size_t n, int *value)
{
    size_t  i;
    int     v;

    v = 0;

    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return 0;
        }

        v = v * 10 + (p[i] - '0');
    }

    *value = v;

    return 1;
}


static int
cc_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}


static int
cc_month_days(int year, int month)
{
    static const int  days[] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
    };

    return (month == 2 && cc_leap(year)) ? 29 : days[month - 1];
}


/*
 * Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard
 * Hinnant's algorithms: eras of 400 years starting on 1 March).
 */

static int64_t
cc_days_from_civil(int y, int m, int d)
{
    int64_t   era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}


static void
cc_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    int64_t  era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;

    *d = (int) (doy - (153 * mp + 2) / 5 + 1);
    *m = (int) (mp < 10 ? mp + 3 : mp - 9);
    *y = (int) (yoe + era * 400 + (*m <= 2));
}
