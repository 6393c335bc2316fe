/*
 * The back-office export's logic (src/core/cc_export*.c): CSV cells and
 * rows, JSON Lines, stream ids, dates, the command line, the state file
 * and the registration list's replay.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_test.h"
#include "cc_export.h"


static const char *
cell(const char *s, char sep)
{
    static cc_xbuf_t  b;

    cc_xbuf_free(&b);
    CHECK(cc_export_csv_cell(&b, s, strlen(s), sep) == 0);

    return b.data ? b.data : "";
}


static void
test_export_cells(void)
{
    CHECK_STR(cell("simple", ';'), "simple");
    CHECK_STR(cell("", ';'), "");
    CHECK_STR(cell("a;b", ';'), "\"a;b\"");
    CHECK_STR(cell("a;b", ','), "a;b");
    CHECK_STR(cell("a,b", ','), "\"a,b\"");
    CHECK_STR(cell("dit \"oui\"", ';'), "\"dit \"\"oui\"\"\"");
    CHECK_STR(cell("\"", ';'), "\"\"\"\"");
    CHECK_STR(cell("l1\nl2", ';'), "\"l1\nl2\"");
    CHECK_STR(cell("l1\r\nl2", ';'), "\"l1\r\nl2\"");
    CHECK_STR(cell("Élodie Ça", ';'), "Élodie Ça");
    /* formulas: text for the spreadsheet */
    CHECK_STR(cell("=1+1", ';'), "'=1+1");
    CHECK_STR(cell("+33 2 31", ';'), "'+33 2 31");
    CHECK_STR(cell("-5", ';'), "'-5");
    CHECK_STR(cell("@SUM(A1)", ';'), "'@SUM(A1)");
    CHECK_STR(cell("\tx", ';'), "'\tx");
    CHECK_STR(cell("\rx", ';'), "\"'\rx\"");
    CHECK_STR(cell("=HYPERLINK(\"x\";\"y\")", ';'),
              "\"'=HYPERLINK(\"\"x\"\";\"\"y\"\")\"");
    CHECK_STR(cell("a=b", ';'), "a=b");
    CHECK_STR(cell("'=déjà", ';'), "'=déjà");
    cell("", 0);
}


