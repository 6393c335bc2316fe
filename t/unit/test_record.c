#include <stdlib.h>
#include <string.h>

#include "cc_test.h"
#include "cc_record.h"


static int
uuid_shape(const char *id)
{
    size_t  i;

    if (strlen(id) != CC_ID_LEN) {
        return 0;
    }

    for (i = 0; i < CC_ID_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (id[i] != '-') {
                return 0;
            }

        } else if (!((id[i] >= '0' && id[i] <= '9')
                     || (id[i] >= 'a' && id[i] <= 'f')))
        {
            return 0;
        }
    }

    /* version 7, variant 10 */
    return id[14] == '7' && strchr("89ab", id[19]) != NULL;
}


static void
test_uuid7(void)
{
    int             ok, shape;
    char            id[CC_ID_LEN + 1], prev[CC_ID_LEN + 1];
    size_t          i;
    cc_id_state_t   st;
    unsigned char   rnd[10];

    static const unsigned char  zero[10];
    static const unsigned char  ones[10] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
    };

    /* layout: 48-bit ms, then version, sequence, variant, random */
    memset(&st, 0, sizeof(st));
    cc_id_uuid7(&st, 0x0190f0e41234ULL, zero, id);
    CHECK_STR(id, "0190f0e4-1234-7000-8000-000000000000");

    memset(&st, 0, sizeof(st));
    cc_id_uuid7(&st, 0x0190f0e41234ULL, ones, id);
    CHECK_STR(id, "0190f0e4-1234-77ff-bfff-ffffffffffff");
    cc_id_uuid7(&st, 0x0190f0e41234ULL, ones, id);
    CHECK_STR(id, "0190f0e4-1234-7800-bfff-ffffffffffff");

    /* strictly increasing: 10000 ids in one ms, then the clock steps back */
    memset(&st, 0, sizeof(st));
    prev[0] = '\0';
    ok = 1;
    shape = 1;

    for (i = 0; i < 12000; i++) {
        memset(rnd, (int) (i * 37), sizeof(rnd));
        rnd[0] = (unsigned char) (i * 7919);
        cc_id_uuid7(&st, i < 10000 ? 1700000000000ULL : 1699999990000ULL,
                    rnd, id);

        shape &= uuid_shape(id);
        ok &= strcmp(prev, id) < 0;
        memcpy(prev, id, sizeof(id));
    }

    CHECK(shape);
    CHECK(ok);
    /* 10000 ids need at least 3 ms of sequence space past the first */
    CHECK(st.last_ms >= 1700000000002ULL && st.last_ms < 1700000000012ULL);

    /* when the clock catches up, its time is used again */
    cc_id_uuid7(&st, 1700000001000ULL, zero, id);
    CHECK(strncmp(id, "018bcfe5-6be8", 13) == 0);   /* 0x18bcfe56be8 */
    CHECK(st.last_ms == 1700000001000ULL);
    CHECK(strcmp(prev, id) < 0);
}


static void
test_rfc3339_ms(void)
{
    char  t[CC_TIME_LEN + 1];

    cc_time_rfc3339_ms(0, t);
    CHECK_STR(t, "1970-01-01T00:00:00.000Z");
    CHECK(strlen(t) == CC_TIME_LEN);
    cc_time_rfc3339_ms(1709210096789LL, t);
    CHECK_STR(t, "2024-02-29T12:34:56.789Z");
    cc_time_rfc3339_ms(1644307200123LL, t);
    CHECK_STR(t, "2022-02-08T08:00:00.123Z");
    cc_time_rfc3339_ms(1704067199999LL, t);
    CHECK_STR(t, "2023-12-31T23:59:59.999Z");
    cc_time_rfc3339_ms(951868800000LL, t);
    CHECK_STR(t, "2000-03-01T00:00:00.000Z");
    cc_time_rfc3339_ms(951868800000LL - 1, t);
    CHECK_STR(t, "2000-02-29T23:59:59.999Z");
    cc_time_rfc3339_ms(4107542399001LL, t);
    CHECK_STR(t, "2100-02-28T23:59:59.001Z");
    cc_time_rfc3339_ms(4107542399001LL + 86400000, t);
    CHECK_STR(t, "2100-03-01T23:59:59.001Z");      /* 2100 is not leap */

    /* out of the four-digit range: clamped, never malformed */
    cc_time_rfc3339_ms(-1, t);
    CHECK_STR(t, "1970-01-01T00:00:00.000Z");
    cc_time_rfc3339_ms(INT64_MAX, t);
    CHECK_STR(t, "9999-12-31T23:59:59.999Z");
}


