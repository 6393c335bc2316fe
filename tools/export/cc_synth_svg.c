/*
 * The synthesis report's charts, as inline SVG: horizontal bars (counts
 * of options), stacked bars (scales and grids), columns (answers per day,
 * a number's histogram).  Each chart is role="img" with a <title> that
 * says every figure it draws, and the report puts a table beside it: a
 * screen reader gets the numbers either way.  Series are told apart by
 * their colour, a fill pattern and the legend's order, never the colour
 * alone; every colour has at least 4.5:1 against white (the bars) and
 * white text on it.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "cc_synth_out.h"


/* dark enough for white text (>= 4.5:1) and against white (>= 3:1) */
static const char  *cc_synth_colours[] = {
    "#1f4e79", "#8a3b00", "#2e6b30", "#6a3d9a", "#7a1f3d", "#005c66",
    "#5c4400", "#3d4852", "#8a2be2", "#0b5d1e", "#9c2700", "#203864"
};

#define CC_SYNTH_NCOLOURS  \
    (sizeof(cc_synth_colours) / sizeof(cc_synth_colours[0]))

/* the patterns, drawn over the colour: none, stripes, dots, cross... */
#define CC_SYNTH_NPATTERNS  4


void
cc_synth_svg_defs(FILE *out)
{
    size_t  i, p;

    /* one pattern per (colour, pattern); referenced by id */
    fputs("<svg class=\"defs\" aria-hidden=\"true\" focusable=\"false\" "
          "width=\"0\" height=\"0\"><defs>\n", out);
    for (i = 0; i < CC_SYNTH_NCOLOURS; i++) {
        for (p = 1; p < CC_SYNTH_NPATTERNS; p++) {
            fprintf(out, "<pattern id=\"m%zu-%zu\" width=\"8\" height=\"8\" "
                    "patternUnits=\"userSpaceOnUse\"><rect width=\"8\" "
                    "height=\"8\" fill=\"%s\"/>", i, p, cc_synth_colours[i]);
            switch (p) {
            case 1:
                fputs("<path d=\"M0 8L8 0M-2 2L2 -2M6 10L10 6\" "
                      "stroke=\"#fff\" stroke-width=\"1.5\"/>", out);
                break;
            case 2:
                fputs("<circle cx=\"4\" cy=\"4\" r=\"1.6\" fill=\"#fff\"/>",
                      out);
                break;
            default:
                fputs("<path d=\"M0 4H8M4 0V8\" stroke=\"#fff\" "
                      "stroke-width=\"1.2\"/>", out);
                break;
            }
            fputs("</pattern>\n", out);
        }
    }
    fputs("</defs></svg>\n", out);
}


/* the fill of series k: a colour, patterned from the second round on */
static void
cc_synth_fill(FILE *out, size_t k)
{
    size_t  c = k % CC_SYNTH_NCOLOURS;
    size_t  p = (k / 2) % CC_SYNTH_NPATTERNS;

    /* odd series patterned at once: neighbours differ in more than hue */
    if (k % 2) {
        p = 1 + (k / 2) % (CC_SYNTH_NPATTERNS - 1);
    }

    if (p == 0) {
        fprintf(out, "fill=\"%s\"", cc_synth_colours[c]);
    } else {
        fprintf(out, "fill=\"url(#m%zu-%zu)\"", c, p);
    }
}


void
cc_synth_svg_swatch(FILE *out, size_t k)
{
    fputs("<svg class=\"pastille\" aria-hidden=\"true\" focusable=\"false\" "
          "width=\"14\" height=\"14\" viewBox=\"0 0 14 14\"><rect width=\"14\" "
          "height=\"14\" ", out);
    cc_synth_fill(out, k);
    fputs("/></svg>", out);
}


void
cc_synth_svg_hbars(FILE *out, const char *what, const cc_synth_bar_t *bars,
    size_t n, uint64_t base)
{
    size_t    i;
    uint64_t  max = 1;
    double    w;
    int       h = 26;

    for (i = 0; i < n; i++) {
        if (bars[i].n > max) {
            max = bars[i].n;
        }
    }

    fprintf(out, "<svg class=\"barres\" role=\"img\" viewBox=\"0 0 480 %d\" "
            "preserveAspectRatio=\"xMinYMin meet\">\n<title>", (int) n * h + 4);
    cc_synth_esc(out, what);
    fputs(" : ", out);
    for (i = 0; i < n; i++) {
        fputs(i ? " ; " : "", out);
        cc_synth_esc(out, bars[i].label);
        fputs(" ", out);
        cc_synth_num(out, bars[i].n);
        if (base) {
            fputs(" (", out);
            cc_synth_pct(out, bars[i].n, base);
            fputs(")", out);
        }
    }
    fputs("</title>\n", out);

    for (i = 0; i < n; i++) {
        w = 200.0 * (double) bars[i].n / (double) max;
        fprintf(out, "<text x=\"0\" y=\"%d\" class=\"etiquette\">",
                (int) i * h + 17);
        cc_synth_esc_cut(out, bars[i].label, 26);
        fprintf(out, "</text><rect x=\"175\" y=\"%d\" width=\"%.1f\" "
                "height=\"18\" fill=\"#1f4e79\"/>", (int) i * h + 4,
                w < 1 && bars[i].n ? 1.0 : w);
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" class=\"valeur\">",
                175 + w + 4, (int) i * h + 17);
        cc_synth_num(out, bars[i].n);
        if (base) {
            fputs(" · ", out);
            cc_synth_pct(out, bars[i].n, base);
        }
        fputs("</text>\n", out);
    }

    fputs("</svg>\n", out);
}


