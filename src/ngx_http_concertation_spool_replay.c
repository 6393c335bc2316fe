
/*
 * concertation: the replay of the spool.
 *
 * Once a second while Redis is ready, the replay takes the files no live
 * worker holds (left by a worker that exited or crashed) and then the
 * worker's own, one record at a time, in order, through the store script:
 * its deduplication key makes the replay of a record that reached Redis
 * already (before a crash, a reload, a broken connection) a no-op.
 *
 * The position is on disk: a record Redis took is marked replayed in place
 * (cc_spool.h), and any later replay of its file, after a restart days
 * later, skips it.  A record Redis refuses for good (WRONGTYPE,
 * CROSSSLOT, ERR…) is marked refused, logged and counted, and the replay
 * goes on; its file, once every other record is in Redis, is renamed
 * quarantine-….log instead of being removed.  A file is removed, or the
 * worker's own truncated, only once Redis acknowledged every record in it.
 */


#include "ngx_http_concertation_spool_replay.h"
#include "ngx_http_concertation_spool.h"
#include "ngx_http_concertation_spool_marks.h"
#include "ngx_http_concertation_store.h"
#include "ngx_http_concertation_redis.h"
#include "ngx_http_concertation_gauges.h"
#include "cc_reply.h"

#include <dirent.h>
#include <sys/file.h>


#define NGX_HTTP_CONCERTATION_SPOOL_TICK  1000


typedef struct {
    ngx_http_concertation_spool_conf_t *scf;
    ngx_log_t                          *log;
    ngx_event_t                         tick;
    ngx_fd_t                            rfd;       /* being replayed */
    u_char                             *rpath;     /* another's; NULL: own */
    off_t                               roff;      /* next record */
    u_char                             *buf;       /* file bytes from boff */
    off_t                               boff;
    size_t                              blen;
    size_t                              rlen;      /* the record's frame */
    cc_spool_record_t                   rec;
    ngx_http_concertation_store_cmd_t   cmd;
    ngx_http_concertation_redis_conf_t *rcf;
    ngx_http_concertation_replicated_t  replicated;  /* its WAIT */
    cc_reply_kind_e                     took;
    ngx_uint_t                          replayed;
    ngx_uint_t                          before;    /* marked replayed */
    ngx_uint_t                          refused;   /* marked refused */
    unsigned                            sending:1;
} ngx_http_concertation_replay_t;


static void ngx_http_concertation_spool_tick(ngx_event_t *ev);
static ngx_int_t ngx_http_concertation_spool_next(
    ngx_http_concertation_replay_t *sp);
static ngx_int_t ngx_http_concertation_spool_adopt(
    ngx_http_concertation_replay_t *sp);
static void ngx_http_concertation_spool_done(
    ngx_http_concertation_replay_t *sp);
static ngx_int_t ngx_http_concertation_spool_send(
    ngx_http_concertation_replay_t *sp);
static void ngx_http_concertation_spool_reply(void *data, redisReply *reply);
static void ngx_http_concertation_spool_on(ngx_http_concertation_replay_t *sp);
static void ngx_http_concertation_spool_took(ngx_http_concertation_replay_t *sp,
    cc_reply_kind_e kind);
static void ngx_http_concertation_spool_replicated(
    ngx_http_concertation_replicated_t *w, ngx_uint_t enough);
static void ngx_http_concertation_replay_forget(void *data);
static void ngx_http_concertation_spool_advance(
    ngx_http_concertation_replay_t *sp, off_t n);


static ngx_http_concertation_replay_t  *ngx_http_concertation_replay;


ngx_int_t
ngx_http_concertation_spool_replay_init(ngx_cycle_t *cycle,
    ngx_http_concertation_spool_conf_t *scf,
    ngx_http_concertation_redis_conf_t *rcf)
{
    ngx_http_concertation_replay_t  *sp;

    if (scf->path.len == 0) {
        return NGX_OK;
    }

    sp = ngx_pcalloc(cycle->pool, sizeof(ngx_http_concertation_replay_t));
    if (sp == NULL) {
        return NGX_ERROR;
    }

    sp->scf = scf;
    sp->rcf = rcf;
    sp->log = cycle->log;
    sp->rfd = NGX_INVALID_FILE;

    sp->buf = ngx_alloc(CC_SPOOL_MAX_RECORD, cycle->log);
    if (sp->buf == NULL) {
        return NGX_ERROR;
    }

    sp->tick.handler = ngx_http_concertation_spool_tick;
    sp->tick.data = sp;
    sp->tick.log = cycle->log;
    sp->tick.cancelable = 1;

    ngx_http_concertation_replay = sp;

    /* the replay runs whether or not this worker's file could be opened */
    ngx_add_timer(&sp->tick, NGX_HTTP_CONCERTATION_SPOOL_TICK);

    return NGX_OK;
}


