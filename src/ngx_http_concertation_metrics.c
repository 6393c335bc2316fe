
/*
 * concertation: counters in shared memory, and the access log's variables;
 * the concertation_status page that shows the counters is
 * ngx_http_concertation_status.c.
 *
 * The counters live in one zone the module creates, "concertation_status",
 * of a fixed size: a reload keeps it (same name, size and tag), and with it
 * every count; the slots of the forms and events of the new configuration
 * are found by name, or added, when the zone is taken over.  Counting is
 * one ngx_atomic_fetch_add() on the request's path, no lock.  Each worker
 * writes its own slot (its Redis connection, its spool), found by nginx's
 * worker number; the slot is claimed by pid, so that an old worker still
 * finishing its requests after a reload does not overwrite the new one's
 * gauges.
 *
 * The variables: an answer is recorded once, by the answer functions
 * (ngx_http_concertation_response.c) or the registration's, which set the
 * request's $concertation_outcome, $concertation_form and $concertation_id
 * in r->variables as nginx's own "set" does: the module context slot
 * belongs to the store (ngx_http_concertation_store.c), and the access log
 * reads indexed variables straight from r->variables.  The first answer
 * recorded wins: the counters see each request once.
 */


#include "ngx_http_concertation.h"

#include <time.h>


#define NGX_HTTP_CONCERTATION_METRICS_ZONE     "concertation_status"
#define NGX_HTTP_CONCERTATION_METRICS_SIZE     (512 * 1024)
#define NGX_HTTP_CONCERTATION_METRICS_FORMS    64
#define NGX_HTTP_CONCERTATION_METRICS_EVENTS   512
#define NGX_HTTP_CONCERTATION_METRICS_WORKERS  64
#define NGX_HTTP_CONCERTATION_METRICS_NAME     64
#define NGX_HTTP_CONCERTATION_METRICS_NONE     ((ngx_uint_t) -1)


/* forms and events alike: the name first (metrics_slot() reads it) */

typedef struct {
    u_char                              len;
    u_char                       name[NGX_HTTP_CONCERTATION_METRICS_NAME];
    ngx_atomic_t                        outcomes[CC_OUTCOME_N];
} ngx_http_concertation_metrics_form_t;


typedef struct {
    u_char                              len;
    u_char                       name[NGX_HTTP_CONCERTATION_METRICS_NAME];
    ngx_atomic_t                        states[CC_REG_STATE_N];
} ngx_http_concertation_metrics_event_t;


typedef struct {
    ngx_atomic_t                        pid;       /* the worker writing */
    ngx_atomic_t                        state;     /* cc_redis_state_e */
    ngx_atomic_t                        reconnects;
    ngx_atomic_t                        buckets[CC_METRICS_BUCKETS];
    ngx_atomic_t                        latency_sum_us;
    ngx_atomic_t                        spool_bytes;
    ngx_atomic_t                        spool_records;
    ngx_atomic_t                        replayed;
    ngx_atomic_t                        replay_duplicates;
    ngx_atomic_t                        replay_skipped;
} ngx_http_concertation_metrics_worker_t;


typedef struct {
    ngx_atomic_t                        nforms;
    ngx_atomic_t                        nevents;
    ngx_http_concertation_metrics_form_t
                               forms[NGX_HTTP_CONCERTATION_METRICS_FORMS];
    ngx_http_concertation_metrics_event_t
                               events[NGX_HTTP_CONCERTATION_METRICS_EVENTS];
    ngx_http_concertation_metrics_worker_t
                               workers[NGX_HTTP_CONCERTATION_METRICS_WORKERS];
} ngx_http_concertation_metrics_sh_t;


typedef struct {
    ngx_str_t                           name;
    ngx_uint_t                          slot;
} ngx_http_concertation_metrics_conf_form_t;


