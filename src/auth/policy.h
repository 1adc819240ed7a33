/*
 * policy.h: the password policy applied on every set (spec 02 §1, OWASP
 * ASVS 5 §6.2): at least PASSWORD_MIN_LENGTH characters, at most 72 bytes
 * (refused, never truncated), no composition rules, not the account's e-mail,
 * its local part or its name, and not a common password. "Common" is a
 * bundled, deterministic list (common_passwords.c) checked after folding
 * case, stripping digits and symbols around a word and undoing l33t
 * substitutions, plus trivially predictable strings (one repeated character
 * or a straight keyboard/alphabet run).
 */
#ifndef WOS_AUTH_POLICY_H
#define WOS_AUTH_POLICY_H

struct wos_password_problem {
    const char *rule;    /* "min_length", "max_bytes", "personal", "common" */
    const char *message; /* a sentence for the client; never contains the password */
};

/*
 * Checks pw for an account with the given e-mail and name (either may be
 * NULL). Returns 1 and fills *problem when the password is refused, else 0.
 * The message for min_length is written into buf (size n).
 */
int wos_password_policy(const char *pw, const char *email, const char *name, long min_length,
                        struct wos_password_problem *problem, char *buf, unsigned long n);

/* True when the lower-cased word is on the bundled list. */
int wos_password_is_listed(const char *lower_word);

#endif
