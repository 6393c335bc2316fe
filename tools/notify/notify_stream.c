/*
 * The work of concertation-notify: the registrations' stream read with
 * the notifier's consumer group, a message per state change, the
 * reminders, the counters.
 *
 * An entry is acknowledged (XACK) only once the relay accepted its
 * message, or refused it for good (then it is set aside in
 * <prefix>notify:refused, which an operator reads with LRANGE).  While the
 * relay fails otherwise, the entry stays pending and nothing after it is
 * sent: the messages go out in the order of the registrations.  A message
 * sent again after a crash keeps its Message-ID (kind and registration).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "notify.h"
#include "cc_registration.h"
#include "cc_record.h"


typedef struct {
    const char  *eid;          /* the stream entry's id */
    const char  *id;           /* the registration's */
    const char  *event;
    const char  *status;
    long long    position;
} notify_entry_t;


static const struct {
    const char      *status;
    cc_mail_kind_e   kind;
} notify_kinds[] = {
    { "registered", CC_MAIL_CONFIRMED },
    { "waitlisted", CC_MAIL_WAITLISTED },
    { "promoted", CC_MAIL_PROMOTED },
    { "cancelled", CC_MAIL_CANCELLED },
};


static int
notify_ack(notify_t *n, const char *eid)
{
    redisReply  *r;

    r = notify_cmd(n, "XACK %s %s %s", n->stream, n->group, eid);
    freeReplyObject(r);

    return r ? 0 : -1;
}


/* refused for good: kept for the operator, without the address */

static void
notify_set_aside(notify_t *n, const char *eid, const char *id,
    const char *event, cc_mail_kind_e kind, long code, const char *why)
{
    char        *text;
    json_t      *o;
    redisReply  *r;

    o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:I}", "entry",
                  eid ? eid : "", "id", id, "event", event, "kind",
                  cc_mail_kind_name(kind), "code", (int) code, "error", why,
                  "at", (json_int_t) notify_now());
    text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);

    if (text != NULL) {
        r = notify_cmd(n, "RPUSH %s %s", n->refused_key, text);
        freeReplyObject(r);
        free(text);
    }

    n->refused++;
    notify_log("error", "%s %s (%s): refused by the relay (%ld): %s; set "
               "aside in %s", cc_mail_kind_name(kind), id, event, code, why,
               n->refused_key);
}


/*
 * The message of one registration, sent: NX_SENT, NX_REFUSED (set aside),
 * NX_TEMPORARY; -1 when its registration is gone (purged): nothing to say.
 */

static int
notify_send(notify_t *n, cc_mail_kind_e kind, const cc_event_t *ev,
    const char *id, long long position, const char *eid)
{
    int          v;
    long         code;
    char        *msg, *email, *name, *url;
    size_t       len, ulen;
    cc_mail_t    m;
    redisReply  *r;
    char         tok[CC_REG_TOKEN_MAX_LEN + 1], err[CURL_ERR_LEN];

    r = notify_cmd(n, "HGET %s%s:regs %s", n->prefix, ev->id, id);
    if (r == NULL) {
        return NX_TEMPORARY;
    }

    if (r->type != REDIS_REPLY_STRING) {
        freeReplyObject(r);
        return -1;
    }

    /* "<status> <e-mail> <name>" (register.lua) */

    email = strchr(r->str, ' ');
    email = email ? email + 1 : r->str + r->len;
    name = strchr(email, ' ');

    if (name) {
        *name++ = '\0';

    } else {
        name = "";
    }

    if (cc_reg_token_make(n->token_key, id, ev->id, strlen(ev->id), tok)
        == 0)
    {
        freeReplyObject(r);
        return -1;
    }

    ulen = strlen(n->site) + strlen(n->cancel_path) + sizeof(tok) + 16;
    url = malloc(ulen);
    if (url == NULL) {
        freeReplyObject(r);
        return NX_TEMPORARY;
    }

    snprintf(url, ulen, "%s%s?jeton=%s", n->site, n->cancel_path, tok);

    memset(&m, 0, sizeof(m));
    m.kind = kind;
    m.event = ev;
    m.id = id;
    m.email = email;
    m.name = name;
    m.position = position;
    m.cancel_url = url;
    m.site = n->site;
    m.from = n->from;
    m.from_name = n->from_name;
    m.domain = n->domain;
    m.now = notify_now();

    msg = cc_mail_message(&m, &len);

    if (msg == NULL) {
        v = cc_mail_address_ok(email) ? NX_TEMPORARY : NX_REFUSED;
        code = 0;
        snprintf(err, sizeof(err), "%s", v == NX_REFUSED
                 ? "an address that cannot be written in a header"
                 : "out of memory");

    } else {
        v = notify_smtp_send(n, email, msg, len, &code, err, sizeof(err));
    }

    if (v == NX_REFUSED) {
        notify_set_aside(n, eid, id, ev->id, kind, code, err);

    } else if (v == NX_TEMPORARY) {
        notify_log("warn", "%s %s: the relay did not take it (%ld): %s; "
                   "trying again later", cc_mail_kind_name(kind), id, code,
                   err);

    } else {
        n->sent[kind]++;
        notify_log("info", "%s %s (%s): sent", cc_mail_kind_name(kind), id,
                   ev->id);
    }

    free(msg);
    free(url);
    freeReplyObject(r);

    return v;
}


