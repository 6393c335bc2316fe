#include <stdarg.h>
#include <stdlib.h>

#include "cc_test.h"
#include "cc_reply.h"
#include "cc_master.h"

/* Redis replies on the store path, parsed from RESP by hiredis itself */


/* the one reply in resp, or NULL when hiredis does not make exactly one */

static redisReply *
parse(const char *resp, size_t len)
{
    void         *reply, *more;
    redisReader  *r;

    r = redisReaderCreate();
    if (r == NULL) {
        return NULL;
    }

    reply = NULL;
    more = NULL;

    if (redisReaderFeed(r, resp, len) != REDIS_OK
        || redisReaderGetReply(r, &reply) != REDIS_OK || reply == NULL
        || redisReaderGetReply(r, &more) != REDIS_OK || more != NULL)
    {
        if (reply != NULL) {
            freeReplyObject(reply);
        }

        if (more != NULL) {
            freeReplyObject(more);
        }

        redisReaderFree(r);
        fprintf(stderr, "  hiredis did not parse \"%s\"\n", resp);
        return NULL;
    }

    redisReaderFree(r);
    return reply;
}


static int
same(const char *s, size_t len, const char *want)
{
    if (want == NULL) {
        return s == NULL && len == 0;
    }

    return s != NULL && len == strlen(want) && memcmp(s, want, len) == 0;
}


/*
 * resp classified with "script" gives "kind", and these members (NULL:
 * unset); the error text is checked to start with "error" when given.
 */

static int
classify_n(const char *resp, size_t len, int script, cc_reply_kind_e kind,
    long long wait, const char *status, const char *id, const char *error)
{
    int          ok;
    cc_reply_t   out;
    redisReply  *reply;

    reply = parse(resp, len);
    if (reply == NULL) {
        return 0;
    }

    memset(&out, 0x5A, sizeof(out));
    cc_reply_classify(reply, script, &out);

    ok = out.kind == kind && out.wait == wait
         && same(out.status, out.status_len, status)
         && same(out.id, out.id_len, id);

    if (error != NULL) {
        ok = ok && out.error != NULL && out.error_len >= strlen(error)
             && memcmp(out.error, error, strlen(error)) == 0;

    } else if (kind != CC_REPLY_FAILED) {
        ok = ok && out.error == NULL && out.error_len == 0;

    } else {
        /* a shape failure still says why, for the log */
        ok = ok && out.error != NULL && out.error_len > 0;
    }

    if (!ok) {
        fprintf(stderr, "  \"%s\" (script %d): kind %d wait %lld "
                "status %.*s id %.*s error %.*s\n", resp, script,
                (int) out.kind, out.wait,
                (int) (out.status ? out.status_len : 0),
                out.status ? out.status : "",
                (int) (out.id ? out.id_len : 0), out.id ? out.id : "",
                (int) (out.error ? out.error_len : 0),
                out.error ? out.error : "");
    }

    freeReplyObject(reply);
    return ok;
}


static int
classify(const char *resp, int script, cc_reply_kind_e kind, long long wait,
    const char *status, const char *id, const char *error)
{
    return classify_n(resp, strlen(resp), script, kind, wait, status, id,
                      error);
}


/* resp is a literal, and may hold NULs */
#define FAILS(resp, script)                                                   \
    CHECK(classify_n(resp, sizeof(resp) - 1, script, CC_REPLY_FAILED, 0,      \
                     NULL, NULL, NULL))