void
ngx_http_concertation_spool_replay_exit(ngx_cycle_t *cycle)
{
    ngx_http_concertation_replay_t  *sp;

    sp = ngx_http_concertation_replay;
    if (sp == NULL) {
        return;
    }

    ngx_http_concertation_replay = NULL;

    if (sp->tick.timer_set) {
        ngx_del_timer(&sp->tick);
    }

    /* a reply still to come finds no replay: it is dropped */
    (void) ngx_http_concertation_call_cancel(&sp->cmd.call);

    if (sp->rpath && sp->rfd != NGX_INVALID_FILE) {
        ngx_close_file(sp->rfd);
    }

    ngx_free(sp->buf);
}


/* the position in the file: for the own file, the writer's gauges too */

static void
ngx_http_concertation_spool_advance(ngx_http_concertation_replay_t *sp,
    off_t n)
{
    ngx_http_concertation_spool_file_t  *own;

    sp->roff += n;

    if (sp->rpath == NULL && (own = ngx_http_concertation_spool_own())) {
        own->replayed = sp->roff;
    }
}


static void
ngx_http_concertation_spool_tick(ngx_event_t *ev)
{
    ngx_http_concertation_replay_t *sp = ev->data;

    if (sp->sending) {
        return;
    }

    if (ngx_exiting || ngx_quit || ngx_terminate) {
        return;
    }

    if (!ngx_http_concertation_redis_ready()
        || ngx_http_concertation_spool_next(sp) != NGX_OK)
    {
        if (!ev->timer_set) {
            ngx_add_timer(ev, NGX_HTTP_CONCERTATION_SPOOL_TICK);
        }
    }
}


/*
 * Finds the next record and sends it: NGX_OK when one is on its way,
 * NGX_DECLINED when there is nothing to replay.
 */

static ngx_int_t
ngx_http_concertation_spool_next(ngx_http_concertation_replay_t *sp)
{
    off_t                                limit;
    size_t                               consumed, skip;
    ngx_http_concertation_spool_file_t  *own;
    ssize_t                              n;
    ngx_uint_t                           files;
    cc_spool_rc_e                        rc;

    files = 0;

    for ( ;; ) {

        if (sp->rfd == NGX_INVALID_FILE) {
            /* a few files in a row, then the next tick: others run too */
            if (files++ == 16
                || ngx_http_concertation_spool_adopt(sp) != NGX_OK)
            {
                return NGX_DECLINED;
            }
        }

        /* the worker's own records: only those on disk, as acknowledged */
        own = ngx_http_concertation_spool_own();
        limit = sp->rpath ? -1 : (own ? own->synced : 0);

        if (limit != -1 && sp->roff >= limit) {
            ngx_http_concertation_spool_done(sp);
            return NGX_DECLINED;
        }

        skip = sp->roff - sp->boff;

        if (sp->roff < sp->boff || skip >= sp->blen) {
            sp->blen = 0;
            skip = 0;
        }

        rc = sp->blen ? cc_spool_decode(sp->buf + skip, sp->blen - skip,
                                        &sp->rec, &consumed)
                      : CC_SPOOL_NEED_MORE;

        if (rc == CC_SPOOL_NEED_MORE && (skip > 0 || sp->blen == 0)) {
            /* slide the window to the record and read what follows */
            n = pread(sp->rfd, sp->buf, CC_SPOOL_MAX_RECORD, sp->roff);

            if (n == -1) {
                ngx_log_error(NGX_LOG_ERR, sp->log, ngx_errno,
                              "pread() of the spool failed");
                return NGX_DECLINED;
            }

            if (limit != -1 && (off_t) n > limit - sp->roff) {
                n = limit - sp->roff;
            }

            sp->boff = sp->roff;
            sp->blen = n;

            if (n == 0) {
                if (sp->rpath) {
                    /* another worker's file: on to the next one */
                    ngx_http_concertation_spool_done(sp);
                    continue;
                }

                ngx_http_concertation_spool_done(sp);
                return NGX_DECLINED;
            }

            continue;
        }

        if (rc == CC_SPOOL_OK && sp->rec.mark == CC_SPOOL_REPLAYED) {
            /* in Redis since an earlier replay of the file */
            sp->before++;
            ngx_http_concertation_spool_advance(sp, consumed);
            continue;
        }

        if (rc == CC_SPOOL_OK) {
            sp->rlen = consumed;

            return ngx_http_concertation_spool_send(sp);
        }

        if (rc == CC_SPOOL_CORRUPT) {
            ngx_log_error(NGX_LOG_ERR, sp->log, 0,
                          "corrupt record in the spool at offset %O of "
                          "\"%s\": %uz bytes skipped", sp->roff,
                          ngx_http_concertation_spool_reading(sp->rpath), consumed);
            ngx_http_concertation_spool_advance(sp, consumed);
            ngx_http_concertation_gauges_spool(
                NGX_HTTP_CONCERTATION_SPOOL_SKIPPED,
                sp->rpath ? -1 : limit - sp->roff);
            continue;
        }

        /* the end of the file cuts a record: a torn write (power loss) */

        ngx_log_error(NGX_LOG_ERR, sp->log, 0,
                      "torn record at the end of the spool \"%s\" "
                      "(offset %O, %uz bytes): skipped",
                      ngx_http_concertation_spool_reading(sp->rpath), sp->roff,
                      sp->blen - skip);

        ngx_http_concertation_spool_advance(sp, sp->blen - skip);
        ngx_http_concertation_gauges_spool(NGX_HTTP_CONCERTATION_SPOOL_SKIPPED,
                                           sp->rpath ? -1 : limit - sp->roff);
    }
}


