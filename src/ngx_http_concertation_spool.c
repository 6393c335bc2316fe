
/*
 * concertation: the local spool, where an answer Redis could not take in
 * time waits on disk, and its replay once Redis is back.
 *
 * Each worker appends to a file of its own, spool-<pid>.log in the spool
 * directory, which it holds with an exclusive flock() while it lives.  The
 * record format (framed, checksummed) is src/core/cc_spool.c's.  A write is
 * a write() to the page cache; the fsync() that makes it durable runs in a
 * thread of nginx's pool, and one fsync() answers every request whose
 * record it covered.  Only then is the answer 202.
 *
 * The replay, once a second while Redis is ready, takes the files no live
 * worker holds (left by a worker that exited or crashed) and then the
 * worker's own, one record at a time, in order, through the store script:
 * its deduplication key makes the replay of a record that reached Redis
 * already (before a crash, a reload, a broken connection) a no-op.  A file
 * is removed, or the worker's own truncated, only once Redis acknowledged
 * every record in it.
 */


#include "ngx_http_concertation.h"

#include <dirent.h>
#include <sys/file.h>


#define NGX_HTTP_CONCERTATION_SPOOL_TICK  1000
#define NGX_HTTP_CONCERTATION_SPOOL_SIZE  (64 * 1024 * 1024)


typedef struct {
    ngx_fd_t                            fd;
    ngx_int_t                           err;
} ngx_http_concertation_sync_t;


typedef struct {
    ngx_http_concertation_main_conf_t  *cmcf;
    ngx_log_t                          *log;

    /* the worker's own file */
    ngx_fd_t                            fd;
    u_char                             *path;
    off_t                               size;      /* written */
    off_t                               synced;    /* on disk */
    off_t                               syncing;   /* a fsync() runs: to */
    ngx_queue_t                         waiting;   /* for a fsync() */
    ngx_event_t                         sync_done; /* one without threads */
    ngx_err_t                           sync_err;
#if (NGX_THREADS)
    ngx_thread_task_t                  *task;
#endif

    /* the replay */
    ngx_event_t                         tick;
    ngx_fd_t                            rfd;       /* being replayed */
    u_char                             *rpath;     /* another's; NULL: own */
    off_t                               roff;      /* next record */
    u_char                             *buf;       /* file bytes from boff */
    off_t                               boff;
    size_t                              blen;
    size_t                              rlen;      /* the record's frame */
    cc_spool_record_t                   rec;
    ngx_http_concertation_cmd_t        *cmd;
    u_char                              scan[64];  /* the look-up's cursor */
    size_t                              scan_len;
    ngx_uint_t                          replayed;
    unsigned                            eval:1;
} ngx_http_concertation_spool_t;


static ngx_int_t ngx_http_concertation_spool_open(
    ngx_http_concertation_spool_t *sp, ngx_cycle_t *cycle);
static void ngx_http_concertation_spool_sync(
    ngx_http_concertation_spool_t *sp);
#if (NGX_THREADS)
static void ngx_http_concertation_spool_sync_thread(void *data,
    ngx_log_t *log);
static void ngx_http_concertation_spool_sync_event(ngx_event_t *ev);
#endif
static void ngx_http_concertation_spool_sync_posted(ngx_event_t *ev);
static void ngx_http_concertation_spool_synced(
    ngx_http_concertation_spool_t *sp, ngx_int_t err);
static void ngx_http_concertation_spool_tick(ngx_event_t *ev);
static ngx_int_t ngx_http_concertation_spool_next(
    ngx_http_concertation_spool_t *sp);
static ngx_int_t ngx_http_concertation_spool_adopt(
    ngx_http_concertation_spool_t *sp);
static void ngx_http_concertation_spool_done(
    ngx_http_concertation_spool_t *sp);
static ngx_int_t ngx_http_concertation_spool_send(
    ngx_http_concertation_spool_t *sp);
static void ngx_http_concertation_spool_reply(void *data, redisReply *reply);


static ngx_http_concertation_spool_t  *ngx_http_concertation_spool;


/* concertation_spool path [max_size=size] [fsync=on|off] [threads=pool] */

char *
ngx_http_concertation_spool_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    ngx_str_t   *value, s;
    ngx_uint_t   i;
    ngx_path_t  *path;
#if (NGX_THREADS)
    ngx_str_t    pool;

    ngx_str_null(&pool);
