/*
 * The answers (or the registrations' state changes) as CSV or JSON Lines:
 * the whole stream with XRANGE (--complet), or what is new since the last
 * run through a consumer group.  Batches of --lot entries are written as
 * they come: the memory does not depend on the number of entries.
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





static void
export_field(redisReply *kv, export_entry_t *e)
{
    size_t        i;
    cc_xstr_t    *dst;
    const char   *k;
    redisReply   *name, *val;

    memset(e, 0, sizeof(export_entry_t));

    for (i = 0; i + 1 < kv->elements; i += 2) {
        name = kv->element[i];
        val = kv->element[i + 1];

        if (name->type != REDIS_REPLY_STRING
            || val->type != REDIS_REPLY_STRING)
        {
            continue;
        }

        k = name->str;

        if (strcmp(k, "id") == 0) {
            dst = &e->id;
        } else if (strcmp(k, "received_at") == 0) {
            dst = &e->received_at;
        } else if (strcmp(k, "form") == 0) {
            dst = &e->form;
        } else if (strcmp(k, "data") == 0) {
            dst = &e->data;
        } else if (strcmp(k, "client") == 0) {
            dst = &e->client;
        } else if (strcmp(k, "event") == 0) {
            dst = &e->event;
        } else if (strcmp(k, "status") == 0) {
            dst = &e->status;
        } else if (strcmp(k, "position") == 0) {
            dst = &e->position;
        } else {
            continue;
        }

        dst->data = val->str;
        dst->len = val->len;
    }
}


static const char  *export_q_head[] = { "id", "received_at" };
static const char  *export_q_json[] = { "id", "received_at", "form" };
static const char  *export_r_head[] = {
    "id", "received_at", "event", "status", "position"
};
static const char  *export_tail[] = { "client" };


void
export_header(export_stream_t *s)
{
    unsigned  flags;

    if (s->ex->opts->jsonl) {
        return;
    }

    flags = s->ex->opts->flags;
    s->buf.len = 0;

    if (s->ex->opts->bom) {
        cc_xbuf_str(&s->buf, CC_EXPORT_BOM);
    }

    if (cc_export_csv_header(&s->buf, s->schema,
                             s->registrations ? export_r_head : export_q_head,
                             s->registrations ? 5 : 2, export_tail,
                             (flags & CC_EXPORT_CLIENT) ? 1 : 0,
                             s->ex->opts->sep)
        != 0)
    {
        export_die(EX_FILES, "mémoire insuffisante");
    }

    export_write(s->fp, s->buf.data, s->buf.len);
}


static void
export_entry(export_stream_t *s, const char *sid, export_entry_t *e)
{
    int                rc;
    size_t             ntail;
    cc_xstr_t          head[5];
    cc_export_opts_t  *o;

    o = s->ex->opts;
    ntail = (o->flags & CC_EXPORT_CLIENT) ? 1 : 0;
    s->buf.len = 0;

    head[0] = e->id;
    head[1] = e->received_at;

    if (s->registrations) {
        head[2] = e->event;
        head[3] = e->status;
        head[4] = e->position;
    } else {
        head[2] = e->form;
    }

    if (o->jsonl) {
        rc = cc_export_jsonl(&s->buf,
                             s->registrations ? export_r_head
                                              : export_q_json,
                             head, s->registrations ? 5 : 3,
                             e->data.data, e->data.len, export_tail,
                             &e->client, ntail);

    } else {
        rc = cc_export_csv_row(&s->buf, s->schema, head,
                               s->registrations ? 5 : 2,
                               e->data.data, e->data.len, &e->client, ntail,
                               o->sep, o->flags);
    }

    if (rc < 0) {
        export_die(EX_FILES, "mémoire insuffisante");
    }

    if (rc > 0 || (e->data.data == NULL && !s->registrations)) {
        s->ex->unreadable++;
        export_warn("entrée %s : réponse illisible, écrite sans ses champs",
                    sid);
    }

    export_write(s->fp, s->buf.data, s->buf.len);
    s->ex->entries++;
}


/*
 * Writes the entries of an XRANGE / XREADGROUP list; returns how many,
 * the last id in *cursor.  Deleted entries (a pending id whose entry was
 * trimmed) are counted aside.
 */

