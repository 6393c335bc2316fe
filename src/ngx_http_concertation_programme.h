
/*
 * concertation: the programme of events (concertation_events) and its
 * seat counters, copied from Redis into shared memory by a timer, so that
 * showing the programme never costs a Redis round trip.
 */

#ifndef _NGX_HTTP_CONCERTATION_PROGRAMME_H_INCLUDED_
#define _NGX_HTTP_CONCERTATION_PROGRAMME_H_INCLUDED_


#include "ngx_http_concertation.h"
#include "cc_events.h"
#include "cc_event_text.h"


struct ngx_http_concertation_programme_s {
    cc_events_t                *events;       /* concertation_events */
    ngx_shm_zone_t             *zone;         /* the counters' cache */
    ngx_msec_t                  interval;
    ngx_flag_t                  shown;        /* a location shows it */
    ngx_str_t                  *prefix;       /* that location's */
    ngx_http_concertation_where_t  shown_where;
};


typedef struct {
    uint32_t                    confirmed;
    uint32_t                    waitlisted;
} ngx_http_concertation_counts_t;


void *ngx_http_concertation_programme_create_conf(ngx_conf_t *cf);
char *ngx_http_concertation_programme_init_conf(ngx_conf_t *cf,
    ngx_http_concertation_programme_t *pg);
char *ngx_http_concertation_events_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
char *ngx_http_concertation_events_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

ngx_int_t ngx_http_concertation_programme_init_process(ngx_cycle_t *cycle,
    ngx_http_concertation_programme_t *pg);

/*
 * A copy of the counters, one per event, in pool; *updated: when they were
 * last read from Redis (0: never), *failing: since when reading fails.
 */
ngx_http_concertation_counts_t *ngx_http_concertation_programme_counts(
    ngx_http_concertation_programme_t *pg, ngx_pool_t *pool, time_t *updated,
    time_t *failing);


/* the same, as the pages take them (known: read from Redis at least once) */
cc_seats_t *ngx_http_concertation_programme_seats(
    ngx_http_concertation_programme_t *pg, ngx_pool_t *pool);


#endif /* _NGX_HTTP_CONCERTATION_PROGRAMME_H_INCLUDED_ */
