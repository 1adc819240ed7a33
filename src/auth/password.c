/*
 * password.c: bcrypt hashing and verification with libxcrypt's crypt_r().
 *
 * struct crypt_data is about 32 KiB, so it lives on the heap, and it holds
 * the password and intermediate state: it is wiped with explicit_bzero()
 * before being freed. crypt_r() signals failure with a string starting with
 * '*' ("*0"/"*1") rather than NULL on some paths, so both are treated as
 * failure. Only hashes of the exact bcrypt shape reach crypt_r(), which
 * keeps other algorithms (DES, MD5, ...) and placeholders from verifying.
 * Called from a request's fiber, the work runs on a helper thread
 * (core/offload.h) so that the HTTP thread's other connections go on.
 */
#include "auth/password.h"

#include "core/common.h"
#include "core/offload.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define BCRYPT_HASH_LEN 60 /* "$2b$" + 2-digit cost + "$" + 22 salt + 31 digest characters */

static bool is_bcrypt_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '/';
}

/* "$2a$", "$2b$" or "$2y$", a two-digit cost 04..31, '$', then 53 bcrypt-base64 characters. */
static bool is_bcrypt_hash(const char *h)
{
    if (strlen(h) != BCRYPT_HASH_LEN || h[0] != '$' || h[1] != '2' || h[3] != '$' || h[6] != '$')
        return false;
    if (h[2] != 'a' && h[2] != 'b' && h[2] != 'y')
        return false;
    if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9')
        return false;
    int cost = (h[4] - '0') * 10 + (h[5] - '0');
    if (cost < 4 || cost > 31)
        return false;
    for (size_t i = 7; i < BCRYPT_HASH_LEN; i++)
        if (!is_bcrypt_char(h[i]))
            return false;
    return true;
}

static bool crypt_failed(const char *r)
{
    return r == NULL || r[0] == '*' || r[0] == '\0';
}

static void free_crypt_data(struct crypt_data *cd)
{
    explicit_bzero(cd, sizeof(*cd));
    free(cd);
}

static int hash_here(const char *pw, int cost, char out[WOS_PASSWORD_HASH_SIZE])
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    struct crypt_data *cd;
    const char *r;
    int rc = WOS_ERROR;

    out[0] = '\0';
    if (pw == NULL || cost < 4 || cost > 31 || strlen(pw) > WOS_PASSWORD_MAX_BYTES)
        return WOS_ERROR;
    /* NULL random bytes: libxcrypt draws the salt from getentropy()/getrandom(). */
    if (crypt_gensalt_rn("$2b$", (unsigned long)cost, NULL, 0, salt, (int)sizeof(salt)) == NULL)
        return WOS_ERROR;
    cd = calloc(1, sizeof(*cd));
    if (cd == NULL)
        return WOS_ERROR;
    r = crypt_r(pw, salt, cd);
    if (!crypt_failed(r) && strlen(r) == BCRYPT_HASH_LEN && is_bcrypt_hash(r)) {
        memcpy(out, r, BCRYPT_HASH_LEN + 1);
        rc = WOS_OK;
    }
    free_crypt_data(cd);
    return rc;
}

static bool verify_here(const char *pw, const char *hash)
{
    struct crypt_data *cd;
    const char *r;
    bool ok = false;

    if (pw == NULL || hash == NULL || !is_bcrypt_hash(hash))
        return false;
    cd = calloc(1, sizeof(*cd));
    if (cd == NULL)
        return false;
    r = crypt_r(pw, hash, cd);
    if (!crypt_failed(r) && strlen(r) == BCRYPT_HASH_LEN)
        ok = CRYPTO_memcmp(r, hash, BCRYPT_HASH_LEN) == 0;
    free_crypt_data(cd);
    return ok;
}

/* bcrypt runs on a helper thread when called from a request's fiber (core/offload.h). */
struct bcrypt_call {
    const char *pw, *hash;
    int cost;
    char *out;
    int rc;
};

static void hash_call(void *arg)
{
    struct bcrypt_call *c = arg;
    c->rc = hash_here(c->pw, c->cost, c->out);
}

static void verify_call(void *arg)
{
    struct bcrypt_call *c = arg;
    c->rc = verify_here(c->pw, c->hash);
}

int wos_password_hash(const char *pw, int cost, char out[WOS_PASSWORD_HASH_SIZE])
{
    struct bcrypt_call c = {.pw = pw, .cost = cost, .out = out, .rc = WOS_ERROR};
    wos_offload(hash_call, &c);
    return c.rc;
}

bool wos_password_verify(const char *pw, const char *hash)
{
    struct bcrypt_call c = {.pw = pw, .hash = hash};
    wos_offload(verify_call, &c);
    return c.rc != 0;
}