typedef struct {
    ngx_http_concertation_metrics_sh_t  *sh;
    ngx_slab_pool_t                    *shpool;
    ngx_array_t                         forms;   /* this configuration's */
    ngx_http_concertation_main_conf_t  *cmcf;
    ngx_uint_t                         *event_slots;  /* per cmcf->events */
    ngx_uint_t                          nevents;
    ngx_int_t                           outcome_index;
    ngx_int_t                           form_index;
    ngx_int_t                           id_index;
} ngx_http_concertation_metrics_ctx_t;


static ngx_http_concertation_metrics_ctx_t *
    ngx_http_concertation_metrics_conf_ctx(ngx_conf_t *cf);
static ngx_http_concertation_metrics_ctx_t *
    ngx_http_concertation_metrics_find(ngx_cycle_t *cycle);
static ngx_http_concertation_metrics_ctx_t *
    ngx_http_concertation_metrics_ctx(void);
static ngx_int_t ngx_http_concertation_metrics_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static ngx_uint_t ngx_http_concertation_metrics_slot(ngx_atomic_t *n,
    ngx_uint_t max, u_char *base, size_t size, ngx_str_t *name);
static void ngx_http_concertation_metrics_record(ngx_http_request_t *r,
    ngx_http_concertation_metrics_ctx_t *ctx, cc_outcome_e outcome,
    const char *id, size_t id_len);
static void ngx_http_concertation_metrics_event(
    ngx_http_concertation_metrics_ctx_t *ctx, const cc_event_t *event,
    cc_reg_state_e state);
static ngx_http_concertation_metrics_worker_t *
    ngx_http_concertation_metrics_worker(void);
static ngx_int_t ngx_http_concertation_metrics_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_variable_t  ngx_http_concertation_metrics_vars[] = {

    { ngx_string("concertation_outcome"), NULL,
      ngx_http_concertation_metrics_variable, 0, 0, 0 },

    { ngx_string("concertation_form"), NULL,
      ngx_http_concertation_metrics_variable, 1, 0, 0 },

    { ngx_string("concertation_id"), NULL,
      ngx_http_concertation_metrics_variable, 2, 0, 0 },

      ngx_http_null_variable
};


/* configuration */

ngx_int_t
ngx_http_concertation_metrics_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_concertation_metrics_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


/* the zone, created with the first form or status location */

static ngx_http_concertation_metrics_ctx_t *
ngx_http_concertation_metrics_conf_ctx(ngx_conf_t *cf)
{
    ngx_str_t                             name;
    ngx_shm_zone_t                       *shm_zone;
    ngx_http_concertation_metrics_ctx_t  *ctx;

    ngx_str_set(&name, NGX_HTTP_CONCERTATION_METRICS_ZONE);

    shm_zone = ngx_shared_memory_add(cf, &name,
                                     NGX_HTTP_CONCERTATION_METRICS_SIZE,
                                     &ngx_http_concertation_module);
    if (shm_zone == NULL) {
        return NULL;
    }

    if (shm_zone->data) {
        if (shm_zone->init != ngx_http_concertation_metrics_init_zone) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "the zone name \"%V\" is the module's own: "
                               "choose another", &name);
            return NULL;
        }

        return shm_zone->data;
    }

    ctx = ngx_pcalloc(cf->pool, sizeof(ngx_http_concertation_metrics_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    if (ngx_array_init(&ctx->forms, cf->pool, 4,
                       sizeof(ngx_http_concertation_metrics_conf_form_t))
        != NGX_OK)
    {
        return NULL;
    }

    ctx->outcome_index = NGX_ERROR;
    ctx->form_index = NGX_ERROR;
    ctx->id_index = NGX_ERROR;

    shm_zone->init = ngx_http_concertation_metrics_init_zone;
    shm_zone->data = ctx;

    return ctx;
}


/* the zone of a cycle, or NULL when it has none */

static ngx_http_concertation_metrics_ctx_t *
ngx_http_concertation_metrics_find(ngx_cycle_t *cycle)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_shm_zone_t   *zone;

    part = &cycle->shared_memory.part;
    zone = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            zone = part->elts;
            i = 0;
        }

        if (zone[i].tag == &ngx_http_concertation_module
            && zone[i].init == ngx_http_concertation_metrics_init_zone)
        {
            return zone[i].data;
        }
    }
}