static void
test_mask(void)
{
    size_t         n;
    unsigned char  out[18];

    static const unsigned char  v4[4] = { 192, 0, 2, 33 };
    static const unsigned char  mapped[16] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 33
    };
    static const unsigned char  v6[16] = {
        0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
        0x9a, 0xbc, 0xde, 0xf0, 0x11, 0x22, 0x33, 0x44
    };

    n = cc_client_mask(4, v4, 64, out);
    CHECK(n == 6);
    CHECK(memcmp(out, "\x04\x20\xc0\x00\x02\x21", 6) == 0);

    memset(out, 0xEE, sizeof(out));
    n = cc_client_mask(6, mapped, 64, out);
    CHECK(n == 6);
    CHECK(memcmp(out, "\x04\x20\xc0\x00\x02\x21", 6) == 0);

    n = cc_client_mask(6, v6, 64, out);
    CHECK(n == 18);
    CHECK(memcmp(out, "\x06\x40\x20\x01\x0d\xb8\x12\x34\x56\x78"
                 "\0\0\0\0\0\0\0\0", 18) == 0);

    n = cc_client_mask(6, v6, 48, out);
    CHECK(n == 18);
    CHECK(memcmp(out, "\x06\x30\x20\x01\x0d\xb8\x12\x34"
                 "\0\0\0\0\0\0\0\0\0\0", 18) == 0);

    n = cc_client_mask(6, v6, 52, out);         /* not on a byte boundary */
    CHECK(memcmp(out, "\x06\x34\x20\x01\x0d\xb8\x12\x34\x50\0", 10) == 0);

    n = cc_client_mask(6, v6, 200, out);        /* clamped to 128 */
    CHECK(n == 18 && out[1] == 128 && memcmp(out + 2, v6, 16) == 0);

    n = cc_client_mask(6, v6, 0, out);
    CHECK(n == 18 && out[1] == 0 && out[2] == 0 && out[17] == 0);

    CHECK(cc_client_mask(5, v6, 64, out) == 0);
}


static void
test_hmac(void)
{
    char           key[CC_CLIENT_KEY_LEN + 1];
    unsigned char  k1[20];

    /* RFC 4231, test case 1 */
    memset(k1, 0x0b, sizeof(k1));
    CHECK(cc_client_key(k1, sizeof(k1), (const unsigned char *) "Hi There",
                        8, key) == 0);
    CHECK_STR(key, "b0344c61d8db38535ca8afceaf0bf12b"
                   "881dc200c9833da726e9376c2e32cff7");
    CHECK(strlen(key) == CC_CLIENT_KEY_LEN);

    /* RFC 4231, test case 2 */
    CHECK(cc_client_key((const unsigned char *) "Jefe", 4,
                        (const unsigned char *) "what do ya want for nothing?",
                        28, key) == 0);
    CHECK_STR(key, "5bdcc146bf60754e6a042426089575c7"
                   "5a003f089d2739839dec58b964ec3843");

    /* the key depends on the secret */
    CHECK(cc_client_key((const unsigned char *) "Jeff", 4,
                        (const unsigned char *) "what do ya want for nothing?",
                        28, key) == 0);
    CHECK(strcmp(key, "5bdcc146bf60754e6a042426089575c7"
                      "5a003f089d2739839dec58b964ec3843") != 0);

    /* HMAC-SHA256 with an empty key and message */
    CHECK(cc_client_key(NULL, 0, NULL, 0, key) == 0);
    CHECK_STR(key, "b613679a0814d9ec772f95d778c35fc5"
                   "ff1697c493715653c6c712144292c5ad");
}


static void
test_hmac_keyed(void)
{
    size_t          i;
    char            key[CC_CLIENT_KEY_LEN + 1], once[CC_CLIENT_KEY_LEN + 1];
    cc_hmac_t      *h;
    unsigned char   k1[20], k6[131];

    /* RFC 4231, test case 1, twice: the kept states are not consumed */
    memset(k1, 0x0b, sizeof(k1));
    h = cc_hmac_new(k1, sizeof(k1));
    CHECK(h != NULL);

    for (i = 0; h && i < 2; i++) {
        CHECK(cc_hmac_hex(h, (const unsigned char *) "Hi There", 8, key)
              == 0);
        CHECK_STR(key, "b0344c61d8db38535ca8afceaf0bf12b"
                       "881dc200c9833da726e9376c2e32cff7");
    }

    cc_hmac_free(h);

    /* RFC 4231, test case 6: a key longer than a block is hashed first */
    memset(k6, 0xaa, sizeof(k6));
    h = cc_hmac_new(k6, sizeof(k6));
    CHECK(h != NULL);
    CHECK(h && cc_hmac_hex(h, (const unsigned char *)
                           "Test Using Larger Than Block-Size Key - "
                           "Hash Key First", 54, key) == 0);
    CHECK_STR(key, "60e431591ee0b67f0d8a26aacbf5b77f"
                   "8e0bc6213728c5140546040f0ee37f54");

    /* the same as the one-shot HMAC, for a masked address */
    CHECK(h && cc_hmac_hex(h, (const unsigned char *) "\x04\x20\x7f\0\0\x01",
                           6, key) == 0);
    CHECK(cc_client_key(k6, sizeof(k6),
                        (const unsigned char *) "\x04\x20\x7f\0\0\x01", 6,
                        once) == 0);
    CHECK_STR(key, once);
    cc_hmac_free(h);

    cc_hmac_free(NULL);
}


