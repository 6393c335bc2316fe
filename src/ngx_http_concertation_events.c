
/*
 * concertation: the programme of events (concertation_events) and its
 * public view, GET /api/evenements (concertation_events_status).
 *
 * The seats taken live in Redis, written by the registration scripts.  A
 * page of the programme must not cost a Redis round trip: the counters are
 * copied into a small shared-memory zone by a timer, and requests read the
 * zone.  Every worker has the timer; the zone says when the next refresh is
 * due, so that about one worker per interval asks Redis, whichever gets
 * there first, and the refresh goes on if a worker dies.
 */


#include "ngx_http_concertation.h"


#define NGX_HTTP_CONCERTATION_EVENTS_ZONE      "concertation_events"
#define NGX_HTTP_CONCERTATION_EVENTS_SIZE      (64 * 1024)
#define NGX_HTTP_CONCERTATION_EVENTS_INTERVAL  1000
/* a refresh unanswered for this long is given up and counted as failed */
#define NGX_HTTP_CONCERTATION_EVENTS_TIMEOUT   1000


typedef struct {
    uint32_t                            confirmed;
    uint32_t                            waitlisted;
} ngx_http_concertation_counts_t;


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
    ngx_http_concertation_main_conf_t  *cmcf;
} ngx_http_concertation_events_ctx_t;


/* the refresh, one per worker */
typedef struct {
    ngx_event_t                         timer;
    ngx_log_t                           log;
    ngx_http_concertation_events_ctx_t *ctx;
    ngx_http_concertation_cmd_t        *cmd;      /* in flight */
    ngx_msec_t                          sent;
    ngx_msec_t                          interval;
    int                                 argc;
    const char                        **argv;
    size_t                             *argvlen;
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
static ngx_int_t ngx_http_concertation_events_handler(ngx_http_request_t *r);
static json_t *ngx_http_concertation_events_time(int64_t t, int offset);


static ngx_str_t  ngx_http_concertation_events_json =
    ngx_string("application/json; charset=utf-8");


char *
ngx_http_concertation_events_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_main_conf_t *cmcf = conf;

    ngx_str_t           *value, path;
    ngx_pool_cleanup_t  *cln;
    char                 err[512];

    if (cmcf->events != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cmcf->events = cc_events_load_file((char *) path.data, err, sizeof(err));

    if (cmcf->events == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid programme: %s",
                           err);
        return NGX_CONF_ERROR;
    }

    /* the cycle's pool: freed with the configuration it belongs to */

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        cc_events_free(cmcf->events);
        cmcf->events = NULL;
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_concertation_events_cleanup;
    cln->data = cmcf->events;

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

    u_char                              *p;
    ssize_t                              size;
    ngx_str_t                           *value, name, s;
    ngx_msec_t                           interval;
    ngx_uint_t                           i;
    ngx_http_concertation_events_ctx_t  *ctx;

    if (cmcf->events_zone != NULL) {
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

    ctx->cmcf = cmcf;

    cmcf->events_zone = ngx_shared_memory_add(cf, &name, size,
                                              &ngx_http_concertation_module);
    if (cmcf->events_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (cmcf->events_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is already used", &name);
        return NGX_CONF_ERROR;
    }

    cmcf->events_zone->init = ngx_http_concertation_events_init_zone;
    cmcf->events_zone->data = ctx;

    if (interval != NGX_CONF_UNSET_MSEC) {
        cmcf->events_interval = interval;
    }

    return NGX_CONF_OK;
}


char *
ngx_http_concertation_events_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    ngx_http_core_loc_conf_t           *hclcf;
    ngx_http_concertation_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_concertation_module);
    cmcf->events_status = 1;

    /* merged by the time a worker reads the counters */
    cmcf->events_prefix = &clcf->prefix;

    hclcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    hclcf->handler = ngx_http_concertation_events_handler;

    return NGX_CONF_OK;
}