/* a worker's zone: looked up once per process (its cycle never changes) */

static ngx_http_concertation_metrics_ctx_t *
ngx_http_concertation_metrics_ctx(void)
{
    static ngx_cycle_t                          *cycle;
    static ngx_http_concertation_metrics_ctx_t  *ctx;

    if (cycle != (ngx_cycle_t *) ngx_cycle) {
        ctx = ngx_http_concertation_metrics_find((ngx_cycle_t *) ngx_cycle);
        cycle = (ngx_cycle_t *) ngx_cycle;
    }

    return (ctx && ctx->sh) ? ctx : NULL;
}


/* called by concertation_form: its counters are shown from the start */

ngx_int_t
ngx_http_concertation_metrics_form(ngx_conf_t *cf, ngx_str_t *form)
{
    ngx_uint_t                                  i;
    ngx_http_concertation_metrics_ctx_t        *ctx;
    ngx_http_concertation_metrics_conf_form_t  *f;

    ctx = ngx_http_concertation_metrics_conf_ctx(cf);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    f = ctx->forms.elts;

    for (i = 0; i < ctx->forms.nelts; i++) {
        if (f[i].name.len == form->len
            && ngx_strncmp(f[i].name.data, form->data, form->len) == 0)
        {
            return NGX_OK;
        }
    }

    f = ngx_array_push(&ctx->forms);
    if (f == NULL) {
        return NGX_ERROR;
    }

    f->name = *form;
    f->slot = NGX_HTTP_CONCERTATION_METRICS_NONE;

    return NGX_OK;
}


