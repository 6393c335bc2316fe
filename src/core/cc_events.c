/*
 * The programme of events (conf/events.json).  Loaded at configuration time
 * and checked strictly, so that a typo stops "nginx -t" with a message
 * naming the file, the event and the property instead of opening
 * registrations to a wrong date or a wrong number of seats.
 *
 * The file is an object: {"events": [ {...}, ... ]}, each event with
 * "id", "kind", "title", optional "place" and "department", "start" and
 * "end" together or neither (dates not announced yet), optional "deadline",
 * "capacity" and "waitlist"; for the e-mails and the calendar invitation,
 * optional "address" (the postal address line) and "bring" (what to
 * bring); optional "questions", the event's own questions on the
 * registration form, in the questionnaire's language (cc_reg_schema.c
 * checks them with the form).
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cc_events.h"
#include "cc_time.h"
#include "cc_text.h"

#define CC_EVENTS_MAX_SIZE   (1024 * 1024)
#define CC_EVENT_ID_MAX      64
#define CC_EVENT_TEXT_MAX    1000
#define CC_EVENT_SEATS_MAX   1000000


typedef struct {
    const char  *name;                  /* file name, for messages */
    char        *err;
    size_t       errlen;
    char         where[CC_EVENT_ID_MAX + 32];
} cc_events_ld_t;


static const char *cc_event_kinds[] = {
    "atelier", "webinaire", "conference", NULL
};

static const char *cc_event_props[] = {
    "id", "kind", "title", "place", "department", "start", "end",
    "deadline", "capacity", "waitlist", "address", "bring", "questions",
    NULL
};


static void
cc_events_error(cc_events_ld_t *ld, const char *fmt, ...)
{
    int      n;
    va_list  args;

    if (ld->errlen == 0) {
        return;
    }

    n = snprintf(ld->err, ld->errlen, "%s: %s", ld->name, ld->where);

    if (n < 0 || (size_t) n >= ld->errlen) {
        return;
    }

    va_start(args, fmt);
    vsnprintf(ld->err + n, ld->errlen - (size_t) n, fmt, args);
    va_end(args);
}


static int
cc_events_in(const char *s, const char **list)
{
    for ( /* void */ ; *list; list++) {
        if (strcmp(s, *list) == 0) {
            return 1;
        }
    }

    return 0;
}


/* ids end up in Redis keys, URLs and HTML ids: keep them boring */

static int
cc_events_valid_id(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > CC_EVENT_ID_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
              || s[i] == '-'))
        {
            return 0;
        }
    }

    return 1;
}


/*
 * A string property: NULL when absent and optional (*out gets dflt), the
 * copy otherwise.  Embedded NULs are refused: C strings would cut them.
 */

static int
cc_events_string(cc_events_ld_t *ld, json_t *obj, const char *prop,
    const char *dflt, int nonempty, char **out)
{
    json_t      *j;
    const char  *s;

    j = json_object_get(obj, prop);

    if (j == NULL) {
        if (dflt == NULL) {
            cc_events_error(ld, "\"%s\" is missing", prop);
            return -1;
        }

        s = dflt;

    } else {
        if (!json_is_string(j)) {
            cc_events_error(ld, "\"%s\" must be a string", prop);
            return -1;
        }

        s = json_string_value(j);

        if (strlen(s) != json_string_length(j)) {
            cc_events_error(ld, "\"%s\" contains a NUL character", prop);
            return -1;
        }

        if (nonempty && s[0] == '\0') {
            cc_events_error(ld, "\"%s\" must not be empty", prop);
            return -1;
        }

        if (json_string_length(j) > CC_EVENT_TEXT_MAX) {
            cc_events_error(ld, "\"%s\" is longer than %d bytes", prop,
                            CC_EVENT_TEXT_MAX);
            return -1;
        }
    }

    *out = cc_strdup(s);

    if (*out == NULL) {
        cc_events_error(ld, "out of memory");
        return -1;
    }

    return 0;
}


/* 1: present and parsed; 0: absent; -1: invalid */

static int
cc_events_time(cc_events_ld_t *ld, json_t *obj, const char *prop,
    int64_t *t, int *offset)
{
    json_t      *j;
    const char  *why;

    j = json_object_get(obj, prop);

    if (j == NULL) {
        return 0;
    }

    if (!json_is_string(j)) {
        cc_events_error(ld, "\"%s\" must be an RFC 3339 string such as "
                        "\"2022-03-08T14:00:00+01:00\"", prop);
        return -1;
    }

    why = cc_time_parse(json_string_value(j), json_string_length(j), t,
                        offset);

    if (why != NULL) {
        cc_events_error(ld, "\"%s\" (\"%.40s\"): %s", prop,
                        json_string_value(j), why);
        return -1;
    }

    return 1;
}