#endif

    if (cmcf->spool_path.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    cmcf->spool_path = value[1];

    if (ngx_conf_full_name(cf->cycle, &cmcf->spool_path, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* nginx creates it at start, owned by the workers' user */

    path = ngx_pcalloc(cf->pool, sizeof(ngx_path_t));
    if (path == NULL) {
        return NGX_CONF_ERROR;
    }

    path->name = cmcf->spool_path;
    path->conf_file = cf->conf_file->file.name.data;
    path->line = cf->conf_file->line;

    if (ngx_add_path(cf, &path) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_concertation_spool_keys_zone(cf, cmcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cmcf->spool_max_size = NGX_HTTP_CONCERTATION_SPOOL_SIZE;
    cmcf->spool_fsync = 1;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "max_size=", 9) == 0) {
            s.data = value[i].data + 9;
            s.len = value[i].len - 9;

            cmcf->spool_max_size = ngx_parse_offset(&s);

            if (cmcf->spool_max_size <= 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid max_size \"%V\" (a size such as "
                                   "64m)", &s);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strcmp(value[i].data, "fsync=on") == 0) {
            cmcf->spool_fsync = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "fsync=off") == 0) {
            cmcf->spool_fsync = 0;
            continue;
        }

#if (NGX_THREADS)
        if (ngx_strncmp(value[i].data, "threads=", 8) == 0) {
            pool.data = value[i].data + 8;
            pool.len = value[i].len - 8;
            continue;
        }
#endif

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\" (max_size=, fsync=on|off"
#if (NGX_THREADS)
                           ", threads="
#endif
                           ")", &value[i]);
        return NGX_CONF_ERROR;
    }

#if (NGX_THREADS)
    if (cmcf->spool_fsync) {
        cmcf->spool_thread_pool = ngx_thread_pool_add(cf,
                                                  pool.len ? &pool : NULL);
        if (cmcf->spool_thread_pool == NULL) {
            return NGX_CONF_ERROR;
        }
    }
#endif

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_concertation_spool_init_process(ngx_cycle_t *cycle,
    ngx_http_concertation_main_conf_t *cmcf)
{
    ngx_http_concertation_spool_t  *sp;

    if (cmcf->spool_path.len == 0) {
        return NGX_OK;
    }

    sp = ngx_pcalloc(cycle->pool, sizeof(ngx_http_concertation_spool_t));
    if (sp == NULL) {
        return NGX_ERROR;
    }

    sp->cmcf = cmcf;
    sp->log = cycle->log;
    sp->fd = NGX_INVALID_FILE;
    sp->rfd = NGX_INVALID_FILE;
    ngx_queue_init(&sp->waiting);

    sp->buf = ngx_alloc(CC_SPOOL_MAX_RECORD, cycle->log);
    if (sp->buf == NULL) {
        return NGX_ERROR;
    }

    sp->sync_done.handler = ngx_http_concertation_spool_sync_posted;
    sp->sync_done.data = sp;
    sp->sync_done.log = cycle->log;

    sp->tick.handler = ngx_http_concertation_spool_tick;
    sp->tick.data = sp;
    sp->tick.log = cycle->log;
    sp->tick.cancelable = 1;

    ngx_http_concertation_spool = sp;

    /* the replay runs whether or not this worker's file could be opened */
    ngx_add_timer(&sp->tick, NGX_HTTP_CONCERTATION_SPOOL_TICK);

    return ngx_http_concertation_spool_open(sp, cycle);
}