char *
ngx_http_concertation_events_init_main_conf(ngx_conf_t *cf,
    ngx_http_concertation_main_conf_t *cmcf)
{
    ngx_str_t                            name;
    ngx_http_concertation_events_ctx_t  *ctx;

    ngx_conf_init_msec_value(cmcf->events_interval,
                             NGX_HTTP_CONCERTATION_EVENTS_INTERVAL);

    if (!cmcf->events_status && cmcf->events_zone == NULL) {
        return NGX_CONF_OK;
    }

    if (cmcf->events == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"concertation_events_status\" and "
                           "\"concertation_events_cache\" need "
                           "\"concertation_events\" in the http block");
        return NGX_CONF_ERROR;
    }

    if (cmcf->events_status && cmcf->redis == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"concertation_events_status\" needs "
                           "\"concertation_redis\" in the http block");
        return NGX_CONF_ERROR;
    }

    if (cmcf->events_zone != NULL) {
        return NGX_CONF_OK;
    }

    /* no concertation_events_cache: a zone of the default size */

    ctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_events_ctx_t));
    if (ctx == NULL) {
        return NGX_CONF_ERROR;
    }

    ctx->cmcf = cmcf;

    ngx_str_set(&name, NGX_HTTP_CONCERTATION_EVENTS_ZONE);

    cmcf->events_zone = ngx_shared_memory_add(cf, &name,
                                          NGX_HTTP_CONCERTATION_EVENTS_SIZE,
                                          &ngx_http_concertation_module);
    if (cmcf->events_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    cmcf->events_zone->init = ngx_http_concertation_events_init_zone;
    cmcf->events_zone->data = ctx;

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

    ids = ngx_http_concertation_events_ids(ctx->cmcf->events);

    if (octx && octx->sh && octx->sh->n == ctx->cmcf->events->n
        && octx->sh->ids == ids)
    {
        ctx->sh = octx->sh;
        return NGX_OK;
    }

    size = sizeof(ngx_http_concertation_events_sh_t)
           + ctx->cmcf->events->n * sizeof(ngx_http_concertation_counts_t);

    ctx->sh = ngx_slab_calloc(ctx->shpool, size);

    if (ctx->sh == NULL) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "zone \"%V\" is too small for %uz events",
                      &shm_zone->shm.name, ctx->cmcf->events->n);
        return NGX_ERROR;
    }

    ctx->sh->n = ctx->cmcf->events->n;
    ctx->sh->ids = ids;

    return NGX_OK;
}


