#include <stdint.h>
#include <stdlib.h>

#include "cc_test.h"
#include "cc_spool.h"

/* the spool's record format: round trips, damage, resynchronisation */


#define NREC  8

/* 4 bytes of length per field: the payload of a record with no data */
#define P  (4 * CC_SPOOL_NFIELDS)

static const char  *rec_names[CC_SPOOL_NFIELDS] = {
    "id", "received_at", "form", "data", "client", "dedup", "scan_from",
    "stream"
};


static void
rec_set(cc_spool_record_t *rec, const char *id, const char *data)
{
    memset(rec, 0, sizeof(cc_spool_record_t));

    rec->f[CC_SPOOL_ID].data = id;
    rec->f[CC_SPOOL_ID].len = strlen(id);
    rec->f[CC_SPOOL_RECEIVED_AT].data = "2022-02-08T09:00:00.123+01:00";
    rec->f[CC_SPOOL_RECEIVED_AT].len = 29;
    rec->f[CC_SPOOL_FORM].data = "json";
    rec->f[CC_SPOOL_FORM].len = 4;
    rec->f[CC_SPOOL_DATA].data = data;
    rec->f[CC_SPOOL_DATA].len = strlen(data);
    rec->f[CC_SPOOL_CLIENT].data = "c0ffee";
    rec->f[CC_SPOOL_CLIENT].len = 6;
}


static int
rec_equal(const cc_spool_record_t *a, const cc_spool_record_t *b)
{
    int  i;

    for (i = 0; i < CC_SPOOL_NFIELDS; i++) {
        if (a->f[i].len != b->f[i].len
            || (a->f[i].len
                && memcmp(a->f[i].data, b->f[i].data, a->f[i].len) != 0))
        {
            fprintf(stderr, "  field %s differs (%zu / %zu bytes)\n",
                    rec_names[i], a->f[i].len, b->f[i].len);
            return 0;
        }
    }

    return 1;
}


/* a malloc()ed frame, exactly its size, so that ASan sees any overread */

static unsigned char *
frame(const cc_spool_record_t *rec, size_t *len)
{
    size_t          n;
    unsigned char  *p;

    n = cc_spool_encoded_len(rec);
    if (n == 0) {
        return NULL;
    }

    p = malloc(n);
    if (p == NULL) {
        return NULL;
    }

    if (cc_spool_encode(rec, p) != n) {
        free(p);
        return NULL;
    }

    *len = n;
    return p;
}


/* encode, decode from an exact-size copy, compare */

static int
round_trip(const cc_spool_record_t *rec)
{
    int                 ok;
    size_t              n, consumed;
    unsigned char      *p;
    cc_spool_rc_e       rc;
    cc_spool_record_t   back;

    p = frame(rec, &n);
    if (p == NULL) {
        return 0;
    }

    memset(&back, 0, sizeof(back));
    consumed = 0;
    rc = cc_spool_decode(p, n, &back, &consumed);

    ok = rc == CC_SPOOL_OK && consumed == n && rec_equal(rec, &back);

    /* the fields point into the frame itself */
    ok = ok && back.f[CC_SPOOL_ID].data > (const char *) p
         && back.f[CC_SPOOL_ID].data < (const char *) p + n;

    free(p);
    return ok;
}


/*
 * The reader's loop over a whole file: records in order, how many times
 * it had to resynchronise, and whether the end is a torn tail.
 */

typedef struct {
    cc_spool_record_t  rec[NREC];
    size_t             n;
    size_t             corrupt;
    size_t             skipped;
    int                torn;
    int                stuck;
} reader_t;


