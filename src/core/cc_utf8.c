/*
 * UTF-8 well-formedness, as in Unicode table 3-7: the second byte's range
 * depends on the first byte, which is what rejects overlong forms,
 * surrogates (ED A0..BF) and code points above U+10FFFF.
 */

#include <stdint.h>
#include <string.h>

#include "cc_utf8.h"


int
cc_utf8_valid(const char *s, size_t len)
{
    size_t               i, n, k;
    uint64_t             w;
    unsigned char        c, lo, hi;
    const unsigned char *p;

    p = (const unsigned char *) s;
    i = 0;

    while (i < len) {
        c = p[i];

        if (c < 0x80) {
            i++;

            /* mostly ASCII: eight bytes at a time */

            while (len - i >= 8) {
                memcpy(&w, p + i, 8);

                if (w & 0x8080808080808080ULL) {
                    break;
                }

                i += 8;
            }

            continue;
        }

        lo = 0x80;
        hi = 0xBF;

        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;

        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;

            if (c == 0xE0) {
                lo = 0xA0;              /* overlong below U+0800 */

            } else if (c == 0xED) {
                hi = 0x9F;              /* surrogates U+D800..U+DFFF */
            }

        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;

            if (c == 0xF0) {
                lo = 0x90;              /* overlong below U+10000 */

            } else if (c == 0xF4) {
                hi = 0x8F;              /* above U+10FFFF */
            }

        } else {
            /* 80..C1 (continuation or overlong lead), F5..FF */
            return 0;
        }

        if (len - i <= n) {
            return 0;
        }

        if (p[i + 1] < lo || p[i + 1] > hi) {
            return 0;
        }

        for (k = 2; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                return 0;
            }
        }

        i += n + 1;
    }

    return 1;
}


size_t
cc_utf8_length(const char *s, size_t len)
{
    size_t               i, n;
    const unsigned char *p;

    p = (const unsigned char *) s;
    n = 0;

    for (i = 0; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            n++;
        }
    }

    return n;
}
