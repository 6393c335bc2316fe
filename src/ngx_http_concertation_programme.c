
/*
 * concertation: the programme of events (concertation_events) and its seat
 * counters.
 *
 * The seats taken live in Redis, written by the registration scripts.  A
 * page of the programme must not cost a Redis round trip: the counters are
 * copied into a small shared-memory zone by a timer, and requests read the
 * zone.  Every worker has the timer; the zone says when the next refresh is
 * due, so that about one worker per interval asks Redis, whichever gets
 * there first, and the refresh goes on if a worker dies.  The page itself
 * is ngx_http_concertation_events.c.
 */


#include "ngx_http_concertation_programme.h"
#include "ngx_http_concertation_scripts.h"


#define NGX_HTTP_CONCERTATION_EVENTS_ZONE      "concertation_events"
#define NGX_HTTP_CONCERTATION_EVENTS_SIZE      (64 * 1024)
#define NGX_HTTP_CONCERTATION_EVENTS_INTERVAL  1000
/* a refresh unanswered for this long is given up and counted as failed */
#define NGX_HTTP_CONCERTATION_EVENTS_TIMEOUT   1000


/* in shared memory */
typedef struct {
    ngx_uint_t                          n;
    uint32_t                            ids;      /* crc32 of the ids */
    ngx_msec_t                          next;     /* next refresh due */
    time_t                              updated;  /* last good one, 0: none */
    time_t                              failing;  /* failing since, 0: not */
    ngx_http_concertation_counts_t      counts[1];
} ngx_http_concertation_events_sh_t;


typedef struct {
    ngx_slab_pool_t                    *shpool;
    ngx_http_concertation_events_sh_t  *sh;
    ngx_http_concertation_programme_t  *pg;
} ngx_http_concertation_events_ctx_t;


/* the refresh, one per worker */
typedef struct {
    ngx_event_t                         timer;
    ngx_log_t                           log;
    ngx_http_concertation_events_ctx_t *ctx;
    ngx_http_concertation_call_t        call;
    ngx_msec_t                          sent;
    ngx_msec_t                          interval;
    int                                 argc;
    const char                        **argv;
    size_t                             *argvlen;
    unsigned                            busy:1;   /* a refresh in flight */
} ngx_http_concertation_refresh_t;


static ngx_int_t ngx_http_concertation_events_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static uint32_t ngx_http_concertation_events_ids(cc_events_t *events);
static void ngx_http_concertation_events_cleanup(void *data);
static void ngx_http_concertation_events_tick(ngx_event_t *ev);
static void ngx_http_concertation_events_reply(void *data,
    redisReply *reply);
static void ngx_http_concertation_events_failed(
    ngx_http_concertation_refresh_t *rf);


static ngx_http_concertation_zone_kind_t
    ngx_http_concertation_programme_kind =
    { "concertation_events_cache", "the programme's seat counters" };


void *
ngx_http_concertation_programme_create_conf(ngx_conf_t *cf)
{
    ngx_http_concertation_programme_t  *pg;

    pg = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_programme_t));
    if (pg == NULL) {
        return NULL;
    }

    pg->interval = NGX_CONF_UNSET_MSEC;

    return pg;
}


char *
ngx_http_concertation_events_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    ngx_http_concertation_programme_t  *pg = cmcf->programme;
    ngx_str_t           *value, path;
    ngx_pool_cleanup_t  *cln;
    char                 err[512];

    if (pg->events != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    pg->events = cc_events_load_file((char *) path.data, err, sizeof(err));

    if (pg->events == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid programme: %s",
                           err);
        return NGX_CONF_ERROR;
    }

    /* the cycle's pool: freed with the configuration it belongs to */

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        cc_events_free(pg->events);
        pg->events = NULL;
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_concertation_events_cleanup;
    cln->data = pg->events;

    return NGX_CONF_OK;
}


static void
ngx_http_concertation_events_cleanup(void *data)
{
    cc_events_free(data);
}


/* concertation_events_cache zone=name:size [interval=time]; */