static void
test_reply_xadd(void)
{
    CHECK(classify("$15\r\n1644307200000-0\r\n", 0, CC_REPLY_STORED, 0, NULL,
                   "1644307200000-0", NULL));
    CHECK(classify("$1\r\nx\r\n", 0, CC_REPLY_STORED, 0, NULL, "x", NULL));

    /* an id of 64 bytes, and of 65 */
    CHECK(classify("$64\r\n"
                   "0123456789012345678901234567890123456789"
                   "012345678901234567890123\r\n", 0, CC_REPLY_STORED, 0,
                   NULL, "0123456789012345678901234567890123456789"
                   "012345678901234567890123", NULL));
    FAILS("$65\r\n0123456789012345678901234567890123456789"
          "0123456789012345678901234\r\n", 0);

    /* anything but a bulk string of printable bytes */
    FAILS("$0\r\n\r\n", 0);
    FAILS("$-1\r\n", 0);
    FAILS("*-1\r\n", 0);
    FAILS("+OK\r\n", 0);
    FAILS(":1\r\n", 0);
    FAILS("*0\r\n", 0);
    FAILS("*1\r\n$3\r\n1-0\r\n", 0);
    FAILS("$3\r\n1 0\r\n", 0);
    FAILS("$3\r\n1\n0\r\n", 0);
    FAILS("$3\r\n1\x80" "0\r\n", 0);
    FAILS("$3\r\n1\x7f" "0\r\n", 0);

    /* the script's shape is not an XADD reply */
    FAILS("*3\r\n:1\r\n$3\r\n1-0\r\n:0\r\n", 0);

    /* an XADD reply is not a script reply */
    FAILS("$15\r\n1644307200000-0\r\n", 1);
}


static void
test_reply_script(void)
{
    /* stored, with and without a dry-run wait */
    CHECK(classify("*3\r\n:1\r\n$15\r\n1644307200000-0\r\n:0\r\n", 1,
                   CC_REPLY_STORED, 0, NULL, "1644307200000-0", NULL));
    CHECK(classify("*3\r\n:1\r\n$3\r\n5-1\r\n:42\r\n", 1,
                   CC_REPLY_STORED, 42, NULL, "5-1", NULL));

    /* a duplicate: the first answer's status and id */
    CHECK(classify("*3\r\n:2\r\n$3\r\n201\r\n"
                   "$36\r\n0190e3b2-7c1a-7abc-8def-0123456789ab\r\n", 1,
                   CC_REPLY_DUPLICATE, 0, "201",
                   "0190e3b2-7c1a-7abc-8def-0123456789ab", NULL));
    CHECK(classify("*3\r\n:2\r\n$3\r\n202\r\n$2\r\nab\r\n", 1,
                   CC_REPLY_DUPLICATE, 0, "202", "ab", NULL));

    /* limited */
    CHECK(classify("*2\r\n:0\r\n:1\r\n", 1, CC_REPLY_LIMITED, 1, NULL, NULL,
                   NULL));
    CHECK(classify("*2\r\n:0\r\n:3600\r\n", 1, CC_REPLY_LIMITED, 3600, NULL,
                   NULL, NULL));

    /* no more look-up by a scan: its old reply is of no known shape */
    FAILS("*2\r\n:3\r\n$16\r\n(1644307200000-5\r\n", 1);

    /* malformed: counts */
    FAILS("*0\r\n", 1);
    FAILS("*1\r\n:1\r\n", 1);
    FAILS("*2\r\n:1\r\n$3\r\n1-0\r\n", 1);
    FAILS("*4\r\n:1\r\n$3\r\n1-0\r\n:0\r\n:0\r\n", 1);
    FAILS("*3\r\n:0\r\n:5\r\n:5\r\n", 1);
    FAILS("*2\r\n:2\r\n$3\r\n201\r\n", 1);
    FAILS("*3\r\n:3\r\n$4\r\n(1-0\r\n:0\r\n", 1);
    FAILS("*-1\r\n", 1);

    /* malformed: the code */
    FAILS("*2\r\n:4\r\n:1\r\n", 1);
    FAILS("*2\r\n:-1\r\n:1\r\n", 1);
    FAILS("*3\r\n$1\r\n1\r\n$3\r\n1-0\r\n:0\r\n", 1);
    FAILS("*3\r\n+1\r\n$3\r\n1-0\r\n:0\r\n", 1);
    FAILS("*3\r\n$-1\r\n$3\r\n1-0\r\n:0\r\n", 1);
    FAILS("*3\r\n:4294967297\r\n$3\r\n1-0\r\n:0\r\n", 1);

    /* malformed: waits */
    FAILS("*2\r\n:0\r\n:0\r\n", 1);
    FAILS("*2\r\n:0\r\n:-5\r\n", 1);
    FAILS("*2\r\n:0\r\n$1\r\n5\r\n", 1);
    FAILS("*3\r\n:1\r\n$3\r\n1-0\r\n:-1\r\n", 1);
    FAILS("*3\r\n:1\r\n$3\r\n1-0\r\n$1\r\n0\r\n", 1);
    FAILS("*3\r\n:1\r\n$3\r\n1-0\r\n$-1\r\n", 1);

    /* malformed: ids */
    FAILS("*3\r\n:1\r\n:15\r\n:0\r\n", 1);
    FAILS("*3\r\n:1\r\n+1-0\r\n:0\r\n", 1);
    FAILS("*3\r\n:1\r\n$0\r\n\r\n:0\r\n", 1);
    FAILS("*3\r\n:1\r\n$-1\r\n:0\r\n", 1);
    FAILS("*3\r\n:1\r\n*1\r\n$3\r\n1-0\r\n:0\r\n", 1);
    FAILS("*3\r\n:1\r\n$3\r\n1\0" "0\r\n:0\r\n", 1);
    FAILS("*2\r\n:3\r\n$0\r\n\r\n", 1);
    FAILS("*2\r\n:3\r\n$2\r\n(\t\r\n", 1);
    FAILS("*3\r\n:2\r\n$3\r\n201\r\n$65\r\n"
          "01234567890123456789012345678901234567890123456789012345678901234"
          "\r\n", 1);

    /* malformed: statuses */
    FAILS("*3\r\n:2\r\n$2\r\n20\r\n$2\r\nab\r\n", 1);
    FAILS("*3\r\n:2\r\n$4\r\n2010\r\n$2\r\nab\r\n", 1);
    FAILS("*3\r\n:2\r\n$3\r\n2x1\r\n$2\r\nab\r\n", 1);
    FAILS("*3\r\n:2\r\n$3\r\n099\r\n$2\r\nab\r\n", 1);
    FAILS("*3\r\n:2\r\n$3\r\n600\r\n$2\r\nab\r\n", 1);
    FAILS("*3\r\n:2\r\n:201\r\n$2\r\nab\r\n", 1);
    FAILS("*3\r\n:2\r\n+201\r\n$2\r\nab\r\n", 1);
    FAILS("*3\r\n:2\r\n$3\r\n201\r\n:5\r\n", 1);

    /* an error nested in an array is a shape failure */
    FAILS("*2\r\n:0\r\n-ERR x\r\n", 1);

    /* other top-level types */
    FAILS("$-1\r\n", 1);
    FAILS(":1\r\n", 1);
    FAILS("+OK\r\n", 1);
}


