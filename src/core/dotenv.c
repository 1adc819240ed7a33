/*
 * dotenv.c: a small hand-written scanner for `.env` files (syntax in dotenv.h).
 *
 * The scanner walks the buffer once with a cursor; it never reads past `end`
 * and never needs a terminating NUL, so tests and fuzzers can feed any bytes.
 * A bad line records one problem and the scan resumes at the next physical
 * line (for an unterminated quote: the line after the opening one), so one
 * typo never hides the rest of the file. Values may hold secrets: they are
 * wiped before their memory is released.
 */
#include "core/dotenv.h"

#include "core/common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOTENV_MAX_FILE_BYTES (1024 * 1024)

struct scanner {
    const char *p;
    const char *end;
    unsigned line;
    struct wos_dotenv *out;
};

/* A growable byte buffer for one value. */
struct strbuf {
    char *s;
    size_t len;
    size_t cap;
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);

    if (q == NULL) {
        fputs("dotenv: out of memory\n", stderr);
        abort();
    }
    return q;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xrealloc(NULL, n + 1);

    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static void sb_put(struct strbuf *b, char c)
{
    if (b->len + 1 >= b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->s = xrealloc(b->s, b->cap);
    }
    b->s[b->len++] = c;
    b->s[b->len] = '\0';
}

/* Wipes and frees a buffer that may hold part of a secret. */
static void sb_discard(struct strbuf *b)
{
    if (b->s != NULL) {
        explicit_bzero(b->s, b->cap);
        free(b->s);
    }
    b->s = NULL;
    b->len = b->cap = 0;
}

