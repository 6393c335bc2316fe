#include "cc_test.h"
#include "cc_utf8.h"

#define V(s)  cc_utf8_valid(s, sizeof(s) - 1)


void
test_utf8(void)
{
    /* well-formed, including each boundary of table 3-7 */
    CHECK(V(""));
    CHECK(V("plain ASCII"));
    CHECK(V("\x7f"));
    CHECK(V("d\xc3\xa9j\xc3\xa0"));                 /* déjà */
    CHECK(V("\xc2\x80"));                           /* U+0080 */
    CHECK(V("\xdf\xbf"));                           /* U+07FF */
    CHECK(V("\xe0\xa0\x80"));                       /* U+0800 */
    CHECK(V("\xed\x9f\xbf"));                       /* U+D7FF */
    CHECK(V("\xee\x80\x80"));                       /* U+E000 */
    CHECK(V("\xef\xbf\xbf"));                       /* U+FFFF */
    CHECK(V("\xf0\x90\x80\x80"));                   /* U+10000 */
    CHECK(V("\xf4\x8f\xbf\xbf"));                   /* U+10FFFF */
    CHECK(V("\xe2\x80\x99 \xf0\x9f\x98\x80"));      /* ’ and an emoji */
    CHECK(cc_utf8_valid("a\0b", 3));                /* NUL is UTF-8 */

    /* overlongs */
    CHECK(!V("\xc0\x80"));
    CHECK(!V("\xc1\xbf"));
    CHECK(!V("\xe0\x80\x80"));
    CHECK(!V("\xe0\x9f\xbf"));
    CHECK(!V("\xf0\x80\x80\x80"));
    CHECK(!V("\xf0\x8f\xbf\xbf"));

    /* surrogates */
    CHECK(!V("\xed\xa0\x80"));
    CHECK(!V("\xed\xbf\xbf"));
    CHECK(!V("\xed\xa0\xbd\xed\xb8\x80"));          /* CESU-8 pair */

    /* beyond U+10FFFF, and bytes that never appear */
    CHECK(!V("\xf4\x90\x80\x80"));
    CHECK(!V("\xf5\x80\x80\x80"));
    CHECK(!V("\xf8\x88\x80\x80\x80"));
    CHECK(!V("\xfe"));
    CHECK(!V("\xff"));

    /* truncated and stray */
    CHECK(!V("\xc3"));
    CHECK(!V("ab\xe2\x80"));
    CHECK(!V("\xf0\x9f\x98"));
    CHECK(!V("\x80"));
    CHECK(!V("a\xbf" "b"));
    CHECK(!V("\xc3\x28"));
    CHECK(!V("\xe2\x28\xa1"));
    CHECK(!V("\xf0\x9f\x28\x80"));

    /* a truncated sequence must not read past len */
    CHECK(!cc_utf8_valid("\xc3\xa9", 1));
    CHECK(cc_utf8_valid("\xc3\xa9", 2));

    CHECK(cc_utf8_length("", 0) == 0);
    CHECK(cc_utf8_length("abc", 3) == 3);
    CHECK(cc_utf8_length("d\xc3\xa9j\xc3\xa0", 6) == 4);
    CHECK(cc_utf8_length("\xf0\x9f\x98\x80\xe2\x80\x99", 7) == 2);
}