char *
ngx_http_concertation_metrics_init_main_conf(ngx_conf_t *cf,
    ngx_http_concertation_main_conf_t *cmcf)
{
    ngx_str_t                             name;
    ngx_http_concertation_metrics_ctx_t  *ctx;

    ctx = cmcf->used ? ngx_http_concertation_metrics_conf_ctx(cf)
                     : ngx_http_concertation_metrics_find(cf->cycle);

    if (ctx == NULL) {
        return cmcf->used ? NGX_CONF_ERROR : NGX_CONF_OK;
    }

    ctx->cmcf = cmcf;

    if (cmcf->events) {
        ctx->nevents = cmcf->events->n;
        ctx->event_slots = ngx_palloc(cf->pool,
                                      ctx->nevents * sizeof(ngx_uint_t) + 1);
        if (ctx->event_slots == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    ngx_str_set(&name, "concertation_outcome");
    ctx->outcome_index = ngx_http_get_variable_index(cf, &name);

    ngx_str_set(&name, "concertation_form");
    ctx->form_index = ngx_http_get_variable_index(cf, &name);

    ngx_str_set(&name, "concertation_id");
    ctx->id_index = ngx_http_get_variable_index(cf, &name);

    if (ctx->outcome_index == NGX_ERROR || ctx->form_index == NGX_ERROR
        || ctx->id_index == NGX_ERROR)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* for concertation_status (ngx_http_concertation_status.c) */

ngx_int_t
ngx_http_concertation_metrics_zone(ngx_conf_t *cf)
{
    return ngx_http_concertation_metrics_conf_ctx(cf) ? NGX_OK : NGX_ERROR;
}


/*
 * A reload hands over the old zone (data: the old configuration's
 * context): its counters go on.  In the master, before any worker of this
 * configuration runs; the old workers only ever add to counters.
 */

static ngx_int_t
ngx_http_concertation_metrics_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_concertation_metrics_ctx_t  *octx = data;

    size_t                                      len;
    ngx_str_t                                   name;
    ngx_uint_t                                  i;
    ngx_http_concertation_metrics_sh_t         *sh;
    ngx_http_concertation_metrics_ctx_t        *ctx;
    ngx_http_concertation_metrics_conf_form_t  *f;

    ctx = shm_zone->data;

    if (octx) {
        ctx->sh = octx->sh;
        ctx->shpool = octx->shpool;

    } else {
        ctx->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

        if (shm_zone->shm.exists) {
            ctx->sh = ctx->shpool->data;

        } else {
            ctx->sh = ngx_slab_calloc(ctx->shpool,
                                   sizeof(ngx_http_concertation_metrics_sh_t));
            if (ctx->sh == NULL) {
                return NGX_ERROR;
            }

            ctx->shpool->data = ctx->sh;

            len = sizeof(" in the zone \"" NGX_HTTP_CONCERTATION_METRICS_ZONE
                         "\"");

            ctx->shpool->log_ctx = ngx_slab_alloc(ctx->shpool, len);
            if (ctx->shpool->log_ctx == NULL) {
                return NGX_ERROR;
            }

            ngx_sprintf(ctx->shpool->log_ctx, " in the zone \"%s\"%Z",
                        NGX_HTTP_CONCERTATION_METRICS_ZONE);
        }
    }

    sh = ctx->sh;
    f = ctx->forms.elts;

    for (i = 0; i < ctx->forms.nelts; i++) {
        f[i].slot = ngx_http_concertation_metrics_slot(&sh->nforms,
                        NGX_HTTP_CONCERTATION_METRICS_FORMS,
                        (u_char *) sh->forms,
                        sizeof(ngx_http_concertation_metrics_form_t),
                        &f[i].name);
    }

    for (i = 0; i < ctx->nevents; i++) {
        name.data = (u_char *) ctx->cmcf->events->events[i].id;
        name.len = ngx_strlen(name.data);

        ctx->event_slots[i] = ngx_http_concertation_metrics_slot(
                                  &sh->nevents,
                                  NGX_HTTP_CONCERTATION_METRICS_EVENTS,
                                  (u_char *) sh->events,
                                  sizeof(ngx_http_concertation_metrics_event_t),
                                  &name);
    }

    return NGX_OK;
}


/*
 * The slot of a name among *n used ones (forms and events alike: each
 * slot starts with len and name), added when missing; NONE when
 * the table is full or the name too long, then it is not counted.
 */

static ngx_uint_t
ngx_http_concertation_metrics_slot(ngx_atomic_t *n, ngx_uint_t max,
    u_char *base, size_t size, ngx_str_t *name)
{
    u_char      *len, *data;
    ngx_uint_t   i;

    for (i = 0; i < *n; i++) {
        len = base + i * size;
        data = len + 1;

        if (*len == name->len && ngx_memcmp(data, name->data, name->len) == 0)
        {
            return i;
        }
    }

    if (i == max || name->len > NGX_HTTP_CONCERTATION_METRICS_NAME) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "\"%V\" is not counted on the status page: at most "
                      "%ui names of %d bytes", name, max,
                      NGX_HTTP_CONCERTATION_METRICS_NAME);
        return NGX_HTTP_CONCERTATION_METRICS_NONE;
    }

    len = base + i * size;
    *len = (u_char) name->len;
    ngx_memcpy(len + 1, name->data, name->len);

    /* the name first: an old worker showing the page reads *n */
    ngx_memory_barrier();
    *n = i + 1;

    return i;
}


/* recording */

void
ngx_http_concertation_metrics_outcome(ngx_http_request_t *r,
    ngx_uint_t status, const char *code, const char *id)
{
    ngx_http_concertation_metrics_ctx_t  *ctx;

    ctx = ngx_http_concertation_metrics_ctx();
    if (ctx == NULL) {
        return;
    }

    ngx_http_concertation_metrics_record(r, ctx,
        cc_metrics_outcome(status, code), id, id ? ngx_strlen(id) : 0);
}


/* an idempotency key seen before: the first answer is sent again */

