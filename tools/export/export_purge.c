/*
 * The purge of personal data past the retention date: XTRIM MINID on both
 * streams, never beyond what every consumer group has read and
 * acknowledged.  An entry not yet read by a group, or read but still
 * pending (its export file is not known to be durable), stays, and so
 * does everything after it.  Then the registrations' own keys: the
 * address and name of every registration made before the date (its id is
 * a UUIDv7, which says when), in <event>:regs and <event>:emails, the
 * notifier's reminders sent (<event>:reminded) and the messages it set
 * aside (notify:refused).
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "export.h"


/* concertation-notify's consumer group, by default */
#define EXPORT_NOTIFY_GROUP  "notify"


typedef struct {
    cc_sid_t     bound;           /* entries before it go */
    char         why[512];
} export_bound_t;


static void
export_bound_lower(export_bound_t *b, cc_sid_t sid, const char *why)
{
    if (cc_sid_cmp(sid, b->bound) < 0) {
        b->bound = sid;
        snprintf(b->why, sizeof(b->why), "%s", why);
    }
}


static const char *
export_info(redisReply *kv, const char *name)
{
    size_t  i;

    for (i = 0; i + 1 < kv->elements; i += 2) {
        if (kv->element[i]->type == REDIS_REPLY_STRING
            && strcmp(kv->element[i]->str, name) == 0)
        {
            return kv->element[i + 1]->type == REDIS_REPLY_STRING
                   ? kv->element[i + 1]->str : NULL;
        }
    }

    return NULL;
}


/* the bound for one stream; 0, or 1 when the stream does not exist */

static int
export_purge_bound(export_t *ex, const char *key, export_bound_t *b)
{
    char         why[512], date[CC_SID_LEN];
    size_t       i, exports;
    cc_sid_t     sid;
    redisReply  *r, *g, *p;
    const char  *name, *last, *first;

    b->bound.ms = (uint64_t) ex->opts->purge_before;
    b->bound.seq = 0;
    cc_sid_format(b->bound, date);
    snprintf(b->why, sizeof(b->why), "la date de conservation "
             "(entrées antérieures à %s)", date);

    r = export_cmdv(ex, "XINFO", "GROUPS", key, NULL);

    if (r->type == REDIS_REPLY_ERROR) {
        if (strstr(r->str, "no such key") != NULL) {
            freeReplyObject(r);
            return 1;
        }

        export_die(EX_REDIS, "XINFO GROUPS %s : %s", key, r->str);
    }

    if (r->type != REDIS_REPLY_ARRAY) {
        export_die(EX_REDIS, "XINFO GROUPS %s : réponse inattendue", key);
    }

    /* the notifier's group bounds the purge (its messages are not all
       sent) but is no export: without another group, nothing was */

    exports = 0;

    for (i = 0; i < r->elements; i++) {
        name = export_info(r->element[i], "name");
        exports += name != NULL && strcmp(name, EXPORT_NOTIFY_GROUP) != 0;
    }

    if (exports == 0) {
        b->bound.ms = 0;
        b->bound.seq = 0;
        snprintf(b->why, sizeof(b->why), "aucun groupe d'export : rien n'a "
                 "jamais été exporté de ce flux (export incrémental)");
    }

    for (i = 0; i < r->elements; i++) {
        g = r->element[i];
        name = export_info(g, "name");
        last = export_info(g, "last-delivered-id");

        if (g->type != REDIS_REPLY_ARRAY || name == NULL || last == NULL
            || cc_sid_parse(last, strlen(last), &sid) != 0)
        {
            export_die(EX_REDIS, "XINFO GROUPS %s : réponse inattendue",
                       key);
        }

        snprintf(why, sizeof(why), "la dernière entrée lue par le groupe "
                 "« %s » (%s) : les suivantes ne sont pas exportées",
                 name, last);
        export_bound_lower(b, cc_sid_next(sid), why);

        p = export_cmdv(ex, "XPENDING", key, name, NULL);

        if (p->type != REDIS_REPLY_ARRAY || p->elements < 2) {
            export_die(EX_REDIS, "XPENDING %s %s : %s", key, name,
                       p->type == REDIS_REPLY_ERROR ? p->str : "?");
        }

        if (p->element[1]->type == REDIS_REPLY_STRING) {
            first = p->element[1]->str;

            if (cc_sid_parse(first, strlen(first), &sid) != 0) {
                export_die(EX_REDIS, "XPENDING : id inattendu");
            }

            snprintf(why, sizeof(why), "l'entrée %s, lue par le groupe "
                     "« %s » mais pas encore acquittée (son export n'est "
                     "pas terminé)", first, name);
            export_bound_lower(b, sid, why);
        }

        freeReplyObject(p);
    }

    freeReplyObject(r);

    return 0;
}


