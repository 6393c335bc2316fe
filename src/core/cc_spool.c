/*
 * The local spool's record format.
 *
 * A spool file is a sequence of frames, appended one after the other:
 *
 *     offset  size  field
 *          0     4  magic: 0xFF 'S' 'P', then the mark: '1' as appended,
 *                   'R' once replayed, 'Q' once refused (cc_spool.h)
 *          4     4  payload length N, unsigned little-endian
 *          8     4  payload CRC: CRC-32C of bytes 4..8 (the length) and of
 *                   the payload, little-endian
 *         12     4  header CRC: CRC-32C of bytes 0..12, the mark taken as
 *                   '1', little-endian
 *         16     N  payload: the CC_SPOOL_NFIELDS fields in their order,
 *                   each as its length (u32 little-endian) and its bytes
 *
 * A whole frame is at most CC_SPOOL_MAX_RECORD bytes, and N is at least
 * 4 * CC_SPOOL_NFIELDS (every field empty); the fields fill the payload
 * exactly.
 *
 * The header CRC lets a reader trust the length before it has the payload:
 * a garbled length is seen at once, and a sane length whose payload is not
 * all there yet means "read more" (or, at the end of the file, a torn
 * tail).  The payload CRC covers the length again, so that the two checks
 * together bind the length to the bytes that follow.  0xFF never occurs in
 * UTF-8, so the magic cannot appear inside the text fields of a record:
 * after a damaged frame, the next magic is the next frame.
 *
 * A writer that dies in the middle of an append leaves a torn frame, and
 * frames appended after a restart follow it: its header may well be valid
 * and declare more bytes than were written.  So a frame that looks
 * incomplete is reported as CORRUPT, not NEED_MORE, when a complete valid
 * frame starts later in the buffer; and on CORRUPT the reader resumes at
 * the next magic, never at the end declared by a failed frame.
 */

#include <string.h>

#include "cc_spool.h"


#define CC_SPOOL_MIN_PAYLOAD  (4 * CC_SPOOL_NFIELDS)
#define CC_SPOOL_MAX_PAYLOAD  (CC_SPOOL_MAX_RECORD - CC_SPOOL_HEADER_LEN)


static cc_spool_rc_e cc_spool_frame(const unsigned char *buf, size_t len,
    cc_spool_record_t *rec, size_t *size);
static size_t cc_spool_next(const unsigned char *buf, size_t len, int whole);
static int cc_spool_is_magic(const unsigned char *p, size_t n);
static uint32_t cc_spool_header_crc(const unsigned char *buf);
static uint32_t cc_spool_get32(const unsigned char *p);
static unsigned char *cc_spool_put32(unsigned char *p, uint32_t v);


static const unsigned char  cc_spool_magic[4] = { 0xFF, 'S', 'P', '1' };

static const uint32_t  cc_crc32c_table[256] = {
    0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4,
    0xc79a971f, 0x35f1141c, 0x26a1e7e8, 0xd4ca64eb,
    0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b,
    0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24,
    0x105ec76f, 0xe235446c, 0xf165b798, 0x030e349b,
    0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
    0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54,
    0x5d1d08bf, 0xaf768bbc, 0xbc267848, 0x4e4dfb4b,
    0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a,
    0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35,
    0xaa64d611, 0x580f5512, 0x4b5fa6e6, 0xb93425e5,
    0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
    0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45,
    0xf779deae, 0x05125dad, 0x1642ae59, 0xe4292d5a,
    0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a,
    0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595,
    0x417b1dbc, 0xb3109ebf, 0xa0406d4b, 0x522bee48,
    0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
    0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687,
    0x0c38d26c, 0xfe53516f, 0xed03a29b, 0x1f682198,
    0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
    0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38,
    0xdbfc821c, 0x2997011f, 0x3ac7f2eb, 0xc8ac71e8,
    0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
    0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096,
    0xa65c047d, 0x5437877e, 0x4767748a, 0xb50cf789,
    0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859,
    0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46,
    0x7198540d, 0x83f3d70e, 0x90a324fa, 0x62c8a7f9,
    0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
    0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36,
    0x3cdb9bdd, 0xceb018de, 0xdde0eb2a, 0x2f8b6829,
    0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c,
    0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93,
    0x082f63b7, 0xfa44e0b4, 0xe9141340, 0x1b7f9043,
    0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
    0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3,
    0x55326b08, 0xa759e80b, 0xb4091bff, 0x466298fc,
    0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c,
    0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033,
    0xa24bb5a6, 0x502036a5, 0x4370c551, 0xb11b4652,
    0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
    0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d,
    0xef087a76, 0x1d63f975, 0x0e330a81, 0xfc588982,
    0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d,
    0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622,
    0x38cc2a06, 0xcaa7a905, 0xd9f75af1, 0x2b9cd9f2,
    0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
    0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530,
    0x0417b1db, 0xf67c32d8, 0xe52cc12c, 0x1747422f,
    0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff,
    0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0,
    0xd3d3e1ab, 0x21b862a8, 0x32e8915c, 0xc083125f,
    0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
    0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90,
    0x9e902e7b, 0x6cfbad78, 0x7fab5e8c, 0x8dc0dd8f,
    0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee,
    0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1,
    0x69e9f0d5, 0x9b8273d6, 0x88d28022, 0x7ab90321,
    0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
    0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81,
    0x34f4f86a, 0xc69f7b69, 0xd5cf889d, 0x27a40b9e,
    0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
    0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351
};


