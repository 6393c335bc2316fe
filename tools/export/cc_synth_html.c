/*
 * The synthesis report's document: one HTML file, in French, with its
 * styles inline and its charts as inline SVG, nothing fetched from
 * elsewhere and no script; printed (A4), each section starts a page.
 */

#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>

#include "cc_synth_out.h"
#include "cc_time.h"


static const char  cc_synth_css[] =
"*{box-sizing:border-box}"
"body{margin:0;font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,"
"\"Noto Sans\",Arial,sans-serif;color:#1b1b1b;background:#fff}"
"header.rapport,main,nav.sommaire{max-width:62rem;margin:0 auto;"
"padding:0 1rem}"
"header.rapport{border-bottom:4px solid #1f4e79;padding-top:1rem}"
"h1{font-size:1.8rem;margin:.5rem 0;color:#1f4e79}"
"h2{font-size:1.5rem;color:#1f4e79;border-bottom:2px solid #1f4e79;"
"margin-top:2.5rem}"
"h3{font-size:1.25rem;margin-top:2rem}"
"h4{font-size:1.1rem;margin:1.5rem 0 .25rem}"
"h5{font-size:1rem;margin:1rem 0 .25rem}"
"a{color:#1f4e79}"
".type,.condition,.regle{color:#3d4852;margin:.25rem 0}"
".condition{font-style:italic}"
".base{font-weight:600}"
"article.question{border-top:1px solid #c8ccd0;padding-top:.5rem}"
".paire{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start}"
".paire figure{flex:1 1 20rem;margin:0;min-width:0}"
".paire .tableau{flex:1 1 18rem;min-width:0}"
"figure svg{width:100%;height:auto;display:block}"
"figure svg.pastille{width:14px;height:14px;display:inline-block}"
"figcaption{font-size:.9rem;color:#3d4852}"
"svg text{font-size:11px;fill:#1b1b1b}"
"svg text.dedans{fill:#fff;font-weight:700;text-anchor:middle}"
"svg text.fin{text-anchor:end}"
"svg.defs{position:absolute}"
".tableau{max-width:100%;overflow-x:auto}"
".tableau:focus{outline:3px solid #1f4e79}"
"table{border-collapse:collapse;margin:.5rem 0;font-size:.95rem}"
"caption{text-align:left;font-weight:600;padding:.25rem 0}"
"th,td{border:1px solid #c8ccd0;padding:.2rem .5rem;vertical-align:top}"
"td{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
"th{text-align:left;background:#f0f2f4;font-weight:600}"
".part{color:#3d4852}"
"dl.chiffres{display:flex;flex-wrap:wrap;gap:1rem}"
"dl.chiffres div{border:1px solid #c8ccd0;padding:.5rem 1rem}"
"dl.chiffres dt{font-size:.9rem;color:#3d4852}"
"dl.chiffres dd{margin:0;font-size:1.4rem;font-weight:700}"
"dl.chiffres dd.date{font-size:1.1rem}"
"ul.legende{list-style:none;padding:0;display:flex;flex-wrap:wrap;"
"gap:.25rem 1rem;font-size:.9rem}"
"ul.legende svg{vertical-align:middle}"
"ul.cites{padding-left:1.25rem}"
"ul.cites li{margin:.25rem 0;overflow-wrap:anywhere}"
"ul.jours{columns:12rem;font-size:.9rem;padding-left:1.25rem}"
"nav.sommaire ol{padding-left:1.25rem}"
"code,dd{overflow-wrap:anywhere}"
"@page{size:A4;margin:15mm}"
"@media print{body{font-size:11pt}section.rapport{break-before:page}"
"section.rapport:first-of-type{break-before:auto}"
"h2,h3,h4,h5{break-after:avoid}figure,tr,.base{break-inside:avoid}"
".tableau{overflow:visible}nav.sommaire{break-after:page}"
"a{color:inherit;text-decoration:none}}";


static void
cc_synth_date(FILE *out, int64_t ms)
{
    char  buf[CC_TIME_FR_LEN];

    if (ms < 0 || cc_time_format_fr(ms / 1000,
                                    cc_time_paris_offset(ms / 1000), buf) == 0)
    {
        fputs("–", out);
        return;
    }
    cc_synth_esc(out, buf);
}