static char *sb_take(struct strbuf *b)
{
    char *s = b->s != NULL ? b->s : xstrndup("", 0);

    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

static void problem(struct scanner *sc, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(struct scanner *sc, unsigned line, const char *fmt, ...)
{
    struct wos_dotenv *d = sc->out;
    char msg[256];
    va_list ap;
    int n;

    n = snprintf(msg, sizeof msg, "line %u: ", line);
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    d->problems = xrealloc(d->problems, (d->n_problems + 1) * sizeof *d->problems);
    d->problems[d->n_problems++] = xstrndup(msg, strlen(msg));
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_key_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_key_char(char c)
{
    return is_key_start(c) || (c >= '0' && c <= '9');
}

static void skip_blanks(struct scanner *sc)
{
    while (sc->p < sc->end && is_blank(*sc->p))
        sc->p++;
}

/* End of the current physical line: the '\n' or `end`. */
static const char *line_end(const struct scanner *sc)
{
    const char *nl = memchr(sc->p, '\n', (size_t)(sc->end - sc->p));

    return nl != NULL ? nl : sc->end;
}

/* Moves past the rest of the current physical line, newline included. */
static void next_line(struct scanner *sc)
{
    const char *eol = line_end(sc);

    sc->p = eol < sc->end ? eol + 1 : eol;
    if (eol < sc->end)
        sc->line++;
}

/* True when only blanks, a '\r' and/or a comment remain on this line. */
static bool rest_is_empty(struct scanner *sc)
{
    const char *eol = line_end(sc);
    const char *q = sc->p;

    while (q < eol && (is_blank(*q) || *q == '\r'))
        q++;
    return q == eol || *q == '#';
}

static void set_entry(struct wos_dotenv *d, const char *key, size_t key_len, char *value)
{
    for (size_t i = 0; i < d->n_entries; i++) {
        if (strlen(d->entries[i].key) == key_len && memcmp(d->entries[i].key, key, key_len) == 0) {
            explicit_bzero(d->entries[i].value, strlen(d->entries[i].value));
            free(d->entries[i].value);
            d->entries[i].value = value;
            return;
        }
    }
    d->entries = xrealloc(d->entries, (d->n_entries + 1) * sizeof *d->entries);
    d->entries[d->n_entries].key = xstrndup(key, key_len);
    d->entries[d->n_entries].value = value;
    d->n_entries++;
}

/* Translates the character after a backslash inside double quotes. */
static bool unescape(char c, char *out)
{
    switch (c) {
    case 'n':
        *out = '\n';
        return true;
    case 't':
        *out = '\t';
        return true;
    case 'r':
        *out = '\r';
        return true;
    case '"':
        *out = '"';
        return true;
    case '\\':
        *out = '\\';
        return true;
    default:
        return false;
    }
}

/*
 * Scans a quoted value starting at the opening quote. On success the value is
 * in *b and the cursor is after the closing quote. On failure a problem is
 * recorded, *b is discarded and the cursor is left at the opening line.
 */
static int scan_quoted(struct scanner *sc, struct strbuf *b)
{
    const char quote = *sc->p;
    const char *start = sc->p;
    unsigned start_line = sc->line;
    const char *q = sc->p + 1;
    unsigned lines = 0;

    for (; q < sc->end && *q != quote; q++) {
        char c = *q;

        if (c == '\0') {
            problem(sc, start_line, "NUL byte in a value");
            goto fail;
        }
        if (c == '\\' && quote == '"' && q + 1 < sc->end) {
            char esc;

            if (unescape(q[1], &esc)) {
                sb_put(b, esc);
                q++;
                continue;
            }
        }
        if (c == '\r' && q + 1 < sc->end && q[1] == '\n')
            continue;
        if (c == '\n')
            lines++;
        sb_put(b, c);
    }
    if (q >= sc->end) {
        problem(sc, start_line, "unterminated %s-quoted value", quote == '"' ? "double" : "single");
        goto fail;
    }
    sc->p = q + 1;
    sc->line += lines;
    return WOS_OK;
fail:
    sb_discard(b);
    sc->p = start;
    return WOS_ERROR;
}

/*
 * Scans an unquoted value up to the end of the line. `#` starts a comment
 * only after a blank (blank_before tells whether blanks preceded the value).
 */
static int scan_unquoted(struct scanner *sc, struct strbuf *b, bool blank_before)
{
    const char *eol = line_end(sc);
    const char *v = sc->p;
    const char *stop = eol;

    for (const char *q = v; q < eol; q++) {
        if (*q == '\0') {
            problem(sc, sc->line, "NUL byte in a value");
            return WOS_ERROR;
        }
        if (*q == '#' && (q > v ? is_blank(q[-1]) : blank_before)) {
            stop = q;
            break;
        }
    }
    while (stop > v && (is_blank(stop[-1]) || stop[-1] == '\r'))
        stop--;
    for (const char *q = v; q < stop; q++)
        sb_put(b, *q);
    sc->p = eol;
    return WOS_OK;
}

/* Returns true when the cursor is on the keyword `export` followed by a blank. */
static bool at_export(const struct scanner *sc)
{
    static const char kw[] = "export";
    size_t n = sizeof kw - 1;

    return (size_t)(sc->end - sc->p) > n && memcmp(sc->p, kw, n) == 0 && is_blank(sc->p[n]);
}

/* Parses one statement: the rest of a line, or more for a multi-line quoted value. */
static void scan_statement(struct scanner *sc)
{
    struct strbuf b = {0};
    const char *key;
    size_t key_len;
    const char *after_eq;
    int rc;

    skip_blanks(sc);
    if (rest_is_empty(sc)) {
        next_line(sc);
        return;
    }
    if (at_export(sc)) {
        sc->p += 6;
        skip_blanks(sc);
    }
    if (sc->p >= sc->end || !is_key_start(*sc->p)) {
        problem(sc, sc->line, "expected KEY=VALUE (a name of letters, digits and '_')");
        next_line(sc);
        return;
    }
    key = sc->p;
    while (sc->p < sc->end && is_key_char(*sc->p))
        sc->p++;
    key_len = (size_t)(sc->p - key);
    skip_blanks(sc);
    if (sc->p >= sc->end || *sc->p != '=') {
        problem(sc, sc->line, "expected '=' after %.*s", (int)(key_len > 64 ? 64 : key_len), key);
        next_line(sc);
        return;
    }
    sc->p++;
    after_eq = sc->p;
    skip_blanks(sc);
    if (sc->p < sc->end && (*sc->p == '"' || *sc->p == '\'')) {
        rc = scan_quoted(sc, &b);
        if (rc == WOS_OK && !rest_is_empty(sc)) {
            problem(sc, sc->line, "unexpected text after the closing quote of %.*s",
                    (int)(key_len > 64 ? 64 : key_len), key);
            sb_discard(&b);
            rc = WOS_ERROR;
        }
    } else {
        rc = scan_unquoted(sc, &b, sc->p > after_eq);
    }
    if (rc == WOS_OK)
        set_entry(sc->out, key, key_len, sb_take(&b));
    next_line(sc);
}

int wos_dotenv_parse(const char *buf, size_t len, struct wos_dotenv *out)
{
    struct scanner sc = {.p = buf, .line = 1, .out = out};

    memset(out, 0, sizeof *out);
    if (buf == NULL)
        return WOS_OK;
    sc.end = buf + len;
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        sc.p += 3;
    while (sc.p < sc.end)
        scan_statement(&sc);
    return out->n_problems == 0 ? WOS_OK : WOS_ERROR;
}

/* Records a problem that belongs to the whole file rather than to a line. */
static int file_problem(struct wos_dotenv *out, const char *path, const char *why)
{
    char msg[512];

    snprintf(msg, sizeof msg, "cannot read %s: %s", path, why);
    out->problems = xrealloc(out->problems, sizeof *out->problems);
    out->problems[0] = xstrndup(msg, strlen(msg));
    out->n_problems = 1;
    return WOS_ERROR;
}

int wos_dotenv_read_file(const char *path, struct wos_dotenv *out)
{
    FILE *f;
    char *buf;
    size_t n;
    int rc;

    memset(out, 0, sizeof *out);
    f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT ? WOS_OK : file_problem(out, path, strerror(errno));
    buf = xrealloc(NULL, DOTENV_MAX_FILE_BYTES + 1);
    n = fread(buf, 1, DOTENV_MAX_FILE_BYTES + 1, f);
    if (ferror(f)) {
        rc = file_problem(out, path, strerror(errno));
    } else if (n > DOTENV_MAX_FILE_BYTES) {
        rc = file_problem(out, path, "larger than 1 MiB");
    } else {
        rc = wos_dotenv_parse(buf, n, out);
    }
    fclose(f);
    explicit_bzero(buf, n);
    free(buf);
    return rc;
}

const char *wos_dotenv_get(const struct wos_dotenv *d, const char *key)
{
    for (size_t i = 0; i < d->n_entries; i++) {
        if (strcmp(d->entries[i].key, key) == 0)
            return d->entries[i].value;
    }
    return NULL;
}

void wos_dotenv_free(struct wos_dotenv *d)
{
    for (size_t i = 0; i < d->n_entries; i++) {
        free(d->entries[i].key);
        explicit_bzero(d->entries[i].value, strlen(d->entries[i].value));
        free(d->entries[i].value);
    }
    for (size_t i = 0; i < d->n_problems; i++)
        free(d->problems[i]);
    free(d->entries);
    free(d->problems);
    memset(d, 0, sizeof *d);
}