static ngx_int_t
ngx_http_concertation_spool_open(ngx_http_concertation_spool_t *sp,
    ngx_cycle_t *cycle)
{
    u_char           *p;
    size_t            len;
    ngx_str_t        *dir;
    ngx_file_info_t   fi;
#if (NGX_THREADS)
    ngx_http_concertation_sync_t  *sync;
#endif

    dir = &sp->cmcf->spool_path;

    if (ngx_create_dir(dir->data, 0700) == NGX_FILE_ERROR
        && ngx_errno != NGX_EEXIST)
    {
        ngx_log_error(NGX_LOG_CRIT, cycle->log, ngx_errno,
                      ngx_create_dir_n " \"%V\" failed: no spool, answers "
                      "Redis cannot take get 503", dir);
        return NGX_ERROR;
    }

    len = dir->len + sizeof("/spool-.log") + NGX_INT64_LEN;

    sp->path = ngx_pnalloc(cycle->pool, len);
    if (sp->path == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(sp->path, "%V/spool-%P.log", dir, ngx_pid);
    *p = '\0';

    sp->fd = ngx_open_file(sp->path, O_RDWR | O_APPEND,
                           NGX_FILE_CREATE_OR_OPEN, 0600);

    if (sp->fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_CRIT, cycle->log, ngx_errno,
                      ngx_open_file_n " \"%s\" failed: no spool, answers "
                      "Redis cannot take get 503", sp->path);
        return NGX_ERROR;
    }

    /* held while this worker lives: no other worker replays it meanwhile */

    if (flock(sp->fd, LOCK_EX | LOCK_NB) == -1
        || ngx_fd_info(sp->fd, &fi) == NGX_FILE_ERROR)
    {
        ngx_log_error(NGX_LOG_CRIT, cycle->log, ngx_errno,
                      "could not lock \"%s\": no spool", sp->path);
        ngx_close_file(sp->fd);
        sp->fd = NGX_INVALID_FILE;
        return NGX_ERROR;
    }

    /* a file of a dead process of the same pid is replayed as our own */
    sp->size = ngx_file_size(&fi);
    sp->synced = sp->size;

#if (NGX_THREADS)
    if (sp->cmcf->spool_fsync) {
        sp->task = ngx_thread_task_alloc(cycle->pool,
                                   sizeof(ngx_http_concertation_sync_t));
        if (sp->task == NULL) {
            return NGX_ERROR;
        }

        sync = sp->task->ctx;
        sync->fd = sp->fd;

        sp->task->handler = ngx_http_concertation_spool_sync_thread;
        sp->task->event.handler = ngx_http_concertation_spool_sync_event;
        sp->task->event.data = sp;
        sp->task->event.log = cycle->log;
    }
#endif

    return NGX_OK;
}


void
ngx_http_concertation_spool_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_concertation_spool_t  *sp;

    sp = ngx_http_concertation_spool;
    if (sp == NULL) {
        return;
    }

    ngx_http_concertation_spool = NULL;

    if (sp->tick.timer_set) {
        ngx_del_timer(&sp->tick);
    }

    if (sp->sync_done.posted) {
        ngx_delete_posted_event(&sp->sync_done);
    }

    if (sp->rpath && sp->rfd != NGX_INVALID_FILE) {
        ngx_close_file(sp->rfd);
    }

    /* what was not replayed stays: another worker, or the next, takes it */

    if (sp->fd != NGX_INVALID_FILE) {
        if (sp->size == 0 && ngx_delete_file(sp->path) == NGX_FILE_ERROR) {
            ngx_log_error(NGX_LOG_CRIT, cycle->log, ngx_errno,
                          ngx_delete_file_n " \"%s\" failed", sp->path);
        }

        ngx_close_file(sp->fd);
    }

    ngx_free(sp->buf);
}


/*
 * Appends a record.  NGX_OK: on disk as the policy wants (fsync=off: in the
 * page cache); NGX_AGAIN: w->handler is called once the fsync() returned;
 * NGX_DECLINED: there is no spool; NGX_ERROR: not written (logged).
 */

ngx_int_t
ngx_http_concertation_spool_append(cc_spool_record_t *rec,
    ngx_http_concertation_spool_waiter_t *w, ngx_log_t *log)
{
    u_char                         *buf;
    size_t                          len, done;
    ssize_t                         n;
    ngx_http_concertation_spool_t  *sp;

    sp = ngx_http_concertation_spool;

    if (sp == NULL) {
        return NGX_DECLINED;
    }

    if (sp->fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_ERR, log, 0, "the spool is not open");
        return NGX_ERROR;
    }

    len = cc_spool_encoded_len(rec);

    if (len == 0 || sp->size + (off_t) len > sp->cmcf->spool_max_size) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "the spool \"%s\" is full (%O bytes of %O): answer "
                      "not spooled", sp->path, sp->size,
                      sp->cmcf->spool_max_size);
        return NGX_ERROR;
    }

    buf = ngx_alloc(len, log);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    (void) cc_spool_encode(rec, buf);

    for (done = 0; done < len; done += n) {
        n = write(sp->fd, buf + done, len - done);

        if (n == -1 && ngx_errno == NGX_EINTR) {
            n = 0;
            continue;
        }

        if (n <= 0) {
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "write() to the spool \"%s\" failed", sp->path);

            /* no half record left behind */
            if (ftruncate(sp->fd, sp->size) == -1) {
                ngx_log_error(NGX_LOG_CRIT, log, ngx_errno,
                              "ftruncate() of \"%s\" failed", sp->path);
            }

            ngx_free(buf);
            return NGX_ERROR;
        }
    }

    ngx_free(buf);

    sp->size += len;
    ngx_http_concertation_metrics_spool(NGX_HTTP_CONCERTATION_SPOOL_APPENDED,
                              sp->size - (sp->rfd == sp->fd ? sp->roff : 0));

    if (!sp->cmcf->spool_fsync) {
        sp->synced = sp->size;
        return NGX_OK;
    }

    w->end = sp->size;
    w->queued = 1;
    ngx_queue_insert_tail(&sp->waiting, &w->queue);

    ngx_http_concertation_spool_sync(sp);

    return NGX_AGAIN;
}


