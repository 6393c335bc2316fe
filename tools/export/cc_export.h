/*
 * The back-office export (tools/export/, concertation-export): what can be
 * tested without Redis.  CSV cells and rows built from a stored answer and
 * the schema, JSON Lines, the registration list replayed from the state
 * changes, the command line, stream ids and the incremental state file.
 */

#ifndef CC_EXPORT_H
#define CC_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "cc_schema.h"

/* between the values of a multiple choice, in one cell */
#define CC_EXPORT_JOINER      " | "
#define CC_EXPORT_BOM         "\xef\xbb\xbf"

#define CC_EXPORT_RAW_VALUES  0x01     /* option values, not their labels */
#define CC_EXPORT_CLIENT      0x02     /* the pseudonymous client key */

/* a growing byte buffer; nomem sticks once an allocation failed */
typedef struct {
    char        *data;
    size_t       len;
    size_t       size;
    int          nomem;
} cc_xbuf_t;

void cc_xbuf_init(cc_xbuf_t *b);
void cc_xbuf_free(cc_xbuf_t *b);
int cc_xbuf_add(cc_xbuf_t *b, const char *s, size_t len);
int cc_xbuf_str(cc_xbuf_t *b, const char *s);

typedef struct {
    const char  *data;      /* NULL: an empty cell, or a JSON key left out */
    size_t       len;
} cc_xstr_t;

/*
 * One CSV cell.  A value starting with '=', '+', '-', '@', TAB or CR gets
 * a leading apostrophe (a spreadsheet would run it as a formula); then a
 * value holding the separator, '"', CR or LF is quoted, its quotes doubled
 * (RFC 4180).  0, or -1 when out of memory.
 */
int cc_export_csv_cell(cc_xbuf_t *b, const char *s, size_t len, char sep);

/*
 * 0 when the schema can be exported: no option value or label of a
 * multiple choice contains CC_EXPORT_JOINER (a cell could not be read
 * back); otherwise -1 and why in err.
 */
int cc_export_schema_check(const cc_schema_t *schema, char *err,
    size_t errlen);

/* the header row: head names, the schema's field names, tail names, CRLF */
/*
 * The codebook of a definition: per column of the CSV, its question, part,
 * type, condition, and each code with its label (one row per code).
 */
int cc_export_codebook(cc_xbuf_t *b, const cc_schema_t *schema, char sep);

int cc_export_csv_header(cc_xbuf_t *b, const cc_schema_t *schema,
    const char *const *head, size_t nhead, const char *const *tail,
    size_t ntail, char sep);

/*
 * One row: the head cells, one cell per schema field read from "data" (the
 * normalised answer, a JSON object; NULL or empty: empty cells), the tail
 * cells, CRLF.  Choices give their option's label (the value itself with
 * CC_EXPORT_RAW_VALUES, or when the schema has no such option), multiple
 * choices their labels joined by CC_EXPORT_JOINER, consent "oui"/"non",
 * texts as they are.  Returns 0; 1 when data is not a JSON object (the
 * row is written with empty fields); -1 when out of memory.
 */
int cc_export_csv_row(cc_xbuf_t *b, const cc_schema_t *schema,
    const cc_xstr_t *head, size_t nhead, const char *data, size_t data_len,
    const cc_xstr_t *tail, size_t ntail, char sep, unsigned flags);

/*
 * One JSON Lines line: {"<keys[0]>":"<vals[0]>",...,"data":{...},
 * "<tail keys>":...}\n, compact, keys in that order; pairs whose value is
 * NULL are left out, and "data" when data is NULL.  Returns 0; 1 when data
 * is not a JSON object (it is then written as a string); -1 on no memory.
 */
int cc_export_jsonl(cc_xbuf_t *b, const char *const *keys,
    const cc_xstr_t *vals, size_t n, const char *data, size_t data_len,
    const char *const *tail_keys, const cc_xstr_t *tail_vals, size_t ntail);


/* stream ids: "<ms>-<seq>" */

typedef struct {
    uint64_t     ms;
    uint64_t     seq;
} cc_sid_t;

#define CC_SID_LEN  42      /* two 20-digit numbers, '-', NUL */

/* the whole of s[0..len); "<ms>" alone means "<ms>-0".  0 or -1 */
int cc_sid_parse(const char *s, size_t len, cc_sid_t *sid);
int cc_sid_cmp(cc_sid_t a, cc_sid_t b);
void cc_sid_format(cc_sid_t sid, char *out);
/* the smallest id after sid (saturates at the largest) */
cc_sid_t cc_sid_next(cc_sid_t sid);


