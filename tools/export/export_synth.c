/*
 * --synthese: the synthesis report, from the questionnaire stream and, when
 * there is one, the registrations stream, each read once with XRANGE in
 * pages of --lot entries (cc_synth*.c counts and writes).  The report is
 * written under a temporary name and renamed once whole.
 */

#include <errno.h>
#include <string.h>
#include <time.h>

#include "export.h"
#include "cc_synth.h"


/* every entry of the stream "key", to the counting; how many */
static unsigned long long
export_synth_read(export_t *ex, cc_synth_t *syn, const char *key, int regs)
{
    char                cnt[16], start[CC_SID_LEN + 1];
    const char         *data;
    size_t              i, len, n;
    cc_sid_t            cursor;
    redisReply         *r, *e, *f;
    unsigned long long  total = 0;
    int                 rc;

    snprintf(cnt, sizeof(cnt), "%u", ex->opts->batch);
    strcpy(start, "-");

    do {
        r = export_cmdv(ex, "XRANGE", key, start, "+", "COUNT", cnt, NULL);
        if (r->type != REDIS_REPLY_ARRAY) {
            export_die(EX_REDIS, "XRANGE %s : %s", key,
                       r->type == REDIS_REPLY_ERROR ? r->str : "?");
        }

        n = r->elements;
        for (i = 0; i < n; i++) {
            e = r->element[i];
            if (e->type != REDIS_REPLY_ARRAY || e->elements != 2
                || e->element[0]->type != REDIS_REPLY_STRING
                || cc_sid_parse(e->element[0]->str, e->element[0]->len,
                                &cursor) != 0
                || e->element[1]->type != REDIS_REPLY_ARRAY)
            {
                export_die(EX_REDIS, "réponse inattendue de Redis (entrée)");
            }
            f = e->element[1];

            if (regs) {
                rc = cc_synth_registration(syn, e->element[0]->str,
                         export_reply_field(f, "id", NULL),
                         export_reply_field(f, "event", NULL),
                         export_reply_field(f, "status", NULL),
                         export_reply_field(f, "received_at", NULL));
            } else {
                data = export_reply_field(f, "data", &len);
                rc = cc_synth_answer(syn, e->element[0]->str,
                         export_reply_field(f, "received_at", NULL),
                         data ? data : "", len);
                if (rc == 1) {
                    ex->unreadable++;
                    rc = 0;
                }
            }
            if (rc != 0) {
                export_die(EX_FILES, "mémoire insuffisante, ou fichier "
                           "temporaire impossible : %s", strerror(errno));
            }
            total++;
        }
        freeReplyObject(r);

        start[0] = '(';
        cc_sid_format(cursor, start + 1);
        ex->entries = total;
        export_progress(ex, 0);

    } while (n == ex->opts->batch);

    return total;
}


int
export_synthesis(export_t *ex)
{
    cc_export_opts_t  *o = ex->opts;
    cc_schema_t       *schema;
    cc_events_t       *programme;
    cc_synth_t        *syn;
    cc_synth_meta_t    meta;
    const char        *cross[CC_SYNTH_MAX_CROSS], *path;
    char               err[1024], regs_key[1024], generated[32];
    char               tmp[CC_STATE_MAX + 64];
    size_t             ncross, i;
    FILE              *fp;
    redisReply        *r;
    time_t             now;
    struct tm          tm;
    int                has_regs;

    path = o->schema ? o->schema : "/etc/nginx/concertation/questionnaire.json";
    schema = export_schema_load(o, path);

    programme = export_programme(o, err, sizeof(err));
    if (programme == NULL && err[0] != '\0') {
        export_die(EX_FILES, "%s", err);
    }

    /* the cross-tabulations: --croiser, or the profile and the département */
    ncross = 0;
    if (o->ncross) {
        for (i = 0; i < o->ncross; i++) {
            if (strcmp(o->cross[i], "-") != 0) {
                cross[ncross++] = o->cross[i];
            }
        }
    } else {
        static const char  *defaults[] = { "profil", "departement" };

        for (i = 0; i < 2; i++) {
            const cc_field_t  *f = cc_schema_field(schema, defaults[i]);

            if (f && f->type == CC_FIELD_CHOICE) {
                cross[ncross++] = defaults[i];
            }
        }
    }

    syn = cc_synth_new(schema, cross, ncross, err, sizeof(err));
    if (syn == NULL) {
        export_die(EX_USAGE_ERR, "%s", err);
    }

    if ((size_t) snprintf(ex->key, sizeof(ex->key), "%s%s", o->prefix,
                          o->stream) >= sizeof(ex->key)
        || (size_t) snprintf(regs_key, sizeof(regs_key), "%sinscriptions",
                             o->prefix) >= sizeof(regs_key))
    {
        export_die(EX_USAGE_ERR, "--prefixe trop long");
    }

    export_synth_read(ex, syn, ex->key, 0);

    /* the registrations, when there is a stream of them */
    r = export_cmdv(ex, "EXISTS", regs_key, NULL);
    has_regs = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    freeReplyObject(r);
    if (has_regs) {
        export_synth_read(ex, syn, regs_key, 1);
    }
    export_progress(ex, 1);

    now = time(NULL);
    gmtime_r(&now, &tm);
    strftime(generated, sizeof(generated), "%Y-%m-%dT%H:%M:%SZ", &tm);

    memset(&meta, 0, sizeof(meta));
    meta.generated = generated;
    meta.schema_path = path;
    meta.stream_key = ex->key;
    meta.regs_key = has_regs || programme ? regs_key : NULL;
    meta.programme = programme;
    meta.programme_path = programme
        ? (o->events ? o->events : "/etc/nginx/concertation/events.json")
        : NULL;

    fp = export_file_open(o->output, tmp, sizeof(tmp));
    if (cc_synth_html(syn, fp, &meta) != 0) {
        export_die(EX_FILES, "%s : %s", tmp, strerror(errno));
    }
    export_file_close(fp, tmp);
    export_file_install(tmp, o->output);

    ex->entries = cc_synth_total(syn);
    cc_synth_free(syn);
    cc_events_free(programme);
    cc_schema_free(schema);

    return ex->unreadable ? EX_DATA : EX_OK;
}