static void
test_export_rows(void)
{
    int           rc;
    char          err[512];
    cc_xbuf_t     b;
    cc_xstr_t     head[2], tail[1];
    cc_schema_t  *schema, *bad;
    const char   *data;

    static const char  *hn[] = { "id", "received_at" };
    static const char  *tn[] = { "client" };
    static const char  *jk[] = { "id", "received_at", "form" };

    schema = cc_schema_load_file(CC_TEST_SCHEMA, err, sizeof(err));
    CHECK(schema != NULL);
    if (schema == NULL) {
        return;
    }

    CHECK(cc_export_schema_check(schema, err, sizeof(err)) == 0);

    cc_xbuf_init(&b);
    CHECK(cc_export_csv_header(&b, schema, hn, 2, tn, 1, ';') == 0);
    CHECK_STR(b.data, "id;received_at;profil;structure;departement;"
              "priorites;vision;attentes;email;consentement;client\r\n");

    head[0].data = "0190-a";
    head[0].len = 6;
    head[1].data = "2022-02-08T08:00:00.123Z";
    head[1].len = 24;
    tail[0].data = "c1";
    tail[0].len = 2;

    data = "{\"profil\":\"acteur_public\",\"departement\":\"76\","
           "\"priorites\":[\"tourisme\",\"emploi\"],"
           "\"vision\":\"Oui; \\\"mais\\\"\\naussi\","
           "\"attentes\":\"=SOMME(A1)\",\"consentement\":true}";

    b.len = 0;
    rc = cc_export_csv_row(&b, schema, head, 2, data, strlen(data), tail, 1,
                           ';', 0);
    CHECK(rc == 0);
    CHECK_STR(b.data, "0190-a;2022-02-08T08:00:00.123Z;"
              "Acteur public (collectivité, administration);;"
              "Seine-Maritime (76);"
              "Tourisme responsable et solidaire | "
              "Emploi et changement d'échelle;"
              "\"Oui; \"\"mais\"\"\naussi\";'=SOMME(A1);;oui;c1\r\n");

    /* raw values, comma, no tail */
    b.len = 0;
    rc = cc_export_csv_row(&b, schema, head, 2, data, strlen(data), NULL, 0,
                           ',', CC_EXPORT_RAW_VALUES);
    CHECK(rc == 0);
    CHECK_STR(b.data, "0190-a,2022-02-08T08:00:00.123Z,acteur_public,,76,"
              "tourisme | emploi,\"Oui; \"\"mais\"\"\naussi\",'=SOMME(A1),,"
              "oui\r\n");

    /* a value the schema no longer offers is kept as it is */
    data = "{\"profil\":\"ancien\",\"consentement\":false}";
    b.len = 0;
    rc = cc_export_csv_row(&b, schema, head, 2, data, strlen(data), NULL, 0,
                           ';', 0);
    CHECK(rc == 0);
    CHECK_STR(b.data, "0190-a;2022-02-08T08:00:00.123Z;ancien;;;;;;;non\r\n");

    /* unreadable: the row is there, empty */
    b.len = 0;
    rc = cc_export_csv_row(&b, schema, head, 2, "{\"profil\":", 10, NULL, 0,
                           ';', 0);
    CHECK(rc == 1);
    CHECK_STR(b.data, "0190-a;2022-02-08T08:00:00.123Z;;;;;;;;\r\n");

    b.len = 0;
    rc = cc_export_csv_row(&b, schema, head, 2, "[1]", 3, NULL, 0, ';', 0);
    CHECK(rc == 1);

    /* JSON Lines */
    data = "{\"profil\":\"autre\",\"vision\":\"l1\\nl2 \\\"é\\\"\","
           "\"consentement\":true}";
    head[0].data = "id1";
    head[0].len = 3;
    {
        cc_xstr_t  v[3];

        v[0] = head[0];
        v[1] = head[1];
        v[2].data = "questionnaire";
        v[2].len = 13;

        b.len = 0;
        rc = cc_export_jsonl(&b, jk, v, 3, data, strlen(data), tn, tail, 0);
        CHECK(rc == 0);
        CHECK_STR(b.data, "{\"id\":\"id1\",\"received_at\":"
                  "\"2022-02-08T08:00:00.123Z\",\"form\":\"questionnaire\","
                  "\"data\":{\"profil\":\"autre\",\"vision\":"
                  "\"l1\\nl2 \\\"é\\\"\",\"consentement\":true}}\n");

        b.len = 0;
        v[2].data = NULL;
        rc = cc_export_jsonl(&b, jk, v, 3, "x\n", 2, tn, tail, 1);
        CHECK(rc == 1);
        CHECK_STR(b.data, "{\"id\":\"id1\",\"received_at\":"
                  "\"2022-02-08T08:00:00.123Z\",\"data\":\"x\\n\","
                  "\"client\":\"c1\"}\n");
    }

    cc_xbuf_free(&b);
    cc_schema_free(schema);

    /* an option that holds the joiner cannot be exported */
    data = "{\"form\":\"f\",\"fields\":[{\"name\":\"m\",\"type\":\"multiple\","
           "\"required\":false,\"label\":\"M\",\"min\":0,\"max\":2,"
           "\"options\":[{\"value\":\"a\",\"label\":\"A | B\"},"
           "{\"value\":\"b\",\"label\":\"B\"}]}]}";
    bad = cc_schema_load_buffer("t", data, strlen(data), err, sizeof(err));
    CHECK(bad != NULL);
    if (bad != NULL) {
        CHECK(cc_export_schema_check(bad, err, sizeof(err)) == -1);
        CHECK_HAS(err, "« m »");
        cc_schema_free(bad);
    }
}