static int
cc_events_count(cc_events_ld_t *ld, json_t *obj, const char *prop,
    long long lo, unsigned *out)
{
    json_t     *j;
    long long   v;

    j = json_object_get(obj, prop);

    if (j == NULL) {
        cc_events_error(ld, "\"%s\" is missing", prop);
        return -1;
    }

    if (!json_is_integer(j)) {
        cc_events_error(ld, "\"%s\" must be an integer", prop);
        return -1;
    }

    v = json_integer_value(j);

    if (v < lo || v > CC_EVENT_SEATS_MAX) {
        cc_events_error(ld, "\"%s\" (%lld) must be between %lld and %d",
                        prop, v, lo, CC_EVENT_SEATS_MAX);
        return -1;
    }

    *out = (unsigned) v;
    return 0;
}


/*
 * The event's own questions: kept as JSON text, each an object with a
 * "name"; the registration form's loader checks the rest, with the form.
 */

static int
cc_events_questions(cc_events_ld_t *ld, json_t *je, cc_event_t *ev)
{
    size_t   i;
    json_t  *qs, *q, *name;

    qs = json_object_get(je, "questions");

    if (qs == NULL) {
        return 0;
    }

    if (!json_is_array(qs)) {
        cc_events_error(ld, "\"questions\" must be an array of questions");
        return -1;
    }

    json_array_foreach(qs, i, q) {
        name = json_object_get(q, "name");

        if (!json_is_object(q) || !json_is_string(name)) {
            cc_events_error(ld, "\"questions\" #%zu must be an object with "
                            "a \"name\"", i + 1);
            return -1;
        }

        if (json_object_get(q, "visible_if") != NULL) {
            cc_events_error(ld, "question \"%s\": no \"visible_if\": an "
                            "event's question is asked for that event",
                            json_string_value(name));
            return -1;
        }
    }

    if (json_array_size(qs) == 0) {
        return 0;
    }

    ev->questions = json_dumps(qs, JSON_COMPACT | JSON_PRESERVE_ORDER);

    if (ev->questions == NULL) {
        cc_events_error(ld, "out of memory");
        return -1;
    }

    return 0;
}


static int
cc_events_load_one(cc_events_ld_t *ld, cc_events_t *events, size_t idx,
    json_t *je)
{
    int          has_start, has_end, has_deadline, off;
    size_t       i;
    json_t      *id, *value;
    int64_t      deadline;
    const char  *key;
    cc_event_t  *ev;

    ev = &events->events[idx];

    snprintf(ld->where, sizeof(ld->where), "event #%zu: ", idx + 1);

    if (!json_is_object(je)) {
        cc_events_error(ld, "must be a JSON object");
        return -1;
    }

    id = json_object_get(je, "id");

    if (id == NULL) {
        cc_events_error(ld, "\"id\" is missing");
        return -1;
    }

    if (!json_is_string(id)
        || !cc_events_valid_id(json_string_value(id), json_string_length(id))
        || strlen(json_string_value(id)) != json_string_length(id))
    {
        cc_events_error(ld, "\"id\" must be 1 to %d characters among a-z, "
                        "0-9 and '-'", CC_EVENT_ID_MAX);
        return -1;
    }

    snprintf(ld->where, sizeof(ld->where), "event \"%s\": ",
             json_string_value(id));

    for (i = 0; i < idx; i++) {
        if (strcmp(events->events[i].id, json_string_value(id)) == 0) {
            cc_events_error(ld, "\"id\" is already used by event #%zu",
                            i + 1);
            return -1;
        }
    }

    json_object_foreach(je, key, value) {
        if (!cc_events_in(key, cc_event_props)) {
            cc_events_error(ld, "unknown property \"%s\"", key);
            return -1;
        }
    }

    if (cc_events_string(ld, je, "id", NULL, 1, &ev->id) != 0
        || cc_events_string(ld, je, "kind", NULL, 1, &ev->kind) != 0)
    {
        return -1;
    }

    if (!cc_events_in(ev->kind, cc_event_kinds)) {
        cc_events_error(ld, "\"kind\" must be \"atelier\", \"webinaire\" "
                        "or \"conference\"");
        return -1;
    }

    if (cc_events_string(ld, je, "title", NULL, 1, &ev->title) != 0
        || cc_events_string(ld, je, "place", "", 0, &ev->place) != 0
        || cc_events_string(ld, je, "department", "", 0, &ev->department)
           != 0)
    {
        return -1;
    }

    if (cc_events_string(ld, je, "address", "", 0, &ev->address) != 0
        || cc_events_string(ld, je, "bring", "", 0, &ev->bring) != 0
        || cc_events_questions(ld, je, ev) != 0)
    {
        return -1;
    }

    for (i = 0; ev->department[i]; i++) {
        if (i >= 3 || !((ev->department[i] >= '0' && ev->department[i] <= '9')
                        || ev->department[i] == 'A'
                        || ev->department[i] == 'B'))
        {
            cc_events_error(ld, "\"department\" must be a French "
                            "department number such as \"14\"");
            return -1;
        }
    }

    has_start = cc_events_time(ld, je, "start", &ev->start,
                               &ev->start_offset);
    if (has_start < 0) {
        return -1;
    }

    has_end = cc_events_time(ld, je, "end", &ev->end, &off);
    if (has_end < 0) {
        return -1;
    }

    if (has_start != has_end) {
        cc_events_error(ld, "\"%s\" is missing: give both \"start\" and "
                        "\"end\", or neither while the dates are not "
                        "announced", has_start ? "end" : "start");
        return -1;
    }

    ev->dated = has_start;

    if (ev->dated && ev->end < ev->start) {
        cc_events_error(ld, "\"end\" is before \"start\"");
        return -1;
    }

    has_deadline = cc_events_time(ld, je, "deadline", &deadline, &off);
    if (has_deadline < 0) {
        return -1;
    }

    if (has_deadline) {
        ev->deadline = deadline;

    } else {
        ev->deadline = ev->dated ? ev->start : INT64_MAX;
    }

    if (cc_events_count(ld, je, "capacity", 1, &ev->capacity) != 0
        || cc_events_count(ld, je, "waitlist", 0, &ev->waitlist) != 0)
    {
        return -1;
    }

    return 0;
}


