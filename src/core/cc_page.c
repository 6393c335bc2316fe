/*
 * The site's page shell for the pages the module writes: what goes in the
 * <head> (style sheet, script), the header with its menu and the footer,
 * read once from the fragments under html/ that the static pages include
 * through SSI, so that both look the same and neither copies the other.
 * Without fragments a page is plain, but complete and valid.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_html_int.h"

#define CC_FRAGMENT_MAX  (64 * 1024)


static const char *cc_fragment_names[] = {
    "tete.html", "entete.html", "pied.html"
};


static char *
cc_fragment_read(const char *dir, const char *name, char *err, size_t errlen)
{
    char    path[4096];
    char   *buf, *p;
    FILE   *fp;
    size_t  n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);

    fp = fopen(path, "rb");
    if (fp == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }

    buf = malloc(CC_FRAGMENT_MAX + 1);
    n = buf ? fread(buf, 1, CC_FRAGMENT_MAX + 1, fp) : 0;

    if (buf == NULL || ferror(fp) || n > CC_FRAGMENT_MAX) {
        snprintf(err, errlen, "%s: %s", path,
                 buf == NULL ? "out of memory"
                 : n > CC_FRAGMENT_MAX ? "larger than 64 KB"
                 : "read error");
        free(buf);
        fclose(fp);
        return NULL;
    }

    fclose(fp);

    /* an SSI directive left in a fragment would show as a comment only */
    buf[n] = '\0';

    if (strlen(buf) != n || strstr(buf, "<!--#") != NULL) {
        snprintf(err, errlen, "%s: a fragment holds plain HTML (no NUL, no "
                 "SSI directive)", path);
        free(buf);
        return NULL;
    }

    p = realloc(buf, n + 1);

    return p ? p : buf;
}


int
cc_shell_load(cc_shell_t *shell, const char *dir, char *err, size_t errlen)
{
    size_t   i;
    char    *parts[3];

    for (i = 0; i < 3; i++) {
        parts[i] = cc_fragment_read(dir, cc_fragment_names[i], err, errlen);

        if (parts[i] == NULL) {
            while (i-- > 0) {
                free(parts[i]);
            }

            return -1;
        }
    }

    shell->head = parts[0];
    shell->header = parts[1];
    shell->footer = parts[2];

    return 0;
}


void
cc_shell_free(cc_shell_t *shell)
{
    free(shell->head);
    free(shell->header);
    free(shell->footer);
    shell->head = shell->header = shell->footer = NULL;
}


/* the header, its link to the page itself marked aria-current="page" */

static void
cc_page_header(cc_buf_t *b, const char *header, const char *current)
{
    size_t       n;
    const char  *p;

    p = NULL;
    n = current ? strlen(current) : 0;

    for (p = header; n && (p = strstr(p, "href=\"")) != NULL; p++) {
        if (strncmp(p + 6, current, n) == 0 && p[6 + n] == '"') {
            break;
        }
    }

    if (p == NULL || n == 0) {
        cc_buf_str(b, header);
        return;
    }

    cc_buf_add(b, header, (size_t) (p - header) + 6 + n + 1);
    cc_buf_str(b, " aria-current=\"page\"");
    cc_buf_str(b, p + 6 + n + 1);
}


void
cc_page_head(cc_buf_t *b, const cc_shell_t *shell, const char *title,
    const char *current)
{
    cc_buf_str(b, "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n");

    if (shell && shell->head) {
        cc_buf_str(b, shell->head);

    } else {
        cc_buf_str(b, "<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" "
                   "content=\"width=device-width, initial-scale=1\">\n");
    }

    cc_buf_str(b, "<title>");
    cc_buf_escs(b, title);
    cc_buf_str(b, CC_PAGE_TITLE_SUFFIX "</title>\n</head>\n<body>\n");

    if (shell && shell->header) {
        cc_page_header(b, shell->header, current);
    }

    cc_buf_str(b, "<main id=\"contenu\">\n");
}


void
cc_page_tail(cc_buf_t *b, const cc_shell_t *shell)
{
    cc_buf_str(b, "</main>\n");

    if (shell && shell->footer) {
        cc_buf_str(b, shell->footer);
    }

    cc_buf_str(b, "</body>\n</html>\n");
}


char *
cc_message_page_html_ex(const cc_shell_t *shell, const char *title,
    const char *message)
{
    cc_buf_t  b = { NULL, 0, 0, 0 };

    title = title ? title : "";

    cc_page_head(&b, shell, title, NULL);
    cc_buf_str(&b, "<h1>");
    cc_buf_escs(&b, title);
    cc_buf_str(&b, "</h1>\n<p>");
    cc_buf_escs(&b, message ? message : "");
    cc_buf_str(&b, "</p>\n");
    cc_page_tail(&b, shell);

    return cc_buf_done(&b);
}


char *
cc_message_page_html(const char *title, const char *message)
{
    return cc_message_page_html_ex(NULL, title, message);
}
