
/*
 * concertation: the programme's public view, GET /api/evenements: each
 * event with its seats left, read from the counters' cache
 * (ngx_http_concertation_programme.c), never from Redis.
 */


#include "ngx_http_concertation_events.h"
#include "ngx_http_concertation_programme.h"
#include "ngx_http_concertation_request.h"
#include "ngx_http_concertation_response.h"
#include "ngx_http_concertation_window.h"

#include <jansson.h>


static ngx_int_t ngx_http_concertation_events_handler(ngx_http_request_t *r);
static json_t *ngx_http_concertation_events_time(int64_t t, int offset);


static ngx_str_t  ngx_http_concertation_events_json =
    ngx_string("application/json; charset=utf-8");


char *
ngx_http_concertation_events_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_concertation_loc_conf_t *clcf = conf;

    ngx_http_core_loc_conf_t           *hclcf;
    ngx_http_concertation_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_concertation_module);

    if (!cmcf->programme->shown) {
        ngx_http_concertation_conf_where(cf, &cmcf->programme->shown_where);
    }

    cmcf->programme->shown = 1;

    /* merged by the time a worker reads the counters */
    cmcf->programme->prefix = &clcf->prefix;

    hclcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    hclcf->handler = ngx_http_concertation_events_handler;

    return NGX_CONF_OK;
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
    ngx_http_concertation_loc_conf_t    *clcf;
    ngx_http_concertation_programme_t   *pg;

    rc = ngx_http_concertation_request_get(r, CC_MSG_METHOD_PROGRAMME);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    pg = ngx_http_concertation_main_conf(r)->programme;
    clcf = ngx_http_concertation_loc_conf(r);

    counts = ngx_http_concertation_programme_counts(pg, r->pool, &updated,
                                                    &failing);
    if (counts == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

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

    for (i = 0; i < pg->events->n; i++) {
        ev = &pg->events->events[i];
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