/* a request gone while its record was being synced */

void
ngx_http_concertation_spool_forget(ngx_http_concertation_spool_waiter_t *w)
{
    if (w->queued) {
        ngx_queue_remove(&w->queue);
        w->queued = 0;
    }
}


static void
ngx_http_concertation_spool_sync(ngx_http_concertation_spool_t *sp)
{
    if (sp->syncing || ngx_queue_empty(&sp->waiting)) {
        return;
    }

    sp->syncing = sp->size;

#if (NGX_THREADS)
    if (sp->task) {
        if (ngx_thread_task_post(sp->cmcf->spool_thread_pool, sp->task)
            == NGX_OK)
        {
            return;
        }
    }
#endif

    /*
     * Without threads (or a full thread queue): here, blocking for the time
     * of one fdatasync(); its waiters are answered from a posted event, not
     * from inside ngx_http_concertation_spool_append().
     */

    sp->sync_err = fdatasync(sp->fd) == -1 ? ngx_errno : 0;
    ngx_post_event(&sp->sync_done, &ngx_posted_events);
}


static void
ngx_http_concertation_spool_sync_posted(ngx_event_t *ev)
{
    ngx_http_concertation_spool_t *sp = ev->data;

    ngx_http_concertation_spool_synced(sp, sp->sync_err);
}


#if (NGX_THREADS)

static void
ngx_http_concertation_spool_sync_thread(void *data, ngx_log_t *log)
{
    ngx_http_concertation_sync_t *sync = data;

    sync->err = fdatasync(sync->fd) == -1 ? ngx_errno : 0;
}


static void
ngx_http_concertation_spool_sync_event(ngx_event_t *ev)
{
    ngx_http_concertation_spool_t *sp = ev->data;

    ngx_http_concertation_sync_t  *sync;

    sync = sp->task->ctx;

    ngx_http_concertation_spool_synced(sp, sync->err);
}

#endif


/*
 * A fsync() returned: its waiters get their answer.  When it failed, the
 * records it should have made durable are cut off the file, and their
 * requests answered 503: no record is replayed that was not acknowledged.
 */

static void
ngx_http_concertation_spool_synced(ngx_http_concertation_spool_t *sp,
    ngx_int_t err)
{
    ngx_int_t                              rc;
    ngx_queue_t                            done, *q;
    ngx_http_concertation_spool_waiter_t  *w;

    ngx_queue_init(&done);

    if (err == 0) {
        sp->synced = sp->syncing;
        rc = NGX_OK;

        while (!ngx_queue_empty(&sp->waiting)) {
            q = ngx_queue_head(&sp->waiting);
            w = ngx_queue_data(q, ngx_http_concertation_spool_waiter_t,
                               queue);

            if (w->end > sp->synced) {
                break;
            }

            ngx_queue_remove(q);
            ngx_queue_insert_tail(&done, q);
        }

    } else {
        ngx_log_error(NGX_LOG_CRIT, sp->log, err,
                      "fdatasync() of the spool \"%s\" failed", sp->path);

        if (ftruncate(sp->fd, sp->synced) == -1) {
            ngx_log_error(NGX_LOG_CRIT, sp->log, ngx_errno,
                          "ftruncate() of \"%s\" failed", sp->path);
        }

        sp->size = sp->synced;
        ngx_http_concertation_metrics_spool(
                              NGX_HTTP_CONCERTATION_SPOOL_TRUNCATED,
                              sp->size - (sp->rfd == sp->fd ? sp->roff : 0));
        rc = NGX_ERROR;

        ngx_queue_add(&done, &sp->waiting);
        ngx_queue_init(&sp->waiting);
    }

    sp->syncing = 0;

    /* the records written meanwhile */
    ngx_http_concertation_spool_sync(sp);

    while (!ngx_queue_empty(&done)) {
        q = ngx_queue_head(&done);
        ngx_queue_remove(q);

        w = ngx_queue_data(q, ngx_http_concertation_spool_waiter_t, queue);
        w->queued = 0;
        w->handler(w, rc);
    }
}


