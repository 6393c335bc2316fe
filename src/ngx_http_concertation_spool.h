
/*
 * concertation: the local spool, where an answer Redis could not take in
 * time waits on disk until the replay (ngx_http_concertation_spool_replay.c)
 * hands it over.
 */

#ifndef _NGX_HTTP_CONCERTATION_SPOOL_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_SPOOL_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "cc_spool.h"


struct ngx_http_concertation_spool_conf_s {
    ngx_str_t                   path;         /* a directory; empty: none */
    off_t                       max_size;     /* per worker */
    ngx_flag_t                  fsync;
    ngx_shm_zone_t             *keys;         /* idempotency keys spooled */
#if (NGX_THREADS)
    ngx_thread_pool_t          *thread_pool;
#endif
};


/* the worker's own file */
typedef struct {
    ngx_fd_t                    fd;           /* O_APPEND */
    ngx_fd_t                    mark_fd;      /* the marks, in place */
    u_char                     *path;
    off_t                       size;         /* written */
    off_t                       synced;       /* on disk */
    off_t                       syncing;      /* a fsync() runs: to */
    off_t                       replayed;     /* the replay is there */
} ngx_http_concertation_spool_file_t;


typedef struct ngx_http_concertation_spool_waiter_s
    ngx_http_concertation_spool_waiter_t;

struct ngx_http_concertation_spool_waiter_s {
    ngx_queue_t                 queue;
    off_t                       end;         /* synced up to here: done */
    void                      (*handler)(
                                    ngx_http_concertation_spool_waiter_t *w,
                                    ngx_int_t rc);
    void                       *data;
    unsigned                    queued:1;
};


void *ngx_http_concertation_spool_create_conf(ngx_conf_t *cf);
char *ngx_http_concertation_spool_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

ngx_int_t ngx_http_concertation_spool_init_process(ngx_cycle_t *cycle,
    ngx_http_concertation_spool_conf_t *scf);
void ngx_http_concertation_spool_exit_process(ngx_cycle_t *cycle);

/*
 * Appends a record.  NGX_OK: on disk as the policy wants (fsync=off: in the
 * page cache); NGX_AGAIN: w->handler is called once the fsync() returned;
 * NGX_DECLINED: there is no spool; NGX_ERROR: not written (logged).
 */
ngx_int_t ngx_http_concertation_spool_append(cc_spool_record_t *rec,
    ngx_http_concertation_spool_waiter_t *w, ngx_log_t *log);
/* a request gone while its record was being synced */
void ngx_http_concertation_spool_forget(
    ngx_http_concertation_spool_waiter_t *w);

/* for the replay: the worker's own file (NULL: no spool, or not open) */
ngx_http_concertation_spool_file_t *ngx_http_concertation_spool_own(void);
/*
 * every record of the own file is in Redis (or refused for good: the file
 * goes to the path quarantine, if not NULL): it starts again, if it can
 */
ngx_int_t ngx_http_concertation_spool_own_empty(ngx_log_t *log,
    u_char *quarantine);


#endif /* _NGX_HTTP_CONCERTATION_SPOOL_H_INCLUDED_ */