/* "8 mars 2022" of a day (days since 1970, Paris) */
static void
cc_synth_day_label(int64_t day, char *buf, size_t len)
{
    cc_tm_t  tm;

    if (cc_time_civil(day * 86400, 0, &tm) != 0) {
        snprintf(buf, len, "?");
        return;
    }
    snprintf(buf, len, "%d %s %d", tm.day, cc_time_month_fr(tm.month),
             tm.year);
}


static void
cc_synth_section(FILE *out, const char *id, const char *title)
{
    fprintf(out, "<section class=\"rapport\" id=\"%s\" aria-labelledby=\"%s-t\">"
            "\n<h2 id=\"%s-t\">", id, id, id);
    cc_synth_esc(out, title);
    fputs("</h2>\n", out);
}


static void
cc_synth_days(FILE *out, const char *what, int64_t day0, const uint64_t *days,
    size_t ndays, const char *id)
{
    cc_synth_bar_t  *cols;
    char           (*labels)[48];
    size_t           i;

    if (ndays == 0) {
        return;
    }
    cols = calloc(ndays, sizeof(*cols));
    labels = calloc(ndays, sizeof(*labels));
    if (cols == NULL || labels == NULL) {
        free(cols);
        free(labels);
        return;
    }
    for (i = 0; i < ndays; i++) {
        cc_synth_day_label(day0 + (int64_t) i, labels[i], sizeof(labels[i]));
        cols[i].label = labels[i];
        cols[i].n = days[i];
    }

    fputs("<figure>", out);
    cc_synth_svg_columns(out, what, cols, ndays);
    fputs("<figcaption>", out);
    cc_synth_esc(out, what);
    fputs(" (heure de Paris)</figcaption></figure>\n", out);
    fprintf(out, "<ul class=\"jours\" id=\"%s\">\n", id);
    for (i = 0; i < ndays; i++) {
        fputs("<li>", out);
        cc_synth_esc(out, labels[i]);
        fprintf(out, " : <span data-n=\"%llu\">", (unsigned long long) days[i]);
        cc_synth_num(out, days[i]);
        fputs("</span></li>\n", out);
    }
    fputs("</ul>\n", out);

    free(cols);
    free(labels);
}


static void
cc_synth_summary(cc_synth_t *s, FILE *out)
{
    uint64_t  readable = s->total - s->unreadable;
    size_t    c;

    cc_synth_section(out, "resume", "Résumé");
    fprintf(out, "<dl class=\"chiffres\"><div><dt>Réponses</dt><dd id=\"total\" "
            "data-n=\"%llu\">", (unsigned long long) readable);
    cc_synth_num(out, readable);
    fputs("</dd></div><div><dt>Première réponse</dt><dd class=\"date\">", out);
    cc_synth_date(out, s->first_ms);
    fputs("</dd></div><div><dt>Dernière réponse</dt><dd class=\"date\">", out);
    cc_synth_date(out, s->last_ms);
    fputs("</dd></div></dl>\n<h3>Réponses par jour</h3>\n", out);
    cc_synth_days(out, "Réponses par jour", s->day0, s->days, s->ndays,
                  "jours");

    for (c = 0; c < s->ncross; c++) {
        const cc_field_t  *f = s->cross[c];

        fputs("<h3>Par « ", out);
        cc_synth_esc(out, f->label);
        fputs(" »</h3>\n", out);
        cc_synth_options(s, out, f, s->fields[f - s->schema->fields].opt,
                         s->fields[f - s->schema->fields].answered,
                         "les répondants (résumé)", "s");
    }
    fputs("</section>\n", out);
}


static const cc_event_t *
cc_synth_programme_event(const cc_events_t *p, const char *id)
{
    return p ? cc_events_find(p, id, strlen(id)) : NULL;
}


