/*
 * fuzz_jwt.c: access-token verification (wos_auth_verify_token, src/auth/token.c,
 * which parses with libjwt).
 *
 * LLVMFuzzerInitialize installs a configuration with a known APP_SECRET_KEY
 * and proves the harness signs the way libjwt verifies (a token it builds
 * and one wos_auth_issue_token() issues must both verify). The first input
 * byte then picks the mode:
 *   even: the rest is a token string, verified as it comes;
 *   odd:  the rest is "<header JSON>\n<claims JSON>"; the harness encodes
 *         both and signs them with the known secret, so the fuzzer reaches
 *         the claim checks behind the signature.
 *
 * Properties checked besides the sanitizers:
 *   - a token that verifies carries the HS256 signature of its first two
 *     segments under the secret, and its header names alg HS256 (in any
 *     letter case: libjwt compares names case-insensitively);
 *   - its claims are what the principal holds: typ "access", exp in the
 *     future, sub/ws/sid of 36 characters, role and jti shorter than their
 *     buffers, all copied verbatim;
 *   - a token that fails leaves no half-filled principal behind: it is
 *     either untouched or zeroed, and a reason is set.
 */
#include "fuzz.h"

#include "auth/auth.h"
#include "core/common.h"
#include "core/config.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <strings.h>
#include <time.h>

#define SECRET "fuzz-secret-key-0123456789abcdef-not-for-production"

/* base64url without padding of data[0..n) into out (4 * n / 3 + 4 bytes). */
static size_t b64url(const unsigned char *data, size_t n, char *out)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;

    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)data[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)data[i + 1] << 8;
        if (i + 2 < n)
            v |= data[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = alphabet[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = alphabet[v & 63];
    }
    out[o] = '\0';
    return o;
}

/* The base64url HS256 signature of msg[0..n) under SECRET. */
static void sign(const char *msg, size_t n, char out[64])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;

    FUZZ_CHECK(HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), (const unsigned char *)msg, n, mac,
                    &mac_len) != NULL);
    b64url(mac, mac_len, out);
}

/* "b64(header).b64(claims).sig" as a malloc'd string. */
static char *build_token(const char *header, size_t hlen, const char *claims, size_t clen)
{
    char *t = malloc(4 * (hlen + clen) / 3 + 80);
    size_t used;
    char sig[64];

    FUZZ_CHECK(t != NULL);
    used = b64url((const unsigned char *)header, hlen, t);
    t[used++] = '.';
    used += b64url((const unsigned char *)claims, clen, t + used);
    sign(t, used, sig);
    t[used++] = '.';
    strcpy(t + used, sig);
    return t;
}

static void self_test(void)
{
    struct wos_principal who = {0}, got;
    const char *why = NULL;
    long expires_in = 0;

    strcpy(who.user_id, "11111111-1111-4111-8111-111111111111");
    strcpy(who.workspace_id, "22222222-2222-4222-8222-222222222222");
    strcpy(who.session_id, "33333333-3333-4333-8333-333333333333");
    strcpy(who.role, "admin");
    char *issued = wos_auth_issue_token(&who, &expires_in);
    FUZZ_CHECK(issued != NULL && expires_in > 0);
    FUZZ_CHECK(wos_auth_verify_token(issued, &got, &why) == WOS_OK);
    FUZZ_CHECK(strcmp(got.user_id, who.user_id) == 0 && strcmp(got.role, "admin") == 0);
    free(issued);

    static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    static const char claims[] =
        "{\"sub\":\"11111111-1111-4111-8111-111111111111\","
        "\"ws\":\"22222222-2222-4222-8222-222222222222\","
        "\"sid\":\"33333333-3333-4333-8333-333333333333\",\"role\":\"member\","
        "\"typ\":\"access\",\"jti\":\"abc\",\"iat\":1700000000,\"exp\":4102444800}";
    char *built = build_token(header, strlen(header), claims, strlen(claims));
    FUZZ_CHECK(wos_auth_verify_token(built, &got, &why) == WOS_OK);
    FUZZ_CHECK(strcmp(got.role, "member") == 0 && strcmp(got.jti, "abc") == 0);
    free(built);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char *env[] = {"APP_SECRET_KEY=" SECRET, "APP_ENV=test", NULL};
    struct wos_config c;
    struct wos_config_report rep;

    (void)argc;
    (void)argv;
    wos_config_load_from(&c, env, NULL, &rep);
    wos_config_report_free(&rep);
    wos_config_install(&c);
    FUZZ_CHECK(strcmp(wos_cfg()->app_secret_key, SECRET) == 0);
    self_test();
    return 0;
}

