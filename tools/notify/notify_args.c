/*
 * concertation-notify's command line.  Secrets (the concertation_secret,
 * the relay's and Redis' passwords) are read from files, never given on
 * the command line where ps shows them.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"
#include "cc_registration.h"


static const char  notify_usage[] =
"Usage: concertation-notify [options]\n"
"\n"
"Sends the registrations' e-mails: reads the stream <prefix>inscriptions\n"
"with its own consumer group, sends each message through the SMTP relay,\n"
"and acknowledges the entry once the relay accepted it.\n"
"\n"
"  --redis ADDR             host:port or /path/to/socket (127.0.0.1:6379)\n"
"  --redis-password-file F  Redis' password (AUTH)\n"
"  --sentinel NAME@ADDR,…   the master NAME where Redis Sentinel says\n"
"                           (instead of --redis), asked at each connection\n"
"  --sentinel-password-file F  the sentinels' own password\n"
"  --prefix P               the keys' prefix (concertation:)\n"
"  --group G                the consumer group (notify)\n"
"  --consumer C             this process' name in the group (notify-1)\n"
"  --events FILE            the programme (concertation_events), required\n"
"  --secret-file FILE       the concertation_secret of nginx, required:\n"
"                           the cancellation links are signed with it\n"
"  --site URL               the site's address, required\n"
"                           (https://concertation-ess.normandie.fr)\n"
"  --cancel-path PATH       the cancellation page (/inscription/annulation)\n"
"  --smtp URL               the relay: smtp://host:port (plain, or with\n"
"                           --starttls), smtps://host:port (TLS), required\n"
"  --starttls               require STARTTLS on smtp://\n"
"  --smtp-user U            authenticate as U\n"
"  --smtp-password-file F   with the password in F\n"
"  --from ADDR              the sender, required\n"
"  --from-name NAME         its name (Région Normandie – Concertation ESS)\n"
"  --reminder TIME          the reminder, this long before the start\n"
"                           (48h; s, m, h, d; 0: none)\n"
"  --retry-min TIME         the first wait after a relay failure (1s)\n"
"  --retry-max TIME         the longest wait (60s)\n"
"  --metrics FILE           the counters for Prometheus (node exporter's\n"
"                           textfile collector), rewritten as they change\n"
"  --once                   send what is due, then exit (0: all sent,\n"
"                           3: some left for later)\n"
"  --help\n"
"\n"
"CONCERTATION_NOTIFY_NOW (Unix seconds) sets the clock, for tests.\n";


static char *
notify_read_file(const char *path)
{
    char    *s;
    FILE    *fp;
    size_t   n;

    fp = fopen(path, "rb");
    if (fp == NULL) {
        fprintf(stderr, "concertation-notify: %s: %s\n", path,
                strerror(errno));
        return NULL;
    }

    s = calloc(1, 4097);
    n = s ? fread(s, 1, 4096, fp) : 0;
    fclose(fp);

    if (s == NULL) {
        return NULL;
    }

    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) {
        s[--n] = '\0';
    }

    return s;
}


/* "48h", "90m", "2d", "500ms", "30": seconds; -1 when malformed */

static double
notify_time(const char *s)
{
    char    *end;
    double   v;

    v = strtod(s, &end);

    if (end == s || v < 0) {
        return -1;
    }

    if (*end == '\0' || strcmp(end, "s") == 0) {
        return v;
    }

    if (strcmp(end, "ms") == 0) {
        return v / 1000;
    }

    if (strcmp(end, "m") == 0) {
        return v * 60;
    }

    if (strcmp(end, "h") == 0) {
        return v * 3600;
    }

    if (strcmp(end, "d") == 0) {
        return v * 86400;
    }

    return -1;
}


