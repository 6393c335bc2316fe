
/*
 * concertation: an event's seats in Redis — the keys the registration
 * scripts keep them in, and the command that calls those scripts
 * (register.lua, cancel.lua) for one event.
 */


#include "ngx_http_concertation_seats.h"


ngx_int_t
ngx_http_concertation_seats_keys(ngx_pool_t *pool, ngx_str_t *prefix,
    const cc_event_t *event, ngx_str_t *keys)
{
    size_t      len;
    ngx_uint_t  i;

    static const char  *names[] = { "event", "waitlist", "emails", "regs" };

    len = ngx_strlen(event->id);

    for (i = 0; i < 4; i++) {
        keys[i].data = ngx_pnalloc(pool, prefix->len + len
                                         + sizeof(":waitlist"));
        if (keys[i].data == NULL) {
            return NGX_ERROR;
        }

        keys[i].len = ngx_sprintf(keys[i].data, "%V%s:%s", prefix,
                                  event->id, names[i])
                      - keys[i].data;
    }

    keys[4].data = ngx_pnalloc(pool, prefix->len + sizeof("inscriptions"));
    if (keys[4].data == NULL) {
        return NGX_ERROR;
    }

    keys[4].len = ngx_sprintf(keys[4].data, "%Vinscriptions", prefix)
                  - keys[4].data;

    return NGX_OK;
}


ngx_int_t
ngx_http_concertation_seats_call(ngx_http_concertation_event_cmd_t *ec,
    ngx_uint_t script, const cc_event_t *event, ngx_str_t *args,
    ngx_uint_t nargs, ngx_http_concertation_reply_pt handler, void *data)
{
    int         argc;
    ngx_uint_t  i;

    if (3 + NGX_HTTP_CONCERTATION_EVENT_KEYS + nargs + 2
        > NGX_HTTP_CONCERTATION_EVENT_ARGS)
    {
        return NGX_ERROR;
    }

    argc = 2;

#define ngx_http_concertation_arg(s, n)                                       \
    ec->argv[argc] = (const char *) (s); ec->argvlen[argc++] = (n)

    ngx_http_concertation_arg("5", 1);

    for (i = 0; i < NGX_HTTP_CONCERTATION_EVENT_KEYS; i++) {
        ngx_http_concertation_arg(ec->keys[i].data, ec->keys[i].len);
    }

    for (i = 0; i < nargs; i++) {
        ngx_http_concertation_arg(args[i].data, args[i].len);
    }

    ngx_http_concertation_arg(ec->capacity,
                      ngx_sprintf(ec->capacity, "%ui",
                                  (ngx_uint_t) event->capacity)
                      - ec->capacity);

    if (script == NGX_HTTP_CONCERTATION_SCRIPT_REGISTER) {
        ngx_http_concertation_arg(ec->waitlist,
                          ngx_sprintf(ec->waitlist, "%ui",
                                      (ngx_uint_t) event->waitlist)
                          - ec->waitlist);
    }

#undef ngx_http_concertation_arg

    ec->call.script = script;
    ec->call.argc = argc;
    ec->call.argv = ec->argv;
    ec->call.argvlen = ec->argvlen;
    ec->call.handler = handler;
    ec->call.data = data;

    return ngx_http_concertation_call(&ec->call);
}
