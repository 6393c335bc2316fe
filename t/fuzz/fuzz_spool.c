/*
 * cc_spool_decode(): a reader's loop over any bytes always progresses to
 * the end, never reads out of bounds, and what it decodes is exactly a
 * frame cc_spool_encode() would write; records built from the input
 * survive encode and decode unchanged, and damage to them is detected.
 */

#include <stdint.h>

#include "cc_spool.h"
#include "fuzz_common.h"


static const unsigned char  magic[4] = { 0xFF, 'S', 'P', '1' };


/* buf[0..len) starts with the magic, or is a prefix of it */

static int
frame_start(const unsigned char *buf, size_t len)
{
    if (memcmp(buf, magic, len < 3 ? len : 3) != 0) {
        return 0;
    }

    /* the last byte of the magic is the record's mark (cc_spool.h) */
    return len < 4 || buf[3] == CC_SPOOL_LIVE || buf[3] == CC_SPOOL_REPLAYED
           || buf[3] == CC_SPOOL_REFUSED;
}


static void
read_loop(const unsigned char *data, size_t size)
{
    size_t              off, consumed, n, i;
    unsigned char      *out;
    cc_spool_rc_e       rc;
    cc_spool_record_t   rec;

    for (off = 0; off < size; off += consumed) {
        consumed = (size_t) -1;
        rc = cc_spool_decode(data + off, size - off, &rec, &consumed);

        if (rc == CC_SPOOL_NEED_MORE) {
            FUZZ_ASSERT(consumed == 0);
            FUZZ_ASSERT(frame_start(data + off, size - off));
            return;
        }

        FUZZ_ASSERT(rc == CC_SPOOL_OK || rc == CC_SPOOL_CORRUPT);
        FUZZ_ASSERT(consumed >= 1 && consumed <= size - off);

        if (rc == CC_SPOOL_CORRUPT) {

            /* resumes at a frame start, or at the end */
            FUZZ_ASSERT(off + consumed == size
                        || frame_start(data + off + consumed,
                                       size - off - consumed));
            continue;
        }

        /* the fields lie inside the frame, in order */
        for (i = 0; i < CC_SPOOL_NFIELDS; i++) {
            FUZZ_ASSERT((const unsigned char *) rec.f[i].data >= data + off);
            FUZZ_ASSERT((const unsigned char *) rec.f[i].data + rec.f[i].len
                        <= data + off + consumed);
        }

        /* and re-encode to the very same bytes */
        n = cc_spool_encoded_len(&rec);
        FUZZ_ASSERT(n == consumed);

        out = malloc(n);
        FUZZ_ASSERT(out != NULL);
        FUZZ_ASSERT(cc_spool_encode(&rec, out) == n);

        /* the same bytes but the mark, which the encoder writes live */
        FUZZ_ASSERT(rec.mark == data[off + CC_SPOOL_MARK_AT]);
        FUZZ_ASSERT(out[CC_SPOOL_MARK_AT] == CC_SPOOL_LIVE);
        out[CC_SPOOL_MARK_AT] = rec.mark;
        FUZZ_ASSERT(memcmp(out, data + off, n) == 0);
        free(out);
    }
}


/*
 * The first 2 bytes per field say how to split the rest into fields; the
 * record is encoded, decoded back from an exact-size copy, truncated,
 * followed by the input, and damaged by one bit.
 */

static void
round_trip(const unsigned char *data, size_t size)
{
    size_t                i, n, len, rest, consumed, bit;
    unsigned char        *out, *both;
    cc_spool_rc_e         rc;
    cc_spool_record_t     rec, back;
    const unsigned char  *p;

    if (size < 2 * CC_SPOOL_NFIELDS) {
        return;
    }

    p = data + 2 * CC_SPOOL_NFIELDS;
    rest = size - 2 * CC_SPOOL_NFIELDS;

    for (i = 0; i < CC_SPOOL_NFIELDS; i++) {
        len = (size_t) data[2 * i] | (size_t) data[2 * i + 1] << 8;

        if (len > rest || i == CC_SPOOL_NFIELDS - 1) {
            len = rest;
        }

        /* an empty field need not have a pointer */
        rec.f[i].data = len ? (const char *) p : NULL;
        rec.f[i].len = len;
        p += len;
        rest -= len;
    }

    n = cc_spool_encoded_len(&rec);
    FUZZ_ASSERT(n == CC_SPOOL_HEADER_LEN + 2 * CC_SPOOL_NFIELDS + size);

    out = malloc(n);
    FUZZ_ASSERT(out != NULL);
    FUZZ_ASSERT(cc_spool_encode(&rec, out) == n);

    rc = cc_spool_decode(out, n, &back, &consumed);
    FUZZ_ASSERT(rc == CC_SPOOL_OK && consumed == n);

    for (i = 0; i < CC_SPOOL_NFIELDS; i++) {
        FUZZ_ASSERT(back.f[i].len == rec.f[i].len);
        FUZZ_ASSERT(rec.f[i].len == 0
                    || memcmp(back.f[i].data, rec.f[i].data, rec.f[i].len)
                       == 0);
    }

    /* truncated anywhere: read more (or corrupt), never a record */
    len = (size_t) data[0] * n / 256;
    rc = cc_spool_decode(out, len, &back, &consumed);
    FUZZ_ASSERT(rc != CC_SPOOL_OK);
    FUZZ_ASSERT(rc == CC_SPOOL_CORRUPT ? consumed >= 1 : consumed == 0);

    /* followed by anything: the same frame */
    both = malloc(n + size);
    FUZZ_ASSERT(both != NULL);
    memcpy(both, out, n);
    memcpy(both + n, data, size);
    rc = cc_spool_decode(both, n + size, &back, &consumed);
    FUZZ_ASSERT(rc == CC_SPOOL_OK && consumed == n);
    free(both);

    /* one bit flipped: never a record */
    bit = ((size_t) data[1] << 8 | data[2]) % (n * 8);
    out[bit / 8] ^= (unsigned char) (1u << (bit % 8));
    rc = cc_spool_decode(out, n, &back, &consumed);
    FUZZ_ASSERT(rc == CC_SPOOL_CORRUPT && consumed >= 1 && consumed <= n);

    free(out);
}


int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    read_loop(data, size);
    round_trip(data, size);

    return 0;
}
