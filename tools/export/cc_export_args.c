/*
 * The export tool's command line, stream ids and dates (the state file of
 * the incremental export: cc_export_state.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_export.h"
#include "cc_time.h"


/* a decimal uint64 of 1 to 20 digits, the whole of s[0..len) */

static int
cc_export_u64(const char *s, size_t len, uint64_t *v)
{
    size_t    i;
    uint64_t  n, d;

    if (len == 0 || len > 20) {
        return -1;
    }

    n = 0;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }

        d = (uint64_t) (s[i] - '0');

        if (n > (UINT64_MAX - d) / 10) {
            return -1;
        }

        n = n * 10 + d;
    }

    *v = n;

    return 0;
}


int
cc_sid_parse(const char *s, size_t len, cc_sid_t *sid)
{
    const char  *dash;

    dash = memchr(s, '-', len);

    if (dash == NULL) {
        sid->seq = 0;
        return cc_export_u64(s, len, &sid->ms);
    }

    if (cc_export_u64(s, (size_t) (dash - s), &sid->ms) != 0) {
        return -1;
    }

    return cc_export_u64(dash + 1, len - (size_t) (dash - s) - 1, &sid->seq);
}


int
cc_sid_cmp(cc_sid_t a, cc_sid_t b)
{
    if (a.ms != b.ms) {
        return a.ms < b.ms ? -1 : 1;
    }

    if (a.seq != b.seq) {
        return a.seq < b.seq ? -1 : 1;
    }

    return 0;
}


void
cc_sid_format(cc_sid_t sid, char *out)
{
    snprintf(out, CC_SID_LEN, "%llu-%llu", (unsigned long long) sid.ms,
             (unsigned long long) sid.seq);
}


cc_sid_t
cc_sid_next(cc_sid_t sid)
{
    if (sid.seq < UINT64_MAX) {
        sid.seq++;

    } else if (sid.ms < UINT64_MAX) {
        sid.ms++;
        sid.seq = 0;
    }

    return sid;
}


const char *
cc_export_parse_date(const char *s, int64_t *ms)
{
    int          offset;
    char         buf[32];
    size_t       len;
    int64_t      t;
    const char  *why;

    len = strlen(s);

    if (len == 10) {
        /* a day: its first instant, UTC */
        memcpy(buf, s, 10);
        memcpy(buf + 10, "T00:00:00Z", 11);
        s = buf;
        len = 20;
    }

    why = cc_time_parse(s, len, &t, &offset);
    if (why != NULL) {
        return "date attendue sous la forme AAAA-MM-JJ "
               "ou AAAA-MM-JJTHH:MM:SS+HH:MM";
    }

    if (t < 0) {
        return "date antérieure à 1970";
    }

    *ms = t * 1000;

    return NULL;
}


int
cc_export_parse_redis(const char *s, char *host, size_t hostlen, int *port)
{
    size_t       len;
    uint64_t     p;
    const char  *colon;

    if (strncmp(s, "unix:", 5) == 0) {
        len = strlen(s + 5);
        if (len == 0 || len >= hostlen) {
            return -1;
        }

        memcpy(host, s + 5, len + 1);
        *port = 0;
        return 0;
    }

    colon = strrchr(s, ':');

    if (colon == NULL || colon == s || (size_t) (colon - s) >= hostlen
        || cc_export_u64(colon + 1, strlen(colon + 1), &p) != 0
        || p == 0 || p > 65535)
    {
        return -1;
    }

    memcpy(host, s, (size_t) (colon - s));
    host[colon - s] = '\0';
    *port = (int) p;

    return 0;
}


/* the command line */

typedef enum {
    CC_OPT_FLAG = 0,
    CC_OPT_VALUE
} cc_opt_kind_e;

typedef struct {
    const char     *name;
    cc_opt_kind_e   kind;
    int             key;
} cc_opt_t;

enum {
    CC_O_REDIS = 1, CC_O_BASE, CC_O_PREFIX, CC_O_STREAM, CC_O_SCHEMA,
    CC_O_FORMAT, CC_O_OUTPUT, CC_O_SEP, CC_O_NOBOM, CC_O_RAW, CC_O_CLIENT,
    CC_O_FULL, CC_O_REGS, CC_O_PURGE, CC_O_DRY, CC_O_GROUP, CC_O_CONSUMER,
    CC_O_STATE, CC_O_BATCH, CC_O_MAX, CC_O_STATS, CC_O_HELP, CC_O_VERSION,
    CC_O_CODEBOOK, CC_O_EVENTS, CC_O_SENTINEL, CC_O_SYNTH, CC_O_CROSS
};

