/*
 * token.c: access tokens. Only HS256 is accepted: the algorithm in the
 * header must be HS256 and the signature must verify with APP_SECRET_KEY;
 * "none", RS256 and anything else are refused whatever the signature says.
 */
#include "auth/auth.h"
#include "core/config.h"

#include <jwt.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

static int copy_claim(jwt_t *jwt, const char *name, char *out, size_t n, int uuid)
{
    const char *v = jwt_get_grant(jwt, name);
    if (!v || strlen(v) >= n || (uuid && strlen(v) != 36))
        return WOS_ERROR;
    memcpy(out, v, strlen(v) + 1);
    return WOS_OK;
}

/*
 * Verified tokens, per thread: decoding and verifying a token with libjwt
 * (base64, two jansson parses, an OpenSSL 3 HMAC with its algorithm fetch)
 * costs ~100k instructions, more than the rest of a request in this
 * process. A token that verified once is found again by its exact text and
 * answers the same claims until it expires. Only verification is skipped:
 * the session, membership and role are confirmed by the database on every
 * request (wos_auth_principal), so revocation still takes effect at once.
 * The slot comes from the signature's last characters; the whole text is
 * compared in constant time.
 */
#define TOKEN_CACHE_SLOTS 64
#define TOKEN_CACHE_MAX_LEN 640

struct verified_token {
    size_t len;
    char text[TOKEN_CACHE_MAX_LEN];
    long exp;
    struct wos_principal who;
};

static _Thread_local struct verified_token verified[TOKEN_CACHE_SLOTS];

static struct verified_token *cache_slot(const char *token, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a over the last 8 bytes */
    for (size_t i = len > 8 ? len - 8 : 0; i < len; i++)
        h = (h ^ (unsigned char)token[i]) * 1099511628211ULL;
    return &verified[h % TOKEN_CACHE_SLOTS];
}

static int cache_find(const char *token, size_t len, long now, struct wos_principal *who)
{
    const struct verified_token *v = cache_slot(token, len);
    if (len > TOKEN_CACHE_MAX_LEN || v->len != len || v->exp <= now ||
        CRYPTO_memcmp(v->text, token, len) != 0)
        return 0;
    *who = v->who;
    return 1;
}

static void cache_keep(const char *token, size_t len, long exp, const struct wos_principal *who)
{
    if (len > TOKEN_CACHE_MAX_LEN)
        return;
    struct verified_token *v = cache_slot(token, len);
    memcpy(v->text, token, len);
    v->len = len;
    v->exp = exp;
    v->who = *who;
}

int wos_auth_verify_token(const char *token, struct wos_principal *who, const char **why)
{
    const struct wos_config *cfg = wos_cfg();
    jwt_t *jwt = NULL;
    size_t len = token ? strlen(token) : 0;
    long now = (long)time(NULL);
    *why = "Invalid or expired token.";
    if (!token || len > 4096)
        return WOS_ERROR;
    if (cache_find(token, len, now, who))
        return WOS_OK;
    if (jwt_decode(&jwt, token, (const unsigned char *)cfg->app_secret_key,
                   (int)strlen(cfg->app_secret_key)) != 0)
        return WOS_ERROR;
    int rc = WOS_ERROR;
    const char *typ = jwt_get_grant(jwt, "typ");
    long exp = jwt_get_grant_int(jwt, "exp");
    if (jwt_get_alg(jwt) == JWT_ALG_HS256 && typ && strcmp(typ, "access") == 0 &&
        exp > now && copy_claim(jwt, "sub", who->user_id, sizeof(who->user_id), 1) == 0 &&
        copy_claim(jwt, "ws", who->workspace_id, sizeof(who->workspace_id), 1) == 0 &&
        copy_claim(jwt, "sid", who->session_id, sizeof(who->session_id), 1) == 0 &&
        copy_claim(jwt, "role", who->role, sizeof(who->role), 0) == 0 &&
        copy_claim(jwt, "jti", who->jti, sizeof(who->jti), 0) == 0)
        rc = WOS_OK;
    jwt_free(jwt);
    if (rc != WOS_OK)
        memset(who, 0, sizeof(*who));
    else
        cache_keep(token, len, exp, who);
    return rc;
}

int wos_auth_verify_bearer(struct wos_req *req, const char **why)
{
    const char *h = wos_req_header(req, "Authorization");
    *why = "Not authenticated.";
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return WOS_ERROR;
    h += 7;
    while (*h == ' ')
        h++;
    return wos_auth_verify_token(h, &req->who, why);
}

char *wos_auth_issue_token(const struct wos_principal *who, long *expires_in)
{
    const struct wos_config *cfg = wos_cfg();
    unsigned char raw[16];
    char jti[33];
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        return NULL;
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(jti + i * 2, 3, "%02x", raw[i]);
    long now = (long)time(NULL);
    long life = (long)cfg->access_token_expire_minutes * 60;
    jwt_t *jwt = NULL;
    if (jwt_new(&jwt) != 0)
        return NULL;
    char *out = NULL;
    if (jwt_add_grant(jwt, "sub", who->user_id) == 0 &&
        jwt_add_grant(jwt, "ws", who->workspace_id) == 0 &&
        jwt_add_grant(jwt, "sid", who->session_id) == 0 &&
        jwt_add_grant(jwt, "role", who->role) == 0 && jwt_add_grant(jwt, "typ", "access") == 0 &&
        jwt_add_grant(jwt, "jti", jti) == 0 && jwt_add_grant_int(jwt, "iat", now) == 0 &&
        jwt_add_grant_int(jwt, "exp", now + life) == 0 &&
        jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *)cfg->app_secret_key,
                    (int)strlen(cfg->app_secret_key)) == 0)
        out = jwt_encode_str(jwt);
    jwt_free(jwt);
    if (expires_in)
        *expires_in = life;
    return out;
}
