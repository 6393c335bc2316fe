/*
 * The synthesis report's text output: escaping, French numbers.
 */

#define _POSIX_C_SOURCE 200809L

#include <string.h>

#include "cc_synth_out.h"


void
cc_synth_esc(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':  fputs("&amp;", out); break;
        case '<':  fputs("&lt;", out); break;
        case '>':  fputs("&gt;", out); break;
        case '"':  fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:   fputc(*s, out);
        }
    }
}


void
cc_synth_esc_cut(FILE *out, const char *s, size_t max)
{
    size_t       chars = 0;
    const char  *p;
    char         c[2] = { 0, 0 };

    for (p = s; p && *p; p++) {
        if (((unsigned char) *p & 0xc0) != 0x80 && chars++ == max) {
            fputs("\xe2\x80\xa6", out);       /* … */
            return;
        }
        c[0] = *p;
        cc_synth_esc(out, c);
    }
}


void
cc_synth_num(FILE *out, uint64_t n)
{
    char    digits[24];
    size_t  len, i;

    len = (size_t) snprintf(digits, sizeof(digits), "%llu",
                            (unsigned long long) n);
    for (i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0) {
            fputs("\xe2\x80\xaf", out);       /* U+202F */
        }
        fputc(digits[i], out);
    }
}


void
cc_synth_dec(FILE *out, double x)
{
    char   buf[32], *dot;

    snprintf(buf, sizeof(buf), "%.1f", x);
    dot = strchr(buf, '.');
    if (dot) {
        *dot = ',';
    }
    fputs(buf, out);
}


void
cc_synth_pct(FILE *out, uint64_t n, uint64_t base)
{
    if (base == 0) {
        fputs("\xe2\x80\x93", out);           /* – */
        return;
    }

    cc_synth_dec(out, 100.0 * (double) n / (double) base);
    fputs("\xc2\xa0%", out);
}
