/*
 * concertation-notify: the loop.  Pending entries first (those a previous
 * run, or a relay failure, left unacknowledged), then new ones, blocking
 * on Redis for at most a second; the reminders every half minute; after a
 * failure of the relay or of Redis, a wait that doubles from --retry-min
 * to --retry-max.  SIGTERM and SIGINT end it between two messages.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notify.h"


volatile sig_atomic_t  notify_stop;


static void
notify_signal(int signo)
{
    (void) signo;
    notify_stop = 1;
}


void
notify_log(const char *level, const char *fmt, ...)
{
    va_list  ap;

    fprintf(stderr, "concertation-notify: %s: ", level);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}


/* the wall clock, or the tests' (CONCERTATION_NOTIFY_NOW) */

int64_t
notify_now(void)
{
    const char  *s;

    s = getenv("CONCERTATION_NOTIFY_NOW");

    return (s && *s) ? (int64_t) atoll(s) : (int64_t) time(NULL);
}


double
notify_clock(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


/* interrupted by a signal, so that a stop is not kept waiting */

void
notify_sleep(double seconds)
{
    struct timespec  ts;

    ts.tv_sec = (time_t) seconds;
    ts.tv_nsec = (long) ((seconds - ts.tv_sec) * 1e9);

    nanosleep(&ts, NULL);
}


int
main(int argc, char **argv)
{
    int               rc, pending, left;
    double            wait, reminded;
    notify_t          n;
    struct sigaction  sa;

    memset(&n, 0, sizeof(n));

    if (notify_args(&n, argc, argv) != 0) {
        return NX_USAGE;
    }

    if (notify_smtp_init() != 0) {
        notify_log("error", "libcurl could not start");
        return NX_USAGE;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = notify_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    wait = n.retry_min;
    pending = 1;
    left = 0;
    reminded = -1e9;

    notify_log("info", "reading %s (group %s) from %s, relay %s",
               n.stream, n.group, n.redis, n.smtp);

    while (!notify_stop) {
        if (notify_connect(&n) != 0) {
            if (n.once) {
                return NX_REDIS;
            }

            notify_sleep(wait);
            wait = wait * 2 < n.retry_max ? wait * 2 : n.retry_max;
            continue;
        }

        rc = notify_pass(&n, pending);

        if (rc < 0) {
            /* the relay or Redis: the entry stays pending, wait */
            notify_metrics(&n, 1);

            if (n.once) {
                left = 1;
                break;
            }

            notify_sleep(wait);
            wait = wait * 2 < n.retry_max ? wait * 2 : n.retry_max;
            pending = 1;
            continue;
        }

        wait = n.retry_min;

        if (rc == 0) {
            if (!pending) {
                /* nothing new: the reminders' turn, then maybe the end */
                if (n.once || notify_clock() - reminded >= 30) {
                    reminded = notify_clock();

                    if (notify_reminders(&n) != 0) {
                        left = 1;

                        if (n.once) {
                            break;
                        }
                    }
                }

                if (n.once) {
                    break;
                }
            }

            pending = 0;
        }

        notify_metrics(&n, 0);
    }

    notify_metrics(&n, 1);
    notify_drop(&n);
    cc_hmac_free(n.token_key);
    cc_events_free(n.events);

    return left ? NX_RELAY : NX_OK;
}