/* the replay */

static void
ngx_http_concertation_spool_tick(ngx_event_t *ev)
{
    ngx_http_concertation_spool_t *sp = ev->data;

    if (sp->cmd) {
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
ngx_http_concertation_spool_next(ngx_http_concertation_spool_t *sp)
{
    off_t           limit;
    size_t          consumed, skip;
    ssize_t         n;
    ngx_uint_t      files;
    cc_spool_rc_e   rc;

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
        limit = sp->rpath ? -1 : sp->synced;

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

        if (rc == CC_SPOOL_OK) {
            sp->rlen = consumed;
            sp->scan_len = 0;
            sp->eval = 0;

            return ngx_http_concertation_spool_send(sp);
        }

        if (rc == CC_SPOOL_CORRUPT) {
            ngx_log_error(NGX_LOG_ERR, sp->log, 0,
                          "corrupt record in the spool at offset %O of "
                          "\"%s\": %uz bytes skipped", sp->roff,
                          sp->rpath ? sp->rpath : sp->path, consumed);
            sp->roff += consumed;
            ngx_http_concertation_metrics_spool(
                NGX_HTTP_CONCERTATION_SPOOL_SKIPPED,
                sp->rpath ? -1 : sp->size - sp->roff);
            continue;
        }

        /* the end of the file cuts a record: a torn write (power loss) */

        ngx_log_error(NGX_LOG_ERR, sp->log, 0,
                      "torn record at the end of the spool \"%s\" "
                      "(offset %O, %uz bytes): skipped",
                      sp->rpath ? sp->rpath : sp->path, sp->roff,
                      sp->blen - skip);

        sp->roff += sp->blen - skip;
        ngx_http_concertation_metrics_spool(NGX_HTTP_CONCERTATION_SPOOL_SKIPPED,
                                      sp->rpath ? -1 : sp->size - sp->roff);
    }
}


/*
 * The next file to replay: one that no live worker holds, else the
 * worker's own.  NGX_DECLINED when there is none.
 */

static ngx_int_t
ngx_http_concertation_spool_adopt(ngx_http_concertation_spool_t *sp)
{
    u_char           *path;
    size_t            len;
    ngx_fd_t          fd;
    ngx_str_t        *dir;
    struct stat       st;
    struct dirent    *de;
    DIR              *d;

    dir = &sp->cmcf->spool_path;

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

        if (sp->path && ngx_strcmp(path, sp->path) == 0) {
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

        return NGX_OK;
    }

    if (d) {
        closedir(d);
    }

    if (sp->fd == NGX_INVALID_FILE || sp->synced == 0) {
        return NGX_DECLINED;
    }

    sp->rfd = sp->fd;
    sp->rpath = NULL;
    sp->roff = 0;
    sp->blen = 0;
    sp->replayed = 0;

    return NGX_OK;
}


/* every record of the file is in Redis: it goes */

static void
ngx_http_concertation_spool_done(ngx_http_concertation_spool_t *sp)
{
    if (sp->rpath) {
        ngx_log_error(NGX_LOG_NOTICE, sp->log, 0,
                      "spool \"%s\" replayed: %ui answers", sp->rpath,
                      sp->replayed);

        if (ngx_delete_file(sp->rpath) == NGX_FILE_ERROR) {
            ngx_log_error(NGX_LOG_CRIT, sp->log, ngx_errno,
                          ngx_delete_file_n " \"%s\" failed", sp->rpath);
        }

        ngx_close_file(sp->rfd);
        ngx_free(sp->rpath);
        sp->rpath = NULL;

    } else if (sp->roff == sp->size && sp->syncing == 0) {
        /* nothing written meanwhile: start the file again */

        if (sp->replayed) {
            ngx_log_error(NGX_LOG_NOTICE, sp->log, 0,
                          "spool \"%s\" replayed: %ui answers", sp->path,
                          sp->replayed);
        }

        if (ftruncate(sp->fd, 0) == -1) {
            ngx_log_error(NGX_LOG_CRIT, sp->log, ngx_errno,
                          "ftruncate() of \"%s\" failed", sp->path);

        } else {
            sp->size = 0;
            sp->synced = 0;
            ngx_http_concertation_metrics_spool(
                NGX_HTTP_CONCERTATION_SPOOL_EMPTIED, 0);
        }

    } else {
        /* records still to be synced: taken up from roff at the next tick */
        return;
    }

    sp->rfd = NGX_INVALID_FILE;
    sp->roff = 0;
    sp->blen = 0;
}


static ngx_int_t
ngx_http_concertation_spool_send(ngx_http_concertation_spool_t *sp)
{
    cc_spool_str_t                  *f;
    ngx_http_concertation_script_t   s;

    f = sp->rec.f;

    ngx_memzero(&s, sizeof(ngx_http_concertation_script_t));

#define ngx_http_concertation_field(to, i)                                    \
    s.to.data = (u_char *) f[i].data; s.to.len = f[i].len

    ngx_http_concertation_field(stream, CC_SPOOL_STREAM);
    ngx_http_concertation_field(dedup, CC_SPOOL_DEDUP);
    ngx_http_concertation_field(id, CC_SPOOL_ID);
    ngx_http_concertation_field(received_at, CC_SPOOL_RECEIVED_AT);
    ngx_http_concertation_field(form, CC_SPOOL_FORM);
    ngx_http_concertation_field(data, CC_SPOOL_DATA);
    ngx_http_concertation_field(client, CC_SPOOL_CLIENT);
    ngx_http_concertation_field(scan_from, CC_SPOOL_SCAN_FROM);

#undef ngx_http_concertation_field

    if (sp->scan_len) {
        s.scan_from.data = sp->scan;
        s.scan_from.len = sp->scan_len;
    }

    if (s.stream.len == 0 || s.dedup.len == 0) {
        ngx_log_error(NGX_LOG_ERR, sp->log, 0,
                      "spooled record without a stream or a key at offset "
                      "%O: skipped", sp->roff);
        sp->roff += sp->rlen;
        ngx_http_concertation_metrics_spool(NGX_HTTP_CONCERTATION_SPOOL_SKIPPED,
                                      sp->rpath ? -1 : sp->size - sp->roff);
        return NGX_DECLINED;
    }

    ngx_str_set(&s.status, "202");
    s.ttl = NGX_HTTP_CONCERTATION_IDEMPOTENCY_TTL;
    s.eval = sp->eval;

    sp->cmd = ngx_http_concertation_store_script(sp->cmcf, &s,
                                       ngx_http_concertation_spool_reply, sp);

    return sp->cmd ? NGX_OK : NGX_DECLINED;
}


static void
ngx_http_concertation_spool_reply(void *data, redisReply *reply)
{
    ngx_http_concertation_spool_t *sp = data;

    cc_reply_t  rep;

    sp->cmd = NULL;

    if (ngx_http_concertation_spool != sp) {
        return;
    }

    cc_reply_classify(reply, 1, &rep);

    switch (rep.kind) {

    case CC_REPLY_STORED:
    case CC_REPLY_DUPLICATE:
        sp->roff += sp->rlen;
        sp->replayed++;
        ngx_http_concertation_metrics_spool(rep.kind == CC_REPLY_STORED
                            ? NGX_HTTP_CONCERTATION_SPOOL_REPLAYED
                            : NGX_HTTP_CONCERTATION_SPOOL_REPLAY_DUPLICATE,
                            sp->rpath ? -1 : sp->size - sp->roff);
        break;

    case CC_REPLY_SCAN_MORE:
        if (rep.id_len > sizeof(sp->scan)) {
            goto failed;
        }

        ngx_memcpy(sp->scan, rep.id, rep.id_len);
        sp->scan_len = rep.id_len;
        break;

    case CC_REPLY_NOSCRIPT:
        if (sp->eval) {
            goto failed;
        }

        sp->eval = 1;
        break;

    default:
        goto failed;
    }

    /* the next step at once, from the event loop rather than from here */

    if (rep.kind == CC_REPLY_STORED || rep.kind == CC_REPLY_DUPLICATE) {
        if (ngx_http_concertation_spool_next(sp) == NGX_OK) {
            return;
        }

    } else if (ngx_http_concertation_spool_send(sp) == NGX_OK) {
        return;
    }

    if (!sp->tick.timer_set) {
        ngx_add_timer(&sp->tick, NGX_HTTP_CONCERTATION_SPOOL_TICK);
    }

    return;

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
