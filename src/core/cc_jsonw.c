/*
 * JSON text written directly, byte for byte what jansson's
 * json_dumps(JSON_COMPACT) writes (cc_jsonw.h): the normalised answers and
 * the error lists go out without a tree being built.
 */

#include <stdint.h>
#include <string.h>

#include "cc_jsonw.h"

/* words of eight bytes: "has a zero byte", "has a byte below n" */
#define CC_ONES   0x0101010101010101ULL
#define CC_HIGHS  0x8080808080808080ULL
#define cc_has_zero(x)      (((x) - CC_ONES) & ~(x) & CC_HIGHS)
#define cc_has_less(x, n)   (((x) - CC_ONES * (n)) & ~(x) & CC_HIGHS)


/*
 * Bytes a JSON string holds as is, as jansson dumps it without flags: all
 * but '"', '\\' and control characters ('/', DEL and non-ASCII UTF-8
 * included).  Bit 1: the same, for an email being lower-cased.
 */

static unsigned char  cc_json_plain[256];
static int            cc_json_plain_ready;


static void
cc_json_plain_init(void)
{
    int  c;

    for (c = 0x20; c < 256; c++) {
        if (c != '"' && c != '\\') {
            cc_json_plain[c] = (c >= 'A' && c <= 'Z') ? 1 : 3;
        }
    }
}


/*
 * Eight bytes at a time: the length of the leading whole words holding no
 * control character, '"' or '\\' (the classic "has a zero byte" tests).
 */

static size_t
cc_plain_words(const char *s, size_t len)
{
    size_t    i;
    uint64_t  w;

    for (i = 0; len - i >= 8; i += 8) {
        memcpy(&w, s + i, 8);

        if (cc_has_less(w, 0x20) || cc_has_zero(w ^ (CC_ONES * '"'))
            || cc_has_zero(w ^ (CC_ONES * '\\')))
        {
            break;
        }
    }

    return i;
}


/*
 * A string as jansson dumps it: the escapes are \" \\ \b \f \n \r \t, and
 * \u00XX (upper case hex) for the other control characters.  Copies runs
 * of plain bytes at once; counts only when o is NULL.
 */

size_t
cc_jsonw_string(char *o, const char *s, size_t len, cc_jsonw_e how)
{
    size_t          i, j, n;
    unsigned char   c, mask;
    static const char  hex[] = "0123456789ABCDEF";

#define cc_put(ch)  do { if (o) { o[n] = (char) (ch); } n++; } while (0)

    if (!cc_json_plain_ready) {
        cc_json_plain_init();       /* idempotent: no harm if two race */
        cc_json_plain_ready = 1;
    }

    mask = how == CC_JSONW_LOWER ? 2 : 1;
    n = 0;

    cc_put('"');

    for (i = 0; /* void */ ; i = j + 1) {
        j = i;

        if (mask == 1) {
            j += cc_plain_words(s + j, len - j);
        }

        while (j < len && (cc_json_plain[(unsigned char) s[j]] & mask)) {
            j++;
        }

        if (o) {
            memcpy(o + n, s + i, j - i);
        }

        n += j - i;

        if (j == len) {
            break;
        }

        c = (unsigned char) s[j];

        if (how == CC_JSONW_TEXT && c == '\r') {
            if (j + 1 < len && s[j + 1] == '\n') {
                j++;
            }

            c = '\n';

        } else if (how == CC_JSONW_LOWER && c >= 'A' && c <= 'Z') {
            cc_put(c + 32);
            continue;
        }

        cc_put('\\');

        switch (c) {
        case '"':  cc_put('"');  break;
        case '\\': cc_put('\\'); break;
        case '\b': cc_put('b');  break;
        case '\f': cc_put('f');  break;
        case '\n': cc_put('n');  break;
        case '\r': cc_put('r');  break;
        case '\t': cc_put('t');  break;
        default:
            cc_put('u');
            cc_put('0');
            cc_put('0');
            cc_put(hex[c >> 4]);
            cc_put(hex[c & 0xF]);
        }
    }

    cc_put('"');

#undef cc_put

    return n;
}