/* entries before bound, counted in batches (--dry-run) */

static unsigned long long
export_purge_count(export_t *ex, const char *key, cc_sid_t bound)
{
    char                start[CC_SID_LEN + 1], end[CC_SID_LEN + 1], cnt[24];
    size_t              n;
    redisReply         *r, *last;
    unsigned long long  total;

    total = 0;
    strcpy(start, "-");
    end[0] = '(';
    cc_sid_format(bound, end + 1);
    snprintf(cnt, sizeof(cnt), "%u", ex->opts->batch);

    if (bound.ms == 0 && bound.seq == 0) {
        return 0;
    }

    do {
        r = export_cmdv(ex, "XRANGE", key, start, end, "COUNT", cnt, NULL);

        if (r->type != REDIS_REPLY_ARRAY) {
            export_die(EX_REDIS, "XRANGE %s : %s", key,
                       r->type == REDIS_REPLY_ERROR ? r->str : "?");
        }

        n = r->elements;
        total += n;

        if (n) {
            last = r->element[n - 1];
            snprintf(start, sizeof(start), "(%s", last->element[0]->str);
        }

        freeReplyObject(r);

    } while (n == ex->opts->batch);

    return total;
}


/* the time of a UUIDv7, in ms; 0 when s is not one */

static uint64_t
export_uuid7_ms(const char *s)
{
    int       i, k;
    char      c;
    uint64_t  ms;

    if (strlen(s) != 36 || s[8] != '-' || s[14] != '7') {
        return 0;
    }

    ms = 0;

    for (i = 0, k = 0; k < 12; i++) {
        c = s[i];

        if (c == '-') {
            continue;
        }

        if (c >= '0' && c <= '9') {
            ms = ms * 16 + (uint64_t) (c - '0');

        } else if (c >= 'a' && c <= 'f') {
            ms = ms * 16 + (uint64_t) (c - 'a' + 10);

        } else {
            return 0;
        }

        k++;
    }

    return ms;
}


/* one event's registrations made before the date: their address and name */

static void
export_purge_event(export_t *ex, const char *regs, unsigned long long *nregs,
    unsigned long long *nemails, unsigned long long *nreminded)
{
    char         base[1200], key[1300], addr[512];
    size_t       i, len;
    uint64_t     ms;
    const char  *id, *email, *end;
    redisReply  *h, *r;

    len = strlen(regs) - sizeof(":regs") + 1;
    snprintf(base, sizeof(base), "%.*s", (int) len, regs);

    h = export_cmdv(ex, "HGETALL", regs, NULL);

    for (i = 0; h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements; i += 2) {
        id = h->element[i]->str;
        ms = export_uuid7_ms(id);

        if (ms == 0 || (int64_t) ms >= ex->opts->purge_before) {
            continue;
        }

        (*nregs)++;

        /* "<status> <e-mail> <name>" */

        email = strchr(h->element[i + 1]->str, ' ');
        email = email ? email + 1 : "";
        end = strchr(email, ' ');
        len = end ? (size_t) (end - email) : strlen(email);

        snprintf(key, sizeof(key), "%s:emails", base);

        if (len > 0) {
            snprintf(addr, sizeof(addr), "%.*s", (int) len, email);
            r = export_cmdv(ex, "HGET", key, addr, NULL);

            if (r->type == REDIS_REPLY_STRING && strcmp(r->str, id) == 0) {
                (*nemails)++;

                if (!ex->opts->dry_run) {
                    freeReplyObject(export_cmdv(ex, "HDEL", key, addr,
                                                NULL));
                }
            }

            freeReplyObject(r);
        }

        snprintf(key, sizeof(key), "%s:reminded", base);
        r = export_cmdv(ex, "SISMEMBER", key, id, NULL);
        *nreminded += r->type == REDIS_REPLY_INTEGER && r->integer == 1;
        freeReplyObject(r);

        if (!ex->opts->dry_run) {
            freeReplyObject(export_cmdv(ex, "SREM", key, id, NULL));
            freeReplyObject(export_cmdv(ex, "HDEL", regs, id, NULL));
        }
    }

    freeReplyObject(h);
}


