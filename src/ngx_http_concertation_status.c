
/*
 * concertation: the concertation_status page, the counters of
 * ngx_http_concertation_metrics.c and ngx_http_concertation_gauges.c in the
 * Prometheus text exposition format 0.0.4, or as JSON on request (Accept:
 * application/json, ?format=json).  The bodies are written in
 * src/core/cc_metrics.c.
 */


#include "ngx_http_concertation_status.h"
#include "ngx_http_concertation_metrics.h"
#include "ngx_http_concertation_limit_zone.h"
#include "ngx_http_concertation_request.h"
#include "ngx_http_concertation_response.h"
#include "ngx_http_concertation_spool.h"


static ngx_int_t ngx_http_concertation_status_handler(ngx_http_request_t *r);
static ngx_uint_t ngx_http_concertation_status_json(ngx_http_request_t *r);
static ngx_int_t ngx_http_concertation_status_snapshot(ngx_http_request_t *r,
    cc_metrics_t *snapshot);


/* concertation_status; */

char *
ngx_http_concertation_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *hclcf;

    /* the counters' zone, even in a configuration without a form */
    if (ngx_http_concertation_metrics_zone(cf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    hclcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    hclcf->handler = ngx_http_concertation_status_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_concertation_status_handler(ngx_http_request_t *r)
{
    char          *text;
    size_t         len;
    ngx_int_t      rc;
    ngx_buf_t     *b;
    ngx_str_t      value;
    ngx_uint_t     json;
    cc_metrics_t   m;

    rc = ngx_http_concertation_request_get(r, CC_MSG_METHOD_STATUS);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (ngx_http_concertation_status_snapshot(r, &m) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    json = ngx_http_concertation_status_json(r);

    text = json ? cc_metrics_json(&m, &len) : cc_metrics_prometheus(&m, &len);
    if (text == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_create_temp_buf(r->pool, len ? len : 1);
    if (b == NULL) {
        free(text);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_cpymem(b->pos, text, len);
    free(text);

    if (json) {
        ngx_str_set(&value, "application/json");

    } else {
        ngx_str_set(&value, "text/plain; version=0.0.4; charset=utf-8");
    }

    return ngx_http_concertation_send_buf(r, NGX_HTTP_OK, &value, "no-store",
                                          b);
}


/*
 * ?format=json, or an Accept that prefers application/json to text/plain
 * (q-values honoured: Prometheus's own Accept gets the text format)
 */

static ngx_uint_t
ngx_http_concertation_status_json(ngx_http_request_t *r)
{
    ngx_str_t         arg;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    if (ngx_http_arg(r, (u_char *) "format", 6, &arg) == NGX_OK) {
        return arg.len == 4 && ngx_strncmp(arg.data, "json", 4) == 0;
    }

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return 0;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == sizeof("Accept") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Accept",
                               sizeof("Accept") - 1) == 0)
        {
            return cc_accept_prefers((char *) h[i].value.data,
                                     h[i].value.len, "application/json",
                                     "text/plain");
        }
    }
}


/*
 * A copy of the counters of this configuration's forms, events and
 * workers, and of the rate-limit zones' occupancy, in r->pool;
 * NGX_DECLINED without a zone.
 */

static ngx_int_t
ngx_http_concertation_status_snapshot(ngx_http_request_t *r,
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

        events[n].id = ctx->events->events[i].id;

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
        workers[i].quarantined = w->quarantined;
        workers[i].unconfirmed = w->unconfirmed;
    }

    m.workers = workers;
    m.nworkers = n;
    m.spool_capacity = ngx_http_concertation_main_conf(r)->spool->path.len
                       ? (uint64_t) ngx_http_concertation_main_conf(r)
                                                      ->spool->max_size
                       : 0;

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
            if (ngx_http_concertation_limit_usage(&zone[i], &used,
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