cc_events_t *
cc_events_load_buffer(const char *name, const char *buf, size_t len,
    char *err, size_t errlen)
{
    size_t           i;
    json_t          *root, *list, *value, *je;
    const char      *key;
    cc_events_t     *events;
    json_error_t     jerr;
    cc_events_ld_t   ld;

    ld.name = name;
    ld.err = err;
    ld.errlen = errlen;
    ld.where[0] = '\0';

    if (errlen) {
        err[0] = '\0';
    }

    memset(&jerr, 0, sizeof(jerr));

    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);

    if (root == NULL) {
        cc_events_error(&ld, "invalid JSON at line %d, column %d: %s",
                        jerr.line, jerr.column, jerr.text);
        return NULL;
    }

    events = calloc(1, sizeof(cc_events_t));
    if (events == NULL) {
        cc_events_error(&ld, "out of memory");
        json_decref(root);
        return NULL;
    }

    if (!json_is_object(root)) {
        cc_events_error(&ld, "the programme must be a JSON object with "
                        "an \"events\" array");
        goto failed;
    }

    json_object_foreach(root, key, value) {
        if (strcmp(key, "events") != 0) {
            cc_events_error(&ld, "unknown top-level property \"%s\"", key);
            goto failed;
        }
    }

    list = json_object_get(root, "events");

    if (list == NULL) {
        cc_events_error(&ld, "\"events\" is missing");
        goto failed;
    }

    if (!json_is_array(list) || json_array_size(list) == 0) {
        cc_events_error(&ld, "\"events\" must be a non-empty array");
        goto failed;
    }

    events->events = calloc(json_array_size(list), sizeof(cc_event_t));
    if (events->events == NULL) {
        cc_events_error(&ld, "out of memory");
        goto failed;
    }

    json_array_foreach(list, i, je) {
        events->n = i + 1;

        if (cc_events_load_one(&ld, events, i, je) != 0) {
            goto failed;
        }
    }

    json_decref(root);

    return events;

failed:

    json_decref(root);
    cc_events_free(events);

    return NULL;
}


cc_events_t *
cc_events_load_file(const char *path, char *err, size_t errlen)
{
    char         *buf;
    FILE         *fp;
    size_t        n;
    cc_events_t  *events;

    fp = fopen(path, "rb");
    if (fp == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }

    buf = malloc(CC_EVENTS_MAX_SIZE + 1);
    if (buf == NULL) {
        fclose(fp);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }

    n = fread(buf, 1, CC_EVENTS_MAX_SIZE + 1, fp);

    if (ferror(fp)) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        events = NULL;

    } else if (n > CC_EVENTS_MAX_SIZE) {
        snprintf(err, errlen, "%s: larger than %d bytes", path,
                 CC_EVENTS_MAX_SIZE);
        events = NULL;

    } else {
        events = cc_events_load_buffer(path, buf, n, err, errlen);
    }

    free(buf);
    fclose(fp);

    return events;
}


void
cc_events_free(cc_events_t *events)
{
    size_t       i;
    cc_event_t  *ev;

    if (events == NULL) {
        return;
    }

    for (i = 0; events->events && i < events->n; i++) {
        ev = &events->events[i];

        free(ev->id);
        free(ev->kind);
        free(ev->title);
        free(ev->place);
        free(ev->department);
        free(ev->address);
        free(ev->bring);
        free(ev->questions);
    }

    free(events->events);
    free(events);
}


const cc_event_t *
cc_events_find(const cc_events_t *events, const char *id, size_t len)
{
    size_t  i;

    if (events == NULL || id == NULL) {
        return NULL;
    }

    for (i = 0; i < events->n; i++) {
        if (strlen(events->events[i].id) == len
            && memcmp(events->events[i].id, id, len) == 0)
        {
            return &events->events[i];
        }
    }

    return NULL;
}
