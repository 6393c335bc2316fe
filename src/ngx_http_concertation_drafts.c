
/*
 * concertation: drafts in Redis.  The key is derived from the resume code
 * with a key of the secret's own (HMAC, CC_DRAFT_CONTEXT), so that neither
 * Redis nor a dump of it gives the links back; the code is 128 random bits.
 */


#include <openssl/rand.h>

#include "ngx_http_concertation_drafts.h"
#include "ngx_http_concertation_keys.h"


static ngx_int_t ngx_http_concertation_draft_cmd(ngx_http_request_t *r,
    ngx_http_concertation_loc_conf_t *form, ngx_str_t *code,
    ngx_http_concertation_draft_cmd_t *dc);
static void ngx_http_concertation_draft_forgotten(void *data,
    redisReply *reply);


static u_char  ngx_http_concertation_b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";


ngx_int_t
ngx_http_concertation_draft_code(u_char *out)
{
    ngx_uint_t  i;
    u_char      b[NGX_HTTP_CONCERTATION_DRAFT_CODE_LEN];

    if (RAND_bytes(b, sizeof(b)) != 1) {
        return NGX_ERROR;
    }

    /* 22 characters of 6 bits: 132 bits drawn, 128 would do */
    for (i = 0; i < NGX_HTTP_CONCERTATION_DRAFT_CODE_LEN; i++) {
        out[i] = ngx_http_concertation_b64url[b[i] & 0x3f];
    }

    out[i] = '\0';

    return NGX_OK;
}


ngx_uint_t
ngx_http_concertation_draft_code_valid(ngx_str_t *code)
{
    ngx_uint_t  i;
    u_char      c;

    if (code->len != NGX_HTTP_CONCERTATION_DRAFT_CODE_LEN) {
        return 0;
    }

    for (i = 0; i < code->len; i++) {
        c = code->data[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9') || c == '-' || c == '_'))
        {
            return 0;
        }
    }

    return 1;
}


/* the key: <prefix>brouillon:<form>:<HMAC-SHA256 of the code, hex> */

static ngx_int_t
ngx_http_concertation_draft_cmd(ngx_http_request_t *r,
    ngx_http_concertation_loc_conf_t *form, ngx_str_t *code,
    ngx_http_concertation_draft_cmd_t *dc)
{
    u_char  *p;

    dc->key.data = ngx_pnalloc(r->pool, form->prefix.len
                                        + sizeof("brouillon:") - 1
                                        + form->form.len + 1
                                        + CC_CLIENT_KEY_LEN + 1);
    if (dc->key.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_cpymem(dc->key.data, form->prefix.data, form->prefix.len);
    p = ngx_cpymem(p, "brouillon:", sizeof("brouillon:") - 1);
    p = ngx_cpymem(p, form->form.data, form->form.len);
    *p++ = ':';

    if (cc_hmac_hex(ngx_http_concertation_main_conf(r)->keys->drafts,
                    code->data, code->len, (char *) p)
        != 0)
    {
        return NGX_ERROR;
    }

    dc->key.len = p + CC_CLIENT_KEY_LEN - dc->key.data;

    ngx_memzero(&dc->call, sizeof(ngx_http_concertation_call_t));
    dc->call.argv = dc->argv;
    dc->call.argvlen = dc->argvlen;
    dc->call.script = NGX_HTTP_CONCERTATION_NO_SCRIPT;
    dc->argv[1] = (char *) dc->key.data;
    dc->argvlen[1] = dc->key.len;

    return NGX_OK;
}


ngx_int_t
ngx_http_concertation_draft_save(ngx_http_request_t *r,
    ngx_http_concertation_loc_conf_t *form, ngx_str_t *code,
    ngx_str_t *json, ngx_http_concertation_draft_cmd_t *dc,
    ngx_http_concertation_reply_pt handler, void *data)
{
    if (ngx_http_concertation_draft_cmd(r, form, code, dc) != NGX_OK) {
        return NGX_ERROR;
    }

    dc->argv[0] = "SET";
    dc->argvlen[0] = 3;
    dc->argv[2] = (char *) json->data;
    dc->argvlen[2] = json->len;
    dc->argv[3] = "PX";
    dc->argvlen[3] = 2;
    dc->argv[4] = (char *) dc->ttl;
    dc->argvlen[4] = ngx_sprintf(dc->ttl, "%M", form->drafts) - dc->ttl;
    dc->call.argc = 5;
    dc->call.handler = handler;
    dc->call.data = data;

    return ngx_http_concertation_call(&dc->call);
}


ngx_int_t
ngx_http_concertation_draft_load(ngx_http_request_t *r,
    ngx_http_concertation_loc_conf_t *form, ngx_str_t *code,
    ngx_http_concertation_draft_cmd_t *dc,
    ngx_http_concertation_reply_pt handler, void *data)
{
    if (ngx_http_concertation_draft_cmd(r, form, code, dc) != NGX_OK) {
        return NGX_ERROR;
    }

    dc->argv[0] = "GET";
    dc->argvlen[0] = 3;
    dc->call.argc = 2;
    dc->call.handler = handler;
    dc->call.data = data;

    return ngx_http_concertation_call(&dc->call);
}


/*
 * The DEL outlives the request: its command and key are copied to memory
 * of their own, freed with the reply (or the lack of one).
 */

void
ngx_http_concertation_draft_forget(ngx_http_request_t *r,
    ngx_http_concertation_loc_conf_t *form, ngx_str_t *code)
{
    u_char                             *key;
    ngx_http_concertation_draft_cmd_t   tmp, *dc;

    if (!ngx_http_concertation_draft_code_valid(code)
        || ngx_http_concertation_draft_cmd(r, form, code, &tmp) != NGX_OK)
    {
        return;
    }

    dc = ngx_alloc(sizeof(ngx_http_concertation_draft_cmd_t) + tmp.key.len,
                   r->connection->log);
    if (dc == NULL) {
        return;
    }

    key = (u_char *) (dc + 1);
    ngx_memcpy(key, tmp.key.data, tmp.key.len);

    ngx_memzero(&dc->call, sizeof(ngx_http_concertation_call_t));
    dc->call.argv = dc->argv;
    dc->call.argvlen = dc->argvlen;
    dc->call.script = NGX_HTTP_CONCERTATION_NO_SCRIPT;
    dc->call.argc = 2;
    dc->call.handler = ngx_http_concertation_draft_forgotten;
    dc->call.data = dc;
    dc->argv[0] = "DEL";
    dc->argvlen[0] = 3;
    dc->argv[1] = (char *) key;
    dc->argvlen[1] = tmp.key.len;

    if (ngx_http_concertation_call(&dc->call) != NGX_OK) {
        ngx_free(dc);
    }
}


static void
ngx_http_concertation_draft_forgotten(void *data, redisReply *reply)
{
    ngx_free(data);
}
