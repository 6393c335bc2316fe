/*
 * What a Redis reply to the store path means.  A reply of any other shape
 * than the expected ones is FAILED with a description of what was wrong:
 * a script of another version, or a proxy in between that garbles replies,
 * must never be taken for a stored answer.
 */

#include <string.h>

#include "cc_reply.h"


static void cc_reply_error(const redisReply *reply, cc_reply_t *out);
static int cc_reply_word(const char *s, size_t len, const char *word);
static int cc_reply_id(const redisReply *r);
static int cc_reply_status(const redisReply *r);
static void cc_reply_shape(cc_reply_t *out, const char *why);
static void *cc_reply_create_array(const redisReadTask *task, int elements);


/* error codes after which the same command may well succeed later */

static const char  *cc_reply_transient[] = {
    "LOADING", "READONLY", "BUSY", "OOM", "MASTERDOWN", "TRYAGAIN",
    "NOREPLICAS", "CLUSTERDOWN", "MISCONF", "NOAUTH", "NOPERM", NULL
};


/* hiredis's reply functions, with createArray capped */

static redisReplyObjectFunctions   cc_reply_limited_fn;
static void                      *(*cc_reply_create_array_orig)(
                                       const redisReadTask *task,
                                       int elements);
static size_t                      cc_reply_max_elements;


void
cc_reply_reader_limit(redisReader *reader, size_t max_elements)
{
    if (cc_reply_create_array_orig == NULL) {
        cc_reply_limited_fn = *reader->fn;
        cc_reply_create_array_orig = cc_reply_limited_fn.createArray;
        cc_reply_limited_fn.createArray = cc_reply_create_array;
    }

    cc_reply_max_elements = max_elements;
    reader->fn = &cc_reply_limited_fn;
}


static void *
cc_reply_create_array(const redisReadTask *task, int elements)
{
    if (elements < 0 || (size_t) elements > cc_reply_max_elements) {
        /* the reader reports "Out of memory" and stops */
        return NULL;
    }

    return cc_reply_create_array_orig(task, elements);
}


void
cc_reply_classify(const redisReply *reply, int script, cc_reply_t *out)
{
    long long           code;
    const redisReply   *e0, *e1, *e2;

    memset(out, 0, sizeof(cc_reply_t));

    if (reply == NULL) {
        out->kind = CC_REPLY_TRANSIENT;
        out->error = "no reply";
        out->error_len = sizeof("no reply") - 1;
        return;
    }

    if (reply->type == REDIS_REPLY_ERROR) {
        cc_reply_error(reply, out);
        return;
    }

    if (!script) {
        if (reply->type != REDIS_REPLY_STRING) {
            cc_reply_shape(out, "XADD reply is not a bulk string");
            return;
        }

        if (!cc_reply_id(reply)) {
            cc_reply_shape(out, "XADD reply is not a valid entry id");
            return;
        }

        out->kind = CC_REPLY_STORED;
        out->id = reply->str;
        out->id_len = reply->len;
        return;
    }

    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2
        || reply->elements > 3 || reply->element == NULL)
    {
        cc_reply_shape(out, "script reply is not an array of 2 or 3");
        return;
    }

    e0 = reply->element[0];
    e1 = reply->element[1];
    e2 = reply->elements == 3 ? reply->element[2] : NULL;

    if (e0 == NULL || e1 == NULL || (reply->elements == 3 && e2 == NULL)) {
        cc_reply_shape(out, "script reply has a missing element");
        return;
    }

    if (e0->type != REDIS_REPLY_INTEGER) {
        cc_reply_shape(out, "script reply code is not an integer");
        return;
    }

    code = e0->integer;

    switch (code) {

    case 0:
        if (reply->elements != 2 || e1->type != REDIS_REPLY_INTEGER
            || e1->integer < 1)
        {
            cc_reply_shape(out, "script reply {0, wait} malformed");
            return;
        }

        out->kind = CC_REPLY_LIMITED;
        out->wait = e1->integer;
        return;

    case 1:
        if (reply->elements != 3 || !cc_reply_id(e1)
            || e2->type != REDIS_REPLY_INTEGER || e2->integer < 0)
        {
            cc_reply_shape(out, "script reply {1, id, wait} malformed");
            return;
        }

        out->kind = CC_REPLY_STORED;
        out->id = e1->str;
        out->id_len = e1->len;
        out->wait = e2->integer;
        return;

    case 2:
        if (reply->elements != 3 || !cc_reply_status(e1) || !cc_reply_id(e2))
        {
            cc_reply_shape(out, "script reply {2, status, id} malformed");
            return;
        }

        out->kind = CC_REPLY_DUPLICATE;
        out->status = e1->str;
        out->status_len = e1->len;
        out->id = e2->str;
        out->id_len = e2->len;
        return;

    default:
        cc_reply_shape(out, "script reply code unknown");
        return;
    }
}


