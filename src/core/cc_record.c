/*
 * Record metadata: time-ordered ids, reception time, pseudonymised client.
 */

#include <limits.h>
#include <string.h>


#include "cc_record.h"

#define CC_SEQ_MAX      0x0FFF
/* the latest instant "YYYY" can show: 9999-12-31T23:59:59.999Z */
#define CC_TIME_MAX_MS  253402300799999LL


static const char  cc_hex_digits[] = "0123456789abcdef";


/*
 * The sequence restarts from 11 random bits, not 12, so that at least 2048
 * ids fit in a millisecond before it has to borrow the next one.
 */

static uint16_t
cc_seq_seed(const unsigned char random[10])
{
    return (uint16_t) (((random[0] << 8) | random[1]) & 0x07FF);
}


void
cc_id_uuid7(cc_id_state_t *state, uint64_t now_ms,
    const unsigned char random[10], char *out)
{
    int            i, k;
    uint64_t       ms;
    unsigned char  b[16];

    now_ms &= 0xFFFFFFFFFFFFULL;

    if (now_ms > state->last_ms) {
        state->last_ms = now_ms;
        state->seq = cc_seq_seed(random);

    } else if (state->seq < CC_SEQ_MAX) {
        /* same millisecond, or the clock stepped back: keep counting */
        state->seq++;

    } else {
        state->last_ms++;
        state->seq = cc_seq_seed(random);
    }

    ms = state->last_ms;

    for (i = 5; i >= 0; i--) {
        b[i] = (unsigned char) (ms & 0xFF);
        ms >>= 8;
    }

    b[6] = (unsigned char) (0x70 | ((state->seq >> 8) & 0x0F));
    b[7] = (unsigned char) (state->seq & 0xFF);
    b[8] = (unsigned char) (0x80 | (random[2] & 0x3F));
    memcpy(&b[9], &random[3], 7);

    for (i = 0, k = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out[k++] = '-';
        }

        out[k++] = cc_hex_digits[b[i] >> 4];
        out[k++] = cc_hex_digits[b[i] & 0x0F];
    }

    out[k] = '\0';
}


static void
cc_put_digits(char *p, unsigned v, int n)
{
    while (n-- > 0) {
        p[n] = (char) ('0' + v % 10);
        v /= 10;
    }
}


/*
 * Howard Hinnant's civil_from_days: exact for the proleptic Gregorian
 * calendar, and free of the locale and TZ state gmtime() may consult.
 */

void
cc_time_rfc3339_ms(int64_t ms, char *out)
{
    int64_t   days, secs, z, era, doe, yoe, y, doy, mp, d, m;

    if (ms < 0) {
        ms = 0;

    } else if (ms > CC_TIME_MAX_MS) {
        ms = CC_TIME_MAX_MS;
    }

    days = ms / 86400000;
    secs = (ms % 86400000) / 1000;

    z = days + 719468;
    era = z / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += (m <= 2);

    memcpy(out, "0000-00-00T00:00:00.000Z", CC_TIME_LEN + 1);

    cc_put_digits(out, (unsigned) y, 4);
    cc_put_digits(out + 5, (unsigned) m, 2);
    cc_put_digits(out + 8, (unsigned) d, 2);
    cc_put_digits(out + 11, (unsigned) (secs / 3600), 2);
    cc_put_digits(out + 14, (unsigned) (secs / 60 % 60), 2);
    cc_put_digits(out + 17, (unsigned) (secs % 60), 2);
    cc_put_digits(out + 20, (unsigned) (ms % 1000), 3);
}


size_t
cc_client_mask(int family, const unsigned char *addr, unsigned prefix6,
    unsigned char *out)
{
    unsigned  i, bits;

    static const unsigned char  mapped[12] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF
    };

    if (family == 6 && memcmp(addr, mapped, 12) == 0) {
        /* ::ffff:a.b.c.d is an IPv4 client behind a dual-stack socket */
        family = 4;
        addr += 12;
    }

    if (family == 4) {
        out[0] = 4;
        out[1] = 32;
        memcpy(out + 2, addr, 4);
        return 6;
    }

    if (family != 6) {
        return 0;
    }

    if (prefix6 > 128) {
        prefix6 = 128;
    }

    out[0] = 6;
    out[1] = (unsigned char) prefix6;

    for (i = 0; i < 16; i++) {
        bits = prefix6 > i * 8 ? prefix6 - i * 8 : 0;

        if (bits >= 8) {
            out[2 + i] = addr[i];

        } else {
            out[2 + i] = (unsigned char) (addr[i] & (0xFF00 >> bits));
        }
    }

    return 18;
}


int
cc_client_key(const unsigned char *secret, size_t secret_len,
    const unsigned char *masked, size_t masked_len, char *out)
{
    int         rc;
    cc_hmac_t  *h;

    h = cc_hmac_new(secret, secret_len);
    if (h == NULL) {
        return -1;
    }

    rc = cc_hmac_hex(h, masked, masked_len, out);
    cc_hmac_free(h);

    return rc;
}


int
cc_idempotency_key_ok(const char *key, size_t len)
{
    size_t  i;

    if (key == NULL || len == 0 || len > 255) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if ((unsigned char) key[i] < 0x21 || (unsigned char) key[i] > 0x7e) {
            return 0;
        }
    }

    return 1;
}