static void
test_reply_errors(void)
{
    int          script;
    cc_reply_t   out;

    for (script = 0; script < 2; script++) {
        CHECK(classify("-NOSCRIPT No matching script. Please use EVAL.\r\n",
                       script, CC_REPLY_NOSCRIPT, 0, NULL, NULL,
                       "NOSCRIPT No matching script"));
        CHECK(classify("-NOSCRIPT\r\n", script, CC_REPLY_NOSCRIPT, 0, NULL,
                       NULL, "NOSCRIPT"));

        CHECK(classify("-LOADING Redis is loading the dataset in memory\r\n",
                       script, CC_REPLY_TRANSIENT, 0, NULL, NULL,
                       "LOADING Redis is loading"));
        CHECK(classify("-READONLY You can't write against a read only "
                       "replica.\r\n", script, CC_REPLY_TRANSIENT, 0, NULL,
                       NULL, "READONLY"));
        CHECK(classify("-BUSY Redis is busy running a script.\r\n", script,
                       CC_REPLY_TRANSIENT, 0, NULL, NULL, "BUSY"));
        CHECK(classify("-OOM command not allowed when used memory > "
                       "'maxmemory'.\r\n", script, CC_REPLY_TRANSIENT, 0,
                       NULL, NULL, "OOM command"));
        CHECK(classify("-MASTERDOWN Link with MASTER is down\r\n", script,
                       CC_REPLY_TRANSIENT, 0, NULL, NULL, "MASTERDOWN"));
        CHECK(classify("-NOREPLICAS Not enough good replicas to write.\r\n",
                       script, CC_REPLY_TRANSIENT, 0, NULL, NULL,
                       "NOREPLICAS"));
        CHECK(classify("-TRYAGAIN Multiple keys request during "
                       "rehashing\r\n", script, CC_REPLY_TRANSIENT, 0, NULL,
                       NULL, "TRYAGAIN"));
        CHECK(classify("-CLUSTERDOWN The cluster is down\r\n", script,
                       CC_REPLY_TRANSIENT, 0, NULL, NULL, "CLUSTERDOWN"));
        CHECK(classify("-LOADING\r\n", script, CC_REPLY_TRANSIENT, 0, NULL,
                       NULL, "LOADING"));
        CHECK(classify("-MISCONF Redis is configured to save RDB "
                       "snapshots\r\n", script, CC_REPLY_TRANSIENT, 0, NULL,
                       NULL, "MISCONF"));
        CHECK(classify("-NOAUTH Authentication required.\r\n", script,
                       CC_REPLY_TRANSIENT, 0, NULL, NULL, "NOAUTH"));
        CHECK(classify("-NOPERM this user has no permissions\r\n", script,
                       CC_REPLY_TRANSIENT, 0, NULL, NULL, "NOPERM"));
        CHECK(classify("-CROSSSLOT Keys in request don't hash to the same "
                       "slot\r\n", script, CC_REPLY_FAILED, 0, NULL, NULL,
                       "CROSSSLOT"));

        /* other errors, and codes that only start like a transient one */
        CHECK(classify("-ERR wrong number of arguments\r\n", script,
                       CC_REPLY_FAILED, 0, NULL, NULL, "ERR wrong"));
        CHECK(classify("-WRONGTYPE Operation against a key\r\n", script,
                       CC_REPLY_FAILED, 0, NULL, NULL, "WRONGTYPE"));
        CHECK(classify("-BUSYKEY Target key name already exists.\r\n",
                       script, CC_REPLY_FAILED, 0, NULL, NULL, "BUSYKEY"));
        CHECK(classify("-NOSCRIPTS x\r\n", script, CC_REPLY_FAILED, 0, NULL,
                       NULL, "NOSCRIPTS"));
        CHECK(classify("-loading x\r\n", script, CC_REPLY_FAILED, 0, NULL,
                       NULL, "loading"));
        CHECK(classify("- LOADING\r\n", script, CC_REPLY_FAILED, 0, NULL,
                       NULL, " LOADING"));
        CHECK(classify("-ERR Error running script: OOM\r\n", script,
                       CC_REPLY_FAILED, 0, NULL, NULL, "ERR Error"));
        CHECK(classify("-\r\n", script, CC_REPLY_FAILED, 0, NULL, NULL, ""));

        /* no reply at all: the connection broke */
        memset(&out, 0x5A, sizeof(out));
        cc_reply_classify(NULL, script, &out);
        CHECK(out.kind == CC_REPLY_TRANSIENT && out.id == NULL
              && out.status == NULL && out.wait == 0
              && out.error != NULL && out.error_len > 0);
    }
}


