/*
 * concertation-notify: the registrations' e-mails.  It reads the stream
 * of registrations with its own consumer group, sends each message through
 * the operator's SMTP relay (libcurl) and acknowledges the entry (XACK)
 * only once the relay accepted it.  The messages themselves are made by
 * cc_notify_*.c, without Redis or network.
 */

#ifndef NOTIFY_H
#define NOTIFY_H

#include <stdint.h>
#include <signal.h>

#include <hiredis/hiredis.h>

#include "cc_master.h"

#include "cc_notify.h"
#include "cc_keys.h"

/* exit statuses */
#define NX_OK        0
#define NX_USAGE     1     /* bad command line, unreadable file */
#define NX_REDIS     2     /* Redis unreachable at the start (--once) */
#define NX_RELAY     3     /* --once: messages left unsent */

/* the relay's verdict on one message */
#define NX_SENT       0
#define NX_TEMPORARY  1    /* down, slow, 4xx, login: try again later */
#define NX_REFUSED    2    /* 5xx for this message: set aside */

#define CURL_ERR_LEN  256

typedef struct {
    /* the command line */
    const char         *redis;          /* host:port or /path/to/socket */
    const char         *redis_password; /* read from a file */
    const char         *sentinel;       /* NAME@host:port,…, or NULL */
    const char         *sentinel_password;
    cc_sentinels_t      sentinels;
    const char         *prefix;         /* "concertation:" */
    const char         *group;
    const char         *consumer;
    const char         *smtp;           /* smtp://host:port, smtps://... */
    const char         *smtp_user;
    const char         *smtp_password;
    int                 starttls;
    const char         *from;
    const char         *from_name;
    const char         *site;           /* https://host, no final "/" */
    const char         *cancel_path;    /* /inscription/annulation */
    const char         *events_path;
    const char         *metrics_path;
    int64_t             reminder;       /* seconds before the start */
    double              retry_min;      /* seconds */
    double              retry_max;
    int                 once;

    /* what they lead to */
    cc_events_t        *events;
    cc_hmac_t          *token_key;
    char                domain[256];
    char                stream[512];
    char                refused_key[512];
    redisContext       *rc;

    /* counters, for the metrics file */
    unsigned long long  sent[CC_MAIL_KINDS];
    unsigned long long  retried;
    unsigned long long  refused;
    unsigned long long  skipped;
    long long           pending;
    double              metrics_at;
} notify_t;

extern volatile sig_atomic_t  notify_stop;

/* notify_main.c */
void notify_log(const char *level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int64_t notify_now(void);
double notify_clock(void);
void notify_sleep(double seconds);

/* notify_args.c */
int notify_args(notify_t *n, int argc, char **argv);

/* notify_redis.c */
int notify_connect(notify_t *n);
redisReply *notify_cmd(notify_t *n, const char *fmt, ...);
void notify_drop(notify_t *n);

/* notify_smtp.c */
int notify_smtp_init(void);
int notify_smtp_send(notify_t *n, const char *rcpt, const char *msg,
    size_t len, long *code, char *err, size_t errlen);

/* notify_stream.c */
int notify_pass(notify_t *n, int pending);
int notify_reminders(notify_t *n);
void notify_metrics(notify_t *n, int force);

#endif /* NOTIFY_H */
