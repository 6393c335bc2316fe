/*
 * Keys and signed tokens (cc_keys.h), on OpenSSL's HMAC, HKDF and
 * CRYPTO_memcmp().
 */

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "cc_keys.h"


static const char  cc_hex[] = "0123456789abcdef";


struct cc_hmac_s {
    EVP_MAC_CTX        *ctx;            /* keyed; re-initialised per use */
};


cc_hmac_t *
cc_hmac_new(const unsigned char *secret, size_t secret_len)
{
    EVP_MAC     *mac;
    cc_hmac_t   *h;
    OSSL_PARAM   params[2];

    static const unsigned char  empty[1] = { 0 };

    h = calloc(1, sizeof(cc_hmac_t));
    if (h == NULL) {
        return NULL;
    }

    mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    h->ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac);

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *) "SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();

    if (h->ctx == NULL
        || EVP_MAC_init(h->ctx, secret_len ? secret : empty, secret_len,
                        params)
           != 1)
    {
        cc_hmac_free(h);
        return NULL;
    }

    return h;
}


void
cc_hmac_free(cc_hmac_t *h)
{
    if (h == NULL) {
        return;
    }

    EVP_MAC_CTX_free(h->ctx);
    free(h);
}


int
cc_hmac_hex(cc_hmac_t *h, const unsigned char *msg, size_t len, char *out)
{
    size_t         i, md_len;
    unsigned char  md[EVP_MAX_MD_SIZE];

    static const unsigned char  empty[1] = { 0 };

    /* no key: the one the context holds, its pads computed once */

    if (EVP_MAC_init(h->ctx, NULL, 0, NULL) != 1
        || EVP_MAC_update(h->ctx, len ? msg : empty, len) != 1
        || EVP_MAC_final(h->ctx, md, &md_len, sizeof(md)) != 1
        || md_len != 32)
    {
        return -1;
    }

    for (i = 0; i < md_len; i++) {
        out[2 * i] = cc_hex[md[i] >> 4];
        out[2 * i + 1] = cc_hex[md[i] & 0x0F];
    }

    out[2 * md_len] = '\0';

    return 0;
}


cc_hmac_t *
cc_hmac_derive(const unsigned char *secret, size_t secret_len,
    const char *context)
{
    EVP_KDF        *kdf;
    cc_hmac_t      *key;
    EVP_KDF_CTX    *kctx;
    OSSL_PARAM      params[4];
    unsigned char   derived[32];

    kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);

    if (kctx == NULL) {
        return NULL;
    }

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
                                                 (char *) "SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                  (void *) secret,
                                                  secret_len);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                  (void *) context,
                                                  strlen(context));
    params[3] = OSSL_PARAM_construct_end();

    key = NULL;

    if (EVP_KDF_derive(kctx, derived, sizeof(derived), params) == 1) {
        key = cc_hmac_new(derived, sizeof(derived));
    }

    EVP_KDF_CTX_free(kctx);
    OPENSSL_cleanse(derived, sizeof(derived));

    return key;
}


size_t
cc_signed_make(cc_hmac_t *key, char *out, size_t payload_len)
{
    char  mac[CC_CLIENT_KEY_LEN + 1];

    if (cc_hmac_hex(key, (const unsigned char *) out, payload_len, mac)
        != 0)
    {
        return 0;
    }

    out[payload_len] = '.';
    memcpy(out + payload_len + 1, mac, CC_SIGNED_MAC_LEN);
    out[payload_len + 1 + CC_SIGNED_MAC_LEN] = '\0';

    return payload_len + 1 + CC_SIGNED_MAC_LEN;
}


size_t
cc_signed_payload(const char *s, size_t len)
{
    size_t  i, n;

    if (len < 1 + CC_SIGNED_MAC_LEN) {
        return (size_t) -1;
    }

    n = len - 1 - CC_SIGNED_MAC_LEN;

    if (s[n] != '.') {
        return (size_t) -1;
    }

    for (i = n + 1; i < len; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
        {
            return (size_t) -1;
        }
    }

    return n;
}


int
cc_signed_verify(cc_hmac_t *key, const char *s, size_t payload_len)
{
    char  mac[CC_CLIENT_KEY_LEN + 1];

    if (cc_hmac_hex(key, (const unsigned char *) s, payload_len, mac) != 0) {
        return 0;
    }

    /* constant time: the comparison must not tell how much was right */

    return CRYPTO_memcmp(mac, s + payload_len + 1, CC_SIGNED_MAC_LEN) == 0;
}
