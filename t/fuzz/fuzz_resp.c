/*
 * Redis replies from any bytes, as hiredis's reader makes them out of a
 * stream cut into arbitrary chunks, then cc_reply_classify() as for a
 * plain XADD and as for the store script: it never reads out of the reply,
 * and what it returns has the shape its kind promises; and a sentinel's
 * replies (a master's address, a +switch-master message).
 */

#include <stdint.h>

#include "cc_reply.h"
#include "fuzz_common.h"


/*
 * hiredis 0.14 allocates an array's element vector as soon as it reads
 * the count: "*2000000000\r\n" asks for 16 GB, which libFuzzer reports as
 * a crash.  The module caps arrays with cc_reply_reader_limit(); so does
 * the harness (a smaller cap: the fuzzer reaches it more often).
 */
#define FUZZ_MAX_ELEMENTS  4096


static int
printable_id(const char *s, size_t len)
{
    size_t  i;

    if (s == NULL || len == 0 || len > CC_REPLY_ID_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (s[i] <= ' ' || s[i] > '~') {
            return 0;
        }
    }

    return 1;
}


static void
touch(const char *s, size_t len)
{
    volatile char  c;

    if (s != NULL && len) {
        c = s[0];
        c = s[len - 1];
        (void) c;
    }
}


/* a sentinel's replies: an address is printable, its port in range */

static void
check_addr(const cc_reply_addr_t *a)
{
    size_t  i;

    FUZZ_ASSERT(a->host != NULL && a->host_len > 0
                && a->host_len <= CC_REPLY_HOST_MAX);
    FUZZ_ASSERT(a->port >= 1 && a->port <= 65535);

    for (i = 0; i < a->host_len; i++) {
        FUZZ_ASSERT((unsigned char) a->host[i] > ' '
                    && (unsigned char) a->host[i] < 0x7f);
    }
}


static void
check_sentinel(const redisReply *reply)
{
    int              rc;
    cc_reply_addr_t  a;

    if (cc_reply_master_addr(reply, &a) == 0) {
        check_addr(&a);
    }

    rc = cc_reply_switch_master(reply, "mymaster", 8, &a);
    FUZZ_ASSERT(rc >= -1 && rc <= 1);

    if (rc == 1) {
        check_addr(&a);
    }
}


static void
check(const redisReply *reply, int script)
{
    cc_reply_t  out;

    memset(&out, 0xA5, sizeof(out));
    cc_reply_classify(reply, script, &out);

    if (reply == NULL) {
        FUZZ_ASSERT(out.kind == CC_REPLY_TRANSIENT);
        FUZZ_ASSERT(out.error != NULL && out.error_len > 0);
        FUZZ_ASSERT(out.id == NULL && out.status == NULL && out.wait == 0);
        return;
    }

    switch (out.kind) {

    case CC_REPLY_STORED:
        FUZZ_ASSERT(printable_id(out.id, out.id_len));
        FUZZ_ASSERT(out.wait >= 0);
        FUZZ_ASSERT(out.status == NULL && out.error == NULL);
        FUZZ_ASSERT(script ? reply->type == REDIS_REPLY_ARRAY
                           : reply->type == REDIS_REPLY_STRING);
        FUZZ_ASSERT(script || out.wait == 0);
        break;

    case CC_REPLY_DUPLICATE:
        FUZZ_ASSERT(script && reply->type == REDIS_REPLY_ARRAY);
        FUZZ_ASSERT(printable_id(out.id, out.id_len));
        FUZZ_ASSERT(out.status != NULL && out.status_len == 3);
        FUZZ_ASSERT(out.status[0] >= '1' && out.status[0] <= '5');
        FUZZ_ASSERT(out.wait == 0 && out.error == NULL);
        break;

    case CC_REPLY_LIMITED:
        FUZZ_ASSERT(script && reply->type == REDIS_REPLY_ARRAY);
        FUZZ_ASSERT(out.wait >= 1);
        FUZZ_ASSERT(out.id == NULL && out.status == NULL
                    && out.error == NULL);
        break;

    case CC_REPLY_NOSCRIPT:
        FUZZ_ASSERT(reply->type == REDIS_REPLY_ERROR);
        FUZZ_ASSERT(out.error == reply->str && out.error_len == reply->len);
        FUZZ_ASSERT(memcmp(out.error, "NOSCRIPT", 8) == 0);
        break;

    case CC_REPLY_TRANSIENT:
        FUZZ_ASSERT(reply->type == REDIS_REPLY_ERROR);
        FUZZ_ASSERT(out.error == reply->str && out.error_len == reply->len);
        break;

    case CC_REPLY_FAILED:
        FUZZ_ASSERT(out.error != NULL);
        FUZZ_ASSERT(reply->type == REDIS_REPLY_ERROR || out.error_len > 0);
        FUZZ_ASSERT(out.id == NULL && out.status == NULL && out.wait == 0);
        break;

    default:
        FUZZ_ASSERT(0);
    }

    /* the strings are readable to their ends (ASan checks) */
    touch(out.error, out.error_len);
    touch(out.id, out.id_len);
    touch(out.status, out.status_len);
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    int           rc;
    void         *reply;
    size_t        off, chunk, replies;
    uint32_t      seed;
    redisReader  *r;

    if (size < 1) {
        return 0;
    }

    r = redisReaderCreate();
    FUZZ_ASSERT(r != NULL);

    cc_reply_reader_limit(r, FUZZ_MAX_ELEMENTS);

    /* the first byte seeds the chunk sizes, 1 to 16 bytes, or all at once */
    seed = data[0];
    data++;
    size--;

    rc = REDIS_OK;
    replies = 0;

    for (off = 0; off < size && rc == REDIS_OK; off += chunk) {
        if (seed & 0x80) {
            chunk = size - off;

        } else {
            seed = seed * 1103515245u + 12345u;
            chunk = 1 + (seed >> 16) % 16;

            if (chunk > size - off) {
                chunk = size - off;
            }
        }

        rc = redisReaderFeed(r, (const char *) data + off, chunk);

        while (rc == REDIS_OK && replies < 10000) {
            reply = NULL;
            rc = redisReaderGetReply(r, &reply);

            if (rc != REDIS_OK || reply == NULL) {
                break;
            }

            replies++;
            check(reply, 0);
            check(reply, 1);
            check_sentinel(reply);
            freeReplyObject(reply);
        }
    }

    check(NULL, 0);

    redisReaderFree(r);

    return 0;
}