void
ngx_http_concertation_metrics_duplicate(ngx_http_request_t *r,
    const char *id)
{
    ngx_http_concertation_metrics_ctx_t  *ctx;

    ctx = ngx_http_concertation_metrics_ctx();
    if (ctx == NULL) {
        return;
    }

    ngx_http_concertation_metrics_record(r, ctx, CC_OUTCOME_DUPLICATE, id,
                                         ngx_strlen(id));
}


/*
 * The register script's reply (ngx_http_concertation_registration.c):
 * {2}: full; {1, id, "confirmed"|"waitlisted", position}: registered now;
 * {0, id, ...}: registered before, the same answer again.  A reply of
 * another shape is answered 503, and recorded so by the answer.
 */

void
ngx_http_concertation_metrics_registration(ngx_http_request_t *r,
    const cc_event_t *event, redisReply *reply)
{
    long long                             code;
    cc_reg_state_e                        state;
    ngx_http_concertation_metrics_ctx_t  *ctx;

    ctx = ngx_http_concertation_metrics_ctx();
    if (ctx == NULL) {
        return;
    }

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1
        || reply->element[0]->type != REDIS_REPLY_INTEGER)
    {
        return;
    }

    code = reply->element[0]->integer;

    if (code == 2) {
        ngx_http_concertation_metrics_event(ctx, event, CC_REG_STATE_FULL);
        ngx_http_concertation_metrics_record(r, ctx, CC_OUTCOME_FULL,
                                             NULL, 0);
        return;
    }

    if ((code != 0 && code != 1) || reply->elements < 3
        || reply->element[1]->type != REDIS_REPLY_STRING
        || reply->element[1]->len != CC_ID_LEN
        || reply->element[2]->type != REDIS_REPLY_STRING)
    {
        return;
    }

    if (code == 0) {
        ngx_http_concertation_metrics_record(r, ctx, CC_OUTCOME_DUPLICATE,
                                             reply->element[1]->str,
                                             CC_ID_LEN);
        return;
    }

    state = (reply->element[2]->len == sizeof("waitlisted") - 1
             && ngx_strncmp(reply->element[2]->str, "waitlisted",
                            sizeof("waitlisted") - 1) == 0)
            ? CC_REG_STATE_WAITLISTED : CC_REG_STATE_CONFIRMED;

    ngx_http_concertation_metrics_event(ctx, event, state);
    ngx_http_concertation_metrics_record(r, ctx, CC_OUTCOME_ACCEPTED,
                                         reply->element[1]->str, CC_ID_LEN);
}


void
ngx_http_concertation_metrics_cancelled(ngx_http_request_t *r,
    const cc_event_t *event, const char *id)
{
    ngx_http_concertation_metrics_ctx_t  *ctx;

    ctx = ngx_http_concertation_metrics_ctx();
    if (ctx == NULL) {
        return;
    }

    ngx_http_concertation_metrics_event(ctx, event, CC_REG_STATE_CANCELLED);
    ngx_http_concertation_metrics_record(r, ctx, CC_OUTCOME_CANCELLED, id,
                                         ngx_strlen(id));
}


static void
ngx_http_concertation_metrics_event(ngx_http_concertation_metrics_ctx_t *ctx,
    const cc_event_t *event, cc_reg_state_e state)
{
    ngx_uint_t  i, slot;

    if (ctx->cmcf == NULL || ctx->cmcf->events == NULL || event == NULL) {
        return;
    }

    i = event - ctx->cmcf->events->events;

    if (i >= ctx->nevents) {
        return;
    }

    slot = ctx->event_slots[i];

    if (slot != NGX_HTTP_CONCERTATION_METRICS_NONE) {
        (void) ngx_atomic_fetch_add(&ctx->sh->events[slot].states[state], 1);
    }
}


