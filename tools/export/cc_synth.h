/*
 * The synthesis report (concertation-export --synthese): the answers of the
 * questionnaire stream counted in one pass against the definition, the
 * registrations per event, and the report written as one self-contained
 * HTML file (inline styles, charts as inline SVG, every figure in a table
 * too).  No Redis here: export_synth.c reads the streams and feeds these.
 *
 * Memory is bounded by the definition, not by the number of answers: the
 * counts are per option, point, row and cross-tabulation group; the free
 * texts go to temporary files as they come, one per text and group, and
 * are copied into the report at the end.
 */

#ifndef CC_SYNTH_H
#define CC_SYNTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cc_schema_int.h"
#include "cc_events.h"

#define CC_SYNTH_MAX_CROSS    4      /* --croiser, at most */
#define CC_SYNTH_MAX_UNKNOWN  200    /* distinct unknown names kept */
#define CC_SYNTH_MAX_DAYS     3660   /* days of answers charted */
#define CC_SYNTH_MAX_TEXT_GROUPS 32  /* texts grouped by at most this */

typedef struct cc_synth_s  cc_synth_t;

/* a small string -> count table (unknown fields and values, events) */
typedef struct {
    char       **keys;
    uint64_t    *counts;
    size_t       n;
    size_t       cap;
    uint64_t     dropped;            /* past CC_SYNTH_MAX_UNKNOWN names */
} cc_synth_tally_t;

/* the counts of one question */
typedef struct {
    uint64_t     asked;              /* answers whose conditions held */
    uint64_t     answered;
    uint64_t    *opt;                /* choice, multiple: per option;
                                        ranking: first places */
    uint64_t    *rank;               /* ranking: [option * max + rank] */
    uint64_t    *borda;              /* ranking: per option */
    uint64_t    *pts;                /* scale: [points + 1], "nsp" last;
                                        matrix: [row * (points + 1) + p] */
    uint64_t    *row_answered;       /* matrix: per row (points only) */
    uint64_t    *row_sum;            /* matrix: sum of the points, per row */
    uint64_t     sum;                /* scale: sum of the points */
    uint64_t     others;             /* "other" texts given */
    /* number: counts per value, as an ordered list of distinct values */
    long long   *nval;
    uint64_t    *ncount;
    size_t       nn;
    size_t       ncap;
    /* cross-tabulations: per --croiser field, per group, width cells */
    uint64_t    *cross[CC_SYNTH_MAX_CROSS];
    uint64_t    *cross_answered[CC_SYNTH_MAX_CROSS];
    size_t       width;
} cc_synth_field_t;

/* a registration event's figures */
typedef struct {
    char        *id;
    uint64_t     confirmed;          /* at the end of the stream */
    uint64_t     waiting;
    uint64_t     cancelled;
    uint64_t     registrations;      /* entries registered or waitlisted */
    uint64_t     promoted;
} cc_synth_event_t;

cc_synth_t *cc_synth_new(const cc_schema_t *schema,
    const char *const *cross, size_t ncross, char *err, size_t errlen);
void cc_synth_free(cc_synth_t *s);

/*
 * One entry of the questionnaire stream: its stream id, received_at (RFC
 * 3339) and data (the stored answer, JSON).  0; 1 when data is not a JSON
 * object (counted apart); -1 on no memory or a temporary file's error.
 */
int cc_synth_answer(cc_synth_t *s, const char *sid, const char *received_at,
    const char *data, size_t len);

/* One entry of the registrations stream.  0, or -1 on no memory. */
int cc_synth_registration(cc_synth_t *s, const char *sid, const char *id,
    const char *event, const char *status, const char *received_at);

/* what the report says of how it was made */
typedef struct {
    const char  *generated;          /* RFC 3339 */
    const char  *schema_path;
    const char  *stream_key;
    const char  *regs_key;           /* NULL: no registrations stream */
    const char  *programme_path;     /* NULL: none */
    const cc_events_t *programme;    /* NULL: none */
} cc_synth_meta_t;

