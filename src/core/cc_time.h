/*
 * The consultation window: RFC 3339 timestamps with their UTC offset, the
 * opening date in French, and the phase a given second falls in.
 */

#ifndef CC_TIME_H
#define CC_TIME_H

#include <stddef.h>
#include <stdint.h>

/* "mercredi 30 septembre 2022 à 23 h 59" fits with room to spare */
#define CC_TIME_FR_LEN  64

/*
 * Parses "YYYY-MM-DDTHH:MM:SS" followed by "Z" or "+HH:MM" / "-HH:MM", the
 * whole of s[0..len) and nothing else (RFC 3339 section 5.6, with "T" and
 * "Z" also in lower case).  Refused: a missing offset (a local time means
 * nothing to a server), "-00:00" (RFC 3339's "offset unknown"), fractions of
 * a second (the window is exact to the second), leap seconds, 24:00, dates
 * that do not exist, offsets beyond 23:59.  On success stores the Unix time
 * and the offset in seconds east of UTC and returns NULL; otherwise returns
 * why, in English, for nginx -t.
 */
const char *cc_time_parse(const char *s, size_t len, int64_t *t,
    int *offset);

/*
 * The time t as read on a clock at "offset" seconds east of UTC, in French:
 * "mardi 8 février 2022 à 9 h 00" (UTF-8).  Writes at most CC_TIME_FR_LEN
 * bytes with the NUL and returns the length, or 0 when t is out of range.
 */
size_t cc_time_format_fr(int64_t t, int offset, char *out);

/* a time as read on a clock: month 1-12, wday 0 (Sunday) to 6 */
typedef struct {
    int  year, month, day, wday, hour, min, sec;
} cc_tm_t;

/* t at "offset" seconds east of UTC; -1 when out of range */
int cc_time_civil(int64_t t, int offset, cc_tm_t *tm);

/* Europe/Paris' offset at t: 7200 in summer time, 3600 otherwise */
int cc_time_paris_offset(int64_t t);

/* "lundi", "janvier" */
const char *cc_time_day_fr(int wday);
const char *cc_time_month_fr(int month);

typedef enum {
    CC_PHASE_BEFORE = 0,
    CC_PHASE_OPEN,
    CC_PHASE_CLOSED
} cc_phase_e;

/* open while start <= now <= end: the end's own second is still open */
cc_phase_e cc_time_phase(int64_t start, int64_t end, int64_t now);

/* "before", "open", "closed" */
const char *cc_phase_name(cc_phase_e phase);

#endif /* CC_TIME_H */
