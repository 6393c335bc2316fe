/*
 * The registration list of one event, for the attendance sheet: the
 * stream of state changes replayed (it alone holds the names), then
 * checked against the event's own keys (statuses and waiting list), which
 * the registration scripts keep in the same step.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"


const char *
export_reply_field(redisReply *kv, const char *name, size_t *len)
{
    size_t  i;

    for (i = 0; i + 1 < kv->elements; i += 2) {
        if (kv->element[i]->type == REDIS_REPLY_STRING
            && kv->element[i + 1]->type == REDIS_REPLY_STRING
            && strcmp(kv->element[i]->str, name) == 0)
        {
            if (len != NULL) {
                *len = kv->element[i + 1]->len;
            }

            return kv->element[i + 1]->str;
        }
    }

    if (len != NULL) {
        *len = 0;
    }

    return NULL;
}


/* 0 when the list agrees with <event>:regs and <event>:waitlist */

static int
export_regs_check(export_t *ex, cc_regs_t *regs)
{
    int          confirmed, bad;
    char         key[1200];
    size_t       i, k, nconf, hconf;
    const char  *id, *st;
    redisReply  *h, *w;

    snprintf(key, sizeof(key), "%s%s:regs", ex->opts->prefix,
             ex->opts->event);
    h = export_cmdv(ex, "HGETALL", key, NULL);

    snprintf(key, sizeof(key), "%s%s:waitlist", ex->opts->prefix,
             ex->opts->event);
    w = export_cmdv(ex, "ZRANGE", key, "0", "-1", NULL);

    if (h->type != REDIS_REPLY_ARRAY || w->type != REDIS_REPLY_ARRAY) {
        export_die(EX_REDIS, "lecture des clés de l'événement : %s",
                   h->type == REDIS_REPLY_ERROR ? h->str
                   : w->type == REDIS_REPLY_ERROR ? w->str : "?");
    }

    bad = 0;
    nconf = 0;
    k = 0;

    for (i = 0; i < cc_regs_count(regs); i++) {
        id = cc_regs_get(regs, i, &confirmed);
        st = export_reply_field(h, id, NULL);

        if (confirmed) {
            nconf++;
            bad |= (st == NULL || strncmp(st, "confirmed ", 10) != 0);

        } else {
            bad |= (k >= w->elements
                    || strcmp(w->element[k]->str, id) != 0);
            k++;
        }
    }

    hconf = 0;

    for (i = 1; i < h->elements; i += 2) {
        hconf += (strncmp(h->element[i]->str, "confirmed ", 10) == 0);
    }

    bad |= (hconf != nconf || k != w->elements);

    if (bad) {
        export_warn("la liste rejouée du flux (%zu confirmées, %zu en "
                    "attente) diffère des clés de l'événement (%zu "
                    "confirmées, %zu en attente) : flux purgé ou modifié ?",
                    nconf, k, hconf, w->elements);
    }

    freeReplyObject(h);
    freeReplyObject(w);

    return bad;
}


/*
 * The event in the programme (--evenements, or nginx's default path): an
 * unknown event is an error, not an empty list; its own questions (JSON,
 * malloc()ed, or NULL) name columns of the list.  Without a programme,
 * an event Redis has never heard of is refused as well.
 */

static char *
export_regs_event(export_t *ex)
{
    int                 known;
    char                err[512], key[1200], ids[512];
    char               *questions;
    size_t              i, len;
    redisReply         *r;
    cc_events_t        *events;
    const cc_event_t   *ev;
    cc_export_opts_t   *o;

    o = ex->opts;
    events = export_programme(o, err, sizeof(err));

    if (events == NULL && err[0] != '\0') {
        export_die(EX_FILES, "programme (--evenements) : %s", err);
    }

    if (events != NULL) {
        ev = cc_events_find(events, o->event, strlen(o->event));

        if (ev == NULL) {
            for (i = 0, len = 0; i < events->n && len < sizeof(ids); i++) {
                len += snprintf(ids + len, sizeof(ids) - len, "%s%s",
                                i ? ", " : "", events->events[i].id);
            }

            export_die(EX_USAGE_ERR, "--inscrits : l'événement « %s » "
                       "n'est pas au programme ; il compte : %s", o->event,
                       events->n ? ids : "aucun événement");
        }

        questions = ev->questions ? strdup(ev->questions) : NULL;
        cc_events_free(events);

        return questions;
    }

    /* no programme: does Redis know the event at all? */

    snprintf(key, sizeof(key), "%s%s:regs", o->prefix, o->event);
    r = export_cmdv(ex, "EXISTS", key, NULL);
    known = r->type == REDIS_REPLY_INTEGER && r->integer > 0;
    freeReplyObject(r);

    if (!known) {
        export_die(EX_USAGE_ERR, "--inscrits : aucune inscription à « %s » "
                   "n'a jamais été enregistrée ; avec --evenements FICHIER "
                   "(le programme), un événement du programme sans "
                   "inscription donne une liste vide", o->event);
    }

    return NULL;
}