static void
cc_synth_event_row(FILE *out, const cc_synth_event_t *e, const cc_event_t *pe,
    const char *id)
{
    static const cc_synth_event_t  none;

    if (e == NULL) {
        e = &none;
    }

    fputs("<tr data-k=\"", out);
    cc_synth_esc(out, id);
    fputs("\"><th scope=\"row\">", out);
    cc_synth_esc(out, pe ? pe->title : id);
    fputs("</th>", out);
    if (pe) {
        fprintf(out, "<td data-k=\"places\" data-n=\"%u\">", pe->capacity);
        cc_synth_num(out, pe->capacity);
        fputs("</td>", out);
    } else {
        fputs("<td data-k=\"places\">–</td>", out);
    }
#define CC_SYNTH_TD(key, v)                                                  \
    fprintf(out, "<td data-k=\"" key "\" data-n=\"%llu\">",                   \
            (unsigned long long) (v));                                       \
    cc_synth_num(out, (v));                                                  \
    fputs("</td>", out)
    CC_SYNTH_TD("confirmees", e->confirmed);
    CC_SYNTH_TD("attente", e->waiting);
    CC_SYNTH_TD("annulees", e->cancelled);
    CC_SYNTH_TD("recues", e->registrations);
#undef CC_SYNTH_TD
    fputs("<td data-k=\"remplissage\">", out);
    if (pe) {
        cc_synth_pct(out, e->confirmed, pe->capacity);
    } else {
        fputs("–", out);
    }
    fputs("</td></tr>\n", out);
}


static void
cc_synth_registrations(cc_synth_t *s, FILE *out, const cc_synth_meta_t *meta)
{
    const cc_events_t  *p = meta->programme;
    const char        **rows;
    uint64_t           *counts;
    size_t              i, n = 0;
    static const char  *series[] = { "Confirmées", "Liste d'attente",
                                     "Annulées" };

    cc_synth_section(out, "inscriptions", "Inscriptions aux événements");
    fputs("<p class=\"regle\">L'état de chaque inscription à la fin du flux "
          "(une inscription de la liste d'attente promue compte parmi les "
          "confirmées) ; le remplissage rapporte les confirmées aux places "
          "du programme.</p>\n", out);

    rows = calloc((p ? p->n : 0) + s->nevents + 1, sizeof(char *));
    counts = calloc(((p ? p->n : 0) + s->nevents + 1) * 3, sizeof(uint64_t));
    if (rows == NULL || counts == NULL) {
        free(rows);
        free(counts);
        fputs("</section>\n", out);
        return;
    }

    fputs("<div class=\"tableau\" role=\"region\" tabindex=\"0\" "
          "aria-labelledby=\"t-inscriptions-c\">\n<table id=\"t-inscriptions\">"
          "\n<caption id=\"t-inscriptions-c\">Par événement</caption>\n"
          "<thead><tr><th scope=\"col\">Événement</th><th scope=\"col\">"
          "Places</th><th scope=\"col\">Confirmées</th><th scope=\"col\">"
          "Liste d'attente</th><th scope=\"col\">Annulées</th>"
          "<th scope=\"col\">Inscriptions reçues</th><th scope=\"col\">"
          "Remplissage</th></tr></thead><tbody>\n", out);

    /* the programme's order, then events it does not have */
    for (i = 0; p && i < p->n; i++) {
        const cc_synth_event_t  *e = cc_synth_event(s, p->events[i].id);

        cc_synth_event_row(out, e, &p->events[i], p->events[i].id);
        rows[n] = p->events[i].title;
        if (e) {
            counts[n * 3] = e->confirmed;
            counts[n * 3 + 1] = e->waiting;
            counts[n * 3 + 2] = e->cancelled;
        }
        n++;
    }
    for (i = 0; i < s->nevents; i++) {
        if (cc_synth_programme_event(p, s->events[i].id)) {
            continue;
        }
        cc_synth_event_row(out, &s->events[i], NULL, s->events[i].id);
        rows[n] = s->events[i].id;
        counts[n * 3] = s->events[i].confirmed;
        counts[n * 3 + 1] = s->events[i].waiting;
        counts[n * 3 + 2] = s->events[i].cancelled;
        n++;
    }
    fputs("</tbody></table></div>\n", out);

    if (n) {
        fputs("<figure>", out);
        cc_synth_svg_stacked(out, "Inscriptions par événement", rows, n,
                             series, 3, counts);
        cc_synth_svg_legend(out, series, 3);
        fputs("<figcaption>Confirmées, liste d'attente et annulées, par "
              "événement (en %)</figcaption></figure>\n", out);
    }

    fputs("<h3>Inscriptions par jour</h3>\n", out);
    cc_synth_days(out, "Inscriptions reçues par jour", s->rday0, s->rdays,
                  s->nrdays, "jours-inscriptions");
    fputs("</section>\n", out);

    free(rows);
    free(counts);
}