/* a seat given once the reminder is due: its message serves as one */

static void
notify_reminded(notify_t *n, const cc_event_t *ev, const char *id)
{
    redisReply  *r;

    if (n->reminder > 0 && ev->dated
        && notify_now() >= ev->start - n->reminder)
    {
        r = notify_cmd(n, "SADD %s%s:reminded %s", n->prefix, ev->id, id);
        freeReplyObject(r);
    }
}


/* one entry: 0 done (acknowledged), NX_TEMPORARY: leave it pending */

static int
notify_entry(notify_t *n, notify_entry_t *e)
{
    int                v;
    size_t             i;
    const cc_event_t  *ev;

    for (i = 0; i < sizeof(notify_kinds) / sizeof(notify_kinds[0]); i++) {
        if (e->status && strcmp(e->status, notify_kinds[i].status) == 0) {
            break;
        }
    }

    ev = e->event ? cc_events_find(n->events, e->event, strlen(e->event))
                  : NULL;

    if (i == sizeof(notify_kinds) / sizeof(notify_kinds[0]) || ev == NULL
        || e->id == NULL)
    {
        /* not a state change of a known event: nothing to send */
        n->skipped++;
        return notify_ack(n, e->eid) == 0 ? 0 : NX_TEMPORARY;
    }

    v = notify_send(n, notify_kinds[i].kind, ev, e->id, e->position, e->eid);

    if (v == NX_TEMPORARY) {
        return NX_TEMPORARY;
    }

    if (v == -1) {
        n->skipped++;
        notify_log("info", "%s: registration %s is gone (purged): no "
                   "message", e->eid, e->id);

    } else if (v == NX_SENT && (notify_kinds[i].kind == CC_MAIL_CONFIRMED
                                || notify_kinds[i].kind == CC_MAIL_PROMOTED))
    {
        notify_reminded(n, ev, e->id);
    }

    return notify_ack(n, e->eid) == 0 ? 0 : NX_TEMPORARY;
}


/*
 * One read of the group: the entries delivered to this consumer and not
 * acknowledged ("pending", after a crash or a relay failure), or new ones.
 * Returns how many were done, or NX_TEMPORARY (Redis or the relay) with -1.
 */

int
notify_pass(notify_t *n, int pending)
{
    int              done, rc;
    size_t           i, k;
    redisReply      *r, *entries, *f;
    notify_entry_t   e;

    if (pending || n->once) {
        r = notify_cmd(n, "XREADGROUP GROUP %s %s COUNT 32 STREAMS %s %s",
                       n->group, n->consumer, n->stream, pending ? "0" : ">");

    } else {
        r = notify_cmd(n, "XREADGROUP GROUP %s %s COUNT 32 BLOCK 1000 "
                       "STREAMS %s >", n->group, n->consumer, n->stream);
    }

    if (r == NULL) {
        return -1;
    }

    done = 0;

    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0
        || r->element[0]->type != REDIS_REPLY_ARRAY
        || r->element[0]->elements < 2)
    {
        freeReplyObject(r);
        return 0;
    }

    entries = r->element[0]->element[1];

    for (i = 0; i < entries->elements && !notify_stop; i++) {
        memset(&e, 0, sizeof(e));

        if (entries->element[i]->type != REDIS_REPLY_ARRAY
            || entries->element[i]->elements < 2)
        {
            continue;
        }

        e.eid = entries->element[i]->element[0]->str;
        f = entries->element[i]->element[1];

        /* an entry deleted from the stream while pending has no fields */

        for (k = 0; f->type == REDIS_REPLY_ARRAY && k + 1 < f->elements;
             k += 2)
        {
            const char  *key = f->element[k]->str;
            const char  *val = f->element[k + 1]->str;

            if (strcmp(key, "id") == 0) {
                e.id = val;
            } else if (strcmp(key, "event") == 0) {
                e.event = val;
            } else if (strcmp(key, "status") == 0) {
                e.status = val;
            } else if (strcmp(key, "position") == 0) {
                e.position = atoll(val);
            }
        }

        rc = notify_entry(n, &e);

        if (rc != 0) {
            n->retried++;
            freeReplyObject(r);
            return -1;
        }

        done++;
        notify_metrics(n, 0);
    }

    freeReplyObject(r);

    return done;
}