static void
ngx_http_concertation_metrics_record(ngx_http_request_t *r,
    ngx_http_concertation_metrics_ctx_t *ctx, cc_outcome_e outcome,
    const char *id, size_t id_len)
{
    u_char                                     *p;
    ngx_uint_t                                  i;
    ngx_http_variable_value_t                  *v;
    ngx_http_concertation_loc_conf_t           *clcf;
    ngx_http_concertation_metrics_conf_form_t  *f;

    /* a subrequest shares its parent's r->variables: the parent answers */
    if (ctx->outcome_index == NGX_ERROR || r != r->main
        || r->variables == NULL)
    {
        return;
    }

    v = &r->variables[ctx->outcome_index];

    if (v->valid && !v->not_found) {
        /* this request's answer was recorded already */
        return;
    }

    v->data = (u_char *) cc_metrics_outcome_name(outcome);
    v->len = ngx_strlen(v->data);
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    if (id && id_len) {
        p = ngx_pnalloc(r->pool, id_len);

        if (p) {
            ngx_memcpy(p, id, id_len);

            v = &r->variables[ctx->id_index];
            v->data = p;
            v->len = id_len;
            v->valid = 1;
            v->no_cacheable = 0;
            v->not_found = 0;
        }
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

    if (clcf->form.len == 0) {
        return;
    }

    v = &r->variables[ctx->form_index];
    v->data = clcf->form.data;
    v->len = clcf->form.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    f = ctx->forms.elts;

    for (i = 0; i < ctx->forms.nelts; i++) {
        if (f[i].name.data == clcf->form.data
            || (f[i].name.len == clcf->form.len
                && ngx_strncmp(f[i].name.data, clcf->form.data,
                               clcf->form.len) == 0))
        {
            if (f[i].slot != NGX_HTTP_CONCERTATION_METRICS_NONE) {
                (void) ngx_atomic_fetch_add(
                           &ctx->sh->forms[f[i].slot].outcomes[outcome], 1);
            }

            return;
        }
    }
}


/*
 * This worker's slot, claimed at its first use: its gauges start afresh
 * (a new worker has its own connection and spool file); NULL past the
 * slots, or for an old worker whose slot a new one has taken.
 */

static ngx_http_concertation_metrics_worker_t *
ngx_http_concertation_metrics_worker(void)
{
    static ngx_uint_t                        claimed;
    ngx_http_concertation_metrics_ctx_t     *ctx;
    ngx_http_concertation_metrics_worker_t  *w;

    ctx = ngx_http_concertation_metrics_ctx();

    if (ctx == NULL || ngx_worker >= NGX_HTTP_CONCERTATION_METRICS_WORKERS) {
        return NULL;
    }

    w = &ctx->sh->workers[ngx_worker];

    if (!claimed) {
        claimed = 1;
        w->state = CC_REDIS_DOWN;
        w->spool_bytes = 0;
        w->spool_records = 0;
        ngx_memory_barrier();
        w->pid = (ngx_atomic_uint_t) ngx_pid;
    }

    return w;
}


uint64_t
ngx_http_concertation_metrics_now_us(void)
{
    struct timespec  ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
        return 0;
    }

    return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}


/* the connection's state; reconnect: an attempt after a failure */

void
ngx_http_concertation_metrics_redis_state(ngx_uint_t state,
    ngx_uint_t reconnect)
{
    ngx_http_concertation_metrics_worker_t  *w;

    w = ngx_http_concertation_metrics_worker();
    if (w == NULL) {
        return;
    }

    if (reconnect) {
        (void) ngx_atomic_fetch_add(&w->reconnects, 1);
    }

    if (w->pid == (ngx_atomic_uint_t) ngx_pid) {
        w->state = state;
    }
}


/* a reply came: the time since its command was queued */

void
ngx_http_concertation_metrics_redis_latency(uint64_t queued_us)
{
    uint64_t                                 now, us;
    ngx_http_concertation_metrics_worker_t  *w;

    if (queued_us == 0) {
        return;
    }

    w = ngx_http_concertation_metrics_worker();
    if (w == NULL) {
        return;
    }

    now = ngx_http_concertation_metrics_now_us();
    us = now > queued_us ? now - queued_us : 0;

    (void) ngx_atomic_fetch_add(&w->buckets[cc_metrics_bucket(us)], 1);
    (void) ngx_atomic_fetch_add(&w->latency_sum_us, (ngx_atomic_int_t) us);
}