static void
cc_synth_unknowns(cc_synth_t *s, FILE *out)
{
    size_t  i;

    cc_synth_section(out, "inconnues",
                     "Ce que la définition actuelle ne connaît pas");
    fputs("<p class=\"regle\">Des réponses enregistrées avant un changement "
          "de la définition (une option retirée, une question renommée) : "
          "comptées ici, à part, jamais ailleurs.</p>\n", out);
    fprintf(out, "<p>Entrées illisibles (pas un objet JSON) : <strong "
            "id=\"illisibles\" data-n=\"%llu\">",
            (unsigned long long) s->unreadable);
    cc_synth_num(out, s->unreadable);
    fputs("</strong>.</p>\n", out);

    if (s->unknown.n) {
        fputs("<div class=\"tableau\" role=\"region\" tabindex=\"0\" "
              "aria-labelledby=\"t-inconnues-c\">\n<table id=\"t-inconnues\">"
              "\n<caption id=\"t-inconnues-c\">Noms et valeurs inconnus"
              "</caption>\n<thead><tr><th scope=\"col\">Nom ou valeur</th>"
              "<th scope=\"col\">Réponses</th></tr></thead><tbody>\n", out);
        for (i = 0; i < s->unknown.n; i++) {
            fputs("<tr data-k=\"", out);
            cc_synth_esc(out, s->unknown.keys[i]);
            fputs("\"><th scope=\"row\">", out);
            cc_synth_esc(out, s->unknown.keys[i]);
            fprintf(out, "</th><td data-n=\"%llu\">",
                    (unsigned long long) s->unknown.counts[i]);
            cc_synth_num(out, s->unknown.counts[i]);
            fputs("</td></tr>\n", out);
        }
        fputs("</tbody></table></div>\n", out);
    }
    if (s->unknown.dropped) {
        fputs("<p>Et ", out);
        cc_synth_num(out, s->unknown.dropped);
        fputs(" autres occurrences de noms ou valeurs inconnus, au-delà des "
              "200 premiers.</p>\n", out);
    }
    fputs("</section>\n", out);
}