static void
cc_reply_error(const redisReply *reply, cc_reply_t *out)
{
    size_t       len;
    const char  *s, **w;

    s = reply->str;
    len = s != NULL ? reply->len : 0;

    out->error = s;
    out->error_len = len;
    out->kind = CC_REPLY_FAILED;

    if (cc_reply_word(s, len, "NOSCRIPT")) {
        out->kind = CC_REPLY_NOSCRIPT;
        return;
    }

    for (w = cc_reply_transient; *w; w++) {
        if (cc_reply_word(s, len, *w)) {
            out->kind = CC_REPLY_TRANSIENT;
            return;
        }
    }
}


/* s starts with the error code "word", alone or followed by a space */

static int
cc_reply_word(const char *s, size_t len, const char *word)
{
    size_t  n;

    n = strlen(word);

    return len >= n && memcmp(s, word, n) == 0 && (len == n || s[n] == ' ');
}


/* a bulk string of 1 to CC_REPLY_ID_MAX printable ASCII bytes */

static int
cc_reply_id(const redisReply *r)
{
    size_t  i;

    if (r->type != REDIS_REPLY_STRING || r->str == NULL || r->len == 0
        || r->len > CC_REPLY_ID_MAX)
    {
        return 0;
    }

    for (i = 0; i < r->len; i++) {
        if (r->str[i] <= ' ' || r->str[i] > '~') {
            return 0;
        }
    }

    return 1;
}


/* a bulk string of 3 digits, the first one 1 to 5: an HTTP status */

static int
cc_reply_status(const redisReply *r)
{
    if (r->type != REDIS_REPLY_STRING || r->str == NULL || r->len != 3) {
        return 0;
    }

    return r->str[0] >= '1' && r->str[0] <= '5'
           && r->str[1] >= '0' && r->str[1] <= '9'
           && r->str[2] >= '0' && r->str[2] <= '9';
}


static void
cc_reply_shape(cc_reply_t *out, const char *why)
{
    out->kind = CC_REPLY_FAILED;
    out->error = why;
    out->error_len = strlen(why);
}


int
cc_reply_not_master(const redisReply *reply)
{
    size_t       len;
    const char  *s;

    if (reply == NULL || reply->type != REDIS_REPLY_ERROR
        || reply->str == NULL)
    {
        return 0;
    }

    s = reply->str;
    len = reply->len;

    return cc_reply_word(s, len, "READONLY")
           || cc_reply_word(s, len, "MASTERDOWN")
           || cc_reply_word(s, len, "LOADING");
}


