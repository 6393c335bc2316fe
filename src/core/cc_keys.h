/*
 * Keys and signed tokens, on OpenSSL: HMAC-SHA256 with a key set once,
 * keys of their own derived from the server secret with HKDF, and one
 * token format, "<payload>.<MAC>", for every token the module signs.
 */

#ifndef CC_KEYS_H
#define CC_KEYS_H

#include <stddef.h>

#define CC_CLIENT_KEY_LEN  64   /* hex of HMAC-SHA256 */
#define CC_SIGNED_MAC_LEN  32   /* hex of its first 128 bits, in tokens */

/*
 * HMAC-SHA256 keyed once (OpenSSL's own, EVP_MAC): each use re-initialises
 * the context with the key it holds.  Not thread-safe: one per process.
 */
typedef struct cc_hmac_s  cc_hmac_t;

cc_hmac_t *cc_hmac_new(const unsigned char *secret, size_t secret_len);
void cc_hmac_free(cc_hmac_t *hmac);
/* lower-case hex, CC_CLIENT_KEY_LEN chars and a NUL; 0, or -1 on failure */
int cc_hmac_hex(cc_hmac_t *hmac, const unsigned char *msg, size_t len,
    char *out);

/*
 * A key of its own for one use: HKDF-SHA256 (RFC 5869) of the secret with
 * the context as its "info", so that tokens of one kind are never valid as
 * another nor as client keys.
 */
cc_hmac_t *cc_hmac_derive(const unsigned char *secret, size_t secret_len,
    const char *context);

/*
 * Signed tokens: out holds the payload (payload_len bytes); ".<MAC>" and a
 * NUL are written after it.  Returns the token's length, 0 on failure.
 */
size_t cc_signed_make(cc_hmac_t *key, char *out, size_t payload_len);

/*
 * s[0..len) as "<payload>.<32 lower-case hex>": the payload's length, or
 * (size_t) -1 when s is not of that form.  The MAC is not checked here.
 */
size_t cc_signed_payload(const char *s, size_t len);

/* the MAC of a token of that form, compared in constant time: 1 or 0 */
int cc_signed_verify(cc_hmac_t *key, const char *s, size_t payload_len);

#endif /* CC_KEYS_H */