size_t
export_entries(export_stream_t *s, redisReply *list, cc_sid_t *cursor)
{
    size_t           i;
    cc_sid_t         sid;
    redisReply      *e;
    export_entry_t   entry;

    for (i = 0; i < list->elements; i++) {
        e = list->element[i];

        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2
            || e->element[0]->type != REDIS_REPLY_STRING
            || cc_sid_parse(e->element[0]->str, e->element[0]->len, &sid)
               != 0)
        {
            export_die(EX_REDIS, "réponse inattendue de Redis (entrée)");
        }

        *cursor = sid;

        if (e->element[1]->type != REDIS_REPLY_ARRAY) {
            s->pending_gone++;
            continue;
        }

        export_field(e->element[1], &entry);
        export_entry(s, e->element[0]->str, &entry);
        s->last = sid;
    }

    export_progress(s->ex, 0);

    return list->elements;
}


static void
export_schema(export_stream_t *s)
{
    char               err[1024];
    const char        *path;
    cc_export_opts_t  *o;

    o = s->ex->opts;

    if (o->jsonl) {
        return;
    }

    path = o->schema;

    if (path == NULL) {
        path = s->registrations
               ? "/etc/nginx/concertation/inscription.json"
               : "/etc/nginx/concertation/questionnaire.json";
    }

    s->schema = export_schema_load(s->ex->opts, path);

    if (cc_export_schema_check(s->schema, err, sizeof(err)) != 0) {
        export_die(EX_FILES, "schéma %s : %s", path, err);
    }
}


/* --sortie with strftime() sequences, in UTC: reponses-%Y%m%d-%H%M.csv */

static const char *
export_output_name(const char *pattern, char *buf, size_t len)
{
    time_t      now;
    struct tm   tm;

    if (strchr(pattern, '%') == NULL) {
        return pattern;
    }

    now = time(NULL);
    gmtime_r(&now, &tm);

    if (strftime(buf, len, pattern, &tm) == 0) {
        export_die(EX_USAGE_ERR, "--sortie : motif invalide : %s", pattern);
    }

    return buf;
}


int
export_done(export_stream_t *s)
{
    if (s->pending_gone) {
        export_warn("%llu entrées en attente avaient été supprimées du flux "
                    "avant d'être exportées", s->pending_gone);
    }

    export_progress(s->ex, 1);
    cc_xbuf_free(&s->buf);
    cc_schema_free(s->schema);

    return s->ex->unreadable ? EX_DATA : EX_OK;
}


static int
export_full(export_stream_t *s, const char *out)
{
    char         tmp[CC_STATE_MAX + 64], start[CC_SID_LEN + 1], cnt[24];
    size_t       n;
    cc_sid_t     cursor;
    redisReply  *r;

    if (out == NULL) {
        s->fp = stdout;
        setvbuf(stdout, NULL, _IOFBF, 256 * 1024);

    } else {
        s->fp = export_file_open(out, tmp, sizeof(tmp));
    }

    export_header(s);
    memset(&cursor, 0, sizeof(cc_sid_t));
    snprintf(cnt, sizeof(cnt), "%u", s->ex->opts->batch);
    strcpy(start, "-");

    do {
        r = export_cmdv(s->ex, "XRANGE", s->ex->key, start, "+", "COUNT",
                        cnt, NULL);

        if (r->type != REDIS_REPLY_ARRAY) {
            export_die(EX_REDIS, "XRANGE %s : %s", s->ex->key,
                       r->type == REDIS_REPLY_ERROR ? r->str : "?");
        }

        n = export_entries(s, r, &cursor);
        freeReplyObject(r);

        start[0] = '(';
        cc_sid_format(cursor, start + 1);

    } while (n == s->ex->opts->batch);

    if (out == NULL) {
        if (fflush(stdout) != 0) {
            export_die(EX_FILES, "sortie standard : %s", strerror(errno));
        }

    } else {
        export_file_close(s->fp, tmp);
        export_file_install(tmp, out);
    }

    return export_done(s);
}


int
export_stream(export_t *ex)
{
    char               name[CC_STATE_MAX];
    const char        *out;
    export_stream_t    s;
    cc_export_opts_t  *o;

    o = ex->opts;
    memset(&s, 0, sizeof(export_stream_t));
    s.ex = ex;
    s.registrations = (strcmp(o->stream, "inscriptions") == 0);
    cc_xbuf_init(&s.buf);

    if ((size_t) snprintf(ex->key, sizeof(ex->key), "%s%s", o->prefix,
                          o->stream)
        >= sizeof(ex->key))
    {
        export_die(EX_USAGE_ERR, "--prefixe trop long");
    }

    export_schema(&s);

    out = (o->output == NULL || strcmp(o->output, "-") == 0)
          ? NULL : export_output_name(o->output, name, sizeof(name));

    if (o->mode == CC_EXPORT_FULL) {
        return export_full(&s, out);
    }

    return export_incremental(&s, out);
}