/*
 * Feeds resp to a reader (capped at max elements per array when max > 0)
 * and reads one reply: REDIS_OK or REDIS_ERR, *err the reader's error.
 */

static int
read_capped(const char *resp, size_t max, int *err, redisReply **reply)
{
    int           rc;
    redisReader  *r;

    *reply = NULL;

    r = redisReaderCreate();
    if (r == NULL) {
        return REDIS_ERR;
    }

    if (max) {
        cc_reply_reader_limit(r, max);
    }

    rc = redisReaderFeed(r, resp, strlen(resp));

    if (rc == REDIS_OK) {
        rc = redisReaderGetReply(r, (void **) reply);
    }

    *err = r->err;

    redisReaderFree(r);

    return rc;
}


static void
test_reply_limit(void)
{
    int          err;
    redisReply  *reply;

    /* uncapped, hiredis takes the count and waits for the elements */
    CHECK(read_capped("*100000\r\n", 0, &err, &reply) == REDIS_OK
          && reply == NULL && err == 0);

    /* capped: the reader fails at once, with nothing allocated */
    CHECK(read_capped("*100000\r\n", 4096, &err, &reply) == REDIS_ERR
          && reply == NULL && err == REDIS_ERR_OOM);
    CHECK(read_capped("*2147483647\r\n", 4096, &err, &reply) == REDIS_ERR
          && err == REDIS_ERR_OOM);
    CHECK(read_capped("*4097\r\n", 4096, &err, &reply) == REDIS_ERR
          && err == REDIS_ERR_OOM);

    /* out of int's range, or negative: hiredis refuses the count itself */
    CHECK(read_capped("*-2\r\n", 4096, &err, &reply) == REDIS_ERR
          && reply == NULL && err != 0);
    CHECK(read_capped("*4294967297\r\n", 4096, &err, &reply) == REDIS_ERR
          && reply == NULL && err != 0);

    /* nested arrays are capped too */
    CHECK(read_capped("*2\r\n:1\r\n*5000\r\n", 4096, &err, &reply)
          == REDIS_ERR && err == REDIS_ERR_OOM);

    /* at the cap, and below: as without it */
    CHECK(read_capped("*4096\r\n", 4096, &err, &reply) == REDIS_OK
          && reply == NULL && err == 0);

    CHECK(read_capped("*3\r\n:1\r\n$3\r\nabc\r\n*2\r\n:7\r\n$-1\r\n",
                      4096, &err, &reply) == REDIS_OK && err == 0);
    CHECK(reply != NULL && reply->type == REDIS_REPLY_ARRAY
          && reply->elements == 3
          && reply->element[0]->type == REDIS_REPLY_INTEGER
          && reply->element[0]->integer == 1
          && reply->element[1]->type == REDIS_REPLY_STRING
          && reply->element[1]->len == 3
          && reply->element[2]->type == REDIS_REPLY_ARRAY
          && reply->element[2]->elements == 2
          && reply->element[2]->element[0]->integer == 7
          && reply->element[2]->element[1]->type == REDIS_REPLY_NIL);

    if (reply != NULL) {
        freeReplyObject(reply);
    }

    /* a nil array is no array */
    CHECK(read_capped("*-1\r\n", 4096, &err, &reply) == REDIS_OK
          && reply != NULL && reply->type == REDIS_REPLY_NIL);

    if (reply != NULL) {
        freeReplyObject(reply);
    }
}