static void
test_export_sids(void)
{
    char      out[CC_SID_LEN];
    int64_t   ms;
    int       port;
    char      host[64];
    cc_sid_t  a, b;

    CHECK(cc_sid_parse("1666656000000-3", 15, &a) == 0);
    CHECK(a.ms == 1666656000000ULL && a.seq == 3);
    CHECK(cc_sid_parse("12", 2, &b) == 0 && b.ms == 12 && b.seq == 0);
    CHECK(cc_sid_parse("", 0, &b) == -1);
    CHECK(cc_sid_parse("1-", 2, &b) == -1);
    CHECK(cc_sid_parse("-1", 2, &b) == -1);
    CHECK(cc_sid_parse("1-2-3", 5, &b) == -1);
    CHECK(cc_sid_parse("18446744073709551616-0", 22, &b) == -1);
    CHECK(cc_sid_parse("18446744073709551615-18446744073709551615", 41, &b)
          == 0);
    CHECK(cc_sid_cmp(cc_sid_next(b), b) == 0);     /* saturates */
    CHECK(cc_sid_cmp(a, b) < 0 && cc_sid_cmp(b, a) > 0);
    CHECK(cc_sid_cmp(a, a) == 0);
    cc_sid_format(cc_sid_next(a), out);
    CHECK_STR(out, "1666656000000-4");
    a.seq = UINT64_MAX;
    cc_sid_format(cc_sid_next(a), out);
    CHECK_STR(out, "1666656000001-0");

    CHECK(cc_export_parse_date("2022-10-25", &ms) == NULL);
    CHECK(ms == 1666656000000LL);
    CHECK(cc_export_parse_date("2022-10-25T00:00:00+02:00", &ms) == NULL);
    CHECK(ms == 1666656000000LL - 7200000);
    CHECK(cc_export_parse_date("2022-02-30", &ms) != NULL);
    CHECK(cc_export_parse_date("25/10/2022", &ms) != NULL);
    CHECK(cc_export_parse_date("", &ms) != NULL);

    CHECK(cc_export_parse_redis("127.0.0.1:6380", host, sizeof(host), &port)
          == 0);
    CHECK_STR(host, "127.0.0.1");
    CHECK(port == 6380);
    CHECK(cc_export_parse_redis("unix:/run/redis.sock", host, sizeof(host),
                                &port) == 0);
    CHECK_STR(host, "/run/redis.sock");
    CHECK(port == 0);
    CHECK(cc_export_parse_redis("localhost", host, sizeof(host), &port)
          == -1);
    CHECK(cc_export_parse_redis("h:0", host, sizeof(host), &port) == -1);
    CHECK(cc_export_parse_redis("h:65536", host, sizeof(host), &port) == -1);
    CHECK(cc_export_parse_redis(":1", host, sizeof(host), &port) == -1);
    CHECK(cc_export_parse_redis("unix:", host, sizeof(host), &port) == -1);
}


static int
args(cc_export_opts_t *o, char *err, ...)
{
    int          argc;
    char        *argv[32];
    va_list      ap;

    argc = 0;
    argv[argc++] = "concertation-export";
    va_start(ap, err);

    while ((argv[argc] = va_arg(ap, char *)) != NULL && argc < 31) {
        argc++;
    }

    va_end(ap);

    return cc_export_args(argc, argv, o, err, 512);
}