/*
 * The spool (ngx_http_concertation_spool.c): own_bytes is what waits in
 * the worker's own file, -1 when the event concerns a file it adopted.
 */

void
ngx_http_concertation_metrics_spool(ngx_uint_t event, off_t own_bytes)
{
    ngx_http_concertation_metrics_worker_t  *w;

    w = ngx_http_concertation_metrics_worker();
    if (w == NULL) {
        return;
    }

    switch (event) {

    case NGX_HTTP_CONCERTATION_SPOOL_REPLAYED:
        (void) ngx_atomic_fetch_add(&w->replayed, 1);
        break;

    case NGX_HTTP_CONCERTATION_SPOOL_REPLAY_DUPLICATE:
        (void) ngx_atomic_fetch_add(&w->replay_duplicates, 1);
        break;

    case NGX_HTTP_CONCERTATION_SPOOL_SKIPPED:
        (void) ngx_atomic_fetch_add(&w->replay_skipped, 1);
        break;
    }

    if (w->pid != (ngx_atomic_uint_t) ngx_pid || own_bytes < 0) {
        return;
    }

    w->spool_bytes = (ngx_atomic_uint_t) own_bytes;

    switch (event) {

    case NGX_HTTP_CONCERTATION_SPOOL_APPENDED:
        w->spool_records++;
        break;

    case NGX_HTTP_CONCERTATION_SPOOL_REPLAYED:
    case NGX_HTTP_CONCERTATION_SPOOL_REPLAY_DUPLICATE:
        if (w->spool_records) {
            w->spool_records--;
        }
        break;

    case NGX_HTTP_CONCERTATION_SPOOL_EMPTIED:
        w->spool_records = 0;
        break;
    }
}


/* the variables: what record() did not set */

static ngx_int_t
ngx_http_concertation_metrics_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_concertation_loc_conf_t  *clcf;

    if (data == 1) {
        /* a module location answered by nginx itself (a 500, a 499) */
        clcf = ngx_http_get_module_loc_conf(r, ngx_http_concertation_module);

        if (clcf && clcf->form.len) {
            v->data = clcf->form.data;
            v->len = clcf->form.len;
            v->valid = 1;
            v->no_cacheable = 0;
            v->not_found = 0;
            return NGX_OK;
        }
    }

    v->not_found = 1;

    return NGX_OK;
}


/*
 * For the status page (ngx_http_concertation_status.c): a copy of the
 * counters of this configuration's forms, events and workers, and of the
 * rate-limit zones' occupancy, in r->pool; NGX_DECLINED without a zone.
 */

