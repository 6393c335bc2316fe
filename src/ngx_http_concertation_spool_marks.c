
/*
 * concertation: the replay's marks on the spool's files (cc_spool.h: the
 * last byte of a frame's magic), and the quarantine's names.
 */


#include "ngx_http_concertation_spool_marks.h"
#include "ngx_http_concertation_spool.h"
#include "cc_spool.h"


u_char *
ngx_http_concertation_spool_reading(u_char *rpath)
{
    ngx_http_concertation_spool_file_t  *own;

    if (rpath) {
        return rpath;
    }

    own = ngx_http_concertation_spool_own();

    return own ? own->path : (u_char *) "";
}


/*
 * Not synced: after a power loss a mark may be missing, and the record's
 * key in Redis then finds it stored already.
 */

void
ngx_http_concertation_spool_mark(u_char *rpath, ngx_fd_t rfd, off_t off,
    u_char mark, ngx_log_t *log)
{
    ngx_fd_t                             fd;
    ngx_http_concertation_spool_file_t  *own;

    own = rpath ? NULL : ngx_http_concertation_spool_own();
    fd = rpath ? rfd : own ? own->mark_fd : NGX_INVALID_FILE;

    if (fd == NGX_INVALID_FILE
        || pwrite(fd, &mark, 1, off + CC_SPOOL_MARK_AT) != 1)
    {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "could not mark the record at offset %O of \"%s\"",
                      off, ngx_http_concertation_spool_reading(rpath));
    }
}


u_char *
ngx_http_concertation_spool_quarantine(ngx_str_t *dir, u_char *rpath,
    ngx_log_t *log)
{
    u_char                *q, *name;
    size_t                 len;
    static ngx_uint_t      seq;     /* two in the same second */

    name = ngx_http_concertation_spool_reading(rpath) + dir->len + 1;
    len = ngx_strlen(name);

    if (len < sizeof("spool-.log") - 1) {
        return NULL;
    }

    q = ngx_alloc(dir->len + sizeof("/quarantine-") + len + NGX_TIME_T_LEN
                  + NGX_INT_T_LEN + 2, log);
    if (q == NULL) {
        return NULL;
    }

    (void) ngx_sprintf(q, "%V/quarantine-%*s-%T-%ui.log%Z", dir,
                       len - (sizeof("spool-.log") - 1), name + 6, ngx_time(),
                       seq++);

    return q;
}