static void
test_export_args(void)
{
    char              err[512];
    cc_export_opts_t  o;

    CHECK(args(&o, err, "--sortie", "x.csv", NULL) == 0);
    CHECK(o.mode == CC_EXPORT_INCREMENTAL && o.sep == ';' && o.bom == 1);
    CHECK_STR(o.redis, "127.0.0.1:6379");
    CHECK_STR(o.prefix, "concertation:");
    CHECK_STR(o.stream, "questionnaire");
    CHECK_STR(o.group, "export-csv");
    CHECK(args(&o, err, "--sortie", "x.jsonl", "--format", "jsonl", NULL)
          == 0);
    CHECK_STR(o.group, "export-jsonl");
    CHECK(args(&o, err, "--sortie", "x.jsonl", "--format", "jsonl",
               "--groupe", "mien", NULL) == 0);
    CHECK_STR(o.group, "mien");
    CHECK(args(&o, err, "--sortie", "x.csv", NULL) == 0);
    CHECK(o.batch == 500 && o.max == 0 && o.flags == 0 && !o.jsonl);

    CHECK(args(&o, err, NULL) == -1);
    CHECK_HAS(err, "--sortie");
    CHECK(args(&o, err, "-o", "-", NULL) == -1);

    CHECK(args(&o, err, "--complet", "--separateur", ",", "--sans-bom",
               "--format=jsonl", "--valeurs-brutes", "--avec-client",
               "--lot", "7", "--redis", "unix:/s", "--base", "2", NULL)
          == 0);
    CHECK(o.mode == CC_EXPORT_FULL && o.sep == ',' && o.bom == 0
          && o.jsonl && o.batch == 7 && o.database == 2);
    CHECK(o.flags == (CC_EXPORT_RAW_VALUES | CC_EXPORT_CLIENT));

    CHECK(args(&o, err, "--complet", "--separateur", "tab", NULL) == 0);
    CHECK(o.sep == '\t');
    CHECK(args(&o, err, "--complet", "--separateur", ":", NULL) == -1);
    CHECK(args(&o, err, "--complet", "--format", "xml", NULL) == -1);
    CHECK(args(&o, err, "--complet", "--lot", "0", NULL) == -1);
    CHECK(args(&o, err, "--complet", "--lot", NULL) == -1);
    CHECK_HAS(err, "attend une valeur");
    CHECK(args(&o, err, "--complet", "--sans-bom=1", NULL) == -1);
    CHECK(args(&o, err, "--complet", "--inconnue", NULL) == -1);
    CHECK_HAS(err, "--inconnue");
    CHECK(args(&o, err, "--complet", "--redis", "nulle-part", NULL) == -1);
    CHECK(args(&o, err, "--complet", "--inscrits", "a", NULL) == -1);
    CHECK(args(&o, err, "--complet", "--max", "3", NULL) == -1);
    CHECK(args(&o, err, "--complet", "--dry-run", NULL) == -1);

    CHECK(args(&o, err, "--inscrits", "atelier-caen", NULL) == 0);
    CHECK(o.mode == CC_EXPORT_REGISTRATIONS);
    CHECK_STR(o.event, "atelier-caen");
    CHECK(args(&o, err, "--inscrits", "a b", NULL) == -1);
    CHECK(args(&o, err, "--inscrits", "a", "--format", "jsonl", NULL) == -1);

    CHECK(args(&o, err, "--purger-avant", "2022-10-25", "--dry-run", NULL)
          == 0);
    CHECK(o.mode == CC_EXPORT_PURGE && o.dry_run
          && o.purge_before == 1666656000000LL);
    CHECK(args(&o, err, "--purger-avant", "demain", NULL) == -1);
    CHECK_HAS(err, "AAAA-MM-JJ");

    CHECK(args(&o, err, "--help", "--inconnue", NULL) == -1);
    CHECK(args(&o, err, "-h", NULL) == 0 && o.mode == CC_EXPORT_HELP);
    CHECK(args(&o, err, "--version", NULL) == 0
          && o.mode == CC_EXPORT_VERSION);
}


