
/*
 * concertation: the replay's marks on the spool's files, and the names of
 * the quarantine: what the replay writes on disk besides Redis.
 */

#ifndef _NGX_HTTP_CONCERTATION_SPOOL_MARKS_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_SPOOL_MARKS_H_INCLUDED_


#include "ngx_http_concertation.h"


/* the file the replay reads: rpath (another's), or this worker's own */
u_char *ngx_http_concertation_spool_reading(u_char *rpath);

/*
 * The mark of the record at off, in place: the replay's position, on
 * disk.  rfd is rpath's descriptor (for the own file, its mark_fd is used).
 */
void ngx_http_concertation_spool_mark(u_char *rpath, ngx_fd_t rfd,
    off_t off, u_char mark, ngx_log_t *log);

/* a quarantine name in dir for the file read: quarantine-<pid>-<s>-<n>.log,
   malloc()ed; NULL when there is none */
u_char *ngx_http_concertation_spool_quarantine(ngx_str_t *dir, u_char *rpath,
    ngx_log_t *log);


#endif /* _NGX_HTTP_CONCERTATION_SPOOL_MARKS_H_INCLUDED_ */
