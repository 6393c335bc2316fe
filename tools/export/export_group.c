/*
 * The incremental export, through a consumer group (export_stream.c has
 * the entries and the whole export).
 *
 * The incremental export writes each entry to exactly one file, whatever
 * step a crash interrupts:
 *
 *   1. the new file is written under a temporary name and fsync()ed;
 *   2. the state file (written whole: tmp, fsync, rename) records the
 *      last id in it, its final name and its temporary name;
 *   3. the file is renamed to its final name (the directory fsync()ed);
 *   4. the entries up to that id are acknowledged (XACK).
 *
 * At start, a state whose temporary file is still there is finished (step
 * 3 again), the entries still pending up to the state's id are acknowledged
 * without being written again (they are in an earlier file), and the ones
 * after it are written first.  A crash before step 2 leaves an orphan
 * temporary file that is never renamed: its entries are still pending and
 * go to the next file.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "export.h"


/* XACK every entry pending for our consumer up to "upto" */

static void
export_ack_upto(export_stream_t *s, cc_sid_t upto)
{
    char               end[CC_SID_LEN], cnt[24];
    size_t             i, n, argc;
    redisReply        *r, *e;
    const char       **argv;
    cc_export_opts_t  *o;

    o = s->ex->opts;
    cc_sid_format(upto, end);
    snprintf(cnt, sizeof(cnt), "%u", o->batch);

    argv = malloc((o->batch + 3) * sizeof(char *));
    if (argv == NULL) {
        export_die(EX_FILES, "mémoire insuffisante");
    }

    do {
        r = export_cmdv(s->ex, "XPENDING", s->ex->key, o->group, "-", end,
                        cnt, o->consumer, NULL);

        if (r->type != REDIS_REPLY_ARRAY) {
            export_die(EX_REDIS, "XPENDING %s : %s", s->ex->key,
                       r->type == REDIS_REPLY_ERROR ? r->str : "?");
        }

        n = r->elements;

        if (n) {
            argv[0] = "XACK";
            argv[1] = s->ex->key;
            argv[2] = o->group;
            argc = 3;

            for (i = 0; i < n; i++) {
                e = r->element[i];

                if (e->type != REDIS_REPLY_ARRAY || e->elements < 1
                    || e->element[0]->type != REDIS_REPLY_STRING)
                {
                    export_die(EX_REDIS, "réponse inattendue de XPENDING");
                }

                argv[argc++] = e->element[0]->str;
            }

            e = export_cmd(s->ex, (int) argc, argv, NULL);
            if (e->type != REDIS_REPLY_INTEGER) {
                export_die(EX_REDIS, "XACK : %s",
                           e->type == REDIS_REPLY_ERROR ? e->str : "?");
            }

            freeReplyObject(e);
        }

        freeReplyObject(r);

    } while (n == o->batch);

    free(argv);
}


/*
 * Entries left pending for another consumer of the group (an earlier run
 * with another --consommateur) become ours, so that they are exported, or
 * acknowledged when the state says they already were (XAUTOCLAIM, Redis
 * 6.2 and later).
 */

static void
export_claim(export_stream_t *s)
{
    char               cursor[CC_SID_LEN + 1], cnt[24];
    redisReply        *r;
    cc_export_opts_t  *o;

    o = s->ex->opts;
    snprintf(cnt, sizeof(cnt), "%u", o->batch);
    strcpy(cursor, "0-0");

    do {
        r = export_cmdv(s->ex, "XAUTOCLAIM", s->ex->key, o->group,
                        o->consumer, "0", cursor, "COUNT", cnt, "JUSTID",
                        NULL);

        if (r->type != REDIS_REPLY_ARRAY || r->elements < 2
            || r->element[0]->type != REDIS_REPLY_STRING
            || r->element[0]->len >= sizeof(cursor))
        {
            export_die(EX_REDIS, "XAUTOCLAIM %s : %s", s->ex->key,
                       r->type == REDIS_REPLY_ERROR ? r->str
                                                    : "réponse inattendue");
        }

        memcpy(cursor, r->element[0]->str, r->element[0]->len + 1);
        freeReplyObject(r);

    } while (strcmp(cursor, "0-0") != 0);
}


/* one XREADGROUP; NULL reply (nothing) gives an empty list */