/*
 * The next file to replay: one that no live worker holds, else the
 * worker's own.  NGX_DECLINED when there is none.
 */

static ngx_int_t
ngx_http_concertation_spool_adopt(ngx_http_concertation_replay_t *sp)
{
    u_char                              *path;
    size_t                               len;
    ngx_fd_t                             fd;
    ngx_http_concertation_spool_file_t  *own;
    ngx_str_t        *dir;
    struct stat       st;
    struct dirent    *de;
    DIR              *d;

    dir = &sp->scf->path;

    d = opendir((char *) dir->data);

    while (d && (de = readdir(d)) != NULL) {
        len = ngx_strlen(de->d_name);

        if (len < sizeof("spool-.log") - 1
            || ngx_strncmp(de->d_name, "spool-", 6) != 0
            || ngx_strcmp(de->d_name + len - 4, ".log") != 0)
        {
            continue;
        }

        path = ngx_alloc(dir->len + 1 + len + 1, sp->log);
        if (path == NULL) {
            break;
        }

        ngx_sprintf(path, "%V/%s%Z", dir, de->d_name);

        own = ngx_http_concertation_spool_own();

        if (own && ngx_strcmp(path, own->path) == 0) {
            ngx_free(path);
            continue;
        }

        fd = ngx_open_file(path, NGX_FILE_RDWR, NGX_FILE_OPEN, 0);

        if (fd == NGX_INVALID_FILE) {
            if (ngx_errno != NGX_ENOENT) {
                /* answers nobody can replay: the operator must know */
                ngx_log_error(NGX_LOG_ERR, sp->log, ngx_errno,
                              ngx_open_file_n " \"%s\" failed: its answers "
                              "cannot be replayed", path);
            }

            ngx_free(path);
            continue;
        }

        /* held by a live worker, or taken and removed by another already */

        if (flock(fd, LOCK_EX | LOCK_NB) == -1
            || fstat(fd, &st) == -1 || st.st_nlink == 0)
        {
            ngx_close_file(fd);
            ngx_free(path);
            continue;
        }

        closedir(d);

        ngx_log_error(NGX_LOG_NOTICE, sp->log, 0,
                      "replaying the spool \"%s\" (%O bytes)", path,
                      (off_t) st.st_size);

        sp->rfd = fd;
        sp->rpath = path;
        sp->roff = 0;
        sp->blen = 0;
        sp->replayed = 0;
        sp->before = 0;
        sp->refused = 0;

        return NGX_OK;
    }

    if (d) {
        closedir(d);
    }

    own = ngx_http_concertation_spool_own();

    if (own == NULL || own->synced == 0) {
        return NGX_DECLINED;
    }

    sp->rfd = own->fd;
    sp->rpath = NULL;
    sp->roff = own->replayed;   /* the worker's own position */
    sp->blen = 0;

    if (sp->roff == 0) {
        sp->replayed = 0;
        sp->before = 0;
        sp->refused = 0;
    }

    return NGX_OK;
}


/* every record of the file is in Redis: it goes */