ngx_int_t
ngx_http_concertation_metrics_snapshot(ngx_http_request_t *r,
    cc_metrics_t *snapshot)
{
    u_char                                     *p;
    ngx_uint_t                                  i, j, n, used, capacity;
    cc_metrics_t                                m;
    ngx_core_conf_t                            *ccf;
    ngx_list_part_t                            *part;
    ngx_shm_zone_t                             *zone;
    cc_metrics_zone_t                          *zones;
    cc_metrics_form_t                          *forms;
    cc_metrics_event_t                         *events;
    cc_metrics_worker_t                        *workers;
    ngx_http_concertation_metrics_sh_t         *sh;
    ngx_http_concertation_metrics_ctx_t        *ctx;
    ngx_http_concertation_metrics_worker_t     *w;
    ngx_http_concertation_metrics_conf_form_t  *f;

    ctx = ngx_http_concertation_metrics_ctx();
    if (ctx == NULL) {
        return NGX_DECLINED;
    }

    sh = ctx->sh;
    ngx_memzero(&m, sizeof(cc_metrics_t));

    /* the forms and events of this configuration */

    f = ctx->forms.elts;
    forms = ngx_pcalloc(r->pool, (ctx->forms.nelts + 1)
                                 * sizeof(cc_metrics_form_t));
    if (forms == NULL) {
        return NGX_ERROR;
    }

    for (i = 0, n = 0; i < ctx->forms.nelts; i++) {
        if (f[i].slot == NGX_HTTP_CONCERTATION_METRICS_NONE) {
            continue;
        }

        p = ngx_pnalloc(r->pool, f[i].name.len + 1);
        if (p == NULL) {
            return NGX_ERROR;
        }

        *ngx_cpymem(p, f[i].name.data, f[i].name.len) = '\0';
        forms[n].name = (char *) p;

        for (j = 0; j < CC_OUTCOME_N; j++) {
            forms[n].outcomes[j] = sh->forms[f[i].slot].outcomes[j];
        }

        n++;
    }

    m.forms = forms;
    m.nforms = n;

    events = ngx_pcalloc(r->pool, (ctx->nevents + 1)
                                  * sizeof(cc_metrics_event_t));
    if (events == NULL) {
        return NGX_ERROR;
    }

    for (i = 0, n = 0; i < ctx->nevents; i++) {
        if (ctx->event_slots[i] == NGX_HTTP_CONCERTATION_METRICS_NONE) {
            continue;
        }

        events[n].id = ctx->cmcf->events->events[i].id;

        for (j = 0; j < CC_REG_STATE_N; j++) {
            events[n].states[j] = sh->events[ctx->event_slots[i]].states[j];
        }

        n++;
    }

    m.events = events;
    m.nevents = n;

    /* the workers of this configuration */

    ccf = (ngx_core_conf_t *) ngx_get_conf(ngx_cycle->conf_ctx,
                                           ngx_core_module);

    n = ngx_min((ngx_uint_t) ccf->worker_processes,
                NGX_HTTP_CONCERTATION_METRICS_WORKERS);

    workers = ngx_pcalloc(r->pool, (n + 1) * sizeof(cc_metrics_worker_t));
    if (workers == NULL) {
        return NGX_ERROR;
    }

    for (i = 0; i < n; i++) {
        w = &sh->workers[i];

        workers[i].worker = i;
        workers[i].state = w->state;
        workers[i].reconnects = w->reconnects;

        for (j = 0; j < CC_METRICS_BUCKETS; j++) {
            workers[i].buckets[j] = w->buckets[j];
        }

        workers[i].latency_sum_us = w->latency_sum_us;
        workers[i].spool_bytes = w->spool_bytes;
        workers[i].spool_records = w->spool_records;
        workers[i].replayed = w->replayed;
        workers[i].replay_duplicates = w->replay_duplicates;
        workers[i].replay_skipped = w->replay_skipped;
    }

    m.workers = workers;
    m.nworkers = n;

    /* the rate-limit zones, as they are now */

    n = 0;
    part = &((ngx_cycle_t *) ngx_cycle)->shared_memory.part;

    for ( ; part; part = part->next) {
        n += part->nelts;
    }

    zones = ngx_pcalloc(r->pool, (n + 1) * sizeof(cc_metrics_zone_t));
    if (zones == NULL) {
        return NGX_ERROR;
    }

    n = 0;
    part = &((ngx_cycle_t *) ngx_cycle)->shared_memory.part;

    for ( ; part; part = part->next) {
        zone = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (zone[i].tag != &ngx_http_concertation_module
                || ngx_http_concertation_limit_usage(&zone[i], &used,
                                                     &capacity)
                   != NGX_OK)
            {
                continue;
            }

            p = ngx_pnalloc(r->pool, zone[i].shm.name.len + 1);
            if (p == NULL) {
                return NGX_ERROR;
            }

            *ngx_cpymem(p, zone[i].shm.name.data, zone[i].shm.name.len) = '\0';

            zones[n].name = (char *) p;
            zones[n].used = used;
            zones[n].capacity = capacity;
            n++;
        }
    }

    m.zones = zones;
    m.nzones = n;

    *snapshot = m;

    return NGX_OK;
}