static void
test_export_state(void)
{
    char               err[256];
    cc_xbuf_t          b;
    cc_export_state_t  st, back;

    memset(&st, 0, sizeof(st));
    strcpy(st.stream, "concertation:questionnaire");
    strcpy(st.group, "export");
    strcpy(st.last, "1666656000000-4");
    strcpy(st.file, "/srv/exports/réponses 1.csv");
    strcpy(st.tmp, "/srv/exports/réponses 1.csv.42.tmp");

    cc_xbuf_init(&b);
    CHECK(cc_export_state_format(&st, &b) == 0);
    CHECK_HAS(b.data, "\ndernier 1666656000000-4\n");
    CHECK(cc_export_state_parse(b.data, b.len, &back, err, sizeof(err))
          == 0);
    CHECK(memcmp(&st, &back, sizeof(st)) == 0);

    /* truncated (no final newline), garbage, missing keys */
    CHECK(cc_export_state_parse(b.data, b.len - 1, &back, err, sizeof(err))
          == -1);
    CHECK_HAS(err, "tronqué");
    CHECK(cc_export_state_parse("version 2\n", 10, &back, err, sizeof(err))
          == -1);
    CHECK(cc_export_state_parse("version 1\nflux a\ngroupe g\n", 26, &back,
                                err, sizeof(err)) == -1);
    CHECK_HAS(err, "manquant");
    CHECK(cc_export_state_parse("version 1\nflux a\ngroupe g\ndernier x\n"
                                "fichier f\n", 46, &back, err, sizeof(err))
          == -1);
    CHECK(cc_export_state_parse("autre 1\n", 8, &back, err, sizeof(err))
          == -1);
    CHECK(cc_export_state_parse("version 1\nflux \n", 16, &back, err,
                                sizeof(err)) == -1);
    CHECK(cc_export_state_parse("version 1\nflux a\0b\n", 19, &back, err,
                                sizeof(err)) == -1);

    cc_xbuf_free(&b);
}


static const char *
reg(const char *nom)
{
    static char  buf[256];

    snprintf(buf, sizeof(buf), "{\"evenement\":\"e\",\"nom\":\"%s\","
             "\"prenom\":\"P\",\"email\":\"%s@x.fr\",\"consentement\":true}",
             nom, nom);

    return buf;
}


static void
test_export_regs(void)
{
    int          confirmed;
    cc_xbuf_t    b;
    cc_regs_t   *r;
    const char  *d;

    r = cc_regs_new();
    CHECK(r != NULL);
    if (r == NULL) {
        return;
    }

    d = reg("a");
    CHECK(cc_regs_apply(r, "ia", "registered", d, strlen(d), "t1") == 0);
    d = reg("b");
    CHECK(cc_regs_apply(r, "ib", "registered", d, strlen(d), "t2") == 0);
    /* the event's own questions: columns after the person's */
    d = "{\"evenement\":\"e\",\"nom\":\"c\",\"prenom\":\"P\","
        "\"email\":\"c@x.fr\",\"repas\":\"oui\",\"themes\":[\"a\",\"b\"],"
        "\"places\":2,\"consentement\":true}";
    CHECK(cc_regs_apply(r, "ic", "waitlisted", d, strlen(d), "t3") == 0);
    d = reg("=d");
    CHECK(cc_regs_apply(r, "id", "waitlisted", d, strlen(d), "t4") == 0);
    d = reg("e");
    CHECK(cc_regs_apply(r, "ie", "waitlisted", d, strlen(d), "t5") == 0);
    /* a cancels: c gets the seat; e leaves the waiting list */
    CHECK(cc_regs_apply(r, "ia", "cancelled", NULL, 0, "t6") == 0);
    CHECK(cc_regs_apply(r, "ic", "promoted", NULL, 0, "t6") == 0);
    CHECK(cc_regs_apply(r, "ie", "cancelled", NULL, 0, "t7") == 0);
    /* state changes of people the stream no longer holds */
    CHECK(cc_regs_apply(r, "iz", "promoted", NULL, 0, "t8") == 1);
    CHECK(cc_regs_apply(r, "iz", "cancelled", NULL, 0, "t8") == 1);
    CHECK(cc_regs_apply(r, "ib", "promoted", NULL, 0, "t8") == 1);
    CHECK(cc_regs_apply(r, "ib", "bizarre", NULL, 0, "t8") == 1);

    CHECK(cc_regs_count(r) == 3);
    CHECK_STR(cc_regs_get(r, 0, &confirmed), "ib");
    CHECK(confirmed == 1);
    CHECK_STR(cc_regs_get(r, 1, &confirmed), "ic");
    CHECK(confirmed == 1);
    CHECK_STR(cc_regs_get(r, 2, &confirmed), "id");
    CHECK(confirmed == 0);
    CHECK(cc_regs_get(r, 3, &confirmed) == NULL);

    cc_xbuf_init(&b);
    CHECK(cc_regs_csv(r, &b, ';', 1, NULL) == 0);
    CHECK_STR(b.data, CC_EXPORT_BOM
              "nom;prenom;email;organisation;repas;themes;places;statut;"
              "position;inscrit_le;id\r\n"
              "b;P;b@x.fr;;;;;confirmee;;t2;ib\r\n"
              "c;P;c@x.fr;;oui;a, b;2;confirmee;;t3;ic\r\n"
              "'=d;P;'=d@x.fr;;;;;liste_attente;1;t4;id\r\n");

    /* the event's own questions first, answered or not */
    b.len = 0;
    CHECK(cc_regs_csv(r, &b, ';', 0, "[{\"name\": \"acces\", \"type\": "
                      "\"text\"}, {\"name\": \"themes\"}]") == 0);
    CHECK_STR(b.data,
              "nom;prenom;email;organisation;acces;themes;repas;places;"
              "statut;position;inscrit_le;id\r\n"
              "b;P;b@x.fr;;;;;;confirmee;;t2;ib\r\n"
              "c;P;c@x.fr;;;a, b;oui;2;confirmee;;t3;ic\r\n"
              "'=d;P;'=d@x.fr;;;;;;liste_attente;1;t4;id\r\n");

    cc_xbuf_free(&b);
    cc_regs_free(r);
}


