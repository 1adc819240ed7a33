/*
 * secret.c: random secrets and their SHA-256 form. The raw bytes are wiped
 * from the stack once encoded; callers wipe the text when they are done.
 */
#include "auth/secret.h"

#include "core/common.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <string.h>
#include <sys/random.h>

int wos_secret_new(char out[WOS_SECRET_TEXT_SIZE])
{
    unsigned char raw[WOS_SECRET_BYTES];
    unsigned char b64[4 * ((WOS_SECRET_BYTES + 2) / 3) + 1];

    out[0] = '\0';
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        return WOS_ERROR;
    int n = EVP_EncodeBlock(b64, raw, (int)sizeof(raw));
    explicit_bzero(raw, sizeof(raw));
    while (n > 0 && b64[n - 1] == '=')
        n--;
    for (int i = 0; i < n; i++)
        out[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : (char)b64[i];
    out[n] = '\0';
    explicit_bzero(b64, sizeof(b64));
    return WOS_OK;
}

static void to_hex(const unsigned char digest[SHA256_DIGEST_LENGTH], char out[WOS_SHA256_HEX_SIZE])
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[2 * SHA256_DIGEST_LENGTH] = '\0';
}

void wos_secret_hash(const char *s, char out[WOS_SHA256_HEX_SIZE])
{
    unsigned char digest[SHA256_DIGEST_LENGTH];

    SHA256((const unsigned char *)s, strlen(s), digest);
    to_hex(digest, out);
}

int wos_secret_hmac(const char *key, const char *purpose, const void *msg, size_t len,
                    char out[WOS_SHA256_HEX_SIZE])
{
    unsigned char derived[SHA256_DIGEST_LENGTH], digest[SHA256_DIGEST_LENGTH];
    unsigned int n = 0;
    int ok = HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)purpose,
                  strlen(purpose), derived, &n) != NULL &&
             HMAC(EVP_sha256(), derived, (int)sizeof(derived), msg, len, digest, &n) != NULL;

    explicit_bzero(derived, sizeof(derived));
    out[0] = '\0';
    if (!ok)
        return WOS_ERROR;
    to_hex(digest, out);
    return WOS_OK;
}

int wos_secret_pair(char text[WOS_SECRET_TEXT_SIZE], char hash[WOS_SHA256_HEX_SIZE])
{
    if (wos_secret_new(text) != WOS_OK) {
        hash[0] = '\0';
        return WOS_ERROR;
    }
    wos_secret_hash(text, hash);
    return WOS_OK;
}