static void
cc_synth_method(cc_synth_t *s, FILE *out, const cc_synth_meta_t *meta)
{
    cc_synth_section(out, "methode", "Comment ce rapport a été établi");
    fputs("<dl class=\"methode\">\n<dt>Établi le</dt><dd>", out);
    cc_synth_esc(out, meta->generated);
    fputs("</dd>\n<dt>Flux lu</dt><dd><code>", out);
    cc_synth_esc(out, meta->stream_key);
    fprintf(out, "</code> : <span id=\"lues\" data-n=\"%llu\">",
            (unsigned long long) s->total);
    cc_synth_num(out, s->total);
    fputs("</span> entrées, de <code id=\"premiere\">", out);
    cc_synth_esc(out, s->first_sid[0] ? s->first_sid : "–");
    fputs("</code> à <code id=\"derniere\">", out);
    cc_synth_esc(out, s->last_sid[0] ? s->last_sid : "–");
    fputs("</code></dd>\n<dt>Définition</dt><dd><code>", out);
    cc_synth_esc(out, meta->schema_path);
    fputs("</code> (« ", out);
    cc_synth_esc(out, s->schema->title ? s->schema->title : s->schema->form);
    fprintf(out, " », %zu questions)</dd>\n", s->schema->nfields);
    if (meta->regs_key) {
        fputs("<dt>Inscriptions</dt><dd><code>", out);
        cc_synth_esc(out, meta->regs_key);
        fprintf(out, "</code> : <span id=\"inscriptions-lues\" "
                "data-n=\"%llu\">", (unsigned long long) s->regs_total);
        cc_synth_num(out, s->regs_total);
        fputs("</span> entrées, de <code>", out);
        cc_synth_esc(out, s->regs_first_sid[0] ? s->regs_first_sid : "–");
        fputs("</code> à <code>", out);
        cc_synth_esc(out, s->regs_last_sid[0] ? s->regs_last_sid : "–");
        fputs("</code>", out);
        if (meta->programme_path) {
            fputs(" ; programme <code>", out);
            cc_synth_esc(out, meta->programme_path);
            fputs("</code>", out);
        }
        fputs("</dd>\n", out);
    }
    fputs("</dl>\n<h3>Règles de comptage</h3>\n<ul>\n"
          "<li>Chaque entrée du flux compte une fois, telle qu'elle a été "
          "enregistrée, lue dans l'ordre du flux en une seule passe.</li>\n"
          "<li>« Ont répondu » : les répondants qui ont donné au moins une "
          "réponse à la question ; une question conditionnelle est dite "
          "« posée » aux répondants dont les réponses remplissaient sa "
          "condition.</li>\n"
          "<li>Choix unique : parts des répondants à la question. Choix "
          "multiple : parts des répondants à la question qui ont coché "
          "l'option, non des cases cochées ; leur total dépasse 100 %.</li>\n"
          "<li>Échelles et grilles : la répartition, et la moyenne des "
          "points hors « Je ne sais pas ».</li>\n"
          "<li>Classements : la part des répondants qui ont mis l'option "
          "en premier, et le score de Borda (N points au premier rang, un "
          "de moins à chaque rang, pour N rangs).</li>\n"
          "<li>Nombres : minimum, médiane, maximum et histogramme.</li>\n"
          "<li>Textes libres et « Autre, précisez » : chacun tel qu'écrit, "
          "reproduit comme du texte (jamais interprété) ; les adresses "
          "électroniques ne sont pas reproduites.</li>\n"
          "<li>Une réponse qu'ignore la définition actuelle (option "
          "retirée, question renommée) est comptée à part.</li>\n"
          "<li>Dates à l'heure de Paris.</li>\n</ul>\n</section>\n", out);
}


int
cc_synth_html(cc_synth_t *s, FILE *out, const cc_synth_meta_t *meta)
{
    const char  *title = s->schema->title ? s->schema->title : "";

    fputs("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">"
          "\n<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\">\n<title>Synthèse des réponses — ", out);
    cc_synth_esc(out, title);
    fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", cc_synth_css);
    cc_synth_svg_defs(out);
    fputs("<header class=\"rapport\"><p>Région Normandie — concertation ESS "
          "2022-2028</p>\n<h1>Synthèse des réponses</h1>\n<p>", out);
    cc_synth_esc(out, title);
    fputs("</p></header>\n<nav class=\"sommaire\" aria-label=\"Sommaire\">"
          "<ol>\n<li><a href=\"#resume\">Résumé</a></li>\n"
          "<li><a href=\"#questions\">Question par question</a></li>\n", out);
    if (s->ncross) {
        fputs("<li><a href=\"#croisements\">Croisements</a></li>\n", out);
    }
    if (meta->regs_key) {
        fputs("<li><a href=\"#inscriptions\">Inscriptions</a></li>\n", out);
    }
    fputs("<li><a href=\"#inconnues\">Ce que la définition ne connaît pas"
          "</a></li>\n<li><a href=\"#methode\">Comment ce rapport a été "
          "établi</a></li>\n</ol></nav>\n<main>\n", out);

    cc_synth_summary(s, out);

    cc_synth_section(out, "questions", "Question par question");
    if (cc_synth_questions(s, out) != 0) {
        return -1;
    }
    fputs("</section>\n", out);

    if (s->ncross) {
        cc_synth_section(out, "croisements", "Croisements");
        if (cc_synth_crosses(s, out) != 0) {
            return -1;
        }
        fputs("</section>\n", out);
    }

    if (meta->regs_key) {
        cc_synth_registrations(s, out, meta);
    }
    cc_synth_unknowns(s, out);
    cc_synth_method(s, out, meta);

    fputs("</main>\n</body>\n</html>\n", out);

    return ferror(out) ? -1 : 0;
}