char *
ngx_http_concertation_events_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    ngx_http_concertation_programme_t   *pg = cmcf->programme;
    u_char                              *p;
    ssize_t                              size;
    ngx_str_t                           *value, name, s;
    ngx_msec_t                           interval;
    ngx_uint_t                           i;
    ngx_http_concertation_events_ctx_t  *ctx;

    if (pg->zone != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name.len = 0;
    size = 0;
    interval = NGX_CONF_UNSET_MSEC;

    for (i = 1; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "zone=", 5) == 0) {
            name.data = value[i].data + 5;
            p = (u_char *) ngx_strchr(name.data, ':');

            if (p == NULL) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone size \"%V\"", &value[i]);
                return NGX_CONF_ERROR;
            }

            name.len = p - name.data;
            s.data = p + 1;
            s.len = value[i].data + value[i].len - s.data;

            size = ngx_parse_size(&s);

            if (name.len == 0 || size == NGX_ERROR
                || size < (ssize_t) (8 * ngx_pagesize))
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid zone \"%V\": name:size, "
                                   "size at least %uz", &value[i],
                                   8 * ngx_pagesize);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "interval=", 9) == 0) {
            s.data = value[i].data + 9;
            s.len = value[i].len - 9;

            interval = ngx_parse_time(&s, 0);

            if (interval == (ngx_msec_t) NGX_ERROR || interval < 100
                || interval > 60000)
            {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "invalid interval \"%V\": from 100ms "
                                   "to 60s", &value[i]);
                return NGX_CONF_ERROR;
            }

            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter \"%V\"",
                           &value[i]);
        return NGX_CONF_ERROR;
    }

    if (name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have the \"zone\" parameter",
                           &value[0]);
        return NGX_CONF_ERROR;
    }

    ctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_events_ctx_t));
    if (ctx == NULL) {
        return NGX_CONF_ERROR;
    }

    ctx->pg = pg;

    pg->zone = ngx_http_concertation_zone_add(cf, &name, size,
                                   &ngx_http_concertation_programme_kind,
                                   "concertation_events_cache");
    if (pg->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (pg->zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is already used", &name);
        return NGX_CONF_ERROR;
    }

    pg->zone->init = ngx_http_concertation_events_init_zone;
    pg->zone->data = ctx;

    if (interval != NGX_CONF_UNSET_MSEC) {
        pg->interval = interval;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_concertation_programme_init_conf(ngx_conf_t *cf,
    ngx_http_concertation_programme_t *pg)
{
    ngx_str_t                            name;
    ngx_http_concertation_events_ctx_t  *ctx;

    ngx_conf_init_msec_value(pg->interval,
                             NGX_HTTP_CONCERTATION_EVENTS_INTERVAL);

    if (!pg->shown && pg->zone == NULL) {
        return NGX_CONF_OK;
    }

    if (pg->events == NULL) {
        ngx_http_concertation_conf_error(cf,
                           pg->shown ? &pg->shown_where : NULL,
                           "\"concertation_events_status\" and "
                           "\"concertation_events_cache\" need "
                           "\"concertation_events\" in the http block");
        return NGX_CONF_ERROR;
    }

    if (pg->zone != NULL) {
        return NGX_CONF_OK;
    }

    /* no concertation_events_cache: a zone of the default size */

    ctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_events_ctx_t));
    if (ctx == NULL) {
        return NGX_CONF_ERROR;
    }

    ctx->pg = pg;

    ngx_str_set(&name, NGX_HTTP_CONCERTATION_EVENTS_ZONE);

    pg->zone = ngx_http_concertation_zone_add(cf, &name,
                                   NGX_HTTP_CONCERTATION_EVENTS_SIZE,
                                   &ngx_http_concertation_programme_kind,
                                   "concertation_events_status");
    if (pg->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    pg->zone->init = ngx_http_concertation_events_init_zone;
    pg->zone->data = ctx;

    return NGX_CONF_OK;
}


static uint32_t
ngx_http_concertation_events_ids(cc_events_t *events)
{
    size_t    i;
    uint32_t  crc;

    ngx_crc32_init(crc);

    for (i = 0; i < events->n; i++) {
        ngx_crc32_update(&crc, (u_char *) events->events[i].id,
                         ngx_strlen(events->events[i].id) + 1);
    }

    ngx_crc32_final(crc);

    return crc;
}


/*
 * On reload the zone survives: its counters are kept when the programme
 * has the same events in the same order.  Otherwise a new table is taken
 * from the zone, and the old one is left to the old workers still reading
 * it (a reload that changes the programme leaks one small table).
 */

static ngx_int_t
ngx_http_concertation_events_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_concertation_events_ctx_t  *octx = data;

    size_t                               size;
    uint32_t                             ids;
    ngx_http_concertation_events_ctx_t  *ctx;

    ctx = shm_zone->data;
    ctx->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    ids = ngx_http_concertation_events_ids(ctx->pg->events);

    if (octx && octx->sh && octx->sh->n == ctx->pg->events->n
        && octx->sh->ids == ids)
    {
        ctx->sh = octx->sh;
        return NGX_OK;
    }

    size = sizeof(ngx_http_concertation_events_sh_t)
           + ctx->pg->events->n * sizeof(ngx_http_concertation_counts_t);

    ctx->sh = ngx_slab_calloc(ctx->shpool, size);

    if (ctx->sh == NULL) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "zone \"%V\" is too small for %uz events",
                      &shm_zone->shm.name, ctx->pg->events->n);
        return NGX_ERROR;
    }

    ctx->sh->n = ctx->pg->events->n;
    ctx->sh->ids = ids;

    return NGX_OK;
}


