/*
 * Sending one message through the operator's relay with libcurl's SMTP
 * client.  What the relay answers decides: accepted, refused for this
 * message (5xx to the recipient or the data: set aside), or anything else
 * (no connection, a timeout, 4xx, a login or sender refused, which are the
 * configuration's and not this message's): try again later.
 */

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "notify.h"


typedef struct {
    const char  *p;
    size_t       left;
} notify_src_t;


static size_t
notify_smtp_read(char *buf, size_t size, size_t nitems, void *data)
{
    size_t         n;
    notify_src_t  *src = data;

    n = size * nitems;
    n = n < src->left ? n : src->left;

    memcpy(buf, src->p, n);
    src->p += n;
    src->left -= n;

    return n;
}


int
notify_smtp_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}


int
notify_smtp_send(notify_t *n, const char *rcpt, const char *msg, size_t len,
    long *code, char *err, size_t errlen)
{
    char                from[300], to[300];
    CURL               *curl;
    CURLcode            rc;
    notify_src_t        src;
    struct curl_slist  *rcpts;
    char                ebuf[CURL_ERROR_SIZE];

    *code = 0;
    err[0] = '\0';
    ebuf[0] = '\0';

    curl = curl_easy_init();
    if (curl == NULL) {
        snprintf(err, errlen, "curl_easy_init failed");
        return NX_TEMPORARY;
    }

    snprintf(from, sizeof(from), "<%s>", n->from);
    snprintf(to, sizeof(to), "<%s>", rcpt);
    rcpts = curl_slist_append(NULL, to);

    src.p = msg;
    src.left = len;

    curl_easy_setopt(curl, CURLOPT_URL, n->smtp);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, notify_smtp_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &src);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t) len);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, ebuf);

    if (n->starttls) {
        curl_easy_setopt(curl, CURLOPT_USE_SSL, (long) CURLUSESSL_ALL);
    }

    if (n->smtp_user) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, n->smtp_user);
        curl_easy_setopt(curl, CURLOPT_PASSWORD,
                         n->smtp_password ? n->smtp_password : "");
    }

    rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, code);

    curl_slist_free_all(rcpts);
    curl_easy_cleanup(curl);

    if (rc == CURLE_OK) {
        return NX_SENT;
    }

    snprintf(err, errlen, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));

    if (*code >= 500 && *code < 600 && rc != CURLE_LOGIN_DENIED
        && strstr(ebuf, "MAIL failed") == NULL)
    {
        return NX_REFUSED;
    }

    return NX_TEMPORARY;
}