/* Decodes one base64url segment into a malloc'd NUL-terminated buffer (NULL when invalid). */
static char *b64url_decode(const char *s, size_t n)
{
    char *std = malloc(n + 4), *out = malloc(n + 4);
    size_t m = n;

    FUZZ_CHECK(std != NULL && out != NULL);
    for (size_t i = 0; i < n; i++)
        std[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    while (m % 4)
        std[m++] = '=';
    int len = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)std, (int)m);
    free(std);
    if (len < 0) {
        free(out);
        return NULL;
    }
    out[len] = '\0';
    return out;
}

static int is_zero(const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

static int is_untouched(const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        if (b[i] != 0xA5)
            return 0;
    return 1;
}

static void check_claim(json_t *claims, const char *name, const char *held, size_t cap, int uuid)
{
    const char *v = json_string_value(json_object_get(claims, name));

    FUZZ_CHECK(v != NULL && strlen(v) < cap && strcmp(v, held) == 0);
    FUZZ_CHECK(!uuid || strlen(v) == 36);
}

/* The token verified: it must be genuine and the principal must be its claims. */
static void check_accepted(const char *token, const struct wos_principal *who)
{
    const char *dot1 = strchr(token, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    char sig[64];

    FUZZ_CHECK(dot2 != NULL);
    sign(token, (size_t)(dot2 - token), sig);
    FUZZ_CHECK(strcmp(dot2 + 1, sig) == 0);

    char *head = b64url_decode(token, (size_t)(dot1 - token));
    char *body = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    FUZZ_CHECK(head != NULL && body != NULL);
    json_t *h = json_loads(head, JSON_DISABLE_EOF_CHECK, NULL);
    json_t *c = json_loads(body, JSON_DISABLE_EOF_CHECK, NULL);
    FUZZ_CHECK(h != NULL && c != NULL);
    const char *alg = json_string_value(json_object_get(h, "alg"));
    /* libjwt reads the algorithm name case-insensitively; the MAC is HS256 all the same. */
    FUZZ_CHECK(alg != NULL && strcasecmp(alg, "HS256") == 0);
    const char *typ = json_string_value(json_object_get(c, "typ"));
    FUZZ_CHECK(typ != NULL && strcmp(typ, "access") == 0);
    json_t *exp = json_object_get(c, "exp");
    FUZZ_CHECK(json_is_integer(exp) && json_integer_value(exp) > (json_int_t)time(NULL));
    check_claim(c, "sub", who->user_id, sizeof(who->user_id), 1);
    check_claim(c, "ws", who->workspace_id, sizeof(who->workspace_id), 1);
    check_claim(c, "sid", who->session_id, sizeof(who->session_id), 1);
    check_claim(c, "role", who->role, sizeof(who->role), 0);
    check_claim(c, "jti", who->jti, sizeof(who->jti), 0);
    json_decref(h);
    json_decref(c);
    free(head);
    free(body);
}

static void verify(const char *token)
{
    struct wos_principal who;
    const char *why = NULL;

    memset(&who, 0xA5, sizeof(who)); /* a pattern no failure path writes */
    int rc = wos_auth_verify_token(token, &who, &why);
    FUZZ_CHECK(rc == WOS_OK || rc == WOS_ERROR);
    FUZZ_CHECK(why != NULL);
    if (rc == WOS_OK)
        check_accepted(token, &who);
    else
        FUZZ_CHECK(is_zero(&who, sizeof(who)) || is_untouched(&who, sizeof(who)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if ((data[0] & 1) == 0) {
        char *token = fuzz_cstr(data + 1, size - 1);
        verify(token);
        free(token);
        return 0;
    }
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    const char *nl = memchr(rest, '\n', n);
    size_t hlen = nl ? (size_t)(nl - rest) : n;
    const char *claims = nl ? nl + 1 : "";
    size_t clen = nl ? n - hlen - 1 : 0;
    char *token = build_token(rest, hlen, claims, clen);
    verify(token);
    free(token);
    return 0;
}