static const cc_opt_t  cc_export_options[] = {
    { "--redis", CC_OPT_VALUE, CC_O_REDIS },
    { "--sentinelle", CC_OPT_VALUE, CC_O_SENTINEL },
    { "--base", CC_OPT_VALUE, CC_O_BASE },
    { "--prefixe", CC_OPT_VALUE, CC_O_PREFIX },
    { "--flux", CC_OPT_VALUE, CC_O_STREAM },
    { "--schema", CC_OPT_VALUE, CC_O_SCHEMA },
    { "--evenements", CC_OPT_VALUE, CC_O_EVENTS },
    { "--format", CC_OPT_VALUE, CC_O_FORMAT },
    { "--sortie", CC_OPT_VALUE, CC_O_OUTPUT },
    { "-o", CC_OPT_VALUE, CC_O_OUTPUT },
    { "--separateur", CC_OPT_VALUE, CC_O_SEP },
    { "--sans-bom", CC_OPT_FLAG, CC_O_NOBOM },
    { "--valeurs-brutes", CC_OPT_FLAG, CC_O_RAW },
    { "--avec-client", CC_OPT_FLAG, CC_O_CLIENT },
    { "--complet", CC_OPT_FLAG, CC_O_FULL },
    { "--inscrits", CC_OPT_VALUE, CC_O_REGS },
    { "--purger-avant", CC_OPT_VALUE, CC_O_PURGE },
    { "--dictionnaire", CC_OPT_FLAG, CC_O_CODEBOOK },
    { "--synthese", CC_OPT_VALUE, CC_O_SYNTH },
    { "--croiser", CC_OPT_VALUE, CC_O_CROSS },
    { "--dry-run", CC_OPT_FLAG, CC_O_DRY },
    { "--groupe", CC_OPT_VALUE, CC_O_GROUP },
    { "--consommateur", CC_OPT_VALUE, CC_O_CONSUMER },
    { "--etat", CC_OPT_VALUE, CC_O_STATE },
    { "--lot", CC_OPT_VALUE, CC_O_BATCH },
    { "--max", CC_OPT_VALUE, CC_O_MAX },
    { "--stats", CC_OPT_FLAG, CC_O_STATS },
    { "--help", CC_OPT_FLAG, CC_O_HELP },
    { "-h", CC_OPT_FLAG, CC_O_HELP },
    { "--version", CC_OPT_FLAG, CC_O_VERSION },
    { NULL, CC_OPT_FLAG, 0 }
};


static int
cc_export_set_mode(cc_export_opts_t *o, cc_export_mode_e mode,
    const char *name, char *err, size_t errlen)
{
    if (o->mode != CC_EXPORT_INCREMENTAL && o->mode != mode) {
        snprintf(err, errlen, "%s ne se combine pas avec l'option donnée "
                 "avant (--complet, --inscrits, --purger-avant, "
                 "--dictionnaire, --synthese)", name);
        return -1;
    }

    o->mode = mode;

    return 0;
}