static size_t
export_read_group(export_stream_t *s, const char *from, unsigned count,
    cc_sid_t *cursor)
{
    char         cnt[24];
    size_t       n;
    redisReply  *r, *list;

    snprintf(cnt, sizeof(cnt), "%u", count);

    r = export_cmdv(s->ex, "XREADGROUP", "GROUP", s->ex->opts->group,
                    s->ex->opts->consumer, "COUNT", cnt, "STREAMS",
                    s->ex->key, from, NULL);

    if (r->type == REDIS_REPLY_NIL) {
        freeReplyObject(r);
        return 0;
    }

    if (r->type != REDIS_REPLY_ARRAY || r->elements != 1
        || r->element[0]->type != REDIS_REPLY_ARRAY
        || r->element[0]->elements != 2
        || r->element[0]->element[1]->type != REDIS_REPLY_ARRAY)
    {
        export_die(EX_REDIS, "XREADGROUP %s : %s", s->ex->key,
                   r->type == REDIS_REPLY_ERROR ? r->str
                                                : "réponse inattendue");
    }

    list = r->element[0]->element[1];
    n = export_entries(s, list, cursor);
    freeReplyObject(r);

    return n;
}


static void
export_lock(const char *state)
{
    int   fd;
    char  path[CC_STATE_MAX + 16];

    snprintf(path, sizeof(path), "%s.verrou", state);

    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd == -1) {
        export_die(EX_FILES, "%s : %s", path, strerror(errno));
    }

    /* held until the process ends, whatever way it ends */
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        export_die(EX_LOCKED, "un autre export utilise %s", state);
    }
}