static void
export_purge_registrations(export_t *ex)
{
    char                cursor[32], match[1200], key[1200];
    size_t              i;
    json_int_t          at;
    json_t             *o;
    redisReply         *r, *l;
    unsigned long long  nregs, nemails, nreminded, nrefused;

    nregs = nemails = nreminded = nrefused = 0;
    snprintf(match, sizeof(match), "%s*:regs", ex->opts->prefix);
    strcpy(cursor, "0");

    do {
        r = export_cmdv(ex, "SCAN", cursor, "MATCH", match, "COUNT", "200",
                        NULL);

        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            export_die(EX_REDIS, "SCAN : %s",
                       r->type == REDIS_REPLY_ERROR ? r->str : "?");
        }

        snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);

        for (i = 0; i < r->element[1]->elements; i++) {
            export_purge_event(ex, r->element[1]->element[i]->str, &nregs,
                               &nemails, &nreminded);
        }

        freeReplyObject(r);

    } while (strcmp(cursor, "0") != 0);

    /* the notifier's messages set aside, by the time they were */

    snprintf(key, sizeof(key), "%snotify:refused", ex->opts->prefix);
    l = export_cmdv(ex, "LRANGE", key, "0", "-1", NULL);

    for (i = 0; l->type == REDIS_REPLY_ARRAY && i < l->elements; i++) {
        o = json_loads(l->element[i]->str, 0, NULL);
        at = json_integer_value(json_object_get(o, "at"));
        json_decref(o);

        if (at * 1000 < ex->opts->purge_before) {
            nrefused++;

            if (!ex->opts->dry_run) {
                freeReplyObject(export_cmdv(ex, "LREM", key, "1",
                                            l->element[i]->str, NULL));
            }
        }
    }

    freeReplyObject(l);

    printf("inscriptions : %llu inscriptions (adresse et nom) %s, "
           "%llu adresses de :emails, %llu rappels notés (:reminded), "
           "%llu messages écartés (notify:refused)\n", nregs,
           ex->opts->dry_run ? "seraient supprimées (--dry-run)"
                             : "supprimées",
           nemails, nreminded, nrefused);
}


int
export_purge(export_t *ex)
{
    char                key[1200], bound[CC_SID_LEN];
    size_t              i;
    redisReply         *r;
    export_bound_t      b;
    unsigned long long  removed;

    static const char  *streams[] = { "questionnaire", "inscriptions" };

    for (i = 0; i < 2; i++) {
        snprintf(key, sizeof(key), "%s%s", ex->opts->prefix, streams[i]);

        if (export_purge_bound(ex, key, &b) != 0) {
            printf("%s : flux absent, rien à purger\n", key);
            continue;
        }

        cc_sid_format(b.bound, bound);

        if (ex->opts->dry_run) {
            removed = export_purge_count(ex, key, b.bound);

        } else {
            r = export_cmdv(ex, "XTRIM", key, "MINID", bound, NULL);

            if (r->type != REDIS_REPLY_INTEGER) {
                export_die(EX_REDIS, "XTRIM %s : %s", key,
                           r->type == REDIS_REPLY_ERROR ? r->str : "?");
            }

            removed = (unsigned long long) r->integer;
            freeReplyObject(r);
        }

        ex->entries += removed;

        printf("%s : %llu entrées %s (ids antérieurs à %s) ; "
               "arrêt à %s\n", key, removed,
               ex->opts->dry_run ? "seraient supprimées (--dry-run)"
                                 : "supprimées",
               bound, b.why);
    }

    export_purge_registrations(ex);

    if (fflush(stdout) != 0) {
        return EX_FILES;
    }

    return EX_OK;
}