cc_role_e
cc_reply_role(const redisReply *reply, const char **role, size_t *role_len)
{
    const redisReply  *e0;

    *role = NULL;
    *role_len = 0;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY
        || reply->elements < 1 || reply->element == NULL
        || reply->element[0] == NULL)
    {
        return CC_ROLE_UNKNOWN;
    }

    e0 = reply->element[0];

    if (e0->type != REDIS_REPLY_STRING || e0->str == NULL) {
        return CC_ROLE_UNKNOWN;
    }

    *role = e0->str;
    *role_len = e0->len;

    if (e0->len == 6 && memcmp(e0->str, "master", 6) == 0) {
        return CC_ROLE_MASTER;
    }

    if ((e0->len == 5 && memcmp(e0->str, "slave", 5) == 0)
        || (e0->len == 8 && memcmp(e0->str, "sentinel", 8) == 0))
    {
        return CC_ROLE_REPLICA;
    }

    return CC_ROLE_UNKNOWN;
}


/* a port: 1 to 65535, decimal digits only */

static int
cc_reply_port(const char *s, size_t len)
{
    size_t  i;
    long    port;

    if (len == 0 || len > 5) {
        return -1;
    }

    port = 0;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }

        port = port * 10 + (s[i] - '0');
    }

    return (port >= 1 && port <= 65535) ? (int) port : -1;
}


/* a host as a sentinel names one: printable, no space, not empty */

static int
cc_reply_host_ok(const char *s, size_t len)
{
    size_t  i;

    if (len == 0 || len > CC_REPLY_HOST_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if ((unsigned char) s[i] <= ' ' || (unsigned char) s[i] >= 0x7f) {
            return 0;
        }
    }

    return 1;
}


int
cc_reply_master_addr(const redisReply *reply, cc_reply_addr_t *addr)
{
    const redisReply  *h, *p;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY
        || reply->elements != 2 || reply->element == NULL)
    {
        return -1;
    }

    h = reply->element[0];
    p = reply->element[1];

    if (h == NULL || p == NULL || h->type != REDIS_REPLY_STRING
        || p->type != REDIS_REPLY_STRING || h->str == NULL || p->str == NULL
        || !cc_reply_host_ok(h->str, h->len))
    {
        return -1;
    }

    addr->port = cc_reply_port(p->str, p->len);
    if (addr->port < 0) {
        return -1;
    }

    addr->host = h->str;
    addr->host_len = h->len;

    return 0;
}


/* the next word of s (words separated by one space), or -1 */

static int
cc_reply_next_word(const char **s, const char *end, const char **w, size_t *len)
{
    const char  *p;

    if (*s >= end) {
        return -1;
    }

    p = memchr(*s, ' ', end - *s);

    *w = *s;
    *len = (p ? p : end) - *s;
    *s = p ? p + 1 : end;

    return *len ? 0 : -1;
}


int
cc_reply_switch_master(const redisReply *reply, const char *name,
    size_t name_len, cc_reply_addr_t *addr)
{
    int                i;
    size_t             len[5];
    const char        *s, *end, *w[5];
    const redisReply  *e;

    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY
        || reply->elements != 3 || reply->element == NULL)
    {
        return -1;
    }

    for (i = 0; i < 3; i++) {
        e = reply->element[i];

        if (e == NULL || e->type != REDIS_REPLY_STRING || e->str == NULL) {
            return -1;
        }
    }

    e = reply->element[0];

    if (e->len != 7 || memcmp(e->str, "message", 7) != 0) {
        return -1;
    }

    e = reply->element[1];

    if (e->len != 14 || memcmp(e->str, "+switch-master", 14) != 0) {
        return 0;
    }

    /* "<name> <old ip> <old port> <new ip> <new port>" */

    e = reply->element[2];
    s = e->str;
    end = e->str + e->len;

    for (i = 0; i < 5; i++) {
        if (cc_reply_next_word(&s, end, &w[i], &len[i]) != 0) {
            return -1;
        }
    }

    if (w[4] + len[4] != end || !cc_reply_host_ok(w[3], len[3])) {
        return -1;
    }

    if (len[0] != name_len || memcmp(w[0], name, name_len) != 0) {
        return 0;
    }

    addr->port = cc_reply_port(w[4], len[4]);
    if (addr->port < 0) {
        return -1;
    }

    addr->host = w[3];
    addr->host_len = len[3];

    return 1;
}
