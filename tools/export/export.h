/*
 * concertation-export: the back-office export of the streams (answers,
 * registrations) to CSV and JSON Lines, incremental through a consumer
 * group, and the purge of personal data.  The logic that needs no Redis
 * is in cc_export*.c beside it, unit-tested and fuzzed.
 */

#ifndef EXPORT_H
#define EXPORT_H

#include <stdio.h>

#include <hiredis/hiredis.h>

#include "cc_export.h"
#include "cc_events.h"

/* exit statuses (documented in --help and README) */
#define EX_OK          0
#define EX_USAGE_ERR   1     /* bad command line */
#define EX_REDIS       2     /* Redis unreachable, refused or failed */
#define EX_FILES       3     /* schema, output or state file */
#define EX_DATA        4     /* done, but some entries could not be read,
                                or the list disagrees with the counters */
#define EX_LOCKED      5     /* another export holds the state file */
#define EX_CRASH       99    /* CONCERTATION_EXPORT_CRASH (tests) */

typedef struct {
    cc_export_opts_t   *opts;
    redisContext       *redis;
    char                key[1024];     /* the stream's key */
    unsigned long long  entries;       /* written */
    unsigned long long  unreadable;
    int                 progress;      /* stderr is a terminal */
    double              started;
    double              shown;
} export_t;

/* export_main.c */
void export_die(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
void export_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double export_now(void);
void export_progress(export_t *ex, int last);
void export_crash_point(const char *name);

/* export_help.c */
void export_help(FILE *fp);
/* --dictionnaire: the codebook of --schema, written to --sortie */
int export_codebook(cc_export_opts_t *opts);

/* export_redis.c */
void export_connect(export_t *ex);
redisReply *export_cmd(export_t *ex, int argc, const char **argv,
    const size_t *lens);
redisReply *export_cmdv(export_t *ex, ...);   /* NULL-terminated strings */
int export_is_error(redisReply *r, const char *prefix);

/* export_file.c */
/* the form's definition; a registration form with the programme's events */
cc_events_t *export_programme(cc_export_opts_t *o, char *err,
    size_t errlen);
cc_schema_t *export_schema_load(cc_export_opts_t *o, const char *path);
FILE *export_file_open(const char *path, char *tmp, size_t tmplen);
void export_file_close(FILE *fp, const char *tmp);
void export_file_install(const char *tmp, const char *path);
void export_file_atomic(const char *path, const char *data, size_t len);
void export_fsync_dir(const char *path);
void export_write(FILE *fp, const char *data, size_t len);

/* export_stream.c: the entries; export_group.c: the incremental export */
typedef struct {
    cc_xstr_t          id;
    cc_xstr_t          received_at;
    cc_xstr_t          form;
    cc_xstr_t          data;
    cc_xstr_t          client;
    cc_xstr_t          event;
    cc_xstr_t          status;
    cc_xstr_t          position;
} export_entry_t;

typedef struct {
    export_t          *ex;
    cc_schema_t       *schema;
    FILE              *fp;
    cc_xbuf_t          buf;
    int                registrations;     /* the inscriptions stream */
    cc_sid_t           last;              /* the last id written */
    unsigned long long pending_gone;
} export_stream_t;

int export_stream(export_t *ex);
void export_header(export_stream_t *s);
size_t export_entries(export_stream_t *s, redisReply *list,
    cc_sid_t *cursor);
int export_done(export_stream_t *s);
int export_incremental(export_stream_t *s, const char *out);

/* export_regs.c; export_reply_field: the value of field "name" in an
   entry's field list (NULL when absent), its length in *len */
int export_registrations(export_t *ex);
const char *export_reply_field(redisReply *kv, const char *name, size_t *len);

/* export_synth.c: --synthese */
int export_synthesis(export_t *ex);

/* export_purge.c */
int export_purge(export_t *ex);

#endif /* EXPORT_H */