int
notify_args(notify_t *n, int argc, char **argv)
{
    int           c, i;
    char          err[512], *secret;
    double        t;
    const char   *secret_file, *p, *q;

    static const struct option  opts[] = {
        { "redis", required_argument, NULL, 'r' },
        { "redis-password-file", required_argument, NULL, 'R' },
        { "sentinel", required_argument, NULL, 'S' },
        { "sentinel-password-file", required_argument, NULL, 'W' },
        { "prefix", required_argument, NULL, 'p' },
        { "group", required_argument, NULL, 'g' },
        { "consumer", required_argument, NULL, 'c' },
        { "events", required_argument, NULL, 'e' },
        { "secret-file", required_argument, NULL, 'k' },
        { "site", required_argument, NULL, 's' },
        { "cancel-path", required_argument, NULL, 'a' },
        { "smtp", required_argument, NULL, 'm' },
        { "starttls", no_argument, NULL, 'T' },
        { "smtp-user", required_argument, NULL, 'u' },
        { "smtp-password-file", required_argument, NULL, 'P' },
        { "from", required_argument, NULL, 'f' },
        { "from-name", required_argument, NULL, 'F' },
        { "reminder", required_argument, NULL, 'd' },
        { "retry-min", required_argument, NULL, 'i' },
        { "retry-max", required_argument, NULL, 'I' },
        { "metrics", required_argument, NULL, 'M' },
        { "once", no_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };

    n->redis = "127.0.0.1:6379";
    n->prefix = "concertation:";
    n->group = "notify";
    n->consumer = "notify-1";
    n->cancel_path = "/inscription/annulation";
    n->from_name = "Région Normandie " "\xe2\x80\x93" " Concertation ESS";
    n->reminder = 48 * 3600;
    n->retry_min = 1;
    n->retry_max = 60;
    secret_file = NULL;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'r': n->redis = optarg; break;
        case 'p': n->prefix = optarg; break;
        case 'g': n->group = optarg; break;
        case 'c': n->consumer = optarg; break;
        case 'e': n->events_path = optarg; break;
        case 'k': secret_file = optarg; break;
        case 's': n->site = optarg; break;
        case 'a': n->cancel_path = optarg; break;
        case 'm': n->smtp = optarg; break;
        case 'T': n->starttls = 1; break;
        case 'u': n->smtp_user = optarg; break;
        case 'f': n->from = optarg; break;
        case 'F': n->from_name = optarg; break;
        case 'M': n->metrics_path = optarg; break;
        case 'o': n->once = 1; break;

        case 'R':
            if ((n->redis_password = notify_read_file(optarg)) == NULL) {
                return -1;
            }
            break;

        case 'S':
            if (cc_sentinels_parse(optarg, &n->sentinels, err, sizeof(err))
                != 0)
            {
                notify_log("error", "--sentinel: %s", err);
                return -1;
            }

            n->sentinel = optarg;
            break;

        case 'W':
            if ((n->sentinel_password = notify_read_file(optarg)) == NULL) {
                return -1;
            }
            break;

        case 'P':
            if ((n->smtp_password = notify_read_file(optarg)) == NULL) {
                return -1;
            }
            break;

        case 'd':
        case 'i':
        case 'I':
            t = notify_time(optarg);
            if (t < 0) {
                fprintf(stderr, "concertation-notify: --%s: \"%s\" is not a "
                        "time (48h, 90m, 500ms...)\n",
                        c == 'd' ? "reminder" : c == 'i' ? "retry-min"
                                                         : "retry-max",
                        optarg);
                return -1;
            }
            if (c == 'd') {
                n->reminder = (int64_t) t;
            } else if (c == 'i') {
                n->retry_min = t;
            } else {
                n->retry_max = t;
            }
            break;

        case 'h':
            fputs(notify_usage, stdout);
            exit(NX_OK);

        default:
            fputs(notify_usage, stderr);
            return -1;
        }
    }

    if (optind < argc || !n->events_path || !secret_file || !n->site
        || !n->smtp || !n->from)
    {
        fprintf(stderr, "concertation-notify: --events, --secret-file, "
                "--site, --smtp and --from are required (--help)\n");
        return -1;
    }

    if (!cc_mail_address_ok(n->from)) {
        fprintf(stderr, "concertation-notify: --from: \"%s\" is not an "
                "address\n", n->from);
        return -1;
    }

    n->events = cc_events_load_file(n->events_path, err, sizeof(err));
    if (n->events == NULL) {
        fprintf(stderr, "concertation-notify: invalid programme: %s\n", err);
        return -1;
    }

    secret = notify_read_file(secret_file);
    if (secret == NULL) {
        return -1;
    }

    if (strlen(secret) < 16) {
        fprintf(stderr, "concertation-notify: %s: the secret is shorter "
                "than 16 bytes (concertation_secret's rule)\n", secret_file);
        return -1;
    }

    n->token_key = cc_reg_token_key((unsigned char *) secret, strlen(secret));
    free(secret);

    if (n->token_key == NULL) {
        return -1;
    }

    /* the domain of Message-IDs and UIDs: the site's host */

    p = strstr(n->site, "://");
    p = p ? p + 3 : n->site;

    for (i = 0, q = p; *q && *q != '/' && *q != ':' && i < 255; q++) {
        n->domain[i++] = *q;
    }

    n->domain[i] = '\0';

    if (i == 0) {
        fprintf(stderr, "concertation-notify: --site: no host in \"%s\"\n",
                n->site);
        return -1;
    }

    snprintf(n->stream, sizeof(n->stream), "%sinscriptions", n->prefix);
    snprintf(n->refused_key, sizeof(n->refused_key), "%snotify:refused",
             n->prefix);

    return 0;
}