/* The report.  0, or -1 when writing failed. */
int cc_synth_html(cc_synth_t *s, FILE *out, const cc_synth_meta_t *meta);


/* the counts, for the report's writer and the tests */

uint64_t cc_synth_total(const cc_synth_t *s);
uint64_t cc_synth_unreadable(const cc_synth_t *s);
const cc_synth_field_t *cc_synth_field(const cc_synth_t *s,
    const char *name);
/* unknown names ("ancien_champ") and values ("profil = ancienne") */
const cc_synth_tally_t *cc_synth_unknown(const cc_synth_t *s);
const cc_synth_event_t *cc_synth_event(const cc_synth_t *s, const char *id);
/* the number's median, over the values given (0 when none) */
double cc_synth_median(const cc_synth_field_t *f);


/* shared by the counting and the writing (cc_synth_*.c) */

typedef struct {
    FILE        *fp;                 /* NULL: nothing yet */
    uint64_t     n;
} cc_synth_texts_t;

struct cc_synth_s {
    const cc_schema_t   *schema;
    size_t               ncross;
    const cc_field_t    *cross[CC_SYNTH_MAX_CROSS];
    size_t               ngroups[CC_SYNTH_MAX_CROSS];  /* options + 1 */
    cc_synth_field_t    *fields;     /* per schema field */
    /* free texts: per text slot (a text, a textarea, an "other"), per
       group of the first cross field (or one group) */
    cc_synth_texts_t    *texts;      /* [slot * ntext_groups + group] */
    size_t               ntext_groups;
    uint64_t             total;
    uint64_t             unreadable;
    int64_t              first_ms;   /* received_at, -1: none */
    int64_t              last_ms;
    char                 first_sid[48];
    char                 last_sid[48];
    int64_t              day0;       /* the first answer's day (Paris) */
    uint64_t            *days;       /* answers per day from day0 */
    size_t               ndays;
    uint64_t             days_dropped;
    cc_synth_tally_t     unknown;
    /* registrations */
    cc_synth_event_t    *events;
    size_t               nevents;
    size_t               cevents;
    uint64_t             regs_total;
    uint64_t             regs_unknown;  /* a change of an id never seen */
    char                 regs_first_sid[48];
    char                 regs_last_sid[48];
    int64_t              rday0;
    uint64_t            *rdays;
    size_t               nrdays;
    void                *regs_ids;   /* id -> (event, state) */
};

int cc_synth_tally_add(cc_synth_tally_t *t, const char *key, size_t len);
void cc_synth_tally_free(cc_synth_tally_t *t);
/* the day (Paris time) of an RFC 3339 time, as days since 1970, or -1 */
int64_t cc_synth_day(const char *rfc3339, int64_t *ms);
/* one more in days[day - *day0], day0 set by the first; beyond
   CC_SYNTH_MAX_DAYS (or before day0), one more in *dropped */
int cc_synth_days_add(uint64_t **days, size_t *ndays, int64_t *day0,
    uint64_t *dropped, int64_t day);
/* cc_synth_field.c: one question of an answer (json_t from jansson) */
struct json_t;
long cc_synth_option(const cc_field_t *f, struct json_t *v);
int cc_synth_cond(const cc_schema_t *schema, const cc_cond_t *c,
    struct json_t *root);
int cc_synth_text(cc_synth_t *s, size_t slot, size_t group,
    struct json_t *v);
int cc_synth_field_add(cc_synth_t *s, size_t i, struct json_t *root,
    const size_t *group);
/* cc_synth_regs.c */
int cc_synth_regs_add(cc_synth_t *s, const char *id, const char *event,
    const char *status, int64_t day);
void cc_synth_regs_free(cc_synth_t *s);
/* cc_synth_html.c and cc_synth_svg.c */
typedef struct {
    const char  *label;
    uint64_t     n;
} cc_synth_bar_t;

#endif /* CC_SYNTH_H */
