
/*
 * concertation: configuration helpers shared by every concern — nginx's
 * slot setters on a concern's own part of the configuration, errors found
 * after parsing named at the directive that caused them, and the module's
 * shared-memory zones, each of its own kind.
 */

#ifndef _NGX_HTTP_CONCERTATION_CONF_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_CONF_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


/* where a directive was read, for errors found once parsing is over */
typedef struct {
    ngx_str_t                   directive;
    ngx_str_t                   file;
    ngx_uint_t                  line;
} ngx_http_concertation_where_t;

void ngx_http_concertation_conf_where(ngx_conf_t *cf,
    ngx_http_concertation_where_t *where);
/* "<message> in <file>:<line>", as nginx says it while parsing */
void ngx_http_concertation_conf_error(ngx_conf_t *cf,
    ngx_http_concertation_where_t *where, const char *fmt, ...);


/*
 * A directive set by one of nginx's slot setters, on a field of one
 * concern's part of the configuration: the command's post points to this.
 * part: the offset of the part's pointer in the module's configuration, or
 * NGX_HTTP_CONCERTATION_WHOLE for the configuration itself.  A value the
 * setter refuses is named in the error.  where, when not 0: the offset in
 * the part of an ngx_http_concertation_where_t to fill.
 */
typedef struct {
    char                     *(*set)(ngx_conf_t *cf, ngx_command_t *cmd,
                                     void *conf);
    ngx_uint_t                  part;
    void                       *post;
    ngx_uint_t                  where;
} ngx_http_concertation_slot_t;

#define NGX_HTTP_CONCERTATION_WHOLE  ((ngx_uint_t) -1)

char *ngx_http_concertation_conf_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);


/*
 * The kinds of zone: a zone name is one kind's.  A name taken by another
 * kind (or by another module) is refused with both uses named, rather than
 * handed to code that reads it as its own.
 */
typedef struct {
    const char                 *directive;   /* that declares such zones */
    const char                 *what;        /* what they hold, for errors */
} ngx_http_concertation_zone_kind_t;

ngx_shm_zone_t *ngx_http_concertation_zone_add(ngx_conf_t *cf,
    ngx_str_t *name, size_t size, ngx_http_concertation_zone_kind_t *kind,
    const char *user);


#endif /* _NGX_HTTP_CONCERTATION_CONF_H_INCLUDED_ */