/* the codebook of the real questionnaire: every column, every code */

static void
test_codebook(void)
{
    char          err[512];
    size_t        rows;
    cc_xbuf_t     b;
    const char   *p;
    cc_schema_t  *q;

    q = cc_schema_load_file("../../conf/questionnaire.json", err,
                            sizeof(err));
    CHECK(q != NULL);
    if (q == NULL) {
        return;
    }

    cc_xbuf_init(&b);
    CHECK(cc_export_codebook(&b, q, ';') == 0);
    CHECK(b.data != NULL && strncmp(b.data, "colonne;question;partie;type;"
                                    "condition;code;libelle\r\n", 46) == 0);

    /* a ranking: one column per rank, its options under each */
    CHECK_HAS(b.data, "\r\npriorites.2;Classez vos priorit\xc3\xa9s pour "
              "l'ESS en Normandie (de 1 \xc3\xa0 3) (rang 2);Vos priorit"
              "\xc3\xa9s pour 2022-2028;classement (rang);;emploi;Emploi et "
              "changement d'\xc3\xa9" "chelle\r\n");
    /* a grid's row: its statement, its points, "don't know" */
    CHECK_HAS(b.data, "\r\naccord.formation;Votre avis sur ces affirmations "
              "\xe2\x80\x93 L'ESS est assez pr\xc3\xa9sente");
    CHECK_HAS(b.data, ";5;Tout \xc3\xa0 fait d'accord\r\naccord.formation;");
    CHECK_HAS(b.data, ";nsp;Je ne sais pas\r\n");
    /* "other": its own column; a number: its bounds */
    CHECK_HAS(b.data, "\r\nprofil.autre;Vous r\xc3\xa9pondez en tant que "
              "(Pr\xc3\xa9" "cisez);");
    CHECK_HAS(b.data, ";nombre entier;\"{\"\"field\"\":\"\"profil\"\"");
    CHECK_HAS(b.data, ";de 0 \xc3\xa0 100000 \xc3\xa9quivalents temps plein"
              "\r\n");

    /* every column of the CSV has its rows, in the CSV's order */
    rows = 0;
    for (p = b.data; (p = strstr(p, "\r\n")) != NULL; p += 2) {
        rows++;
    }
    CHECK(rows > cc_schema_ncolumns(q) * 3);

    cc_xbuf_free(&b);
    cc_schema_free(q);
}


void
test_export(void)
{
    test_codebook();

    test_export_cells();
    test_export_rows();
    test_export_sids();
    test_export_args();
    test_export_state();
    test_export_regs();
}