/* the verdicts of the master checks on resp, -1 when hiredis balks */

static int
not_master(const char *resp)
{
    int          v;
    redisReply  *reply;

    reply = parse(resp, strlen(resp));
    if (reply == NULL) {
        return -1;
    }

    v = cc_reply_not_master(reply);
    freeReplyObject(reply);
    return v;
}


static int
role_is(const char *resp, cc_role_e want, const char *want_text)
{
    int          ok;
    size_t       len;
    cc_role_e    got;
    const char  *text;
    redisReply  *reply;

    reply = parse(resp, strlen(resp));
    if (reply == NULL) {
        return 0;
    }

    got = cc_reply_role(reply, &text, &len);
    ok = got == want && same(text, len, want_text);

    freeReplyObject(reply);
    return ok;
}


static void
test_reply_master(void)
{
    CHECK(not_master("-READONLY You can't write against a read only "
                     "replica.\r\n") == 1);
    CHECK(not_master("-MASTERDOWN Link with MASTER is down and "
                     "replica-serve-stale-data is set to 'no'.\r\n") == 1);
    CHECK(not_master("-LOADING Redis is loading the dataset\r\n") == 1);
    CHECK(not_master("-LOADING\r\n") == 1);
    CHECK(not_master("-READONLYX\r\n") == 0);
    CHECK(not_master("-BUSY Redis is busy running a script\r\n") == 0);
    CHECK(not_master("-OOM command not allowed\r\n") == 0);
    CHECK(not_master("+READONLY\r\n") == 0);
    CHECK(not_master("$8\r\nREADONLY\r\n") == 0);
    CHECK(cc_reply_not_master(NULL) == 0);

    CHECK(role_is("*3\r\n$6\r\nmaster\r\n:3129659\r\n*0\r\n",
                  CC_ROLE_MASTER, "master"));
    CHECK(role_is("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n"
                  ":9987\r\n$9\r\nconnected\r\n:3167038\r\n",
                  CC_ROLE_REPLICA, "slave"));
    CHECK(role_is("*2\r\n$8\r\nsentinel\r\n*0\r\n", CC_ROLE_REPLICA,
                  "sentinel"));
    CHECK(role_is("-ERR unknown command 'ROLE'\r\n", CC_ROLE_UNKNOWN, NULL));
    CHECK(role_is("*1\r\n$7\r\nmasters\r\n", CC_ROLE_UNKNOWN,
                  "masters"));
    CHECK(role_is("*1\r\n:1\r\n", CC_ROLE_UNKNOWN, NULL));
    CHECK(role_is("*0\r\n", CC_ROLE_UNKNOWN, NULL));
    CHECK(role_is("$6\r\nmaster\r\n", CC_ROLE_UNKNOWN, NULL));
}


