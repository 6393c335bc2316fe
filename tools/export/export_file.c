/*
 * Files that are either whole or absent: written to a temporary name,
 * flushed to the disk, then renamed, and the directory flushed too.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export.h"
#include "cc_registration.h"


void
export_write(FILE *fp, const char *data, size_t len)
{
    if (len && fwrite(data, 1, len, fp) != len) {
        export_die(EX_FILES, "écriture impossible : %s", strerror(errno));
    }
}


/* "<path>.<pid>.tmp", created (never an existing file) */

FILE *
export_file_open(const char *path, char *tmp, size_t tmplen)
{
    int    fd;
    FILE  *fp;

    if ((size_t) snprintf(tmp, tmplen, "%s.%ld.tmp", path, (long) getpid())
        >= tmplen)
    {
        export_die(EX_FILES, "nom de fichier trop long : %s", path);
    }

    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd == -1) {
        export_die(EX_FILES, "%s : %s", tmp, strerror(errno));
    }

    fp = fdopen(fd, "w");
    if (fp == NULL) {
        export_die(EX_FILES, "%s : %s", tmp, strerror(errno));
    }

    /* a fixed buffer: the memory does not grow with the export */
    setvbuf(fp, NULL, _IOFBF, 256 * 1024);

    return fp;
}


void
export_file_close(FILE *fp, const char *tmp)
{
    if (fflush(fp) != 0 || fsync(fileno(fp)) != 0) {
        export_die(EX_FILES, "%s : %s", tmp, strerror(errno));
    }

    if (fclose(fp) != 0) {
        export_die(EX_FILES, "%s : %s", tmp, strerror(errno));
    }
}


void
export_fsync_dir(const char *path)
{
    int    fd;
    char  *copy;

    copy = strdup(path);
    if (copy == NULL) {
        export_die(EX_FILES, "mémoire insuffisante");
    }

    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd == -1 || fsync(fd) != 0) {
        export_die(EX_FILES, "%s : %s", path, strerror(errno));
    }

    close(fd);
    free(copy);
}


void
export_file_install(const char *tmp, const char *path)
{
    if (rename(tmp, path) != 0) {
        export_die(EX_FILES, "%s -> %s : %s", tmp, path, strerror(errno));
    }

    export_fsync_dir(path);
}


void
export_file_atomic(const char *path, const char *data, size_t len)
{
    FILE  *fp;
    char   tmp[CC_STATE_MAX + 64];

    fp = export_file_open(path, tmp, sizeof(tmp));
    export_write(fp, data, len);
    export_file_close(fp, tmp);
    export_file_install(tmp, path);
}


/*
 * The programme: --evenements, or nginx's default path when it is there.
 * NULL with err empty when there is none; NULL and why when it is bad.
 */

cc_events_t *
export_programme(cc_export_opts_t *o, char *err, size_t errlen)
{
    const char  *path;

    err[0] = '\0';
    path = o->events ? o->events : "/etc/nginx/concertation/events.json";

    if (o->events == NULL && access(path, R_OK) != 0) {
        return NULL;
    }

    return cc_events_load_file(path, err, errlen);
}


/*
 * The definition, as the module loads it: a registration form whose
 * events are "options": "programme" takes them, and the events' own
 * questions, from the programme (--evenements, or nginx's default path
 * when it is there).
 */

cc_schema_t *
export_schema_load(cc_export_opts_t *o, const char *path)
{
    char          err[1024];
    cc_events_t  *events;
    cc_schema_t  *schema;

    events = export_programme(o, err, sizeof(err));

    if (events == NULL && err[0] != '\0') {
        export_die(EX_FILES, "programme (--evenements) : %s", err);
    }

    schema = cc_reg_schema_load_file(path, events, err, sizeof(err));
    cc_events_free(events);

    if (schema == NULL) {
        export_die(EX_FILES, "schéma (--schema) : %s%s", err,
                   events ? "" : " (--evenements FICHIER : le programme)");
    }

    return schema;
}


/* --dictionnaire: the definition's codebook, a CSV like the export's */

int
export_codebook(cc_export_opts_t *o)
{
    const char   *path;
    cc_xbuf_t     b;
    cc_schema_t  *schema;

    path = o->schema ? o->schema
                     : "/etc/nginx/concertation/questionnaire.json";

    schema = export_schema_load(o, path);

    cc_xbuf_init(&b);

    if ((o->bom && cc_xbuf_add(&b, "\xef\xbb\xbf", 3) != 0)
        || cc_export_codebook(&b, schema, o->sep) != 0)
    {
        export_die(EX_FILES, "mémoire insuffisante");
    }

    if (o->output == NULL || strcmp(o->output, "-") == 0) {
        if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0)
        {
            export_die(EX_FILES, "sortie standard : %s", strerror(errno));
        }

    } else {
        export_file_atomic(o->output, b.data, b.len);
    }

    cc_xbuf_free(&b);
    cc_schema_free(schema);

    return EX_OK;
}
