/*
 * The export's CSV (src/core/cc_export_csv.c): any cell read back as RFC
 * 4180 gives the value again (after the formula apostrophe), an unquoted
 * cell never holds the separator, a quote or a line break; a row built
 * from any bytes as the stored answer has exactly one field per column
 * outside quotes and ends with CRLF; JSON Lines is one line of JSON.  The
 * state file and stream id parsers take any bytes.
 *
 * Input: byte 0 picks the separator and the flags, the rest is the value.
 */

#include <stdint.h>

#include <jansson.h>

#include "cc_export.h"
#include "fuzz_common.h"


static void
check_cell(const char *s, size_t len, char sep)
{
    int         formula;
    size_t      i, k;
    cc_xbuf_t   b;
    const char *c;

    cc_xbuf_init(&b);
    FUZZ_ASSERT(cc_export_csv_cell(&b, s, len, sep) == 0);

    formula = len && strchr("=+-@\t\r", s[0]) != NULL;
    c = b.data ? b.data : "";
    k = 0;

    if (b.len && c[0] == '"') {
        FUZZ_ASSERT(b.len >= 2 && c[b.len - 1] == '"');

        for (i = 1; i + 1 < b.len; i++) {
            if (c[i] == '"') {
                FUZZ_ASSERT(c[i + 1] == '"' && i + 2 < b.len);
                i++;
            }

        }

        /* the unquoted value */
        {
            char    *v;
            size_t   n;

            v = malloc(b.len);
            FUZZ_ASSERT(v != NULL);
            n = 0;

            for (i = 1; i + 1 < b.len; i++) {
                v[n++] = c[i];
                if (c[i] == '"') {
                    i++;
                }
            }

            k = formula ? 1 : 0;
            FUZZ_ASSERT(n == len + k);
            FUZZ_ASSERT(!formula || v[0] == '\'');
            FUZZ_ASSERT(memcmp(v + k, s, len) == 0);
            free(v);
        }

    } else {
        k = formula ? 1 : 0;
        FUZZ_ASSERT(b.len == len + k);
        FUZZ_ASSERT(!formula || c[0] == '\'');
        FUZZ_ASSERT(len == 0 || memcmp(c + k, s, len) == 0);

        for (i = 0; i < b.len; i++) {
            FUZZ_ASSERT(c[i] != sep && c[i] != '"' && c[i] != '\r'
                        && c[i] != '\n');
        }
    }

    cc_xbuf_free(&b);
}


/* fields of one CSV record, counted outside quotes */

static size_t
count_fields(const char *s, size_t len, char sep)
{
    int     q;
    size_t  i, n;

    q = 0;
    n = 1;

    for (i = 0; i < len; i++) {
        if (s[i] == '"') {
            q = !q;

        } else if (!q) {
            FUZZ_ASSERT(s[i] != '\n' && s[i] != '\r');
            n += (s[i] == sep);
        }
    }

    FUZZ_ASSERT(!q);

    return n;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                rc;
    char               sep, err[256];
    size_t             len;
    unsigned           flags;
    cc_sid_t           sid;
    cc_xbuf_t          b;
    cc_xstr_t          head[2], tail[1];
    const char        *s;
    cc_schema_t       *schema;
    json_t            *j;
    cc_export_state_t  st;

    static const char  *keys[] = { "id", "received_at" };
    static const char  *tkeys[] = { "client" };
    static const char   seps[] = { ';', ',', '\t', '|' };

    if (size == 0) {
        return 0;
    }

    sep = seps[data[0] & 3];
    flags = (data[0] >> 2) & 3;
    s = (const char *) data + 1;
    len = size - 1;

    check_cell(s, len, sep);

    schema = fuzz_schema();
    head[0].data = s;
    head[0].len = len < 8 ? len : 8;
    head[1].data = "2022-02-08T08:00:00.000Z";
    head[1].len = 24;
    tail[0].data = s;
    tail[0].len = len;

    cc_xbuf_init(&b);
    rc = cc_export_csv_row(&b, schema, head, 2, s, len, tail,
                           (flags & CC_EXPORT_CLIENT) ? 1 : 0, sep, flags);
    FUZZ_ASSERT(rc == 0 || rc == 1);
    FUZZ_ASSERT(b.len >= 2 && memcmp(b.data + b.len - 2, "\r\n", 2) == 0);
    FUZZ_ASSERT(count_fields(b.data, b.len - 2, sep)
                == 2 + cc_schema_ncolumns(schema)
                   + ((flags & CC_EXPORT_CLIENT) ? 1 : 0));

    /* JSON Lines: one line, valid JSON, when the values are UTF-8 */
    b.len = 0;
    rc = cc_export_jsonl(&b, keys, head, 2, s, len, tkeys, tail, 0);

    if (rc >= 0) {
        FUZZ_ASSERT(b.len >= 1 && b.data[b.len - 1] == '\n');
        FUZZ_ASSERT(memchr(b.data, '\n', b.len - 1) == NULL);
        j = json_loadb(b.data, b.len, JSON_ALLOW_NUL, NULL);
        FUZZ_ASSERT(j != NULL && json_is_object(j));
        json_decref(j);
    }

    cc_xbuf_free(&b);

    /* the parsers of the state and of ids take anything */
    if (cc_export_state_parse(s, len, &st, err, sizeof(err)) == 0) {
        cc_xbuf_init(&b);
        FUZZ_ASSERT(cc_export_state_format(&st, &b) == 0);
        FUZZ_ASSERT(cc_export_state_parse(b.data, b.len, &st, err,
                                          sizeof(err)) == 0);
        cc_xbuf_free(&b);
    }

    if (cc_sid_parse(s, len, &sid) == 0) {
        FUZZ_ASSERT(cc_sid_cmp(cc_sid_next(sid), sid) >= 0);
    }

    return 0;
}