/* RESP for an array of bulk strings (NULL: a nil), lengths counted here */

static redisReply *
bulks(int n, ...)
{
    int          i;
    char         buf[2048];
    size_t       len;
    va_list      ap;
    const char  *s;

    len = snprintf(buf, sizeof(buf), "*%d\r\n", n);
    va_start(ap, n);

    for (i = 0; i < n; i++) {
        s = va_arg(ap, const char *);
        len += s ? snprintf(buf + len, sizeof(buf) - len, "$%zu\r\n%s\r\n",
                            strlen(s), s)
                 : snprintf(buf + len, sizeof(buf) - len, "$-1\r\n");
    }

    va_end(ap);

    return parse(buf, len);
}


/* the address a reply gives, as "host:port", or "-" / "0" for -1 / 0 */

static int
addr_is(redisReply *reply, int sw, const char *want)
{
    int              rc;
    char             got[300];
    cc_reply_addr_t  a;

    if (reply == NULL) {
        return 0;
    }

    rc = sw ? cc_reply_switch_master(reply, "mymaster", 8, &a)
            : cc_reply_master_addr(reply, &a);

    if (rc == -1) {
        snprintf(got, sizeof(got), "-");
    } else if (rc == 0 && sw) {
        snprintf(got, sizeof(got), "0");
    } else {
        snprintf(got, sizeof(got), "%.*s:%d", (int) a.host_len, a.host,
                 a.port);
    }

    freeReplyObject(reply);

    if (strcmp(got, want) != 0) {
        fprintf(stderr, "  got %s, expected %s\n", got, want);
        return 0;
    }

    return 1;
}


static void
test_reply_sentinel(void)
{
    char  big[300], want[310];

    /* SENTINEL GET-MASTER-ADDR-BY-NAME */
    CHECK(addr_is(bulks(2, "127.0.0.1", "6380"), 0, "127.0.0.1:6380"));
    CHECK(addr_is(bulks(2, "::1", "65535"), 0, "::1:65535"));
    CHECK(addr_is(parse("*-1\r\n", 5), 0, "-"));
    CHECK(addr_is(parse("$-1\r\n", 5), 0, "-"));
    CHECK(addr_is(parse("-ERR No such master with that name\r\n", 36), 0,
                  "-"));
    CHECK(addr_is(bulks(2, "127.0.0.1", "0"), 0, "-"));
    CHECK(addr_is(bulks(2, "127.0.0.1", "65536"), 0, "-"));
    CHECK(addr_is(bulks(2, "127.0.0.1", "+80"), 0, "-"));
    CHECK(addr_is(bulks(2, "127.0.0.1", ""), 0, "-"));
    CHECK(addr_is(bulks(2, "", "6379"), 0, "-"));
    CHECK(addr_is(bulks(2, "a b", "6379"), 0, "-"));
    CHECK(addr_is(bulks(2, "127.0.0.1", NULL), 0, "-"));
    CHECK(addr_is(bulks(1, "127.0.0.1"), 0, "-"));
    CHECK(addr_is(bulks(3, "127.0.0.1", "6379", "x"), 0, "-"));
    CHECK(addr_is(parse("*2\r\n$9\r\n127.0.0.1\r\n:6379\r\n", 26), 0, "-"));

    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    CHECK(addr_is(bulks(2, big, "6379"), 0, "-"));
    big[CC_REPLY_HOST_MAX] = '\0';
    snprintf(want, sizeof(want), "%s:1", big);
    CHECK(addr_is(bulks(2, big, "1"), 0, want));

    /* +switch-master */
    CHECK(addr_is(bulks(3, "message", "+switch-master",
                        "mymaster 127.0.0.1 6379 127.0.0.1 6380"), 1,
                  "127.0.0.1:6380"));
    CHECK(addr_is(bulks(3, "message", "+switch-master",
                        "other 127.0.0.1 6379 127.0.0.1 6380"), 1, "0"));
    CHECK(addr_is(bulks(3, "message", "+switch-master",
                        "mymaster2 127.0.0.1 6379 127.0.0.1 6380"), 1, "0"));
    CHECK(addr_is(bulks(3, "message", "+sdown",
                        "master mymaster 127.0.0.1 6379"), 1, "0"));
    CHECK(addr_is(bulks(3, "subscribe", "+switch-master", "1"), 1, "-"));
    CHECK(addr_is(parse("*3\r\n$9\r\nsubscribe\r\n$14\r\n+switch-master\r\n"
                        ":1\r\n", 44), 1, "-"));
    CHECK(addr_is(bulks(3, "message", "+switch-master",
                        "mymaster 127.0.0.1 6379 127.0.0.1"), 1, "-"));
    CHECK(addr_is(bulks(3, "message", "+switch-master",
                        "mymaster 127.0.0.1 6379 127.0.0.1 6380 x"), 1, "-"));
    CHECK(addr_is(bulks(3, "message", "+switch-master",
                        "mymaster 127.0.0.1 6379 127.0.0.1 6380 "), 1, "-"));
    CHECK(addr_is(bulks(3, "message", "+switch-master",
                        "mymaster  127.0.0.1 6379 127.0.0.1 6380"), 1, "-"));
    CHECK(addr_is(bulks(3, "message", "+switch-master",
                        "mymaster 127.0.0.1 6379 127.0.0.1 99999"), 1, "-"));
    CHECK(addr_is(bulks(2, "message", "+switch-master"), 1, "-"));
    CHECK(addr_is(parse("-ERR\r\n", 6), 1, "-"));
}