static void
read_all(const unsigned char *buf, size_t len, reader_t *rd)
{
    size_t              off, consumed, steps;
    cc_spool_rc_e       rc;
    cc_spool_record_t   rec;

    memset(rd, 0, sizeof(reader_t));

    for (off = 0, steps = 0; off < len && steps < 10000; steps++) {
        consumed = 12345;
        rc = cc_spool_decode(buf + off, len - off, &rec, &consumed);

        if (rc == CC_SPOOL_NEED_MORE) {
            rd->torn = 1;
            if (consumed != 0) {
                rd->stuck = 1;
            }
            return;
        }

        if (consumed == 0 || consumed > len - off) {
            rd->stuck = 1;
            return;
        }

        if (rc == CC_SPOOL_OK) {
            if (rd->n < NREC) {
                rd->rec[rd->n] = rec;
            }
            rd->n++;

        } else {
            rd->corrupt++;
            rd->skipped += consumed;
        }

        off += consumed;
    }

    if (off != len) {
        rd->stuck = 1;
    }
}


static void
test_spool_crc(void)
{
    uint32_t  c;

    CHECK(cc_crc32c(0, "123456789", 9) == 0xE3069283);
    CHECK(cc_crc32c(0, "", 0) == 0);

    /* chained in two calls as in one */
    c = cc_crc32c(0, "1234", 4);
    CHECK(cc_crc32c(c, "56789", 5) == 0xE3069283);

    /* RFC 3720 B.4: 32 bytes of zeros, of 0xFF */
    CHECK(cc_crc32c(0, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
                       "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 32) == 0x8A9136AA);
    CHECK(cc_crc32c(0, "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF"
                       "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF"
                       "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF"
                       "\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 32) == 0x62A8AB43);
}


static void
test_spool_round_trip(void)
{
    int                 i;
    char               *big;
    size_t              n, bigl;
    unsigned char      *p;
    cc_spool_record_t   rec;
    static const char   bin[] = "a\0b\xFF" "SP1\r\n\x80\x00";

    /* every field empty */
    memset(&rec, 0, sizeof(rec));
    CHECK(cc_spool_encoded_len(&rec) == CC_SPOOL_HEADER_LEN + P);
    CHECK(round_trip(&rec));

    /* every field set, distinct */
    rec_set(&rec, "0190e3b2-7c1a-7abc-8def-0123456789ab", "{\"q1\":\"oui\"}");
    rec.f[CC_SPOOL_DEDUP].data = "k:3f2a";
    rec.f[CC_SPOOL_DEDUP].len = 6;
    rec.f[CC_SPOOL_SCAN_FROM].data = "1644307200000-0";
    rec.f[CC_SPOOL_SCAN_FROM].len = 15;
    CHECK(round_trip(&rec));

    /* each field alone holds binary bytes, NULs and the magic itself */
    for (i = 0; i < CC_SPOOL_NFIELDS; i++) {
        memset(&rec, 0, sizeof(rec));
        rec.f[i].data = bin;
        rec.f[i].len = sizeof(bin);
        CHECK(round_trip(&rec));
    }

    /* each field alone empty, the others set */
    for (i = 0; i < CC_SPOOL_NFIELDS; i++) {
        rec_set(&rec, "id-1", "data");
        rec.f[CC_SPOOL_DEDUP].data = "d";
        rec.f[CC_SPOOL_DEDUP].len = 1;
        rec.f[CC_SPOOL_SCAN_FROM].data = "s";
        rec.f[CC_SPOOL_SCAN_FROM].len = 1;
        rec.f[i].data = NULL;
        rec.f[i].len = 0;
        CHECK(round_trip(&rec));
    }

    /* a 130 KB answer, every byte value */
    bigl = 130 * 1024;
    big = malloc(bigl);
    CHECK(big != NULL);
    if (big == NULL) {
        return;
    }

    for (n = 0; n < bigl; n++) {
        big[n] = (char) (n * 7 + n / 256);
    }

    rec_set(&rec, "id-big", "");
    rec.f[CC_SPOOL_DATA].data = big;
    rec.f[CC_SPOOL_DATA].len = bigl;
    CHECK(cc_spool_encoded_len(&rec) > bigl);
    CHECK(round_trip(&rec));

    /* the frame's layout: magic, length, CRCs */
    rec_set(&rec, "x", "");
    p = frame(&rec, &n);
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK(memcmp(p, "\xFFSP1", 4) == 0);
        CHECK((size_t) (p[4] | p[5] << 8 | p[6] << 16
                        | (uint32_t) p[7] << 24) == n - CC_SPOOL_HEADER_LEN);
        CHECK(cc_crc32c(0, p, 12) == (uint32_t) (p[12] | p[13] << 8
                                                 | p[14] << 16
                                                 | (uint32_t) p[15] << 24));
        free(p);
    }

    free(big);
}


static void
test_spool_max(void)
{
    char               *big;
    size_t              fixed, n, consumed;
    unsigned char      *p;
    cc_spool_rc_e       rc;
    cc_spool_record_t   rec, back;

    rec_set(&rec, "id-max", "");
    fixed = cc_spool_encoded_len(&rec);

    big = calloc(1, CC_SPOOL_MAX_RECORD);
    CHECK(big != NULL);
    if (big == NULL) {
        return;
    }

    /* exactly the maximum: encoded and decoded */
    rec.f[CC_SPOOL_DATA].data = big;
    rec.f[CC_SPOOL_DATA].len = CC_SPOOL_MAX_RECORD - fixed;
    CHECK(cc_spool_encoded_len(&rec) == CC_SPOOL_MAX_RECORD);
    CHECK(round_trip(&rec));

    /* one byte more: refused, nothing written */
    rec.f[CC_SPOOL_DATA].len++;
    CHECK(cc_spool_encoded_len(&rec) == 0);

    p = malloc(16);
    CHECK(p != NULL);
    if (p != NULL) {
        memset(p, 0xAA, 16);
        CHECK(cc_spool_encode(&rec, p) == 0);
        CHECK(p[0] == 0xAA && p[15] == 0xAA);
        free(p);
    }

    /* lengths that would overflow a size_t sum */
    rec.f[CC_SPOOL_DATA].len = (size_t) -1;
    CHECK(cc_spool_encoded_len(&rec) == 0);
    rec.f[CC_SPOOL_DATA].len = 0;
    rec.f[CC_SPOOL_FORM].len = (size_t) -1 - 10;
    rec.f[CC_SPOOL_CLIENT].len = 100;
    CHECK(cc_spool_encoded_len(&rec) == 0);

    /* a max-size frame read with one byte missing: read more */
    rec_set(&rec, "id-max", "");
    rec.f[CC_SPOOL_DATA].data = big;
    rec.f[CC_SPOOL_DATA].len = CC_SPOOL_MAX_RECORD - fixed;
    p = frame(&rec, &n);
    CHECK(p != NULL);
    if (p != NULL) {
        rc = cc_spool_decode(p, n - 1, &back, &consumed);
        CHECK(rc == CC_SPOOL_NEED_MORE && consumed == 0);
        free(p);
    }

    free(big);
}


/* a frame built by hand, with valid CRCs over whatever it says */

static size_t
handmade(unsigned char *out, const unsigned char *payload, uint32_t plen)
{
    uint32_t  crc;

    memcpy(out, "\xFFSP1", 4);
    out[4] = (unsigned char) plen;
    out[5] = (unsigned char) (plen >> 8);
    out[6] = (unsigned char) (plen >> 16);
    out[7] = (unsigned char) (plen >> 24);

    if (payload != NULL) {
        memcpy(out + 16, payload, plen);
        crc = cc_crc32c(cc_crc32c(0, out + 4, 4), payload, plen);

    } else {
        crc = 0;
    }

    out[8] = (unsigned char) crc;
    out[9] = (unsigned char) (crc >> 8);
    out[10] = (unsigned char) (crc >> 16);
    out[11] = (unsigned char) (crc >> 24);

    crc = cc_crc32c(0, out, 12);
    out[12] = (unsigned char) crc;
    out[13] = (unsigned char) (crc >> 8);
    out[14] = (unsigned char) (crc >> 16);
    out[15] = (unsigned char) (crc >> 24);

    return 16 + (payload != NULL ? plen : 0);
}


static void
test_spool_malformed(void)
{
    size_t              n, consumed;
    unsigned char       buf[128], payload[64];
    cc_spool_rc_e       rc;
    cc_spool_record_t   rec;

    /* a valid handmade frame first, so that the others fail for a reason */
    memset(payload, 0, sizeof(payload));
    payload[0] = 2;
    payload[4] = 'a';
    payload[5] = 'b';
    n = handmade(buf, payload, P + 2);
    rc = cc_spool_decode(buf, n, &rec, &consumed);
    CHECK(rc == CC_SPOOL_OK && consumed == n);
    CHECK(rec.f[CC_SPOOL_ID].len == 2
          && memcmp(rec.f[CC_SPOOL_ID].data, "ab", 2) == 0);

    /* the fields do not fill the payload: one byte left over */
    n = handmade(buf, payload, P + 3);
    rc = cc_spool_decode(buf, n, &rec, &consumed);
    CHECK(rc == CC_SPOOL_CORRUPT && consumed == n);

    /* a field overruns the payload */
    payload[0] = 3;
    n = handmade(buf, payload, P + 2);
    rc = cc_spool_decode(buf, n, &rec, &consumed);
    CHECK(rc == CC_SPOOL_CORRUPT && consumed == n);

    /* the last field overruns by one */
    memset(payload, 0, sizeof(payload));
    payload[P - 4] = 1;
    n = handmade(buf, payload, P);
    rc = cc_spool_decode(buf, n, &rec, &consumed);
    CHECK(rc == CC_SPOOL_CORRUPT);
    n = handmade(buf, payload, P + 1);
    rc = cc_spool_decode(buf, n, &rec, &consumed);
    CHECK(rc == CC_SPOOL_OK && rec.f[CC_SPOOL_NFIELDS - 1].len == 1);

    /* a payload shorter than the fields' lengths */
    memset(payload, 0, sizeof(payload));
    n = handmade(buf, payload, P - 4);
    rc = cc_spool_decode(buf, n, &rec, &consumed);
    CHECK(rc == CC_SPOOL_CORRUPT && consumed == n);

    /* a huge length with a valid header CRC: corrupt, not "read more" */
    n = handmade(buf, NULL, CC_SPOOL_MAX_RECORD - 15);
    rc = cc_spool_decode(buf, n, &rec, &consumed);
    CHECK(rc == CC_SPOOL_CORRUPT && consumed == n);
    rc = cc_spool_decode(buf, 8, &rec, &consumed);
    CHECK(rc == CC_SPOOL_CORRUPT && consumed == 8);
    n = handmade(buf, NULL, 0xFFFFFFFF);
    rc = cc_spool_decode(buf, n, &rec, &consumed);
    CHECK(rc == CC_SPOOL_CORRUPT && consumed == n);

    /* the largest sane length: read more */
    n = handmade(buf, NULL, CC_SPOOL_MAX_RECORD - 16);
    rc = cc_spool_decode(buf, n, &rec, &consumed);
    CHECK(rc == CC_SPOOL_NEED_MORE && consumed == 0);

    /* bad magic */
    memset(payload, 0, sizeof(payload));
    n = handmade(buf, payload, P);
    buf[3] = '2';
    rc = cc_spool_decode(buf, n, &rec, &consumed);
    CHECK(rc == CC_SPOOL_CORRUPT && consumed == n);

    /* an empty buffer, partial magics */
    rc = cc_spool_decode((const unsigned char *) "", 0, &rec, &consumed);
    CHECK(rc == CC_SPOOL_NEED_MORE && consumed == 0);
    rc = cc_spool_decode((const unsigned char *) "\xFFS", 2, &rec, &consumed);
    CHECK(rc == CC_SPOOL_NEED_MORE && consumed == 0);
    rc = cc_spool_decode((const unsigned char *) "\xFFX", 2, &rec, &consumed);
    CHECK(rc == CC_SPOOL_CORRUPT && consumed == 2);
    rc = cc_spool_decode((const unsigned char *) "xyz", 3, &rec, &consumed);
    CHECK(rc == CC_SPOOL_CORRUPT && consumed == 3);

    /* garbage ending with the start of a magic: skip to that start */
    rc = cc_spool_decode((const unsigned char *) "xyz\xFFSP", 6, &rec,
                         &consumed);
    CHECK(rc == CC_SPOOL_CORRUPT && consumed == 3);
    rc = cc_spool_decode((const unsigned char *) "x\xFFSQ\xFF", 5, &rec,
                         &consumed);
    CHECK(rc == CC_SPOOL_CORRUPT && consumed == 4);
}


static void
test_spool_damage(void)
{
    size_t              n, i, bit, consumed, bad, cut;
    unsigned char      *p, *q;
    cc_spool_rc_e       rc;
    cc_spool_record_t   rec, back;

    rec_set(&rec, "0190e3b2-7c1a", "{\"a\":1}");
    rec.f[CC_SPOOL_DEDUP].data = "key";
    rec.f[CC_SPOOL_DEDUP].len = 3;

    p = frame(&rec, &n);
    CHECK(p != NULL);
    if (p == NULL) {
        return;
    }

    /* every single-bit flip is detected */
    bad = 0;

    for (i = 0; i < n; i++) {
        for (bit = 0; bit < 8; bit++) {
            p[i] ^= (unsigned char) (1u << bit);
            consumed = 0;
            rc = cc_spool_decode(p, n, &back, &consumed);

            if (rc != CC_SPOOL_CORRUPT || consumed < 1 || consumed > n) {
                fprintf(stderr, "  bit %zu of byte %zu: rc %d\n", bit, i,
                        (int) rc);
                bad++;
            }

            p[i] ^= (unsigned char) (1u << bit);
        }
    }

    CHECK(bad == 0);

    rc = cc_spool_decode(p, n, &back, &consumed);
    CHECK(rc == CC_SPOOL_OK && rec_equal(&rec, &back));

    /* every truncation asks for more, from an exact-size copy */
    bad = 0;

    for (cut = 0; cut < n; cut++) {
        q = malloc(cut ? cut : 1);
        if (q == NULL) {
            bad++;
            break;
        }

        memcpy(q, p, cut);
        consumed = 99;
        rc = cc_spool_decode(q, cut, &back, &consumed);

        if (rc != CC_SPOOL_NEED_MORE || consumed != 0) {
            fprintf(stderr, "  cut at %zu: rc %d\n", cut, (int) rc);
            bad++;
        }

        free(q);
    }

    CHECK(bad == 0);

    free(p);
}


/* a, then a torn b (its first "cut" bytes), then c: a and c are read */

static int
torn_between(const unsigned char *a, size_t na, const unsigned char *b,
    size_t cut, const unsigned char *c, size_t nc,
    const cc_spool_record_t *ra, const cc_spool_record_t *rc)
{
    int             ok;
    size_t          n;
    reader_t        rd;
    unsigned char  *buf;

    n = na + cut + nc;
    buf = malloc(n);
    if (buf == NULL) {
        return 0;
    }

    memcpy(buf, a, na);
    memcpy(buf + na, b, cut);
    memcpy(buf + na + cut, c, nc);

    read_all(buf, n, &rd);

    ok = rd.n == 2 && !rd.torn && !rd.stuck
         && rec_equal(ra, &rd.rec[0]) && rec_equal(rc, &rd.rec[1])
         && (cut == 0 ? rd.corrupt == 0 : rd.corrupt >= 1)
         && rd.skipped == cut;

    if (!ok) {
        fprintf(stderr, "  torn after %zu bytes: %zu records, %zu corrupt,"
                " %zu skipped, torn %d, stuck %d\n", cut, rd.n, rd.corrupt,
                rd.skipped, rd.torn, rd.stuck);
    }

    free(buf);
    return ok;
}


static void
test_spool_resync(void)
{
    char               *big;
    size_t              na, nb, nc, nl, cut, bad, n, i;
    reader_t            rd;
    unsigned char      *a, *b, *c, *l, *buf;
    cc_spool_record_t   ra, rb, rc, rl;

    rec_set(&ra, "id-a", "{\"q\":\"a\"}");
    rec_set(&rb, "id-b", "{\"q\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"}");
    rec_set(&rc, "id-c", "{\"q\":\"c\"}");

    big = malloc(20000);
    if (big == NULL) {
        CHECK(big != NULL);
        return;
    }

    memset(big, 'x', 20000);
    rec_set(&rl, "id-long", "");
    rl.f[CC_SPOOL_DATA].data = big;
    rl.f[CC_SPOOL_DATA].len = 20000;

    a = frame(&ra, &na);
    b = frame(&rb, &nb);
    c = frame(&rc, &nc);
    l = frame(&rl, &nl);
    CHECK(a != NULL && b != NULL && c != NULL && l != NULL);
    if (a == NULL || b == NULL || c == NULL || l == NULL) {
        goto done;
    }

    /* b torn after every possible length, then c appended after it */
    bad = 0;
    for (cut = 0; cut < nb; cut++) {
        bad += !torn_between(a, na, b, cut, c, nc, &ra, &rc);
    }
    CHECK(bad == 0);

    /*
     * A long record torn after its header: the header is valid and
     * declares more bytes than the short c after it, yet c is read.
     */
    bad = 0;
    for (cut = 1; cut < 200; cut++) {
        bad += !torn_between(a, na, l, cut, c, nc, &ra, &rc);
    }
    bad += !torn_between(a, na, l, nl - 1, c, nc, &ra, &rc);
    bad += !torn_between(a, na, l, nl / 2, c, nc, &ra, &rc);
    CHECK(bad == 0);

    /* a torn tail at the end of the file: a is read, then "read more" */
    buf = malloc(na + nl);
    if (buf != NULL) {
        memcpy(buf, a, na);
        memcpy(buf + na, l, nl);

        read_all(buf, na + 100, &rd);
        CHECK(rd.n == 1 && rd.torn && !rd.stuck && rd.corrupt == 0);

        read_all(buf, na + 3, &rd);
        CHECK(rd.n == 1 && rd.torn && !rd.stuck && rd.corrupt == 0);

        read_all(buf, na + nl, &rd);
        CHECK(rd.n == 2 && !rd.torn && !rd.stuck
              && rec_equal(&rl, &rd.rec[1]));
        free(buf);
    }

    /* a garbage prefix, with false magics, before two good records */
    {
        static const char  junk[] = "garbage\xFF\xFF" "S\xFFSP\xFFSP1\0\0\0\0"
                                    "\xFFSP1\x40\0\0\0\0\0\0\0\0\0\0\0zz";

        n = sizeof(junk) + na + nc;
        buf = malloc(n);
        if (buf != NULL) {
            memcpy(buf, junk, sizeof(junk));
            memcpy(buf + sizeof(junk), a, na);
            memcpy(buf + sizeof(junk) + na, c, nc);

            read_all(buf, n, &rd);
            CHECK(rd.n == 2 && !rd.torn && !rd.stuck && rd.corrupt >= 3
                  && rd.skipped == sizeof(junk)
                  && rec_equal(&ra, &rd.rec[0])
                  && rec_equal(&rc, &rd.rec[1]));
            free(buf);
        }
    }

    /* a good record in the middle of a zeroed region (a sparse hole) */
    n = 4096 + nb + 4096;
    buf = calloc(1, n);
    if (buf != NULL) {
        memcpy(buf + 4096, b, nb);
        read_all(buf, n, &rd);
        CHECK(rd.n == 1 && rd.corrupt == 2 && !rd.torn && !rd.stuck
              && rd.skipped == 8192 && rec_equal(&rb, &rd.rec[0]));
        free(buf);
    }

    /* the same records one after the other, many times */
    n = 0;
    buf = malloc(5 * (na + nb + nc));
    if (buf != NULL) {
        for (i = 0; i < 5; i++) {
            memcpy(buf + n, i % 2 ? b : a, i % 2 ? nb : na);
            n += i % 2 ? nb : na;
        }
        read_all(buf, n, &rd);
        CHECK(rd.n == 5 && rd.corrupt == 0 && !rd.torn && !rd.stuck
              && rec_equal(&rb, &rd.rec[3]) && rec_equal(&ra, &rd.rec[4]));
        free(buf);
    }

done:

    free(a);
    free(b);
    free(c);
    free(l);
    free(big);
}


/* the mark: the one byte written in place, outside the header CRC */

static void
test_spool_marks(void)
{
    size_t              n, consumed, i;
    unsigned char      *p, *two;
    cc_spool_record_t   rec, back;
    static const unsigned char  marks[] = { CC_SPOOL_LIVE, CC_SPOOL_REPLAYED,
                                            CC_SPOOL_REFUSED };

    rec_set(&rec, "id-mark", "{\"q\":\"m\"}");
    p = frame(&rec, &n);
    CHECK(p != NULL);
    if (p == NULL) {
        return;
    }

    CHECK(p[CC_SPOOL_MARK_AT] == CC_SPOOL_LIVE);

    for (i = 0; i < sizeof(marks); i++) {
        p[CC_SPOOL_MARK_AT] = marks[i];
        memset(&back, 0, sizeof(back));
        CHECK(cc_spool_decode(p, n, &back, &consumed) == CC_SPOOL_OK);
        CHECK(consumed == n && back.mark == marks[i]);
        CHECK(rec_equal(&rec, &back));
    }

    /* any other byte there is damage */
    p[CC_SPOOL_MARK_AT] = '2';
    CHECK(cc_spool_decode(p, n, &back, &consumed) == CC_SPOOL_CORRUPT);
    CHECK(consumed == n);

    /* a marked frame after a damaged one is found by the resync */
    two = malloc(2 * n);
    CHECK(two != NULL);
    if (two != NULL) {
        p[CC_SPOOL_MARK_AT] = '2';
        memcpy(two, p, n);
        p[CC_SPOOL_MARK_AT] = CC_SPOOL_REPLAYED;
        memcpy(two + n, p, n);
        CHECK(cc_spool_decode(two, 2 * n, &back, &consumed)
              == CC_SPOOL_CORRUPT);
        CHECK(consumed == n);
        CHECK(cc_spool_decode(two + n, n, &back, &consumed) == CC_SPOOL_OK);
        CHECK(back.mark == CC_SPOOL_REPLAYED);
        free(two);
    }

    /* and a marked frame cut short is a torn one, not damage */
    p[CC_SPOOL_MARK_AT] = CC_SPOOL_REFUSED;
    CHECK(cc_spool_decode(p, n - 1, &back, &consumed) == CC_SPOOL_NEED_MORE);
    CHECK(cc_spool_decode(p, 3, &back, &consumed) == CC_SPOOL_NEED_MORE);

    free(p);
}


void
test_spool(void)
{
    test_spool_marks();
    test_spool_crc();
    test_spool_round_trip();
    test_spool_max();
    test_spool_malformed();
    test_spool_damage();
    test_spool_resync();
}
