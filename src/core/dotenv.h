/*
 * dotenv.h: parser for `.env` files (KEY=VALUE lines).
 *
 * Accepted syntax, one assignment per line:
 *   KEY=value            unquoted: surrounding blanks trimmed, literal, ` #...` ends it
 *   export KEY=value     the `export ` prefix is ignored
 *   KEY='literal'        single quotes: no escapes, may span lines
 *   KEY="a\tb\n"         double quotes: \n \t \r \" \\ escapes, may span lines
 *   KEY=                 empty string
 *   # comment, blank lines, CRLF line ends, a leading UTF-8 BOM
 * Values are never interpolated (`${X}` stays as written). A later assignment
 * of the same key replaces an earlier one. A line that does not parse becomes
 * a problem "line N: <why>" and parsing goes on with the next line.
 */
#ifndef WOS_CORE_DOTENV_H
#define WOS_CORE_DOTENV_H

#include <stddef.h>

struct wos_dotenv_entry {
    char *key;
    char *value;
};

/* Everything is malloc'd and owned by the struct; wos_dotenv_free() releases it. */
struct wos_dotenv {
    struct wos_dotenv_entry *entries;
    size_t n_entries;
    char **problems; /* "line N: ..." in file order */
    size_t n_problems;
};

/*
 * Parses len bytes of buf (need not be NUL-terminated; NUL bytes are a
 * problem of their line) into *out, which it initialises. Returns WOS_OK when
 * there were no problems, WOS_ERROR otherwise; *out is filled either way.
 */
int wos_dotenv_parse(const char *buf, size_t len, struct wos_dotenv *out);

/*
 * Reads and parses the file at path. A missing file is not a problem (empty
 * result, WOS_OK); an unreadable one is reported as a problem.
 */
int wos_dotenv_read_file(const char *path, struct wos_dotenv *out);

/* The value of key, or NULL when the key is absent. Borrowed from d. */
const char *wos_dotenv_get(const struct wos_dotenv *d, const char *key);

void wos_dotenv_free(struct wos_dotenv *d);

#endif