uint32_t
cc_crc32c(uint32_t crc, const void *buf, size_t len)
{
    const unsigned char  *p;

    p = buf;
    crc = ~crc;

    while (len--) {
        crc = cc_crc32c_table[(crc ^ *p++) & 0xFF] ^ (crc >> 8);
    }

    return ~crc;
}


size_t
cc_spool_encoded_len(const cc_spool_record_t *rec)
{
    size_t  i, n;

    n = CC_SPOOL_HEADER_LEN + CC_SPOOL_MIN_PAYLOAD;

    for (i = 0; i < CC_SPOOL_NFIELDS; i++) {
        if (rec->f[i].len > CC_SPOOL_MAX_RECORD - n) {
            return 0;
        }

        n += rec->f[i].len;
    }

    return n;
}


size_t
cc_spool_encode(const cc_spool_record_t *rec, unsigned char *out)
{
    size_t          i, n;
    uint32_t        crc;
    unsigned char  *p;

    n = cc_spool_encoded_len(rec);

    if (n == 0) {
        return 0;
    }

    p = out + CC_SPOOL_HEADER_LEN;

    for (i = 0; i < CC_SPOOL_NFIELDS; i++) {
        p = cc_spool_put32(p, (uint32_t) rec->f[i].len);

        if (rec->f[i].len) {
            memcpy(p, rec->f[i].data, rec->f[i].len);
            p += rec->f[i].len;
        }
    }

    memcpy(out, cc_spool_magic, 4);
    cc_spool_put32(out + 4, (uint32_t) (n - CC_SPOOL_HEADER_LEN));

    crc = cc_crc32c(0, out + 4, 4);
    crc = cc_crc32c(crc, out + CC_SPOOL_HEADER_LEN, n - CC_SPOOL_HEADER_LEN);
    cc_spool_put32(out + 8, crc);

    cc_spool_put32(out + 12, cc_spool_header_crc(out));

    return n;
}


cc_spool_rc_e
cc_spool_decode(const unsigned char *buf, size_t len, cc_spool_record_t *rec,
    size_t *consumed)
{
    size_t             i, size;
    cc_spool_rc_e      rc;
    cc_spool_record_t  r, later;

    if (len == 0) {
        *consumed = 0;
        return CC_SPOOL_NEED_MORE;
    }

    rc = cc_spool_frame(buf, len, &r, &size);

    switch (rc) {

    case CC_SPOOL_OK:
        *rec = r;
        *consumed = size;
        return CC_SPOOL_OK;

    case CC_SPOOL_NEED_MORE:

        /* a torn frame followed by complete ones: skip to the first */

        for (i = 1; i < len; i++) {
            i += cc_spool_next(buf + i, len - i, 1);

            if (i < len
                && cc_spool_frame(buf + i, len - i, &later, &size)
                   == CC_SPOOL_OK)
            {
                *consumed = i;
                return CC_SPOOL_CORRUPT;
            }
        }

        *consumed = 0;
        return CC_SPOOL_NEED_MORE;

    default:
        *consumed = 1 + cc_spool_next(buf + 1, len - 1, 0);
        return CC_SPOOL_CORRUPT;
    }
}


