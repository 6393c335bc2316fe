
/*
 * concertation: counters in shared memory, and the access log's variables.
 * The status page that shows them is ngx_http_concertation_status.c; the
 * per-worker gauges (Redis, spool) are ngx_http_concertation_gauges.c.
 *
 * The counters live in one zone the module creates, "concertation_status",
 * of a fixed size: a reload keeps it (same name, size and kind), and with it
 * every count; the slots of the forms and events of the new configuration
 * are found by name, or added, when the zone is taken over.  Counting is
 * one ngx_atomic_fetch_add() per counter, no lock.
 *
 * An answer records what it was in the request's tally (the first answer
 * recorded wins); the log phase counts the tally, so each request is
 * counted once, in one place, whichever way it was answered.  The
 * variables read the same tally.
 */


#include "ngx_http_concertation_metrics.h"


#define NGX_HTTP_CONCERTATION_METRICS_ZONE  "concertation_status"
#define NGX_HTTP_CONCERTATION_METRICS_SIZE  (512 * 1024)


static ngx_http_concertation_metrics_ctx_t *
    ngx_http_concertation_metrics_conf_ctx(ngx_conf_t *cf);
static ngx_http_concertation_metrics_ctx_t *
    ngx_http_concertation_metrics_find(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_concertation_metrics_init_zone(
    ngx_shm_zone_t *shm_zone, void *data);
static ngx_uint_t ngx_http_concertation_metrics_slot(ngx_atomic_t *n,
    ngx_uint_t max, u_char *base, size_t size, ngx_str_t *name);
static ngx_http_concertation_tally_t *ngx_http_concertation_metrics_tally(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_concertation_metrics_log(ngx_http_request_t *r);
static ngx_int_t ngx_http_concertation_metrics_variable(
    ngx_http_request_t *r, ngx_http_variable_value_t *v, uintptr_t data);


static ngx_http_concertation_zone_kind_t  ngx_http_concertation_metrics_kind =
    { "concertation_status", "the status page's counters" };


static ngx_http_variable_t  ngx_http_concertation_metrics_vars[] = {

    { ngx_string("concertation_outcome"), NULL,
      ngx_http_concertation_metrics_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("concertation_form"), NULL,
      ngx_http_concertation_metrics_variable, 1,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("concertation_id"), NULL,
      ngx_http_concertation_metrics_variable, 2,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

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


/* postconfiguration: the counting, after the answer */

ngx_int_t
ngx_http_concertation_metrics_log_phase(ngx_conf_t *cf)
{
    ngx_http_handler_pt        *h;
    ngx_http_core_main_conf_t  *hcmcf;

    hcmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&hcmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_concertation_metrics_log;

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

    shm_zone = ngx_http_concertation_zone_add(cf, &name,
                                   NGX_HTTP_CONCERTATION_METRICS_SIZE,
                                   &ngx_http_concertation_metrics_kind,
                                   "concertation_status");
    if (shm_zone == NULL) {
        return NULL;
    }

    if (shm_zone->data) {
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

        if (zone[i].tag == &ngx_http_concertation_metrics_kind) {
            return zone[i].data;
        }
    }
}


/* a worker's zone: looked up once per process (its cycle never changes) */

ngx_http_concertation_metrics_ctx_t *
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


ngx_int_t
ngx_http_concertation_metrics_zone(ngx_conf_t *cf)
{
    return ngx_http_concertation_metrics_conf_ctx(cf) ? NGX_OK : NGX_ERROR;
}


char *
ngx_http_concertation_metrics_init(ngx_conf_t *cf, ngx_uint_t used,
    cc_events_t *events)
{
    ngx_http_concertation_metrics_ctx_t  *ctx;

    ctx = used ? ngx_http_concertation_metrics_conf_ctx(cf)
               : ngx_http_concertation_metrics_find(cf->cycle);

    if (ctx == NULL) {
        return used ? NGX_CONF_ERROR : NGX_CONF_OK;
    }

    ctx->events = events;

    if (events) {
        ctx->nevents = events->n;
        ctx->event_slots = ngx_palloc(cf->pool,
                                      ctx->nevents * sizeof(ngx_uint_t) + 1);
        if (ctx->event_slots == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
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
        name.data = (u_char *) ctx->events->events[i].id;
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


/* recording: in the request, counted by the log phase */

static ngx_http_concertation_tally_t *
ngx_http_concertation_metrics_tally(ngx_http_request_t *r)
{
    /* a subrequest's answer is its parent's */
    if (r != r->main) {
        return NULL;
    }

    return ngx_http_get_module_ctx(r, ngx_http_concertation_module);
}


void
ngx_http_concertation_metrics_outcome(ngx_http_request_t *r,
    ngx_uint_t status, const char *code, const char *id)
{
    size_t                          len;
    ngx_http_concertation_tally_t  *t;

    t = ngx_http_concertation_metrics_tally(r);

    if (t == NULL || t->recorded) {
        return;
    }

    t->outcome = cc_metrics_outcome(status, code);
    t->recorded = 1;

    if (id) {
        len = ngx_min(ngx_strlen(id), sizeof(t->id));
        ngx_memcpy(t->id, id, len);
        t->id_len = len;
    }
}


void
ngx_http_concertation_metrics_duplicate(ngx_http_request_t *r,
    const char *id)
{
    ngx_http_concertation_tally_t  *t;

    t = ngx_http_concertation_metrics_tally(r);

    if (t == NULL || t->recorded) {
        return;
    }

    ngx_http_concertation_metrics_outcome(r, NGX_HTTP_OK, NULL, id);
    t->outcome = CC_OUTCOME_DUPLICATE;
}


void
ngx_http_concertation_metrics_event(ngx_http_request_t *r,
    const cc_event_t *event, cc_reg_state_e state)
{
    ngx_http_concertation_tally_t  *t;

    t = ngx_http_concertation_metrics_tally(r);

    if (t == NULL || t->has_state) {
        return;
    }

    t->event = event;
    t->state = state;
    t->has_state = 1;
}


static ngx_int_t
ngx_http_concertation_metrics_log(ngx_http_request_t *r)
{
    ngx_uint_t                                  i, slot;
    ngx_http_concertation_tally_t              *t;
    ngx_http_concertation_loc_conf_t           *clcf;
    ngx_http_concertation_metrics_ctx_t        *ctx;
    ngx_http_concertation_metrics_conf_form_t  *f;

    t = ngx_http_concertation_metrics_tally(r);
    ctx = ngx_http_concertation_metrics_ctx();

    if (t == NULL || ctx == NULL) {
        return NGX_OK;
    }

    if (t->has_state && ctx->events && t->event
        && (i = t->event - ctx->events->events) < ctx->nevents)
    {
        slot = ctx->event_slots[i];

        if (slot != NGX_HTTP_CONCERTATION_METRICS_NONE) {
            (void) ngx_atomic_fetch_add(
                               &ctx->sh->events[slot].states[t->state], 1);
        }
    }

    clcf = ngx_http_concertation_loc_conf(r);

    if (!t->recorded || clcf->form.len == 0) {
        return NGX_OK;
    }

    f = ctx->forms.elts;

    for (i = 0; i < ctx->forms.nelts; i++) {
        if (f[i].name.data == clcf->form.data
            || (f[i].name.len == clcf->form.len
                && ngx_strncmp(f[i].name.data, clcf->form.data,
                               clcf->form.len) == 0))
        {
            if (f[i].slot != NGX_HTTP_CONCERTATION_METRICS_NONE) {
                (void) ngx_atomic_fetch_add(
                           &ctx->sh->forms[f[i].slot].outcomes[t->outcome],
                           1);
            }

            break;
        }
    }

    return NGX_OK;
}


/* $concertation_outcome, $concertation_form, $concertation_id */

static ngx_int_t
ngx_http_concertation_metrics_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_concertation_tally_t     *t;
    ngx_http_concertation_loc_conf_t  *clcf;

    t = ngx_http_concertation_metrics_tally(r->main);
    clcf = ngx_http_get_module_loc_conf(r->main,
                                        ngx_http_concertation_module);

    v->not_found = 1;

    switch (data) {

    case 0:
        if (t && t->recorded) {
            v->data = (u_char *) cc_metrics_outcome_name(t->outcome);
            v->len = ngx_strlen(v->data);
            v->not_found = 0;
        }
        break;

    case 1:
        /* also for an answer of nginx itself (a 500, a 499) */
        if (clcf && clcf->form.len) {
            v->data = clcf->form.data;
            v->len = clcf->form.len;
            v->not_found = 0;
        }
        break;

    default:
        if (t && t->recorded && t->id_len) {
            v->data = t->id;
            v->len = t->id_len;
            v->not_found = 0;
        }
    }

    if (!v->not_found) {
        v->valid = 1;
        v->no_cacheable = 1;
    }

    return NGX_OK;
}