static void
ngx_http_concertation_spool_done(ngx_http_concertation_replay_t *sp)
{
    u_char                              *q;
    ngx_http_concertation_spool_file_t  *own;

    q = sp->refused ? ngx_http_concertation_spool_quarantine(&sp->scf->path,
                                                     sp->rpath, sp->log) : NULL;

    if (sp->rpath) {
        ngx_log_error(NGX_LOG_NOTICE, sp->log, 0,
                      "spool \"%s\" replayed: %ui answers, %ui refused, %ui "
                      "replayed before", sp->rpath, sp->replayed, sp->refused,
                      sp->before);

        if (q) {
            if (ngx_rename_file(sp->rpath, q) == NGX_FILE_ERROR) {
                ngx_log_error(NGX_LOG_CRIT, sp->log, ngx_errno,
                              ngx_rename_file_n " \"%s\" to \"%s\" failed",
                              sp->rpath, q);
            }

        } else if (ngx_delete_file(sp->rpath) == NGX_FILE_ERROR) {
            ngx_log_error(NGX_LOG_CRIT, sp->log, ngx_errno,
                          ngx_delete_file_n " \"%s\" failed", sp->rpath);
        }

        ngx_close_file(sp->rfd);
        ngx_free(sp->rpath);
        sp->rpath = NULL;

    } else {
        own = ngx_http_concertation_spool_own();

        if (own == NULL
            || ngx_http_concertation_spool_own_empty(sp->log, q) != NGX_OK)
        {
            /* records still to be synced: taken up from roff next tick */
            ngx_free(q);
            return;
        }

        if (sp->replayed || sp->refused || sp->before) {
            ngx_log_error(NGX_LOG_NOTICE, sp->log, 0,
                          "spool \"%s\" replayed: %ui answers, %ui refused, "
                          "%ui replayed before", own->path, sp->replayed,
                          sp->refused, sp->before);
        }

        sp->replayed = 0;
        sp->before = 0;
        sp->refused = 0;
    }

    if (q) {
        ngx_log_error(NGX_LOG_ERR, sp->log, 0,
                      "the answers Redis refused are kept in \"%s\"", q);
        ngx_free(q);
    }

    sp->rfd = NGX_INVALID_FILE;
    sp->roff = 0;
    sp->blen = 0;
}


static ngx_int_t
ngx_http_concertation_spool_send(ngx_http_concertation_replay_t *sp)
{
    cc_spool_str_t                  *f;
    ngx_http_concertation_record_t   s;

    f = sp->rec.f;

    ngx_memzero(&s, sizeof(ngx_http_concertation_record_t));

#define ngx_http_concertation_field(to, i)                                    \
    s.to.data = (u_char *) f[i].data; s.to.len = f[i].len

    ngx_http_concertation_field(stream, CC_SPOOL_STREAM);
    ngx_http_concertation_field(dedup, CC_SPOOL_DEDUP);
    ngx_http_concertation_field(id, CC_SPOOL_ID);
    ngx_http_concertation_field(received_at, CC_SPOOL_RECEIVED_AT);
    ngx_http_concertation_field(form, CC_SPOOL_FORM);
    ngx_http_concertation_field(data, CC_SPOOL_DATA);
    ngx_http_concertation_field(client, CC_SPOOL_CLIENT);

#undef ngx_http_concertation_field

    if (s.stream.len == 0 || s.dedup.len == 0) {
        ngx_log_error(NGX_LOG_ERR, sp->log, 0,
                      "spooled record without a stream or a key at offset "
                      "%O: skipped", sp->roff);
        ngx_http_concertation_spool_advance(sp, sp->rlen);
        ngx_http_concertation_gauges_spool(NGX_HTTP_CONCERTATION_SPOOL_SKIPPED,
                                           -1);
        return NGX_DECLINED;
    }

    ngx_str_set(&s.status, "202");
    s.ttl = ngx_http_concertation_store_dedup_ttl(&s.dedup);

    if (ngx_http_concertation_store_script(&sp->cmd, &s,
                                           ngx_http_concertation_spool_reply,
                                           sp)
        != NGX_OK)
    {
        return NGX_DECLINED;
    }

    /* marked replayed once the replicas have it, when they must */

    if (sp->rcf->wait_replicas) {
        sp->replicated.handler = ngx_http_concertation_spool_replicated;
        sp->replicated.data = sp;
        sp->cmd.call.forget = ngx_http_concertation_replay_forget;
        ngx_http_concertation_replicas_follow(&sp->replicated, sp->rcf);
    }

    sp->sending = 1;

    return NGX_OK;
}


