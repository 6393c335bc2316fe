/*
 * concertation-export: the command line, the exit statuses, progress and
 * the statistics.
 */

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "export.h"

#define EXPORT_VERSION  "1.0"


void
export_die(int code, const char *fmt, ...)
{
    va_list  ap;

    fputs("concertation-export : ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);

    exit(code);
}


void
export_warn(const char *fmt, ...)
{
    va_list  ap;

    fputs("concertation-export : attention : ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}


double
export_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


/* a line on the terminal, at most five times a second */

void
export_progress(export_t *ex, int last)
{
    double  now, rate;

    if (!ex->progress) {
        return;
    }

    now = export_now();

    if (!last && now - ex->shown < 0.2) {
        return;
    }

    ex->shown = now;
    rate = (now > ex->started) ? ex->entries / (now - ex->started) : 0;

    fprintf(stderr, "\r%llu entrées écrites (%.0f/s)%s", ex->entries, rate,
            last ? "\n" : "");
}


/*
 * The tests stop the export at a given step, as a crash would:
 * CONCERTATION_EXPORT_CRASH=avant-etat, avant-renommage or avant-ack.
 */

void
export_crash_point(const char *name)
{
    const char  *want;

    want = getenv("CONCERTATION_EXPORT_CRASH");

    if (want != NULL && strcmp(want, name) == 0) {
        _exit(EX_CRASH);
    }
}


/*
 * The peak resident memory of this program: VmHWM belongs to the address
 * space, which exec() replaces; ru_maxrss would also count the parent's
 * memory copied by fork() before the exec.
 */

static long
export_peak_rss(void)
{
    long           kb;
    char           line[256];
    FILE          *fp;
    struct rusage  ru;

    fp = fopen("/proc/self/status", "r");

    if (fp != NULL) {
        while (fgets(line, sizeof(line), fp) != NULL) {
            if (sscanf(line, "VmHWM: %ld kB", &kb) == 1) {
                fclose(fp);
                return kb;
            }
        }

        fclose(fp);
    }

    getrusage(RUSAGE_SELF, &ru);

    return ru.ru_maxrss;
}


int
main(int argc, char **argv)
{
    int               rc;
    char              err[512];
    export_t          ex;
    cc_export_opts_t  opts;

    if (cc_export_args(argc, argv, &opts, err, sizeof(err)) != 0) {
        export_die(EX_USAGE_ERR, "%s", err);
    }

    if (opts.mode == CC_EXPORT_HELP) {
        export_help(stdout);
        return EX_OK;
    }

    if (opts.mode == CC_EXPORT_VERSION) {
        printf("concertation-export %s\n", EXPORT_VERSION);
        return EX_OK;
    }

    /* the codebook comes from the definition alone: no Redis */
    if (opts.mode == CC_EXPORT_CODEBOOK) {
        return export_codebook(&opts);
    }

    memset(&ex, 0, sizeof(export_t));
    ex.opts = &opts;
    ex.progress = isatty(STDERR_FILENO);
    ex.started = export_now();

    export_connect(&ex);

    switch (opts.mode) {

    case CC_EXPORT_REGISTRATIONS:
        rc = export_registrations(&ex);
        break;

    case CC_EXPORT_PURGE:
        rc = export_purge(&ex);
        break;

    case CC_EXPORT_SYNTHESIS:
        rc = export_synthesis(&ex);
        break;

    default:
        rc = export_stream(&ex);
        break;
    }

    redisFree(ex.redis);

    if (opts.stats) {
        fprintf(stderr, "stats : entrees=%llu illisibles=%llu "
                "duree=%.3f s rss_max=%ld Ko\n", ex.entries, ex.unreadable,
                export_now() - ex.started, export_peak_rss());
    }

    return rc;
}
