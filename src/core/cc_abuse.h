/*
 * Abuse controls decided from headers and the schema: the origin of a
 * post, and the largest body an honest answer can take.  Plain C99.
 */

#ifndef CC_ABUSE_H
#define CC_ABUSE_H

#include <stddef.h>
#include "cc_schema.h"

#define CC_ORIGIN_MAX  300       /* a canonical origin, with its NUL */

/*
 * An origin ("https://Example.org", "http://127.0.0.1:8080",
 * "https://[::1]:8443") in canonical form: scheme and host lower-cased, the
 * port always written, the scheme's default port included
 * ("https://example.org:443").  Only http and https, no user info, path,
 * query or fragment (a trailing "/" is tolerated for configuration's sake
 * when slash is 1; browsers never send one).  Writes at most CC_ORIGIN_MAX
 * bytes with the NUL; returns the length, or 0 when s is not such an
 * origin ("null" included).
 */
size_t cc_origin_canon(const char *s, size_t len, int slash, char *out);

/* What a Sec-Fetch-Site header value says. */
typedef enum {
    CC_SITE_ABSENT = 0,
    CC_SITE_SAME_ORIGIN,
    CC_SITE_SAME_SITE,
    CC_SITE_CROSS_SITE,
    CC_SITE_NONE,            /* typed in the address bar, a bookmark */
    CC_SITE_UNKNOWN
} cc_fetch_site_e;

cc_fetch_site_e cc_fetch_site(const char *value, size_t len);

/*
 * The decision, given the canonical allowed origins: 1 to accept.
 * An Origin header (origin, origin_len; NULL when absent) must equal one of
 * them; without one, "Sec-Fetch-Site: same-origin" is enough, and a request
 * carrying neither header is accepted only when allow_missing is set.
 */
int cc_origin_allowed(const char *const *allowed, size_t nallowed,
    const char *origin, size_t origin_len, const char *site,
    size_t site_len, int allow_missing);

/*
 * The largest body, in bytes, that an answer to this schema can need:
 * every field at its maximum (texts at max_length code points, each taking
 * the most an encoding allows: 12 bytes in both percent-encoding and JSON
 * \u escapes of a surrogate pair), names escaped likewise, every option of
 * a multiple choice, plus reserve bytes for the form plumbing (token,
 * honeypot, idempotency key) and whitespace.  The larger of the
 * urlencoded and JSON figures.
 */
size_t cc_schema_max_body(const cc_schema_t *schema, size_t reserve);

#endif /* CC_ABUSE_H */