ngx_int_t
ngx_http_concertation_events_init_process(ngx_cycle_t *cycle,
    ngx_http_concertation_main_conf_t *cmcf)
{
    u_char                           *p;
    size_t                            i, n;
    ngx_str_t                         prefix;
    cc_event_t                       *ev;
    ngx_http_concertation_refresh_t  *rf;

    if (!cmcf->events_status || cmcf->events_zone == NULL) {
        return NGX_OK;
    }

    rf = ngx_pcalloc(cycle->pool, sizeof(ngx_http_concertation_refresh_t));
    if (rf == NULL) {
        return NGX_ERROR;
    }

    n = cmcf->events->n;

    rf->ctx = cmcf->events_zone->data;
    rf->interval = cmcf->events_interval;
    rf->log = *cycle->log;
    rf->argc = (int) (3 + n);
    rf->argv = ngx_palloc(cycle->pool, rf->argc * sizeof(char *));
    rf->argvlen = ngx_palloc(cycle->pool, rf->argc * sizeof(size_t));

    if (rf->argv == NULL || rf->argvlen == NULL) {
        return NGX_ERROR;
    }

    /* the keys the registration scripts write (see README) */

    prefix = *cmcf->events_prefix;

    rf->argv[0] = "EVAL";
    rf->argvlen[0] = 4;
    rf->argv[1] = (char *) cmcf->events_script.data;
    rf->argvlen[1] = cmcf->events_script.len;

    p = ngx_pnalloc(cycle->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    rf->argv[2] = (char *) p;
    rf->argvlen[2] = ngx_sprintf(p, "%uz", n) - p;

    for (i = 0; i < n; i++) {
        ev = &cmcf->events->events[i];

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

    if (rf->cmd != NULL) {
        if (ngx_current_msec - rf->sent < NGX_HTTP_CONCERTATION_EVENTS_TIMEOUT)
        {
            return;
        }

        /* Redis is too slow: give up this refresh, say so, try again */
        ngx_http_concertation_redis_cancel(rf->cmd);
        rf->cmd = NULL;
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

    rf->cmd = ngx_http_concertation_redis_send(rf->argc, rf->argv,
                                               rf->argvlen,
                                          ngx_http_concertation_events_reply,
                                               rf);
    if (rf->cmd == NULL) {
        ngx_http_concertation_events_failed(rf);
        return;
    }

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

    rf->cmd = NULL;
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
                  "event \"%s\"", ctx->cmcf->events->events[i].id);

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


/* GET /api/evenements */

static ngx_int_t
ngx_http_concertation_events_handler(ngx_http_request_t *r)
{
    char                                *body;
    size_t                               i, len;
    time_t                               now, updated, failing;
    json_t                              *root, *list, *o;
    ngx_int_t                            rc, open;
    ngx_buf_t                           *b;
    cc_event_t                          *ev;
    ngx_http_concertation_counts_t      *counts, *c;
    ngx_http_concertation_events_ctx_t  *ctx;
    ngx_http_concertation_loc_conf_t    *clcf;
    ngx_http_concertation_main_conf_t   *cmcf;

    rc = ngx_http_concertation_check_get(r,
                         "Le programme se consulte avec la méthode GET.");
    if (rc != NGX_DECLINED) {
        return rc;
    }

    cmcf = ngx_http_get_module_main_conf(r, ngx_http_concertation_module);
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);
    ctx = cmcf->events_zone->data;

    /* a copy, so that the lock is not held while the answer is built */

    counts = ngx_palloc(r->pool,
                        ctx->sh->n * sizeof(ngx_http_concertation_counts_t));
    if (counts == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_shmtx_lock(&ctx->shpool->mutex);

    ngx_memcpy(counts, ctx->sh->counts,
               ctx->sh->n * sizeof(ngx_http_concertation_counts_t));
    updated = ctx->sh->updated;
    failing = ctx->sh->failing;

    ngx_shmtx_unlock(&ctx->shpool->mutex);

    now = ngx_time();

    root = json_object();
    list = json_array();

    if (root == NULL || list == NULL
        || json_object_set_new(root, "events", list) != 0)
    {
        json_decref(root);
        json_decref(list);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /*
     * "updated_at": when the counters were last read from Redis (null:
     * never since the server started); "stale_since": since when the
     * refreshes fail, null while they succeed.
     */

    json_object_set_new(root, "updated_at",
                        updated ? ngx_http_concertation_events_time(updated,
                                                                    0)
                                : json_null());
    json_object_set_new(root, "stale", json_boolean(failing != 0
                                                    || updated == 0));
    json_object_set_new(root, "stale_since",
                        failing ? ngx_http_concertation_events_time(failing,
                                                                    0)
                                : json_null());

    for (i = 0; i < cmcf->events->n; i++) {
        ev = &cmcf->events->events[i];
        c = &counts[i];

        o = json_object();
        if (o == NULL || json_array_append_new(list, o) != 0) {
            json_decref(root);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        json_object_set_new(o, "id", json_string(ev->id));
        json_object_set_new(o, "kind", json_string(ev->kind));
        json_object_set_new(o, "title", json_string(ev->title));
        json_object_set_new(o, "start", ev->dated
                ? ngx_http_concertation_events_time(ev->start,
                                                    ev->start_offset)
                : json_null());
        json_object_set_new(o, "end", ev->dated
                ? ngx_http_concertation_events_time(ev->end,
                                                    ev->start_offset)
                : json_null());
        json_object_set_new(o, "place", json_string(ev->place));
        json_object_set_new(o, "department", json_string(ev->department));
        json_object_set_new(o, "capacity", json_integer(ev->capacity));
        json_object_set_new(o, "waitlist", json_integer(ev->waitlist));
        json_object_set_new(o, "deadline", ev->deadline == INT64_MAX
                ? json_null()
                : ngx_http_concertation_events_time(ev->deadline,
                                      ev->dated ? ev->start_offset : 0));

        /*
         * open: registering is still possible, by the clock: before the
         * deadline, and inside the consultation window if one applies here.
         */

        open = now <= ev->deadline
               && (clcf->window == NULL
                   || (now >= clcf->window->start
                       && now <= clcf->window->end));

        json_object_set_new(o, "open", json_boolean(open));

        if (updated == 0) {
            /* never read: unknown, not "all free" */
            json_object_set_new(o, "seats_left", json_null());
            json_object_set_new(o, "waitlist_left", json_null());
            json_object_set_new(o, "full", json_null());
            continue;
        }

        json_object_set_new(o, "seats_left", json_integer(
                c->confirmed >= ev->capacity ? 0
                                             : ev->capacity - c->confirmed));
        json_object_set_new(o, "waitlist_left", json_integer(
                c->waitlisted >= ev->waitlist ? 0
                                              : ev->waitlist - c->waitlisted));
        json_object_set_new(o, "full", json_boolean(
                c->confirmed >= ev->capacity
                && c->waitlisted >= ev->waitlist));
    }

    body = json_dumps(root, JSON_COMPACT);
    json_decref(root);

    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = ngx_strlen(body);

    b = ngx_create_temp_buf(r->pool, len + 1);
    if (b == NULL) {
        free(body);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->pos, body, len);
    *b->last++ = '\n';
    free(body);

    /* about as fresh as the cache: a browser may keep it for a second */

    return ngx_http_concertation_send_buf(r, NGX_HTTP_OK,
                                          &ngx_http_concertation_events_json,
                                          "public, max-age=1", b);
}


/* RFC 3339, as read on a clock at "offset" seconds east of UTC */

static json_t *
ngx_http_concertation_events_time(int64_t t, int offset)
{
    u_char     buf[sizeof("-9999-12-31T23:59:59+23:59")], *p;
    ngx_tm_t   tm;
    ngx_int_t  off;

    ngx_gmtime((time_t) (t + offset), &tm);

    p = ngx_sprintf(buf, "%04d-%02d-%02dT%02d:%02d:%02d",
                    tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                    tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec);

    if (offset == 0) {
        *p++ = 'Z';

    } else {
        off = offset < 0 ? -offset : offset;
        p = ngx_sprintf(p, "%c%02i:%02i", offset < 0 ? '-' : '+',
                        off / 3600, off % 3600 / 60);
    }

    return json_stringn((char *) buf, p - buf);
}