/*
 * A date for the purge: "YYYY-MM-DD" (midnight UTC that day) or an RFC
 * 3339 timestamp with its offset; Unix time in ms.  NULL, or why (French).
 */
const char *cc_export_parse_date(const char *s, int64_t *ms);

/*
 * A Redis address: "host:port" (IPv4 literal or name, port 1..65535) or
 * "unix:/path".  host (up to hostlen) is set, and *port, or *port = 0 and
 * host holds the socket path.  0 or -1.
 */
int cc_export_parse_redis(const char *s, char *host, size_t hostlen,
    int *port);


/* the command line */

typedef enum {
    CC_EXPORT_INCREMENTAL = 0,
    CC_EXPORT_FULL,
    CC_EXPORT_REGISTRATIONS,
    CC_EXPORT_PURGE,
    CC_EXPORT_CODEBOOK,
    CC_EXPORT_SYNTHESIS,
    CC_EXPORT_HELP,
    CC_EXPORT_VERSION
} cc_export_mode_e;

typedef struct {
    cc_export_mode_e   mode;
    const char        *redis;        /* "127.0.0.1:6379" */
    const char        *sentinel;     /* "NAME@host:port,…", or NULL */
    int                database;
    const char        *prefix;       /* "concertation:" */
    const char        *stream;       /* "questionnaire", "inscriptions" */
    const char        *schema;       /* NULL: the default for the stream */
    const char        *events;       /* the programme, for a registration
                                        form's "options": "programme" */
    int                jsonl;
    const char        *output;       /* NULL or "-": standard output */
    char               sep;
    int                bom;
    unsigned           flags;        /* CC_EXPORT_RAW_VALUES, _CLIENT */
    const char        *event;        /* registrations */
    int64_t            purge_before; /* ms */
    int                dry_run;
    const char        *group;
    const char        *consumer;
    const char        *state;        /* NULL: next to the output */
    unsigned           batch;
    uint64_t           max;          /* entries per run, 0: all */
    int                stats;
    const char        *cross[4];     /* --croiser (CC_SYNTH_MAX_CROSS) */
    size_t             ncross;
} cc_export_opts_t;

/*
 * Parses argv[1..argc) into opts (defaults first).  0, or -1 with a
 * French message in err.  The strings of opts point into argv.
 */
int cc_export_args(int argc, char *const *argv, cc_export_opts_t *opts,
    char *err, size_t errlen);


/* the incremental export's state file */

#define CC_STATE_MAX  4096

typedef struct {
    char         stream[256];
    char         group[256];
    char         last[CC_SID_LEN];   /* last id written to a durable file */
    char         file[CC_STATE_MAX]; /* that file's final path */
    char         tmp[CC_STATE_MAX];  /* its temporary name ("" once done) */
} cc_export_state_t;

/* the file's text */
int cc_export_state_format(const cc_export_state_t *st, cc_xbuf_t *b);

/* 0, or -1 with why (French) in err; unknown lines are refused */
int cc_export_state_parse(const char *s, size_t len, cc_export_state_t *st,
    char *err, size_t errlen);


/* the registration list of one event, replayed from its state changes */

typedef struct cc_regs_s  cc_regs_t;

cc_regs_t *cc_regs_new(void);
void cc_regs_free(cc_regs_t *regs);

/*
 * One state change ("registered", "waitlisted", "promoted", "cancelled")
 * of registration id, in stream order; data (the answer) for the first
 * two.  0; 1 when it does not follow from what came before (an unknown
 * id: the stream was trimmed) and is ignored; -1 on no memory.
 */
int cc_regs_apply(cc_regs_t *regs, const char *id, const char *status,
    const char *data, size_t data_len, const char *received_at);

/* the list: confirmed by confirmation order, then the waiting list */
size_t cc_regs_count(const cc_regs_t *regs);
/* i-th of the list: its id, 1 when confirmed, 0 when waiting */
const char *cc_regs_get(cc_regs_t *regs, size_t i, int *confirmed);

/*
 * The attendance sheet: header then one row per person, columns nom,
 * prenom, email, organisation, besoins, statut (confirmee, liste_attente),
 * position (on the waiting list, 1 = next), inscrit_le, id.
 */
/*
 * questions: the event's own questions (the programme's JSON array of
 * {name, …}), or NULL; their columns come first, in that order, even
 * when nobody answered them, then any other field the answers carry.
 */
int cc_regs_csv(cc_regs_t *regs, cc_xbuf_t *b, char sep, int bom,
    const char *questions);

#endif /* CC_EXPORT_H */
