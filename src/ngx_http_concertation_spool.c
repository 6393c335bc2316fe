
/*
 * concertation: the local spool, where an answer Redis could not take in
 * time waits on disk.
 *
 * Each worker appends to a file of its own, spool-<pid>.log in the spool
 * directory, which it holds with an exclusive flock() while it lives.  The
 * record format (framed, checksummed) is src/core/cc_spool.c's.  A write is
 * a write() to the page cache; the fdatasync() that makes it durable runs
 * in a thread of nginx's pool, and one call answers every request whose
 * record it covered.  Only then is the answer 202.  The replay is
 * ngx_http_concertation_spool_replay.c.
 */


#include "ngx_http_concertation_spool.h"
#include "ngx_http_concertation_spool_keys.h"
#include "ngx_http_concertation_gauges.h"

#include <sys/file.h>


#define NGX_HTTP_CONCERTATION_SPOOL_SIZE  (64 * 1024 * 1024)


typedef struct {
    ngx_fd_t                            fd;
    ngx_int_t                           err;
} ngx_http_concertation_sync_t;


typedef struct {
    ngx_http_concertation_spool_conf_t *scf;
    ngx_log_t                          *log;
    ngx_http_concertation_spool_file_t  own;
    ngx_queue_t                         waiting;   /* for a fsync() */
    ngx_event_t                         sync_done; /* one without threads */
    ngx_event_t                         hold;      /* the worker, for them */
    ngx_err_t                           sync_err;
#if (NGX_THREADS)
    ngx_thread_task_t                  *task;
#endif
} ngx_http_concertation_spool_t;


static ngx_int_t ngx_http_concertation_spool_open(
    ngx_http_concertation_spool_t *sp, ngx_cycle_t *cycle);
static ngx_int_t ngx_http_concertation_spool_open_file(
    ngx_http_concertation_spool_t *sp, ngx_log_t *log);
static void ngx_http_concertation_spool_close_file(
    ngx_http_concertation_spool_t *sp);
static void ngx_http_concertation_spool_sync(
    ngx_http_concertation_spool_t *sp);
#if (NGX_THREADS)
static void ngx_http_concertation_spool_sync_thread(void *data,
    ngx_log_t *log);
static void ngx_http_concertation_spool_sync_event(ngx_event_t *ev);
#endif
static void ngx_http_concertation_spool_sync_posted(ngx_event_t *ev);
static void ngx_http_concertation_spool_hold(ngx_event_t *ev);
static void ngx_http_concertation_spool_synced(
    ngx_http_concertation_spool_t *sp, ngx_int_t err);


static ngx_http_concertation_spool_t  *ngx_http_concertation_spool;


void *
ngx_http_concertation_spool_create_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_spool_conf_t));
}


/* concertation_spool path [max_size=size] [fsync=on|off] [threads=pool] */

char *
ngx_http_concertation_spool_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    ngx_http_concertation_spool_conf_t  *scf = cmcf->spool;

    ngx_str_t   *value, s;
    ngx_uint_t   i;
    ngx_path_t  *path;
#if (NGX_THREADS)
    ngx_str_t    pool;

    ngx_str_null(&pool);