/*
 * The frame at buf without resynchronisation: OK with the record and the
 * frame's size, NEED_MORE when it may be complete once more bytes are
 * read, CORRUPT otherwise.
 */

static cc_spool_rc_e
cc_spool_frame(const unsigned char *buf, size_t len, cc_spool_record_t *rec,
    size_t *size)
{
    size_t                i, n, flen;
    uint32_t              crc;
    const unsigned char  *p, *end;

    if (!cc_spool_is_magic(buf, len < 4 ? len : 4)) {
        return CC_SPOOL_CORRUPT;
    }

    if (len < 8) {
        return CC_SPOOL_NEED_MORE;
    }

    n = cc_spool_get32(buf + 4);

    if (n < CC_SPOOL_MIN_PAYLOAD || n > CC_SPOOL_MAX_PAYLOAD) {
        return CC_SPOOL_CORRUPT;
    }

    if (len < CC_SPOOL_HEADER_LEN) {
        return CC_SPOOL_NEED_MORE;
    }

    if (cc_spool_header_crc(buf) != cc_spool_get32(buf + 12)) {
        return CC_SPOOL_CORRUPT;
    }

    if (len - CC_SPOOL_HEADER_LEN < n) {
        return CC_SPOOL_NEED_MORE;
    }

    p = buf + CC_SPOOL_HEADER_LEN;
    end = p + n;

    crc = cc_crc32c(0, buf + 4, 4);
    crc = cc_crc32c(crc, p, n);

    if (crc != cc_spool_get32(buf + 8)) {
        return CC_SPOOL_CORRUPT;
    }

    for (i = 0; i < CC_SPOOL_NFIELDS; i++) {
        if (end - p < 4) {
            return CC_SPOOL_CORRUPT;
        }

        flen = cc_spool_get32(p);
        p += 4;

        if (flen > (size_t) (end - p)) {
            return CC_SPOOL_CORRUPT;
        }

        rec->f[i].data = (const char *) p;
        rec->f[i].len = flen;
        p += flen;
    }

    if (p != end) {
        return CC_SPOOL_CORRUPT;
    }

    rec->mark = buf[CC_SPOOL_MARK_AT];
    *size = CC_SPOOL_HEADER_LEN + n;

    return CC_SPOOL_OK;
}


/* the first n (at most 4) bytes of a magic, whatever its mark */

static int
cc_spool_is_magic(const unsigned char *p, size_t n)
{
    if (memcmp(p, cc_spool_magic, n < 3 ? n : 3) != 0) {
        return 0;
    }

    return n < 4 || p[3] == CC_SPOOL_LIVE || p[3] == CC_SPOOL_REPLAYED
           || p[3] == CC_SPOOL_REFUSED;
}


static uint32_t
cc_spool_header_crc(const unsigned char *buf)
{
    unsigned char  h[12];

    memcpy(h, buf, 12);
    h[CC_SPOOL_MARK_AT] = CC_SPOOL_LIVE;

    return cc_crc32c(0, h, 12);
}


/*
 * The offset of the first magic in buf[0..len), else, unless "whole" is
 * set, of a trailing partial magic (a frame whose first bytes only are
 * read), else len.
 */

static size_t
cc_spool_next(const unsigned char *buf, size_t len, int whole)
{
    size_t                n;
    const unsigned char  *p, *end;

    end = buf + len;

    for (p = buf; p < end; p++) {
        p = memchr(p, cc_spool_magic[0], (size_t) (end - p));

        if (p == NULL) {
            break;
        }

        n = (size_t) (end - p);

        if (n >= 4) {
            if (cc_spool_is_magic(p, 4)) {
                return (size_t) (p - buf);
            }

        } else if (!whole && cc_spool_is_magic(p, n)) {
            return (size_t) (p - buf);
        }
    }

    return len;
}


static uint32_t
cc_spool_get32(const unsigned char *p)
{
    return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16
           | (uint32_t) p[3] << 24;
}


static unsigned char *
cc_spool_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char) v;
    p[1] = (unsigned char) (v >> 8);
    p[2] = (unsigned char) (v >> 16);
    p[3] = (unsigned char) (v >> 24);

    return p + 4;
}
