/*
 * concertation-notify's message from hostile inputs: the name, the
 * address and the event's texts are the fuzzer's.  Whatever they hold, the
 * header section is printable ASCII in CRLF lines, each continuation
 * starting with a space, at most 998 octets a line (RFC 5322), one "To"
 * and no header the input made up; or no message at all, when the address
 * could not be written.  The invitation's lines are CRLF, at most 75
 * octets, and a fold never cuts a character of valid UTF-8 (invalid bytes,
 * which the module never lets through, are cut anywhere but never loop).
 */

#include <stdint.h>

#include "cc_notify.h"
#include "cc_events.h"
#include "cc_utf8.h"
#include "fuzz_common.h"


/* the n-th NUL-separated piece of data, copied with its NUL */

static char *
piece(const unsigned char *data, size_t size, int n)
{
    size_t  i, start;
    char   *s;

    for (i = 0, start = 0; i <= size; i++) {
        if (i == size || data[i] == '\0') {
            if (n-- == 0) {
                s = malloc(i - start + 1);
                memcpy(s, data + start, i - start);
                s[i - start] = '\0';
                return s;
            }

            start = i + 1;
        }
    }

    return calloc(1, 1);
}


static void
check_headers(const char *msg)
{
    size_t       line, tos;
    const char  *p, *end;

    end = strstr(msg, "\r\n\r\n");
    FUZZ_ASSERT(end != NULL);

    line = 0;
    tos = 0;

    for (p = msg; p < end + 2; p++) {
        if (*p == '\n') {
            FUZZ_ASSERT(p > msg && p[-1] == '\r');
            FUZZ_ASSERT(line <= 998);
            line = 0;

            if (p + 1 < end && p[1] != ' ') {
                /* a new header: one of ours */
                FUZZ_ASSERT(strncmp(p + 1, "To:", 3) == 0
                            || strncmp(p + 1, "Subject:", 8) == 0
                            || strncmp(p + 1, "Date:", 5) == 0
                            || strncmp(p + 1, "Message-ID:", 11) == 0
                            || strncmp(p + 1, "MIME-Version:", 13) == 0
                            || strncmp(p + 1, "Auto-Submitted:", 15) == 0
                            || strncmp(p + 1, "Content-", 8) == 0);
                tos += strncmp(p + 1, "To:", 3) == 0;
            }

            continue;
        }

        FUZZ_ASSERT(*p == '\r' || (*p >= ' ' && *p <= '~'));
        line++;
    }

    FUZZ_ASSERT(strncmp(msg, "From: ", 6) == 0);
    FUZZ_ASSERT(tos == 1);
}


static void
check_ics(const char *ics, int utf8)
{
    size_t       len;
    const char  *p, *nl;

    for (p = ics; *p; p = nl + 1) {
        nl = strstr(p, "\r\n");
        FUZZ_ASSERT(nl != NULL);
        len = (size_t) (nl - p);
        FUZZ_ASSERT(len <= 75);
        /* valid text is never cut inside a character; invalid text has no
           characters to keep whole */
        FUZZ_ASSERT(!utf8 || len == 0
                    || ((unsigned char) p[p[0] == ' '] & 0xc0) != 0x80);
        nl++;
    }
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    char        *name, *email, *title, *place, *msg, *ics;
    size_t       len;
    cc_event_t   ev;
    cc_mail_t    m;

    name = piece(data, size, 0);
    email = piece(data, size, 1);
    title = piece(data, size, 2);
    place = piece(data, size, 3);

    memset(&ev, 0, sizeof(ev));
    ev.id = "atelier-caen";
    ev.kind = "atelier";
    ev.title = title;
    ev.place = place;
    ev.department = "";
    ev.address = name;
    ev.bring = place;
    ev.dated = 1;
    ev.start = 1804510800;
    ev.end = 1804521600;
    ev.capacity = 1;

    memset(&m, 0, sizeof(m));
    m.kind = (cc_mail_kind_e) (size % CC_MAIL_KINDS);
    m.event = &ev;
    m.id = "0190a000-0000-7000-8000-000000000001";
    m.email = email;
    m.name = name;
    m.position = (long long) size;
    m.cancel_url = "https://concertation-ess.normandie.fr/inscription/"
                   "annulation?jeton=x";
    m.site = "https://concertation-ess.normandie.fr";
    m.from = "concertation-ess@normandie.fr";
    m.from_name = title;
    m.domain = "concertation-ess.normandie.fr";
    m.now = 1801476000;

    msg = cc_mail_message(&m, &len);

    if (!cc_mail_address_ok(email)) {
        FUZZ_ASSERT(msg == NULL);

    } else if (msg != NULL) {
        FUZZ_ASSERT(strlen(msg) == len);
        check_headers(msg);
    }

    ics = cc_mail_ics(&m);
    if (ics != NULL) {
        check_ics(ics, cc_utf8_valid(title, strlen(title))
                       && cc_utf8_valid(place, strlen(place))
                       && cc_utf8_valid(name, strlen(name)));
    }

    free(msg);
    free(ics);
    free(name);
    free(email);
    free(title);
    free(place);

    return 0;
}