#endif

    if (scf->path.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    scf->path = value[1];

    if (ngx_conf_full_name(cf->cycle, &scf->path, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* nginx creates it at start, owned by the workers' user */

    path = ngx_pcalloc(cf->pool, sizeof(ngx_path_t));
    if (path == NULL) {
        return NGX_CONF_ERROR;
    }

    path->name = scf->path;
    path->conf_file = cf->conf_file->file.name.data;
    path->line = cf->conf_file->line;

    if (ngx_add_path(cf, &path) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    scf->keys = ngx_http_concertation_spool_keys_zone(cf);
    if (scf->keys == NULL) {
        return NGX_CONF_ERROR;
    }

    scf->max_size = NGX_HTTP_CONCERTATION_SPOOL_SIZE;
    scf->fsync = 1;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "max_size=", 9) == 0) {
            s.data = value[i].data + 9;
            s.len = value[i].len - 9;

            scf->max_size = ngx_parse_offset(&s);

            if (scf->max_size <= 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid max_size \"%V\" (a size such as "
                                   "64m)", &s);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strcmp(value[i].data, "fsync=on") == 0) {
            scf->fsync = 1;
            continue;
        }

        if (ngx_strcmp(value[i].data, "fsync=off") == 0) {
            scf->fsync = 0;
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
    if (scf->fsync) {
        scf->thread_pool = ngx_thread_pool_add(cf,
                                                  pool.len ? &pool : NULL);
        if (scf->thread_pool == NULL) {
            return NGX_CONF_ERROR;
        }
    }
#endif

    return NGX_CONF_OK;
}


ngx_int_t
ngx_http_concertation_spool_init_process(ngx_cycle_t *cycle,
    ngx_http_concertation_spool_conf_t *scf)
{
    ngx_http_concertation_spool_t  *sp;

    if (scf->path.len == 0) {
        return NGX_OK;
    }

    sp = ngx_pcalloc(cycle->pool, sizeof(ngx_http_concertation_spool_t));
    if (sp == NULL) {
        return NGX_ERROR;
    }

    sp->scf = scf;
    sp->log = cycle->log;
    sp->own.fd = NGX_INVALID_FILE;
    sp->own.mark_fd = NGX_INVALID_FILE;
    ngx_queue_init(&sp->waiting);

    sp->sync_done.handler = ngx_http_concertation_spool_sync_posted;
    sp->sync_done.data = sp;
    sp->sync_done.log = cycle->log;

    /*
     * Not cancelable: a worker told to exit (a reload) stays while a
     * request waits on the fsync(), so that it gets its answer.
     */
    sp->hold.handler = ngx_http_concertation_spool_hold;
    sp->hold.data = sp;
    sp->hold.log = cycle->log;

    ngx_http_concertation_spool = sp;

    return ngx_http_concertation_spool_open(sp, cycle);
}


static ngx_int_t
ngx_http_concertation_spool_open(ngx_http_concertation_spool_t *sp,
    ngx_cycle_t *cycle)
{
    u_char           *p;
    size_t            len;
    ngx_str_t        *dir;
#if (NGX_THREADS)
    ngx_http_concertation_sync_t  *sync;
#endif

    dir = &sp->scf->path;

    if (ngx_create_dir(dir->data, 0700) == NGX_FILE_ERROR
        && ngx_errno != NGX_EEXIST)
    {
        ngx_log_error(NGX_LOG_CRIT, cycle->log, ngx_errno,
                      ngx_create_dir_n " \"%V\" failed: no spool, answers "
                      "Redis cannot take get 503", dir);
        return NGX_ERROR;
    }

    len = dir->len + sizeof("/spool-.log") + NGX_INT64_LEN;

    sp->own.path = ngx_pnalloc(cycle->pool, len);
    if (sp->own.path == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(sp->own.path, "%V/spool-%P.log", dir, ngx_pid);
    *p = '\0';

    if (ngx_http_concertation_spool_open_file(sp, cycle->log) != NGX_OK) {
        return NGX_ERROR;
    }

#if (NGX_THREADS)
    if (sp->scf->fsync) {
        sp->task = ngx_thread_task_alloc(cycle->pool,
                                   sizeof(ngx_http_concertation_sync_t));
        if (sp->task == NULL) {
            return NGX_ERROR;
        }

        sync = sp->task->ctx;
        sync->fd = sp->own.fd;    /* and again when the file is new */

        sp->task->handler = ngx_http_concertation_spool_sync_thread;
        sp->task->event.handler = ngx_http_concertation_spool_sync_event;
        sp->task->event.data = sp;
        sp->task->event.log = cycle->log;
    }
#endif

    return NGX_OK;
}


/*
 * The own file, appended to through one descriptor (O_APPEND) and marked
 * in place through another (pwrite() ignores the offset under O_APPEND).
 */

static ngx_int_t
ngx_http_concertation_spool_open_file(ngx_http_concertation_spool_t *sp,
    ngx_log_t *log)
{
    ngx_file_info_t  fi;

    sp->own.fd = ngx_open_file(sp->own.path, O_RDWR | O_APPEND,
                               NGX_FILE_CREATE_OR_OPEN, 0600);

    if (sp->own.fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_CRIT, log, ngx_errno,
                      ngx_open_file_n " \"%s\" failed: no spool, answers "
                      "Redis cannot take get 503", sp->own.path);
        return NGX_ERROR;
    }

    sp->own.mark_fd = ngx_open_file(sp->own.path, NGX_FILE_RDWR,
                                    NGX_FILE_OPEN, 0);

    /* held while this worker lives: no other worker replays it meanwhile */

    if (sp->own.mark_fd == NGX_INVALID_FILE
        || flock(sp->own.fd, LOCK_EX | LOCK_NB) == -1
        || ngx_fd_info(sp->own.fd, &fi) == NGX_FILE_ERROR)
    {
        ngx_log_error(NGX_LOG_CRIT, log, ngx_errno,
                      "could not open or lock \"%s\": no spool",
                      sp->own.path);
        ngx_http_concertation_spool_close_file(sp);
        return NGX_ERROR;
    }

    /* a file of a dead process of the same pid is replayed as our own */
    sp->own.size = ngx_file_size(&fi);
    sp->own.synced = sp->own.size;
    sp->own.replayed = 0;

    return NGX_OK;
}


static void
ngx_http_concertation_spool_close_file(ngx_http_concertation_spool_t *sp)
{
    if (sp->own.fd != NGX_INVALID_FILE) {
        ngx_close_file(sp->own.fd);
        sp->own.fd = NGX_INVALID_FILE;
    }

    if (sp->own.mark_fd != NGX_INVALID_FILE) {
        ngx_close_file(sp->own.mark_fd);
        sp->own.mark_fd = NGX_INVALID_FILE;
    }
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

    if (sp->sync_done.posted) {
        ngx_delete_posted_event(&sp->sync_done);
    }

    if (sp->hold.timer_set) {
        ngx_del_timer(&sp->hold);
    }

    /* what was not replayed stays: another worker, or the next, takes it */

    if (sp->own.fd != NGX_INVALID_FILE) {
        if (sp->own.size == 0
            && ngx_delete_file(sp->own.path) == NGX_FILE_ERROR)
        {
            ngx_log_error(NGX_LOG_CRIT, cycle->log, ngx_errno,
                          ngx_delete_file_n " \"%s\" failed", sp->own.path);
        }

        ngx_http_concertation_spool_close_file(sp);
    }
}


/* a record, written and synced as the policy wants (the header says) */

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

    if (sp->own.fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_ERR, log, 0, "the spool is not open");
        return NGX_ERROR;
    }

    len = cc_spool_encoded_len(rec);

    if (len == 0 || sp->own.size + (off_t) len > sp->scf->max_size) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "the spool \"%s\" is full (%O bytes of %O): answer "
                      "not spooled", sp->own.path, sp->own.size,
                      sp->scf->max_size);
        return NGX_ERROR;
    }

    buf = ngx_alloc(len, log);
    if (buf == NULL) {
        return NGX_ERROR;
    }

    (void) cc_spool_encode(rec, buf);

    for (done = 0; done < len; done += n) {
        n = write(sp->own.fd, buf + done, len - done);

        if (n == -1 && ngx_errno == NGX_EINTR) {
            n = 0;
            continue;
        }

        if (n <= 0) {
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "write() to the spool \"%s\" failed", sp->own.path);

            /* no half record left behind */
            if (ftruncate(sp->own.fd, sp->own.size) == -1) {
                ngx_log_error(NGX_LOG_CRIT, log, ngx_errno,
                              "ftruncate() of \"%s\" failed", sp->own.path);
            }

            ngx_free(buf);
            return NGX_ERROR;
        }
    }

    ngx_free(buf);

    sp->own.size += len;
    ngx_http_concertation_gauges_spool(NGX_HTTP_CONCERTATION_SPOOL_APPENDED,
                              sp->own.size - sp->own.replayed);

    if (!sp->scf->fsync) {
        sp->own.synced = sp->own.size;
        return NGX_OK;
    }

    w->end = sp->own.size;
    w->queued = 1;
    ngx_queue_insert_tail(&sp->waiting, &w->queue);

    if (!sp->hold.timer_set) {
        ngx_add_timer(&sp->hold, 1000);
    }

    ngx_http_concertation_spool_sync(sp);

    return NGX_AGAIN;
}


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
    if (sp->own.syncing || ngx_queue_empty(&sp->waiting)) {
        return;
    }

    sp->own.syncing = sp->own.size;

