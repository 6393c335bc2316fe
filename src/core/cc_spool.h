/*
 * The local spool's record format: answers that Redis could not take in
 * time are appended to a file as framed, checksummed records and replayed
 * later.  The frame layout is described at the top of cc_spool.c.
 */

#ifndef CC_SPOOL_H
#define CC_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#define CC_SPOOL_MAX_RECORD  (1024 * 1024)   /* whole frame, bytes */

/* magic, payload length, payload CRC, header CRC */
#define CC_SPOOL_HEADER_LEN  16

enum {
    CC_SPOOL_ID = 0,
    CC_SPOOL_RECEIVED_AT,
    CC_SPOOL_FORM,
    CC_SPOOL_DATA,
    CC_SPOOL_CLIENT,
    CC_SPOOL_DEDUP,
    CC_SPOOL_SCAN_FROM,
    CC_SPOOL_STREAM,        /* the Redis stream's key */
    CC_SPOOL_NFIELDS
};

typedef struct {
    const char  *data;
    size_t       len;
} cc_spool_str_t;

/*
 * The last byte of a frame's magic is its mark, the one byte of a spool
 * file ever written in place: a live record ('1', as appended), one the
 * replay handed over to Redis ('R': skipped by any later replay, so that
 * the replay's position is on disk), one Redis refused for good ('Q':
 * tried again only when its file is replayed again, after the operator
 * moved it back from the quarantine).  The header CRC is computed with
 * the mark taken as '1'.
 */
#define CC_SPOOL_MARK_AT    3
#define CC_SPOOL_LIVE       '1'
#define CC_SPOOL_REPLAYED   'R'
#define CC_SPOOL_REFUSED    'Q'

/* any field may be empty (len 0; data is then not read) */
typedef struct {
    cc_spool_str_t  f[CC_SPOOL_NFIELDS];
    unsigned char   mark;       /* decoded; encoded as CC_SPOOL_LIVE */
} cc_spool_record_t;

/* the size of rec's frame, or 0 when it would exceed CC_SPOOL_MAX_RECORD */
size_t cc_spool_encoded_len(const cc_spool_record_t *rec);

/*
 * Writes rec's frame to out, which has room for cc_spool_encoded_len()
 * bytes, and returns that length; writes nothing and returns 0 when the
 * record is too large.
 */
size_t cc_spool_encode(const cc_spool_record_t *rec, unsigned char *out);

typedef enum {
    CC_SPOOL_OK = 0,
    CC_SPOOL_NEED_MORE,
    CC_SPOOL_CORRUPT
} cc_spool_rc_e;

/*
 * Decodes the record at the start of buf[0..len).
 *
 * OK: *rec points into buf, *consumed = frame size.
 *
 * NEED_MORE: buf holds the start of a plausible frame that is not complete
 *   (a torn tail at EOF, or the caller must read more): *consumed = 0.
 *   Also returned for an empty buffer.  But when a complete valid frame
 *   starts later in buf, the frame at buf is a torn one that later appends
 *   followed: CORRUPT, with *consumed = the offset of that frame.  So at
 *   EOF, NEED_MORE means that no record follows: the rest is a torn tail.
 *
 * CORRUPT: the bytes at buf are not a valid frame (bad magic, bad length,
 *   checksum mismatch, malformed fields): *consumed = the number of bytes to
 *   skip to reach the next possible frame start, always >= 1: the next
 *   occurrence of the magic after offset 0, else the start of a trailing
 *   partial magic (the first bytes of a frame whose rest is not read yet),
 *   else len.
 */
cc_spool_rc_e cc_spool_decode(const unsigned char *buf, size_t len,
    cc_spool_record_t *rec, size_t *consumed);

/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): start with
 * crc = 0, chain by passing the previous result.
 * cc_crc32c(0, "123456789", 9) == 0xE3069283.
 */
uint32_t cc_crc32c(uint32_t crc, const void *buf, size_t len);

#endif /* CC_SPOOL_H */