/* the tools' sentinel list: "n host:port host:port…" or "-" */

static int
sentinels_are(const char *spec, const char *want)
{
    char            got[512], err[256];
    size_t          i, len;
    cc_sentinels_t  s;

    if (cc_sentinels_parse(spec, &s, err, sizeof(err)) != 0) {
        snprintf(got, sizeof(got), "-");
    } else {
        len = snprintf(got, sizeof(got), "%s", s.name);
        for (i = 0; i < s.n; i++) {
            len += snprintf(got + len, sizeof(got) - len, " %s:%d",
                            s.host[i], s.port[i]);
        }
    }

    if (strcmp(got, want) != 0) {
        fprintf(stderr, "  %s: got \"%s\", expected \"%s\"\n", spec, got,
                want);
        return 0;
    }

    return 1;
}


static void
test_reply_sentinel_list(void)
{
    CHECK(sentinels_are("mymaster@127.0.0.1:26380,127.0.0.1",
                        "mymaster 127.0.0.1:26380 127.0.0.1:26379"));
    CHECK(sentinels_are("m@[::1]:26381,[::1],redis.local:1",
                        "m ::1:26381 ::1:26379 redis.local:1"));
    CHECK(sentinels_are("mymaster", "-"));
    CHECK(sentinels_are("@127.0.0.1", "-"));
    CHECK(sentinels_are("m m@127.0.0.1", "-"));
    CHECK(sentinels_are("m@", "-"));
    CHECK(sentinels_are("m@127.0.0.1:0", "-"));
    CHECK(sentinels_are("m@127.0.0.1:65536", "-"));
    CHECK(sentinels_are("m@127.0.0.1:+5", "-"));
    CHECK(sentinels_are("m@127.0.0.1:", "-"));
    CHECK(sentinels_are("m@127.0.0.1:12x", "-"));
    CHECK(sentinels_are("m@a,,b", "-"));
    CHECK(sentinels_are("m@a,", "-"));
    CHECK(sentinels_are("m@[::1", "-"));
    CHECK(sentinels_are("m@[::1]x", "-"));
    CHECK(sentinels_are("m@a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p",
                        "m a:26379 b:26379 c:26379 d:26379 e:26379 f:26379 "
                        "g:26379 h:26379 i:26379 j:26379 k:26379 l:26379 "
                        "m:26379 n:26379 o:26379 p:26379"));
    CHECK(sentinels_are("m@a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", "-"));
}


void
test_reply(void)
{
    test_reply_sentinel_list();
    test_reply_sentinel();
    test_reply_master();
    test_reply_xadd();
    test_reply_script();
    test_reply_errors();
    test_reply_limit();
}
