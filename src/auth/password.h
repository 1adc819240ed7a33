/*
 * password.h: bcrypt password hashes through libxcrypt. New hashes are
 * "$2b$" with the requested cost; existing "$2a$", "$2b$" and "$2y$" hashes
 * verify. A hash that is not a well-formed bcrypt string (for instance the
 * invitation placeholder "!") never verifies.
 */
#ifndef WOS_AUTH_PASSWORD_H
#define WOS_AUTH_PASSWORD_H

#include <stdbool.h>

/* bcrypt reads at most this many bytes of a password; longer ones are refused, never cut. */
#define WOS_PASSWORD_MAX_BYTES 72
/* Size of the buffer wos_password_hash() writes (a bcrypt hash is 60 characters). */
#define WOS_PASSWORD_HASH_SIZE 128

/*
 * Hashes pw with a fresh salt from the OS random source. cost is bcrypt's
 * log2 rounds, 4..31. Writes the NUL-terminated hash into out and returns
 * WOS_OK; returns WOS_ERROR (out emptied) for a bad cost, a password longer
 * than WOS_PASSWORD_MAX_BYTES, or a libxcrypt failure.
 */
int wos_password_hash(const char *pw, int cost, char out[WOS_PASSWORD_HASH_SIZE]);

/* True when pw matches hash; the comparison is constant-time. False for malformed hashes. */
bool wos_password_verify(const char *pw, const char *hash);

#endif