#if (NGX_THREADS)
    if (sp->task) {
        if (ngx_thread_task_post(sp->scf->thread_pool, sp->task)
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

    sp->sync_err = fdatasync(sp->own.fd) == -1 ? ngx_errno : 0;
    ngx_post_event(&sp->sync_done, &ngx_posted_events);
}


static void
ngx_http_concertation_spool_hold(ngx_event_t *ev)
{
    ngx_http_concertation_spool_t *sp = ev->data;

    if (!ngx_queue_empty(&sp->waiting)) {
        ngx_add_timer(ev, 1000);
    }
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
        sp->own.synced = sp->own.syncing;
        rc = NGX_OK;

        while (!ngx_queue_empty(&sp->waiting)) {
            q = ngx_queue_head(&sp->waiting);
            w = ngx_queue_data(q, ngx_http_concertation_spool_waiter_t,
                               queue);

            if (w->end > sp->own.synced) {
                break;
            }

            ngx_queue_remove(q);
            ngx_queue_insert_tail(&done, q);
        }

    } else {
        ngx_log_error(NGX_LOG_CRIT, sp->log, err,
                      "fdatasync() of the spool \"%s\" failed", sp->own.path);

        if (ftruncate(sp->own.fd, sp->own.synced) == -1) {
            ngx_log_error(NGX_LOG_CRIT, sp->log, ngx_errno,
                          "ftruncate() of \"%s\" failed", sp->own.path);
        }

        sp->own.size = sp->own.synced;
        ngx_http_concertation_gauges_spool(
                              NGX_HTTP_CONCERTATION_SPOOL_TRUNCATED,
                              sp->own.size - sp->own.replayed);
        rc = NGX_ERROR;

        ngx_queue_add(&done, &sp->waiting);
        ngx_queue_init(&sp->waiting);
    }

    sp->own.syncing = 0;

    /* the records written meanwhile */
    ngx_http_concertation_spool_sync(sp);

    if (ngx_queue_empty(&sp->waiting) && sp->hold.timer_set) {
        ngx_del_timer(&sp->hold);
    }

    while (!ngx_queue_empty(&done)) {
        q = ngx_queue_head(&done);
        ngx_queue_remove(q);

        w = ngx_queue_data(q, ngx_http_concertation_spool_waiter_t, queue);
        w->queued = 0;
        w->handler(w, rc);
    }
}