static void
export_state_read(export_stream_t *s, const char *path,
    cc_export_state_t *st)
{
    char        err[256], chunk[4096];
    FILE       *fp;
    size_t      len;
    cc_xbuf_t   b;

    fp = fopen(path, "r");

    if (fp == NULL) {
        if (errno != ENOENT) {
            export_die(EX_FILES, "%s : %s", path, strerror(errno));
        }

        memset(st, 0, sizeof(cc_export_state_t));
        strcpy(st->last, "0-0");
        return;
    }

    cc_xbuf_init(&b);

    while ((len = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
        if (cc_xbuf_add(&b, chunk, len) != 0 || b.len > 64 * 1024) {
            export_die(EX_FILES, "%s : trop grand", path);
        }
    }

    fclose(fp);

    if (cc_export_state_parse(b.data ? b.data : "", b.len, st, err,
                              sizeof(err))
        != 0)
    {
        export_die(EX_FILES, "fichier d'état %s : %s", path, err);
    }

    cc_xbuf_free(&b);

    if (strcmp(st->stream, s->ex->key) != 0
        || strcmp(st->group, s->ex->opts->group) != 0)
    {
        export_die(EX_FILES, "le fichier d'état %s est celui du flux %s, "
                   "groupe %s (--etat)", path, st->stream, st->group);
    }
}


static void
export_state_write(const char *path, cc_export_state_t *st)
{
    cc_xbuf_t  b;

    cc_xbuf_init(&b);

    if (cc_export_state_format(st, &b) != 0) {
        export_die(EX_FILES, "mémoire insuffisante");
    }

    export_file_atomic(path, b.data, b.len);
    cc_xbuf_free(&b);
}


int
export_incremental(export_stream_t *s, const char *out)
{
    char                tmp[CC_STATE_MAX + 64], statebuf[CC_STATE_MAX];
    char                from[CC_SID_LEN], abs[CC_STATE_MAX];
    char               *dir;
    size_t              n;
    unsigned            count;
    cc_sid_t            last, cursor;
    redisReply         *r;
    struct stat         sb;
    const char         *state;
    cc_export_opts_t   *o;
    cc_export_state_t   st;

    o = s->ex->opts;

    /* the state names files that a run from another directory finds */
    if (out[0] != '/') {
        if (getcwd(abs, sizeof(abs)) == NULL
            || strlen(abs) + strlen(out) + 2 >= CC_STATE_MAX - 64)
        {
            export_die(EX_USAGE_ERR, "--sortie : nom trop long");
        }

        strcat(abs, "/");
        strcat(abs, out);
        out = abs;
    }

    if (strlen(out) >= CC_STATE_MAX - 64) {
        export_die(EX_USAGE_ERR, "--sortie : nom trop long");
    }

    state = o->state;

    if (state == NULL) {
        dir = strdup(out);
        if (dir == NULL) {
            export_die(EX_FILES, "mémoire insuffisante");
        }

        snprintf(statebuf, sizeof(statebuf),
                 "%s/concertation-export-%s-%s.etat", dirname(dir),
                 o->stream, o->group);
        free(dir);
        state = statebuf;
    }

    export_lock(state);
    export_state_read(s, state, &st);

    /* a crash between the state and the rename: finish the rename */
    if (st.tmp[0] != '\0' && stat(st.tmp, &sb) == 0
        && stat(st.file, &sb) != 0)
    {
        export_file_install(st.tmp, st.file);
        fprintf(stderr, "concertation-export : export précédent terminé : "
                "%s\n", st.file);
    }

    r = export_cmdv(s->ex, "XGROUP", "CREATE", s->ex->key, o->group, "0",
                    "MKSTREAM", NULL);

    if (r->type == REDIS_REPLY_ERROR && !export_is_error(r, "BUSYGROUP")) {
        export_die(EX_REDIS, "XGROUP CREATE %s %s : %s", s->ex->key,
                   o->group, r->str);
    }

    freeReplyObject(r);

    if (cc_sid_parse(st.last, strlen(st.last), &last) != 0) {
        export_die(EX_FILES, "fichier d'état %s : id invalide", state);
    }

    export_claim(s);

    /* pending up to the state's id: already in an earlier file */
    export_ack_upto(s, last);

    s->fp = export_file_open(out, tmp, sizeof(tmp));
    export_header(s);

    /* pending after it (a crash before the state), then the new ones */
    cursor = last;

    for ( ;; ) {
        count = o->batch;

        if (o->max && o->max - s->ex->entries < count) {
            count = (unsigned) (o->max - s->ex->entries);
        }

        if (count == 0) {
            break;
        }

        if (cursor.ms == UINT64_MAX && cursor.seq == UINT64_MAX) {
            n = 0;

        } else {
            cc_sid_format(cursor, from);
            n = export_read_group(s, from, count, &cursor);
        }

        if (n == 0) {
            break;
        }
    }

    while ((count = (o->max && o->max - s->ex->entries < o->batch)
                    ? (unsigned) (o->max - s->ex->entries) : o->batch)
           > 0)
    {
        if (export_read_group(s, ">", count, &cursor) == 0) {
            break;
        }
    }

    if (s->ex->entries == 0) {
        if (fclose(s->fp) != 0 || unlink(tmp) != 0) {
            export_die(EX_FILES, "%s : %s", tmp, strerror(errno));
        }

        /* deleted pending entries: nothing to write, acknowledged */
        if (s->pending_gone) {
            export_ack_upto(s, cursor);
        }

        fprintf(stderr, "concertation-export : aucune nouvelle entrée, "
                "aucun fichier écrit\n");
        return export_done(s);
    }

    /*
     * Only now, with something to write: a run with nothing new exits 0
     * whatever the name (a cron job twice in the minute of its pattern).
     * What was read stays pending, and the next run writes it.
     */

    if (stat(out, &sb) == 0) {
        (void) fclose(s->fp);
        (void) unlink(tmp);
        export_die(EX_FILES, "%s existe déjà : un export n'en remplace "
                   "jamais un autre ; les %llu nouvelles entrées iront dans "
                   "le fichier du prochain export", out, s->ex->entries);
    }

    export_file_close(s->fp, tmp);
    export_crash_point("avant-etat");

    cc_sid_format(s->last, st.last);
    strcpy(st.stream, s->ex->key);
    strcpy(st.group, o->group);
    strcpy(st.file, out);
    strcpy(st.tmp, tmp);
    export_state_write(state, &st);
    export_crash_point("avant-renommage");

    export_file_install(tmp, out);
    export_crash_point("avant-ack");

    export_ack_upto(s, cc_sid_cmp(cursor, s->last) > 0 ? cursor : s->last);

    fprintf(stderr, "concertation-export : %llu entrées écrites dans %s "
            "(jusqu'à %s)\n", s->ex->entries, out, st.last);

    return export_done(s);
}