/*
 * A derived key is HKDF-SHA256's output (RFC 5869, test case 3: no salt,
 * no info), its first 32 bytes, used as an HMAC key; and a signed token
 * is "<payload>.<first 32 hex of the MAC>", checked in constant time.
 */

static void
test_derive_and_sign(void)
{
    char            mac[CC_CLIENT_KEY_LEN + 1], token[CC_CLIENT_KEY_LEN + 1];
    size_t          n;
    cc_hmac_t      *d, *direct, *other;
    unsigned char   ikm[22];

    static const unsigned char  okm[32] = {
        0x8d, 0xa4, 0xe7, 0x75, 0xa5, 0x63, 0xc1, 0x8f, 0x71, 0x5f, 0x80,
        0x2a, 0x06, 0x3c, 0x5a, 0x31, 0xb8, 0xa1, 0x1f, 0x5c, 0x5e, 0xe1,
        0x87, 0x9e, 0xc3, 0x45, 0x4e, 0x5f, 0x3c, 0x73, 0x8d, 0x2d
    };

    memset(ikm, 0x0b, sizeof(ikm));

    d = cc_hmac_derive(ikm, sizeof(ikm), "");
    direct = cc_hmac_new(okm, sizeof(okm));
    other = cc_hmac_derive(ikm, sizeof(ikm), "another use");
    CHECK(d != NULL && direct != NULL && other != NULL);

    if (d && direct && other) {
        CHECK(cc_hmac_hex(d, (const unsigned char *) "abc", 3, mac) == 0);
        CHECK(cc_hmac_hex(direct, (const unsigned char *) "abc", 3, token)
              == 0);
        CHECK_STR(mac, token);

        memcpy(token, "payload.x", 9);
        n = cc_signed_make(d, token, 9);
        CHECK(n == 9 + 1 + CC_SIGNED_MAC_LEN && strlen(token) == n);
        CHECK(cc_signed_payload(token, n) == 9);
        CHECK(cc_signed_verify(d, token, 9));
        CHECK(!cc_signed_verify(other, token, 9));

        token[n - 1] = token[n - 1] == '0' ? '1' : '0';
        CHECK(cc_signed_payload(token, n) == 9);
        CHECK(!cc_signed_verify(d, token, 9));

        token[n - 1] = 'A';                 /* not lower-case hex */
        CHECK(cc_signed_payload(token, n) == (size_t) -1);
        CHECK(cc_signed_payload(token, n - 1) == (size_t) -1);
        CHECK(cc_signed_payload("x", 1) == (size_t) -1);
    }

    cc_hmac_free(d);
    cc_hmac_free(direct);
    cc_hmac_free(other);
}


static void
test_idempotency_key(void)
{
    char  long_key[257];

    CHECK(cc_idempotency_key_ok("0190-abc", 8));
    CHECK(cc_idempotency_key_ok("!", 1));
    CHECK(cc_idempotency_key_ok("~", 1));
    CHECK(!cc_idempotency_key_ok("", 0));
    CHECK(!cc_idempotency_key_ok(NULL, 3));
    CHECK(!cc_idempotency_key_ok("a b", 3));      /* space */
    CHECK(!cc_idempotency_key_ok("a\tb", 3));
    CHECK(!cc_idempotency_key_ok("a\x7f", 2));    /* DEL */
    CHECK(!cc_idempotency_key_ok("\xc3\xa9", 2)); /* not ASCII */
    CHECK(!cc_idempotency_key_ok("a\0b", 3));

    memset(long_key, 'k', sizeof(long_key));
    CHECK(cc_idempotency_key_ok(long_key, 255));
    CHECK(!cc_idempotency_key_ok(long_key, 256));
}


void
test_record(void)
{
    test_idempotency_key();
    test_uuid7();
    test_rfc3339_ms();
    test_mask();
    test_hmac();
    test_hmac_keyed();
    test_derive_and_sign();
}
