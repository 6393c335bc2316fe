/*
 * t/lib/fsync_shim.c — an LD_PRELOAD library for the fault tests: makes
 * fsync() and fdatasync() slow, or fail, as a control file says, at each
 * call (read then, so that a test changes it while nginx runs):
 *
 *   "delay N"  sleep N ms (at most 5000), then sync
 *   "fail"     fail with EIO, syncing nothing
 *   anything else, or no file: sync
 *
 * The file's path is CONCERTATION_FSYNC_CTL, read when the library is
 * loaded (nginx's workers do not keep the environment).
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char  ctl[4096];

__attribute__((constructor)) static void
shim_init(void)
{
    const char  *p = getenv("CONCERTATION_FSYNC_CTL");

    if (p != NULL && strlen(p) < sizeof(ctl)) {
        strcpy(ctl, p);
    }
}

static int
shim_before(void)
{
    char             buf[64];
    ssize_t          n;
    int              fd;
    long             ms;
    struct timespec  ts;

    if (ctl[0] == '\0' || (fd = open(ctl, O_RDONLY)) == -1) {
        return 0;
    }

    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);

    if (n <= 0) {
        return 0;
    }

    buf[n] = '\0';

    if (strncmp(buf, "fail", 4) == 0) {
        errno = EIO;
        return -1;
    }

    if (strncmp(buf, "delay ", 6) == 0) {
        ms = strtol(buf + 6, NULL, 10);
        ms = ms < 0 ? 0 : ms > 5000 ? 5000 : ms;
        ts.tv_sec = ms / 1000;
        ts.tv_nsec = (ms % 1000) * 1000000L;
        nanosleep(&ts, NULL);
    }

    return 0;
}

int
fdatasync(int fd)
{
    static int (*real)(int);

    if (real == NULL) {
        real = (int (*)(int)) dlsym(RTLD_NEXT, "fdatasync");
    }

    return shim_before() == -1 ? -1 : real(fd);
}

int
fsync(int fd)
{
    static int (*real)(int);

    if (real == NULL) {
        real = (int (*)(int)) dlsym(RTLD_NEXT, "fsync");
    }

    return shim_before() == -1 ? -1 : real(fd);
}
