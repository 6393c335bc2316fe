/*
 * The state file of the incremental export: what the last run wrote, read
 * back by the next (README "Incremental exports").
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_export.h"


/* the state file: "key value" lines, after a comment */

static const char  cc_export_state_magic[] =
    "# concertation-export : état de l'export incrémental, "
    "ne pas modifier\n";


int
cc_export_state_format(const cc_export_state_t *st, cc_xbuf_t *b)
{
    cc_xbuf_str(b, cc_export_state_magic);
    cc_xbuf_str(b, "version 1\nflux ");
    cc_xbuf_str(b, st->stream);
    cc_xbuf_str(b, "\ngroupe ");
    cc_xbuf_str(b, st->group);
    cc_xbuf_str(b, "\ndernier ");
    cc_xbuf_str(b, st->last);
    cc_xbuf_str(b, "\nfichier ");
    cc_xbuf_str(b, st->file);

    if (st->tmp[0] != '\0') {
        cc_xbuf_str(b, "\ntemporaire ");
        cc_xbuf_str(b, st->tmp);
    }

    return cc_xbuf_add(b, "\n", 1);
}


int
cc_export_state_parse(const char *s, size_t len, cc_export_state_t *st,
    char *err, size_t errlen)
{
    char         *dst;
    size_t        n, k, vlen, size;
    unsigned      seen;
    cc_sid_t      sid;
    const char   *line, *end, *sp, *val;

    memset(st, 0, sizeof(cc_export_state_t));
    seen = 0;
    n = 0;

    for (line = s; line < s + len; line = end + 1) {
        n++;
        end = memchr(line, '\n', (size_t) (s + len - line));

        if (end == NULL) {
            snprintf(err, errlen, "ligne %zu : fichier tronqué", n);
            return -1;
        }

        if (line[0] == '#' || line == end) {
            continue;
        }

        sp = memchr(line, ' ', (size_t) (end - line));
        if (sp == NULL) {
            snprintf(err, errlen, "ligne %zu : « clé valeur » attendu", n);
            return -1;
        }

        k = (size_t) (sp - line);
        val = sp + 1;
        vlen = (size_t) (end - val);

        if (memchr(val, '\0', vlen) != NULL) {
            snprintf(err, errlen, "ligne %zu : octet nul", n);
            return -1;
        }

        if (k == 7 && memcmp(line, "version", 7) == 0) {
            if (vlen != 1 || val[0] != '1') {
                snprintf(err, errlen, "ligne %zu : version inconnue", n);
                return -1;
            }

            seen |= 1;
            continue;
        }

        if (k == 4 && memcmp(line, "flux", 4) == 0) {
            dst = st->stream;
            size = sizeof(st->stream);
            seen |= 2;

        } else if (k == 6 && memcmp(line, "groupe", 6) == 0) {
            dst = st->group;
            size = sizeof(st->group);
            seen |= 4;

        } else if (k == 7 && memcmp(line, "dernier", 7) == 0) {
            if (cc_sid_parse(val, vlen, &sid) != 0) {
                snprintf(err, errlen, "ligne %zu : identifiant d'entrée "
                         "invalide", n);
                return -1;
            }

            cc_sid_format(sid, st->last);
            seen |= 8;
            continue;

        } else if (k == 7 && memcmp(line, "fichier", 7) == 0) {
            dst = st->file;
            size = sizeof(st->file);
            seen |= 16;

        } else if (k == 10 && memcmp(line, "temporaire", 10) == 0) {
            dst = st->tmp;
            size = sizeof(st->tmp);

        } else {
            snprintf(err, errlen, "ligne %zu : clé inconnue", n);
            return -1;
        }

        if (vlen == 0 || vlen >= size) {
            snprintf(err, errlen, "ligne %zu : valeur vide ou trop longue",
                     n);
            return -1;
        }

        memcpy(dst, val, vlen);
        dst[vlen] = '\0';
    }

    if (seen != 31) {
        snprintf(err, errlen, "version, flux, groupe, dernier ou fichier "
                 "manquant");
        return -1;
    }

    return 0;
}
