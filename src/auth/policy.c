/*
 * policy.c: the password policy (see policy.h). Every check works on
 * ASCII-folded copies in fixed buffers on the stack (a candidate is at most
 * 72 bytes, longer ones are refused first), and those buffers are wiped
 * before returning, so no copy of the password outlives the call.
 */
#include "auth/policy.h"

#include "auth/password.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define BUF (WOS_PASSWORD_MAX_BYTES + 1)

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

static void fold(const char *s, char out[BUF])
{
    size_t i = 0;
    for (; s[i] && i < BUF - 1; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    out[i] = '\0';
}

/* The word inside the padding: leading and trailing non-letters removed. */
static void core_of(const char *s, char out[BUF])
{
    const char *start = s;
    while (*start && !isalpha((unsigned char)*start))
        start++;
    size_t len = strlen(start);
    while (len > 0 && !isalpha((unsigned char)start[len - 1]))
        len--;
    memcpy(out, start, len);
    out[len] = '\0';
}

/* Undoes the usual l33t substitutions (p@ssw0rd -> password). */
static void unleet(const char *s, char out[BUF])
{
    static const char from[] = "0134578@$!|+", to[] = "oieastbasilt";
    size_t i = 0;
    for (; s[i]; i++) {
        const char *hit = strchr(from, s[i]);
        out[i] = hit ? to[hit - from] : s[i];
    }
    out[i] = '\0';
}

/* One character repeated, or a string made of a short unit or a listed word repeated. */
static int repeated(const char *s)
{
    size_t len = strlen(s);
    for (size_t unit = 1; unit <= len / 2; unit++) {
        if (len % unit != 0)
            continue;
        size_t i = unit;
        while (i < len && memcmp(s, s + i, unit) == 0)
            i += unit;
        if (i < len)
            continue;
        char word[BUF];
        memcpy(word, s, unit);
        word[unit] = '\0';
        int hit = unit <= 3 || wos_password_is_listed(word);
        memset(word, 0, sizeof(word));
        if (hit)
            return 1;
    }
    return 0;
}

/* +1 or -1 from a to b; digits wrap around (9 -> 0 is +1), anything else is 0. */
static int step_between(char a, char b)
{
    int d = (unsigned char)b - (unsigned char)a;
    if (isdigit((unsigned char)a) && isdigit((unsigned char)b))
        d = ((d % 10) + 10) % 10 == 1 ? 1 : ((d % 10) + 10) % 10 == 9 ? -1 : 0;
    return d == 1 || d == -1 ? d : 0;
}

/* "abcdefgh", "98765432", "1234567890123": every step is +1, or every step is -1. */
static int straight_run(const char *s)
{
    size_t len = strlen(s);
    if (len < 4)
        return 0;
    int step = step_between(s[0], s[1]);
    if (step == 0)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (step_between(s[i - 1], s[i]) != step)
            return 0;
    return 1;
}

static int predictable(const char *candidate)
{
    return wos_password_is_listed(candidate) || repeated(candidate) || straight_run(candidate);
}

/* The candidate lower[i, len - j), and the same with l33t undone, is predictable. */
static int slice_predictable(const char *lower, size_t i, size_t j)
{
    char slice[BUF], plain[BUF];
    size_t len = strlen(lower) - i - j;
    memcpy(slice, lower + i, len);
    slice[len] = '\0';
    unleet(slice, plain);
    int hit = predictable(slice) || predictable(plain);
    memset(slice, 0, sizeof(slice));
    memset(plain, 0, sizeof(plain));
    return hit;
}

/*
 * Common when the password, or the word left after removing any part of the
 * digits and symbols padding it on either side, is listed or predictable,
 * as written or with l33t undone ("@dmin123" -> "@dmin" -> "admin").
 * A password without letters is only judged whole.
 */
static int is_common(const char *pw)
{
    char lower[BUF];
    fold(pw, lower);
    size_t len = strlen(lower), lead = 0, trail = 0;
    while (lead < len && !isalpha((unsigned char)lower[lead]))
        lead++;
    if (lead == len)
        lead = 0;
    else
        while (!isalpha((unsigned char)lower[len - 1 - trail]))
            trail++;
    int hit = 0;
    for (size_t i = 0; i <= lead && !hit; i++)
        for (size_t j = 0; j <= trail && !hit; j++)
            hit = len - i - j >= 4 && slice_predictable(lower, i, j);
    memset(lower, 0, sizeof(lower));
    return hit;
}

/* Folded e-mail, its local part (whole and its core) and the name with and without spaces. */
static int same_as_any(const char *candidate, const char *email, const char *name)
{
    char id[5][BUF] = {{0}};
    if (email && strlen(email) < BUF) {
        fold(email, id[0]);
        snprintf(id[1], BUF, "%.*s", (int)strcspn(id[0], "@"), id[0]);
        core_of(id[1], id[4]);
    }
    if (name && strlen(name) < BUF) {
        fold(name, id[2]);
        size_t j = 0;
        for (const char *p = id[2]; *p; p++)
            if (!isspace((unsigned char)*p))
                id[3][j++] = *p;
        id[3][j] = '\0';
    }
    int hit = 0;
    for (int i = 0; i < 5 && !hit; i++)
        hit = id[i][0] && strcmp(candidate, id[i]) == 0;
    memset(id, 0, sizeof(id));
    return hit;
}

static int is_personal(const char *pw, const char *email, const char *name)
{
    char lower[BUF], core[BUF], plain[BUF];
    fold(pw, lower);
    core_of(lower, core);
    unleet(core, plain);
    int hit = same_as_any(lower, email, name) || same_as_any(core, email, name) ||
              same_as_any(plain, email, name);
    memset(lower, 0, sizeof(lower));
    memset(core, 0, sizeof(core));
    memset(plain, 0, sizeof(plain));
    return hit;
}

int wos_password_policy(const char *pw, const char *email, const char *name, long min_length,
                        struct wos_password_problem *problem, char *buf, unsigned long n)
{
    if ((long)utf8_chars(pw) < min_length) {
        snprintf(buf, n, "Password must be at least %ld characters long.", min_length);
        *problem = (struct wos_password_problem){"min_length", buf};
        return 1;
    }
    if (strlen(pw) > WOS_PASSWORD_MAX_BYTES) {
        *problem = (struct wos_password_problem){
            "max_bytes", "Password must be at most 72 bytes long (longer ones are never cut)."};
        return 1;
    }
    if (is_personal(pw, email, name)) {
        *problem = (struct wos_password_problem){
            "personal", "Password must not be your e-mail address or your name."};
        return 1;
    }
    if (is_common(pw)) {
        *problem = (struct wos_password_problem){
            "common", "Password is too common or too easy to guess; choose a less predictable "
                      "one (a few unrelated words work well)."};
        return 1;
    }
    return 0;
}
