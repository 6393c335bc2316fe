#include <stdlib.h>

#include "cc_test.h"
#include "cc_urlencoded.h"


static cc_url_status_e
decode(const char *in, size_t max, cc_url_pair_t **p, size_t *n)
{
    return cc_url_decode(in, strlen(in), max, p, n);
}


void
test_urlencoded(void)
{
    char            out[64];
    size_t          n, i;
    cc_url_pair_t  *p;

    /* cc_url_unescape */
    CHECK(cc_url_unescape("a+b%20c", 7, out) == 5);
    CHECK(memcmp(out, "a b c", 5) == 0);
    CHECK(cc_url_unescape("%c3%A9", 6, out) == 2);
    CHECK(memcmp(out, "\xc3\xa9", 2) == 0);
    CHECK(cc_url_unescape("%2B", 3, out) == 1 && out[0] == '+');
    CHECK(cc_url_unescape("", 0, out) == 0);
    CHECK(cc_url_unescape("%", 1, out) == (size_t) -1);
    CHECK(cc_url_unescape("%4", 2, out) == (size_t) -1);
    CHECK(cc_url_unescape("a%zz", 4, out) == (size_t) -1);
    CHECK(cc_url_unescape("%g0", 3, out) == (size_t) -1);
    CHECK(cc_url_unescape("%0g", 3, out) == (size_t) -1);
    /* only len bytes are read: the escape is cut by len */
    CHECK(cc_url_unescape("%41", 2, out) == (size_t) -1);

    /* pairs */
    CHECK(decode("a=1&b=d%C3%A9j%C3%A0+vu&c", 10, &p, &n) == CC_URL_OK);
    CHECK(n == 3);
    if (n == 3) {
        CHECK_STR(p[0].name, "a");
        CHECK_STR(p[0].value, "1");
        CHECK(p[0].name_len == 1 && p[0].value_len == 1);
        CHECK_STR(p[1].name, "b");
        CHECK_STR(p[1].value, "d\xc3\xa9j\xc3\xa0 vu");
        CHECK(p[1].value_len == 9);
        CHECK_STR(p[2].name, "c");
        CHECK_STR(p[2].value, "");
        CHECK(p[2].value_len == 0);
    }
    cc_url_pairs_free(p, n);

    /* empty segments skipped, '=' in values kept, empty names allowed */
    CHECK(decode("&&a=b=c&&=x&", 10, &p, &n) == CC_URL_OK);
    CHECK(n == 2);
    if (n == 2) {
        CHECK_STR(p[0].name, "a");
        CHECK_STR(p[0].value, "b=c");
        CHECK_STR(p[1].name, "");
        CHECK_STR(p[1].value, "x");
    }
    cc_url_pairs_free(p, n);

    /* names are decoded too */
    CHECK(decode("pr%C3%A9nom+x=%3D", 10, &p, &n) == CC_URL_OK);
    CHECK(n == 1);
    if (n == 1) {
        CHECK_STR(p[0].name, "pr\xc3\xa9nom x");
        CHECK_STR(p[0].value, "=");
    }
    cc_url_pairs_free(p, n);

    /* nothing at all */
    p = (cc_url_pair_t *) &n;
    CHECK(decode("", 10, &p, &n) == CC_URL_OK);
    CHECK(n == 0 && p == NULL);
    CHECK(decode("&&&", 10, &p, &n) == CC_URL_OK);
    CHECK(n == 0 && p == NULL);

    /* errors leave nothing allocated and the outputs empty */
    CHECK(decode("a=%", 10, &p, &n) == CC_URL_BAD_ESCAPE);
    CHECK(p == NULL && n == 0);
    CHECK(decode("a=%4", 10, &p, &n) == CC_URL_BAD_ESCAPE);
    CHECK(decode("a=%zz", 10, &p, &n) == CC_URL_BAD_ESCAPE);
    CHECK(decode("%=1", 10, &p, &n) == CC_URL_BAD_ESCAPE);
    CHECK(decode("a=1&b=%4&c=3", 10, &p, &n) == CC_URL_BAD_ESCAPE);
    CHECK(decode("a=%FF", 10, &p, &n) == CC_URL_BAD_UTF8);
    CHECK(decode("a=%C3", 10, &p, &n) == CC_URL_BAD_UTF8);
    /* an overlong NUL */
    CHECK(decode("a=%C0%80", 10, &p, &n) == CC_URL_BAD_UTF8);
    CHECK(decode("a=%ED%A0%80", 10, &p, &n) == CC_URL_BAD_UTF8);
    CHECK(decode("%E9t%E9=1", 10, &p, &n) == CC_URL_BAD_UTF8);   /* Latin-1 */
    CHECK(decode("a=\xe9", 10, &p, &n) == CC_URL_BAD_UTF8);      /* raw */
    CHECK(decode("a=x%00y", 10, &p, &n) == CC_URL_NUL);
    CHECK(decode("a%00=1", 10, &p, &n) == CC_URL_NUL);
    CHECK(cc_url_decode("a=x\0y", 5, 10, &p, &n) == CC_URL_NUL);
    CHECK(p == NULL && n == 0);

    /* the pair limit counts non-empty segments only */
    CHECK(decode("a=1&b=2&c=3", 2, &p, &n) == CC_URL_TOO_MANY);
    CHECK(p == NULL && n == 0);
    CHECK(decode("a=1&&&b=2&", 2, &p, &n) == CC_URL_OK);
    CHECK(n == 2);
    cc_url_pairs_free(p, n);

    /* many pairs, all decoded in one block */
    {
        char  big[4000];

        big[0] = '\0';
        for (i = 0; i < 256; i++) {
            strcat(big, i ? "&k=%C3%A9" : "k=%C3%A9");
        }

        CHECK(decode(big, 256, &p, &n) == CC_URL_OK);
        CHECK(n == 256);
        if (n == 256) {
            CHECK_STR(p[255].value, "\xc3\xa9");
            CHECK(p[255].value_len == 2);
        }
        cc_url_pairs_free(p, n);

        CHECK(decode(big, 255, &p, &n) == CC_URL_TOO_MANY);
    }
}
