/*
 * What the synthesis report's writers share (cc_synth_html.c,
 * cc_synth_questions.c, cc_synth_svg.c): escaped text, French numbers and
 * percentages, and the charts.
 */

#ifndef CC_SYNTH_OUT_H
#define CC_SYNTH_OUT_H

#include <stdio.h>
#include <stdint.h>

#include "cc_synth.h"

/* HTML text and attribute values (& < > " ' escaped) */
void cc_synth_esc(FILE *out, const char *s);
/* the same, cut after max characters (UTF-8) with "…" */
void cc_synth_esc_cut(FILE *out, const char *s, size_t max);
/* 12 345 (a narrow no-break space between the thousands) */
void cc_synth_num(FILE *out, uint64_t n);
/* 12,3 % of base ("–" when base is 0) */
void cc_synth_pct(FILE *out, uint64_t n, uint64_t base);
/* a number with one decimal, French: 3,7 */
void cc_synth_dec(FILE *out, double x);

void cc_synth_svg_defs(FILE *out);
void cc_synth_svg_swatch(FILE *out, size_t k);
void cc_synth_svg_hbars(FILE *out, const char *what,
    const cc_synth_bar_t *bars, size_t n, uint64_t base);
void cc_synth_svg_stacked(FILE *out, const char *what,
    const char *const *rows, size_t nrows, const char *const *series,
    size_t nseries, const uint64_t *counts);
void cc_synth_svg_legend(FILE *out, const char *const *series,
    size_t nseries);
void cc_synth_svg_columns(FILE *out, const char *what,
    const cc_synth_bar_t *cols, size_t n);

/* cc_synth_questions.c: the part of each question, the cross-tabulations */
int cc_synth_questions(cc_synth_t *s, FILE *out);
int cc_synth_crosses(cc_synth_t *s, FILE *out);
/* a question's options as bars, with its table: "base" for the shares */
void cc_synth_options(cc_synth_t *s, FILE *out, const cc_field_t *f,
    const uint64_t *counts, uint64_t base, const char *what,
    const char *idprefix);

#endif /* CC_SYNTH_OUT_H */