void
cc_synth_svg_stacked(FILE *out, const char *what, const char *const *rows,
    size_t nrows, const char *const *series, size_t nseries,
    const uint64_t *counts)
{
    size_t    r, k;
    uint64_t  total;
    double    x, w;
    int       h = 30;

    fprintf(out, "<svg class=\"empile\" role=\"img\" viewBox=\"0 0 480 %d\" "
            "preserveAspectRatio=\"xMinYMin meet\">\n<title>",
            (int) nrows * h + 4);
    cc_synth_esc(out, what);
    for (r = 0; r < nrows; r++) {
        fputs(r ? ". " : " : ", out);
        if (rows[r]) {
            cc_synth_esc(out, rows[r]);
            fputs(" : ", out);
        }
        for (total = 0, k = 0; k < nseries; k++) {
            total += counts[r * nseries + k];
        }
        for (k = 0; k < nseries; k++) {
            fputs(k ? ", " : "", out);
            cc_synth_esc(out, series[k]);
            fputs(" ", out);
            cc_synth_pct(out, counts[r * nseries + k], total);
        }
    }
    fputs("</title>\n", out);

    for (r = 0; r < nrows; r++) {
        for (total = 0, k = 0; k < nseries; k++) {
            total += counts[r * nseries + k];
        }
        if (rows[r]) {
            fprintf(out, "<text x=\"0\" y=\"%d\" class=\"etiquette\">",
                    (int) r * h + 19);
            cc_synth_esc_cut(out, rows[r], 26);
            fputs("</text>\n", out);
        }
        x = rows[r] ? 175 : 0;
        for (k = 0; k < nseries && total; k++) {
            w = (rows[r] ? 300.0 : 480.0) * (double) counts[r * nseries + k]
                / (double) total;
            if (w <= 0) {
                continue;
            }
            fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
                    "height=\"22\" stroke=\"#fff\" stroke-width=\"1\" ",
                    x, (int) r * h + 4, w);
            cc_synth_fill(out, k);
            fputs("/>", out);
            if (w >= 26) {
                fprintf(out, "<text x=\"%.1f\" y=\"%d\" class=\"dedans\">"
                        "%.0f</text>", x + w / 2, (int) r * h + 19,
                        100.0 * (double) counts[r * nseries + k]
                        / (double) total);
            }
            x += w;
        }
        fputs("\n", out);
    }

    fputs("</svg>\n", out);
}


void
cc_synth_svg_legend(FILE *out, const char *const *series, size_t nseries)
{
    size_t  k;

    fputs("<ul class=\"legende\">", out);
    for (k = 0; k < nseries; k++) {
        fputs("<li>", out);
        cc_synth_svg_swatch(out, k);
        fputs(" ", out);
        cc_synth_esc(out, series[k]);
        fputs("</li>", out);
    }
    fputs("</ul>\n", out);
}


void
cc_synth_svg_columns(FILE *out, const char *what, const cc_synth_bar_t *cols,
    size_t n)
{
    size_t    i;
    uint64_t  max = 1;
    double    w, hgt;

    for (i = 0; i < n; i++) {
        if (cols[i].n > max) {
            max = cols[i].n;
        }
    }

    fputs("<svg class=\"colonnes\" role=\"img\" viewBox=\"0 0 640 170\" "
          "preserveAspectRatio=\"xMinYMin meet\">\n<title>", out);
    cc_synth_esc(out, what);
    fputs(" : ", out);
    for (i = 0; i < n; i++) {
        fputs(i ? " ; " : "", out);
        cc_synth_esc(out, cols[i].label);
        fputs(" ", out);
        cc_synth_num(out, cols[i].n);
    }
    fputs("</title>\n", out);

    w = n ? 600.0 / (double) n : 600;
    fputs("<line x1=\"40\" y1=\"150\" x2=\"640\" y2=\"150\" "
          "stroke=\"#3d4852\"/>\n", out);
    fputs("<text x=\"0\" y=\"14\" class=\"etiquette\">", out);
    cc_synth_num(out, max);
    fputs("</text>\n", out);
    for (i = 0; i < n; i++) {
        hgt = 130.0 * (double) cols[i].n / (double) max;
        fprintf(out, "<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" "
                "height=\"%.1f\" fill=\"#1f4e79\"/>", 40 + i * w + w * 0.1,
                150 - hgt, w * 0.8, hgt);
    }
    if (n) {
        fputs("\n<text x=\"40\" y=\"166\" class=\"etiquette\">", out);
        cc_synth_esc(out, cols[0].label);
        fputs("</text>", out);
        fputs("<text x=\"640\" y=\"166\" class=\"etiquette fin\">", out);
        cc_synth_esc(out, cols[n - 1].label);
        fputs("</text>", out);
    }
    fputs("\n</svg>\n", out);
}