/*
 * The reminders: once per confirmed registration, from "reminder" before
 * the start until the start.  Returns 0, or -1 when the relay or Redis
 * failed (the others wait for the next round).
 */

int
notify_reminders(notify_t *n)
{
    int                v;
    size_t             i, k;
    int64_t            now;
    redisReply        *h, *s;
    const cc_event_t  *ev;

    now = notify_now();

    for (i = 0; n->reminder > 0 && i < n->events->n; i++) {
        ev = &n->events->events[i];

        if (!ev->dated || now < ev->start - n->reminder || now >= ev->start) {
            continue;
        }

        h = notify_cmd(n, "HGETALL %s%s:regs", n->prefix, ev->id);
        if (h == NULL) {
            return -1;
        }

        for (k = 0; h->type == REDIS_REPLY_ARRAY && k + 1 < h->elements;
             k += 2)
        {
            if (strncmp(h->element[k + 1]->str, "confirmed ", 10) != 0) {
                continue;
            }

            s = notify_cmd(n, "SISMEMBER %s%s:reminded %s", n->prefix,
                           ev->id, h->element[k]->str);

            if (s == NULL || s->integer == 1) {
                freeReplyObject(s);
                continue;
            }

            freeReplyObject(s);

            v = notify_send(n, CC_MAIL_REMINDER, ev, h->element[k]->str, 0,
                            NULL);

            if (v == NX_TEMPORARY) {
                n->retried++;
                freeReplyObject(h);
                return -1;
            }

            s = notify_cmd(n, "SADD %s%s:reminded %s", n->prefix, ev->id,
                           h->element[k]->str);
            freeReplyObject(s);
            notify_metrics(n, 0);
        }

        freeReplyObject(h);
    }

    return 0;
}


/* the counters, in Prometheus' text format, written then renamed */

void
notify_metrics(notify_t *n, int force)
{
    int          k;
    char         tmp[4096];
    FILE        *fp;
    size_t       i;
    double       t;
    redisReply  *r, *g;

    t = notify_clock();

    if (n->metrics_path == NULL || (!force && t - n->metrics_at < 1)) {
        return;
    }

    n->metrics_at = t;

    /* pending: delivered and not acknowledged, plus not yet delivered */

    r = notify_cmd(n, "XPENDING %s %s", n->stream, n->group);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
        n->pending = r->element[0]->integer;
    }
    freeReplyObject(r);

    r = notify_cmd(n, "XINFO GROUPS %s", n->stream);
    for (i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
        g = r->element[i];

        for (k = 0; g->type == REDIS_REPLY_ARRAY && k + 1 < (int) g->elements;
             k += 2)
        {
            if (strcmp(g->element[k]->str, "name") == 0
                && strcmp(g->element[k + 1]->str, n->group) != 0)
            {
                break;
            }

            if (strcmp(g->element[k]->str, "lag") == 0
                && g->element[k + 1]->type == REDIS_REPLY_INTEGER)
            {
                n->pending += g->element[k + 1]->integer;
            }
        }
    }
    freeReplyObject(r);

    snprintf(tmp, sizeof(tmp), "%s.tmp", n->metrics_path);
    fp = fopen(tmp, "w");
    if (fp == NULL) {
        return;
    }

    fprintf(fp, "# HELP concertation_notify_sent_total Messages the relay "
            "accepted, by kind.\n"
            "# TYPE concertation_notify_sent_total counter\n");

    for (k = 0; k < CC_MAIL_KINDS; k++) {
        fprintf(fp, "concertation_notify_sent_total{kind=\"%s\"} %llu\n",
                cc_mail_kind_name(k), n->sent[k]);
    }

    fprintf(fp, "# HELP concertation_notify_retried_total Sendings put off "
            "because the relay or Redis failed.\n"
            "# TYPE concertation_notify_retried_total counter\n"
            "concertation_notify_retried_total %llu\n"
            "# HELP concertation_notify_refused_total Messages the relay "
            "refused for good, set aside.\n"
            "# TYPE concertation_notify_refused_total counter\n"
            "concertation_notify_refused_total %llu\n"
            "# HELP concertation_notify_skipped_total Entries without a "
            "message (registration purged, unknown event).\n"
            "# TYPE concertation_notify_skipped_total counter\n"
            "concertation_notify_skipped_total %llu\n"
            "# HELP concertation_notify_pending Entries not yet "
            "acknowledged.\n"
            "# TYPE concertation_notify_pending gauge\n"
            "concertation_notify_pending %lld\n",
            n->retried, n->refused, n->skipped, n->pending);

    if (fclose(fp) == 0) {
        rename(tmp, n->metrics_path);
    }
}