ngx_int_t
ngx_http_concertation_programme_init_process(ngx_cycle_t *cycle,
    ngx_http_concertation_programme_t *pg)
{
    u_char                           *p;
    size_t                            i, n;
    ngx_str_t                         prefix;
    cc_event_t                       *ev;
    ngx_http_concertation_refresh_t  *rf;

    if (!pg->shown || pg->zone == NULL) {
        return NGX_OK;
    }

    rf = ngx_pcalloc(cycle->pool, sizeof(ngx_http_concertation_refresh_t));
    if (rf == NULL) {
        return NGX_ERROR;
    }

    n = pg->events->n;

    rf->ctx = pg->zone->data;
    rf->interval = pg->interval;
    rf->log = *cycle->log;
    rf->argc = (int) (3 + n);
    rf->argv = ngx_pcalloc(cycle->pool, rf->argc * sizeof(char *));
    rf->argvlen = ngx_palloc(cycle->pool, rf->argc * sizeof(size_t));

    if (rf->argv == NULL || rf->argvlen == NULL) {
        return NGX_ERROR;
    }

    /* the keys the registration scripts write (see README) */

    prefix = *pg->prefix;

    p = ngx_pnalloc(cycle->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    rf->argv[2] = (char *) p;
    rf->argvlen[2] = ngx_sprintf(p, "%uz", n) - p;

    for (i = 0; i < n; i++) {
        ev = &pg->events->events[i];

        p = ngx_pnalloc(cycle->pool,
                        prefix.len + ngx_strlen(ev->id)
                        + sizeof(":event") - 1);
        if (p == NULL) {
            return NGX_ERROR;
        }

        rf->argv[3 + i] = (char *) p;
        rf->argvlen[3 + i] = ngx_sprintf(p, "%V%s:event", &prefix, ev->id)
                             - p;
    }

    rf->timer.handler = ngx_http_concertation_events_tick;
    rf->timer.data = rf;
    rf->timer.log = &rf->log;
    rf->timer.cancelable = 1;

    /* soon, but after the connection to Redis had a chance to come up */
    ngx_add_timer(&rf->timer, 10);

    return NGX_OK;
}


static void
ngx_http_concertation_events_tick(ngx_event_t *ev)
{
    ngx_http_concertation_refresh_t *rf = ev->data;

    ngx_uint_t                           due;
    ngx_http_concertation_events_ctx_t  *ctx;

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    ngx_add_timer(&rf->timer, rf->interval);

    if (rf->busy) {
        if (ngx_current_msec - rf->sent < NGX_HTTP_CONCERTATION_EVENTS_TIMEOUT)
        {
            return;
        }

        /* Redis is too slow: give up this refresh, say so, try again */
        (void) ngx_http_concertation_call_cancel(&rf->call);
        rf->busy = 0;
        ngx_http_concertation_events_failed(rf);
    }

    ctx = rf->ctx;

    /*
     * A quarter of the interval of slack: a worker whose timer fires a
     * little early still takes its turn, rather than skipping a whole round.
     */

    ngx_shmtx_lock(&ctx->shpool->mutex);

    due = (ngx_msec_int_t) (ngx_current_msec - ctx->sh->next) >= 0;

    if (due) {
        ctx->sh->next = ngx_current_msec + rf->interval - rf->interval / 4;
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    if (!due) {
        return;
    }

    rf->call.script = NGX_HTTP_CONCERTATION_SCRIPT_EVENT_COUNTS;
    rf->call.argc = rf->argc;
    rf->call.argv = rf->argv;
    rf->call.argvlen = rf->argvlen;
    rf->call.handler = ngx_http_concertation_events_reply;
    rf->call.data = rf;

    if (ngx_http_concertation_call(&rf->call) != NGX_OK) {
        ngx_http_concertation_events_failed(rf);
        return;
    }

    rf->busy = 1;
    rf->sent = ngx_current_msec;
}


static void
ngx_http_concertation_events_reply(void *data, redisReply *reply)
{
    ngx_http_concertation_refresh_t *rf = data;

    size_t                               i, j;
    ngx_int_t                            v[2];
    redisReply                          *e, *f;
    ngx_http_concertation_counts_t      *counts;
    ngx_http_concertation_events_ctx_t  *ctx;

    rf->busy = 0;
    ctx = rf->ctx;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY
        || reply->elements != ctx->sh->n)
    {
        if (reply != NULL && reply->type == REDIS_REPLY_ERROR) {
            ngx_log_error(NGX_LOG_ERR, &rf->log, 0,
                          "programme counters: Redis said \"%*s\"",
                          (size_t) reply->len, reply->str);
        }

        ngx_http_concertation_events_failed(rf);
        return;
    }

    /* checked wholly before the zone is touched: all or nothing */

    counts = ngx_alloc(ctx->sh->n * sizeof(ngx_http_concertation_counts_t),
                       &rf->log);
    if (counts == NULL) {
        ngx_http_concertation_events_failed(rf);
        return;
    }

    for (i = 0; i < reply->elements; i++) {
        e = reply->element[i];

        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2) {
            goto invalid;
        }

        for (j = 0; j < 2; j++) {
            f = e->element[j];

            if (f->type == REDIS_REPLY_NIL) {
                v[j] = 0;

            } else if (f->type == REDIS_REPLY_STRING) {
                v[j] = ngx_atoi((u_char *) f->str, f->len);

                if (v[j] == NGX_ERROR || v[j] > (ngx_int_t) UINT32_MAX) {
                    goto invalid;
                }

            } else {
                goto invalid;
            }
        }

        counts[i].confirmed = (uint32_t) v[0];
        counts[i].waitlisted = (uint32_t) v[1];
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    ngx_memcpy(ctx->sh->counts, counts,
               ctx->sh->n * sizeof(ngx_http_concertation_counts_t));
    ctx->sh->updated = ngx_time();
    ctx->sh->failing = 0;

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    ngx_free(counts);

    return;

invalid:

    ngx_log_error(NGX_LOG_ERR, &rf->log, 0,
                  "programme counters: unexpected reply from Redis for "
                  "event \"%s\"", ctx->pg->events->events[i].id);

    ngx_free(counts);
    ngx_http_concertation_events_failed(rf);
}


static void
ngx_http_concertation_events_failed(ngx_http_concertation_refresh_t *rf)
{
    ngx_http_concertation_events_ctx_t  *ctx;

    ctx = rf->ctx;

    ngx_shmtx_lock(&ctx->shpool->mutex);

    if (ctx->sh->failing == 0) {
        ctx->sh->failing = ngx_time();
    }

    ngx_shmtx_unlock(&ctx->shpool->mutex);
}


ngx_http_concertation_counts_t *
ngx_http_concertation_programme_counts(ngx_http_concertation_programme_t *pg,
    ngx_pool_t *pool, time_t *updated, time_t *failing)
{
    ngx_http_concertation_counts_t      *counts;
    ngx_http_concertation_events_ctx_t  *ctx;

    ctx = pg->zone->data;

    /* a copy, so that the lock is not held while the answer is built */

    counts = ngx_palloc(pool,
                        ctx->sh->n * sizeof(ngx_http_concertation_counts_t));
    if (counts == NULL) {
        return NULL;
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    ngx_memcpy(counts, ctx->sh->counts,
               ctx->sh->n * sizeof(ngx_http_concertation_counts_t));
    *updated = ctx->sh->updated;
    *failing = ctx->sh->failing;

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    return counts;
}


cc_seats_t *
ngx_http_concertation_programme_seats(ngx_http_concertation_programme_t *pg,
    ngx_pool_t *pool)
{
    time_t                           updated, failing;
    ngx_uint_t                       i;
    cc_seats_t                      *seats;
    ngx_http_concertation_counts_t  *counts;

    counts = ngx_http_concertation_programme_counts(pg, pool, &updated,
                                                    &failing);
    seats = ngx_pcalloc(pool, pg->events->n * sizeof(cc_seats_t));

    if (counts == NULL || seats == NULL) {
        return NULL;
    }

    for (i = 0; i < pg->events->n; i++) {
        seats[i].confirmed = counts[i].confirmed;
        seats[i].waitlisted = counts[i].waitlisted;
        seats[i].known = updated != 0;
    }

    return seats;
}