int
cc_export_args(int argc, char *const *argv, cc_export_opts_t *o, char *err,
    size_t errlen)
{
    int              i, help, version, port;
    char             host[256];
    size_t           len;
    uint64_t         n;
    const char      *arg, *val, *eq;
    const cc_opt_t  *opt;

    memset(o, 0, sizeof(cc_export_opts_t));
    o->mode = CC_EXPORT_INCREMENTAL;
    o->redis = "127.0.0.1:6379";
    o->prefix = "concertation:";
    o->stream = "questionnaire";
    o->sep = ';';
    o->bom = 1;
    o->group = NULL;            /* per format, below */
    o->consumer = "concertation-export";
    o->batch = 500;
    help = 0;
    version = 0;

    for (i = 1; i < argc; i++) {
        arg = argv[i];
        eq = (strncmp(arg, "--", 2) == 0) ? strchr(arg, '=') : NULL;
        len = eq ? (size_t) (eq - arg) : strlen(arg);

        for (opt = cc_export_options; opt->name != NULL; opt++) {
            if (strlen(opt->name) == len
                && strncmp(opt->name, arg, len) == 0)
            {
                break;
            }
        }

        if (opt->name == NULL) {
            snprintf(err, errlen, "option inconnue : %s (voir --help)", arg);
            return -1;
        }

        val = NULL;

        if (opt->kind == CC_OPT_VALUE) {
            if (eq != NULL) {
                val = eq + 1;

            } else if (i + 1 < argc) {
                val = argv[++i];

            } else {
                snprintf(err, errlen, "%s attend une valeur", opt->name);
                return -1;
            }

        } else if (eq != NULL) {
            snprintf(err, errlen, "%s ne prend pas de valeur", opt->name);
            return -1;
        }

        switch (opt->key) {

        case CC_O_REDIS:
            if (cc_export_parse_redis(val, host, sizeof(host), &port)
                != 0)
            {
                snprintf(err, errlen, "--redis : adresse attendue sous la "
                         "forme hôte:port ou unix:/chemin, pas « %s »", val);
                return -1;
            }

            o->redis = val;
            break;

        case CC_O_SENTINEL:
            o->sentinel = val;
            break;

        case CC_O_BASE:
            if (cc_export_u64(val, strlen(val), &n) != 0 || n > 1000) {
                snprintf(err, errlen, "--base : numéro de base attendu, "
                         "pas « %s »", val);
                return -1;
            }

            o->database = (int) n;
            break;

        case CC_O_PREFIX:
            o->prefix = val;
            break;

        case CC_O_STREAM:
            if (strcmp(val, "questionnaire") != 0
                && strcmp(val, "inscriptions") != 0)
            {
                snprintf(err, errlen, "--flux : « questionnaire » ou "
                         "« inscriptions », pas « %s »", val);
                return -1;
            }

            o->stream = val;
            break;

        case CC_O_SCHEMA:
            o->schema = val;
            break;

        case CC_O_EVENTS:
            o->events = val;
            break;

        case CC_O_FORMAT:
            if (strcmp(val, "csv") != 0 && strcmp(val, "jsonl") != 0) {
                snprintf(err, errlen, "--format : « csv » ou « jsonl », "
                         "pas « %s »", val);
                return -1;
            }

            o->jsonl = (val[0] == 'j');
            break;

        case CC_O_OUTPUT:
            if (val[0] == '\0') {
                snprintf(err, errlen, "--sortie : nom de fichier vide");
                return -1;
            }

            o->output = val;
            break;

        case CC_O_SEP:
            if (strcmp(val, "tab") == 0 || strcmp(val, "\\t") == 0
                || strcmp(val, "\t") == 0)
            {
                o->sep = '\t';

            } else if (strlen(val) == 1 && strchr(";,|", val[0]) != NULL) {
                o->sep = val[0];

            } else {
                snprintf(err, errlen, "--separateur : « ; », « , », « | » "
                         "ou « tab », pas « %s »", val);
                return -1;
            }

            break;

        case CC_O_NOBOM:
            o->bom = 0;
            break;

        case CC_O_RAW:
            o->flags |= CC_EXPORT_RAW_VALUES;
            break;

        case CC_O_CLIENT:
            o->flags |= CC_EXPORT_CLIENT;
            break;

        case CC_O_FULL:
            if (cc_export_set_mode(o, CC_EXPORT_FULL, opt->name, err, errlen)
                != 0)
            {
                return -1;
            }

            break;

        case CC_O_REGS:
            if (cc_export_set_mode(o, CC_EXPORT_REGISTRATIONS, opt->name,
                                   err, errlen)
                != 0)
            {
                return -1;
            }

            if (val[0] == '\0' || strpbrk(val, " \t\r\n") != NULL) {
                snprintf(err, errlen, "--inscrits : identifiant "
                         "d'événement attendu (ex. atelier-caen)");
                return -1;
            }

            o->event = val;
            break;

        case CC_O_PURGE:
            if (cc_export_set_mode(o, CC_EXPORT_PURGE, opt->name, err,
                                   errlen)
                != 0)
            {
                return -1;
            }

            arg = cc_export_parse_date(val, &o->purge_before);
            if (arg != NULL) {
                snprintf(err, errlen, "--purger-avant : %s, pas « %s »",
                         arg, val);
                return -1;
            }

            break;

        case CC_O_CODEBOOK:
            if (cc_export_set_mode(o, CC_EXPORT_CODEBOOK, opt->name, err,
                                   errlen)
                != 0)
            {
                return -1;
            }

            break;

        case CC_O_SYNTH:
            if (cc_export_set_mode(o, CC_EXPORT_SYNTHESIS, opt->name, err,
                                   errlen)
                != 0)
            {
                return -1;
            }

            if (val[0] == '\0' || strcmp(val, "-") == 0) {
                snprintf(err, errlen, "--synthese : le nom du fichier HTML "
                         "à écrire (ex. rapport.html)");
                return -1;
            }

            o->output = val;
            break;

        case CC_O_CROSS:
            if (o->ncross == sizeof(o->cross) / sizeof(o->cross[0])) {
                snprintf(err, errlen, "--croiser : au plus %zu champs",
                         sizeof(o->cross) / sizeof(o->cross[0]));
                return -1;
            }

            o->cross[o->ncross++] = val;
            break;

        case CC_O_DRY:
            o->dry_run = 1;
            break;

        case CC_O_GROUP:
        case CC_O_CONSUMER:
            if (val[0] == '\0' || strpbrk(val, " \t\r\n") != NULL) {
                snprintf(err, errlen, "%s : nom sans espace attendu",
                         opt->name);
                return -1;
            }

            if (opt->key == CC_O_GROUP) {
                o->group = val;

            } else {
                o->consumer = val;
            }

            break;

        case CC_O_STATE:
            o->state = val;
            break;

        case CC_O_BATCH:
            if (cc_export_u64(val, strlen(val), &n) != 0 || n == 0
                || n > 10000)
            {
                snprintf(err, errlen, "--lot : nombre de 1 à 10000 attendu, "
                         "pas « %s »", val);
                return -1;
            }

            o->batch = (unsigned) n;
            break;

        case CC_O_MAX:
            if (cc_export_u64(val, strlen(val), &n) != 0) {
                snprintf(err, errlen, "--max : nombre attendu, pas « %s »",
                         val);
                return -1;
            }

            o->max = n;
            break;

        case CC_O_STATS:
            o->stats = 1;
            break;

        case CC_O_HELP:
            help = 1;
            break;

        default: /* CC_O_VERSION */
            version = 1;
            break;
        }
    }

    if (help) {
        o->mode = CC_EXPORT_HELP;
        return 0;
    }

    if (version) {
        o->mode = CC_EXPORT_VERSION;
        return 0;
    }

    if (o->mode == CC_EXPORT_INCREMENTAL
        && (o->output == NULL || strcmp(o->output, "-") == 0))
    {
        snprintf(err, errlen, "l'export incrémental écrit dans un fichier : "
                 "--sortie FICHIER (ou --complet pour la sortie standard)");
        return -1;
    }

    if (o->ncross && o->mode != CC_EXPORT_SYNTHESIS) {
        snprintf(err, errlen, "--croiser ne s'emploie qu'avec --synthese");
        return -1;
    }

    if (o->mode == CC_EXPORT_SYNTHESIS && o->jsonl) {
        snprintf(err, errlen, "la synthèse est un fichier HTML");
        return -1;
    }

    if (o->dry_run && o->mode != CC_EXPORT_PURGE) {
        snprintf(err, errlen, "--dry-run ne s'emploie qu'avec "
                 "--purger-avant");
        return -1;
    }

    if (o->max && o->mode != CC_EXPORT_INCREMENTAL) {
        snprintf(err, errlen, "--max ne s'emploie qu'avec l'export "
                 "incrémental");
        return -1;
    }

    if (o->mode == CC_EXPORT_CODEBOOK && o->jsonl) {
        snprintf(err, errlen, "le dictionnaire des variables est en CSV "
                 "seulement");
        return -1;
    }

    if (o->mode == CC_EXPORT_REGISTRATIONS && o->jsonl) {
        snprintf(err, errlen, "la liste des inscrits est en CSV seulement");
        return -1;
    }

    /* one group per format: a shared one would split the entries */
    if (o->group == NULL) {
        o->group = o->jsonl ? "export-jsonl" : "export-csv";
    }

    return 0;
}
