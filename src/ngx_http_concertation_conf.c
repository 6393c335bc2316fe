
/*
 * concertation: configuration helpers (ngx_http_concertation_conf.h).
 */


#include "ngx_http_concertation_conf.h"


#define NGX_HTTP_CONCERTATION_ZONE_KINDS  8


static char *ngx_http_concertation_conf_value(ngx_conf_t *cf, char *rv);
static ngx_http_concertation_zone_kind_t *ngx_http_concertation_zone_kind(
    ngx_shm_zone_t *shm_zone);


/* the kinds met so far: a zone's tag is its kind */
static ngx_http_concertation_zone_kind_t
    *ngx_http_concertation_kinds[NGX_HTTP_CONCERTATION_ZONE_KINDS];
static ngx_uint_t  ngx_http_concertation_nkinds;


void
ngx_http_concertation_conf_where(ngx_conf_t *cf,
    ngx_http_concertation_where_t *where)
{
    ngx_str_t  *value;

    value = cf->args->elts;

    where->directive = value[0];
    where->file = cf->conf_file->file.name;
    where->line = cf->conf_file->line;
}


void
ngx_http_concertation_conf_error(ngx_conf_t *cf,
    ngx_http_concertation_where_t *where, const char *fmt, ...)
{
    u_char   *p;
    va_list   args;
    u_char    msg[NGX_MAX_CONF_ERRSTR];

    va_start(args, fmt);
    p = ngx_vslprintf(msg, msg + sizeof(msg), fmt, args);
    va_end(args);

    if (where == NULL || where->file.len == 0) {
        /* nothing better known: where nginx is reading now */
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%*s", p - msg, msg);
        return;
    }

    ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "%*s in %V:%ui",
                  p - msg, msg, &where->file, where->line);
}


char *
ngx_http_concertation_conf_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_slot_t *slot = cmd->post;

    void           *part;
    ngx_command_t   c;

    part = slot->part == NGX_HTTP_CONCERTATION_WHOLE
           ? conf : *(void **) ((char *) conf + slot->part);

    c = *cmd;
    c.post = slot->post;

    if (slot->where) {
        ngx_http_concertation_conf_where(cf,
                  (ngx_http_concertation_where_t *)
                  ((char *) part + slot->where));
    }

    return ngx_http_concertation_conf_value(cf, slot->set(cf, &c, part));
}


/*
 * nginx's own setters say "invalid value" without the value: this names
 * it, so that a typo is found from the message alone.
 */

static char *
ngx_http_concertation_conf_value(ngx_conf_t *cf, char *rv)
{
    ngx_str_t  *value;

    if (rv == NGX_CONF_OK || rv == NGX_CONF_ERROR) {
        return rv;
    }

    value = cf->args->elts;

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "\"%V\" directive %s \"%V\"",
                       &value[0], rv, &value[1]);

    return NGX_CONF_ERROR;
}


ngx_shm_zone_t *
ngx_http_concertation_zone_add(ngx_conf_t *cf, ngx_str_t *name, size_t size,
    ngx_http_concertation_zone_kind_t *kind, const char *user)
{
    ngx_uint_t                          i;
    ngx_list_part_t                    *part;
    ngx_shm_zone_t                     *shm_zone;
    ngx_http_concertation_zone_kind_t  *other;

    for (i = 0; i < ngx_http_concertation_nkinds; i++) {
        if (ngx_http_concertation_kinds[i] == kind) {
            break;
        }
    }

    if (i == ngx_http_concertation_nkinds
        && i < NGX_HTTP_CONCERTATION_ZONE_KINDS)
    {
        ngx_http_concertation_kinds[ngx_http_concertation_nkinds++] = kind;
    }

    part = &cf->cycle->shared_memory.part;
    shm_zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            shm_zone = part->elts;
            i = 0;
        }

        if (name->len != shm_zone[i].shm.name.len
            || ngx_strncmp(name->data, shm_zone[i].shm.name.data, name->len)
               != 0
            || shm_zone[i].tag == kind)
        {
            continue;
        }

        other = ngx_http_concertation_zone_kind(&shm_zone[i]);

        if (other) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "the zone \"%V\" is used both by \"%s\" "
                               "(%s) and by \"%s\" (%s): give one of them "
                               "another name", name, other->directive,
                               other->what, user, kind->what);

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "the zone \"%V\" is used both by another "
                               "module's directive and by \"%s\" (%s): "
                               "give one of them another name",
                               name, user, kind->what);
        }

        return NULL;
    }

    return ngx_shared_memory_add(cf, name, size, kind);
}


static ngx_http_concertation_zone_kind_t *
ngx_http_concertation_zone_kind(ngx_shm_zone_t *shm_zone)
{
    ngx_uint_t  i;

    for (i = 0; i < ngx_http_concertation_nkinds; i++) {
        if (shm_zone->tag == ngx_http_concertation_kinds[i]) {
            return ngx_http_concertation_kinds[i];
        }
    }

    return NULL;
}
