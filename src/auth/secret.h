/*
 * secret.h: opaque secrets handed to a client once (refresh tokens, password
 * reset and invitation tokens) and the only form the database keeps of them.
 * A secret is 256 random bits from the kernel, written as URL-safe base64
 * without padding (43 characters); it is stored as lower-case SHA-256 hex.
 */
#ifndef WOS_AUTH_SECRET_H
#define WOS_AUTH_SECRET_H

#include <stddef.h>

#define WOS_SECRET_BYTES 32
#define WOS_SECRET_TEXT_SIZE 48 /* 43 characters + NUL, rounded up */
#define WOS_SHA256_HEX_SIZE 65

/* Fills out with a fresh secret. WOS_OK, or WOS_ERROR (out emptied) when randomness failed. */
int wos_secret_new(char out[WOS_SECRET_TEXT_SIZE]);

/* Lower-case hex SHA-256 of the bytes of s (NUL-terminated). */
void wos_secret_hash(const char *s, char out[WOS_SHA256_HEX_SIZE]);

/*
 * Lower-case hex HMAC-SHA256 of msg (len bytes) under a key derived from
 * key for one purpose (the purpose string separates uses of one key).
 * WOS_OK or WOS_ERROR (out emptied).
 */
int wos_secret_hmac(const char *key, const char *purpose, const void *msg, size_t len,
                    char out[WOS_SHA256_HEX_SIZE]);

/* A fresh secret and its hash together. WOS_OK or WOS_ERROR. */
int wos_secret_pair(char text[WOS_SECRET_TEXT_SIZE], char hash[WOS_SHA256_HEX_SIZE]);

#endif