int
export_registrations(export_t *ex)
{
    int                rc, bad;
    FILE              *fp;
    char               start[CC_SID_LEN + 1], cnt[24], tmp[CC_STATE_MAX];
    size_t             i, n, len;
    cc_sid_t           sid;
    cc_xbuf_t          b;
    cc_regs_t         *regs;
    redisReply        *r, *e;
    char              *questions;
    const char        *event, *status, *id, *data, *at, *out;
    cc_export_opts_t  *o;

    o = ex->opts;
    snprintf(ex->key, sizeof(ex->key), "%sinscriptions", o->prefix);

    questions = export_regs_event(ex);
    snprintf(cnt, sizeof(cnt), "%u", o->batch);
    strcpy(start, "-");

    regs = cc_regs_new();
    if (regs == NULL) {
        export_die(EX_FILES, "mémoire insuffisante");
    }

    bad = 0;

    do {
        r = export_cmdv(ex, "XRANGE", ex->key, start, "+", "COUNT", cnt,
                        NULL);

        if (r->type != REDIS_REPLY_ARRAY) {
            export_die(EX_REDIS, "XRANGE %s : %s", ex->key,
                       r->type == REDIS_REPLY_ERROR ? r->str : "?");
        }

        n = r->elements;

        for (i = 0; i < n; i++) {
            e = r->element[i];

            if (e->type != REDIS_REPLY_ARRAY || e->elements != 2
                || e->element[1]->type != REDIS_REPLY_ARRAY
                || cc_sid_parse(e->element[0]->str, e->element[0]->len,
                                &sid) != 0)
            {
                export_die(EX_REDIS, "réponse inattendue de Redis");
            }

            start[0] = '(';
            cc_sid_format(sid, start + 1);

            event = export_reply_field(e->element[1], "event", NULL);
            if (event == NULL || strcmp(event, o->event) != 0) {
                continue;
            }

            id = export_reply_field(e->element[1], "id", NULL);
            status = export_reply_field(e->element[1], "status", NULL);
            data = export_reply_field(e->element[1], "data", &len);
            at = export_reply_field(e->element[1], "received_at", NULL);

            if (id == NULL || status == NULL) {
                bad++;
                continue;
            }

            rc = cc_regs_apply(regs, id, status, data, data ? len : 0, at);
            if (rc < 0) {
                export_die(EX_FILES, "mémoire insuffisante");
            }

            bad += rc;
            ex->entries++;
        }

        freeReplyObject(r);
        export_progress(ex, 0);

    } while (n == o->batch);

    export_progress(ex, 1);

    if (bad) {
        export_warn("%d changements d'état sans inscription connue "
                    "(début du flux purgé ?)", bad);
    }

    if (ex->entries == 0) {
        export_warn("aucune inscription à l'événement « %s » dans %s",
                    o->event, ex->key);
    }

    bad |= export_regs_check(ex, regs);

    cc_xbuf_init(&b);

    if (cc_regs_csv(regs, &b, o->sep, o->bom, questions) != 0) {
        export_die(EX_FILES, "mémoire insuffisante");
    }

    out = (o->output == NULL || strcmp(o->output, "-") == 0)
          ? NULL : o->output;

    if (out == NULL) {
        export_write(stdout, b.data, b.len);

        if (fflush(stdout) != 0) {
            export_die(EX_FILES, "sortie standard : %s", strerror(errno));
        }

    } else {
        fp = export_file_open(out, tmp, sizeof(tmp));
        export_write(fp, b.data, b.len);
        export_file_close(fp, tmp);
        export_file_install(tmp, out);
    }

    fprintf(stderr, "concertation-export : %zu personnes inscrites à %s\n",
            cc_regs_count(regs), o->event);

    cc_xbuf_free(&b);
    cc_regs_free(regs);
    free(questions);

    return bad ? EX_DATA : EX_OK;
}