/* the replay's view of the worker's own file */

ngx_http_concertation_spool_file_t *
ngx_http_concertation_spool_own(void)
{
    ngx_http_concertation_spool_t  *sp;

    sp = ngx_http_concertation_spool;

    return (sp && sp->own.fd != NGX_INVALID_FILE) ? &sp->own : NULL;
}


/*
 * Every record of the own file is in Redis, or refused by it for good.
 * Nothing written meanwhile: the file starts again (NGX_OK) — truncated,
 * or, when it holds refused records (quarantine set), renamed to the
 * quarantine file "quarantine" and replaced by a new one; else
 * (NGX_DECLINED) the records still being synced are taken up at the next
 * tick.
 */

ngx_int_t
ngx_http_concertation_spool_own_empty(ngx_log_t *log, u_char *quarantine)
{
    ngx_http_concertation_spool_t  *sp;
#if (NGX_THREADS)
    ngx_http_concertation_sync_t   *sync;
#endif

    sp = ngx_http_concertation_spool;

    if (sp == NULL || sp->own.replayed != sp->own.size
        || sp->own.syncing != 0)
    {
        return NGX_DECLINED;
    }

    if (quarantine) {
        if (ngx_rename_file(sp->own.path, quarantine) == NGX_FILE_ERROR) {
            ngx_log_error(NGX_LOG_CRIT, log, ngx_errno,
                          ngx_rename_file_n " \"%s\" to \"%s\" failed",
                          sp->own.path, quarantine);
            return NGX_DECLINED;
        }

        ngx_http_concertation_spool_close_file(sp);

        if (ngx_http_concertation_spool_open_file(sp, log) != NGX_OK) {
            return NGX_DECLINED;
        }

#if (NGX_THREADS)
        if (sp->task) {
            sync = sp->task->ctx;
            sync->fd = sp->own.fd;
        }
#endif

    } else if (ftruncate(sp->own.fd, 0) == -1) {
        ngx_log_error(NGX_LOG_CRIT, log, ngx_errno,
                      "ftruncate() of \"%s\" failed", sp->own.path);
        return NGX_DECLINED;
    }

    sp->own.size = 0;
    sp->own.synced = 0;
    sp->own.replayed = 0;
    ngx_http_concertation_gauges_spool(NGX_HTTP_CONCERTATION_SPOOL_EMPTIED, 0);

    return NGX_OK;
}