static void
ngx_http_concertation_spool_reply(void *data, redisReply *reply)
{
    ngx_http_concertation_replay_t *sp = data;

    cc_reply_t                           rep;
    ngx_http_concertation_spool_file_t  *own;

    sp->sending = 0;

    cc_reply_classify(reply, 1, &rep);

    if (rep.kind != CC_REPLY_STORED && rep.kind != CC_REPLY_DUPLICATE) {
        ngx_http_concertation_replicas_forget(&sp->replicated);
    }

    switch (rep.kind) {

    case CC_REPLY_STORED:
    case CC_REPLY_DUPLICATE:
        if (sp->rcf->wait_replicas) {
            /* written (a duplicate too: its key's expiry): WAIT tells,
               or says at once that none could be asked */
            sp->sending = 1;
            sp->took = rep.kind;
            ngx_http_concertation_replicas_written(&sp->replicated);
            return;
        }

        ngx_http_concertation_spool_took(sp, rep.kind);
        return;

    case CC_REPLY_FAILED:
        if (reply == NULL || reply->type != REDIS_REPLY_ERROR) {
            goto failed;
        }

        /* refused for good: kept aside, and the others go on */

        ngx_log_error(NGX_LOG_ERR, sp->log, 0,
                      "Redis refused the spooled answer %*s for good: %*s; "
                      "it goes to the quarantine, the replay goes on",
                      sp->rec.f[CC_SPOOL_ID].len, sp->rec.f[CC_SPOOL_ID].data,
                      rep.error_len, rep.error);

        ngx_http_concertation_spool_mark(sp->rpath, sp->rfd, sp->roff,
                                        CC_SPOOL_REFUSED, sp->log);
        ngx_http_concertation_spool_advance(sp, sp->rlen);
        sp->refused++;
        own = sp->rpath ? NULL : ngx_http_concertation_spool_own();
        ngx_http_concertation_gauges_spool(
                            NGX_HTTP_CONCERTATION_SPOOL_QUARANTINED,
                            own ? own->size - sp->roff : -1);
        ngx_http_concertation_spool_on(sp);
        return;

    default:
        goto failed;
    }

failed:

    ngx_log_error(NGX_LOG_ERR, sp->log, 0,
                  "Redis did not take a spooled answer back: %*s; "
                  "retried in a second",
                  rep.error_len ? rep.error_len : 22,
                  rep.error_len ? rep.error : "reply of another shape");

    if (!sp->tick.timer_set) {
        ngx_add_timer(&sp->tick, NGX_HTTP_CONCERTATION_SPOOL_TICK);
    }
}


/* Redis (and the replicas, when they must) took the record */

static void
ngx_http_concertation_spool_took(ngx_http_concertation_replay_t *sp,
    cc_reply_kind_e kind)
{
    ngx_http_concertation_spool_file_t  *own;

    ngx_http_concertation_spool_mark(sp->rpath, sp->rfd, sp->roff,
                                     CC_SPOOL_REPLAYED, sp->log);
    ngx_http_concertation_spool_advance(sp, sp->rlen);
    sp->replayed++;
    own = sp->rpath ? NULL : ngx_http_concertation_spool_own();
    ngx_http_concertation_gauges_spool(kind == CC_REPLY_STORED
                            ? NGX_HTTP_CONCERTATION_SPOOL_REPLAYED
                            : NGX_HTTP_CONCERTATION_SPOOL_REPLAY_DUPLICATE,
                            own ? own->size - sp->roff : -1);

    ngx_http_concertation_spool_on(sp);
}


/* the next record at once, or at the next tick */

static void
ngx_http_concertation_spool_on(ngx_http_concertation_replay_t *sp)
{
    if (ngx_http_concertation_spool_next(sp) == NGX_OK) {
        return;
    }

    if (!sp->tick.timer_set) {
        ngx_add_timer(&sp->tick, NGX_HTTP_CONCERTATION_SPOOL_TICK);
    }
}


/* short of replicas: the record stays, retried (as a duplicate) later */

static void
ngx_http_concertation_spool_replicated(ngx_http_concertation_replicated_t *w,
    ngx_uint_t enough)
{
    ngx_http_concertation_replay_t *sp = w->data;

    sp->sending = 0;

    if (enough) {
        ngx_http_concertation_spool_took(sp, sp->took);
        return;
    }

    if (!sp->tick.timer_set) {
        ngx_add_timer(&sp->tick, NGX_HTTP_CONCERTATION_SPOOL_TICK);
    }
}


static void
ngx_http_concertation_replay_forget(void *data)
{
    ngx_http_concertation_replay_t *sp = data;

    ngx_http_concertation_replicas_forget(&sp->replicated);
}
