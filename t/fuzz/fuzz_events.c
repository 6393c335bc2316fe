/*
 * Programmes: refused with a message naming the file, or loaded with every
 * rule of cc_events.h holding, and every event found again by its id.
 */

#include <stdint.h>

#include "cc_events.h"
#include "fuzz_common.h"


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char               err[256], *copy;
    size_t             i, j, len;
    cc_events_t       *events;
    const char        *p;
    const cc_event_t  *e;

    memset(err, 'x', sizeof(err));

    /* an exact-size copy: reading past len is caught by ASan */
    copy = malloc(size ? size : 1);
    if (copy == NULL) {
        return 0;
    }

    memcpy(copy, data, size);

    events = cc_events_load_buffer("fuzz.json", copy, size, err,
                                   sizeof(err));

    if (events == NULL) {
        FUZZ_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
        FUZZ_ASSERT(strncmp(err, "fuzz.json: ", 11) == 0);
        free(copy);
        return 0;
    }

    FUZZ_ASSERT(events->n > 0);

    for (i = 0; i < events->n; i++) {
        e = &events->events[i];

        len = strlen(e->id);
        FUZZ_ASSERT(len > 0 && len <= 64);

        for (p = e->id; *p; p++) {
            FUZZ_ASSERT((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
                        || *p == '-');
        }

        FUZZ_ASSERT(strcmp(e->kind, "atelier") == 0
                    || strcmp(e->kind, "webinaire") == 0
                    || strcmp(e->kind, "conference") == 0);
        FUZZ_ASSERT(e->title[0] != '\0');
        FUZZ_ASSERT(e->place != NULL && strlen(e->department) <= 3);
        FUZZ_ASSERT(e->capacity >= 1);

        if (e->dated) {
            FUZZ_ASSERT(e->end >= e->start);
            FUZZ_ASSERT(e->start_offset % 60 == 0);
        }

        FUZZ_ASSERT(cc_events_find(events, e->id, len) == e);

        for (j = 0; j < i; j++) {
            FUZZ_ASSERT(strcmp(events->events[j].id, e->id) != 0);
        }
    }

    /* arbitrary bytes as an id: found only when equal */
    e = cc_events_find(events, copy, size < 80 ? size : 80);
    FUZZ_ASSERT(e == NULL || (strlen(e->id) == (size < 80 ? size : 80)
                              && memcmp(e->id, copy, strlen(e->id)) == 0));

    cc_events_free(events);
    free(copy);

    return 0;
}
