/*
 * migrate_int.h: what the migration runner's files (migrate.c, migrate_sql.c,
 * migrate_schema.c, migrate_lint.c) share with each other; nothing outside
 * src/db/migrate*.c includes it. All memory hangs off the caller's arena.
 */
#ifndef WOS_DB_MIGRATE_INT_H
#define WOS_DB_MIGRATE_INT_H

#include "db/migrate.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

struct wos_arena;

#define WOS_MIGRATE_REVISION_MAX 64

/* One migration as the runner sees it, parsed from a file pair. */
struct wos_mig {
    const char *revision; /* "0001_initial_schema" */
    int number;           /* 1 */
    const char *message;  /* from "-- message:", "" when the header lacks it */
    const char *up_sql, *down_sql; /* down_sql NULL when there is no down script */
    size_t up_len, down_len;
    bool up_no_tx, down_no_tx; /* "-- wos:no-transaction" in the file's header */
    const char *allow;         /* "-- wos:allow rule, rule" list for lint, "" when absent */
    const char *up_file, *down_file; /* labels for messages: "migrations/0001_x.up.sql" */
    char checksum[65];               /* sha256 hex of the up file's bytes */
};

struct wos_mig_set {
    struct wos_mig *items; /* sorted by number */
    size_t count;
    const char *origin; /* "embedded" or the directory */
};

/* One SQL statement cut out of a script by wos_migrate_split(). */
struct wos_sql_stmt {
    const char *text; /* points into the script, from its first token */
    size_t len;       /* without the terminating ';' and trailing blanks */
    int line;         /* 1-based line of the first token in the script */
    bool terminated;  /* ended by ';' (the last one may not be) */
};

enum wos_sql_tok_kind {
    WOS_TOK_END,
    WOS_TOK_WORD,   /* keyword or unquoted identifier, or a number */
    WOS_TOK_QIDENT, /* "quoted identifier" */
    WOS_TOK_STRING, /* '...', E'...', $tag$...$tag$ */
    WOS_TOK_PUNCT,  /* any other single character */
};

struct wos_sql_tok {
    enum wos_sql_tok_kind kind;
    const char *p;
    size_t len;
    bool unterminated; /* a string, quoted identifier or comment ran to the end */
};

/*
 * Next token of s[0..len) from *pos, skipping blanks and comments; advances
 * *pos. Returns the token's kind (WOS_TOK_END at the end).
 */
enum wos_sql_tok_kind wos_migrate_lex(const char *s, size_t len, size_t *pos,
                                      struct wos_sql_tok *t);

/* Whether token t is the word w (ASCII case-insensitive). */
bool wos_migrate_tok_is(const struct wos_sql_tok *t, const char *w);

/*
 * Cuts a script into statements at top-level ';' (aware of quotes, dollar
 * quotes, comments and BEGIN ATOMIC bodies); empty statements are dropped.
 * WOS_OK, or WOS_ERROR when memory ran out.
 */
int wos_migrate_split(struct wos_arena *a, const char *sql, size_t len,
                      struct wos_sql_stmt **out, size_t *n);

/* Loads and validates the embedded set or the *.sql files of dir. WOS_OK, or WOS_ERROR
 * with *err (arena string) naming the problem. */
int wos_migrate_load_embedded(struct wos_arena *a, struct wos_mig_set *set, const char **err);
int wos_migrate_load_dir(struct wos_arena *a, const char *dir, struct wos_mig_set *set,
                         const char **err);

/* Whether rev is a well-formed revision id ("NNNN_slug", lower case, at most 64 bytes). */
bool wos_migrate_revision_valid(const char *rev);

/* The migration of set with this revision, or NULL. */
struct wos_mig *wos_migrate_find(const struct wos_mig_set *set, const char *revision);

/*
 * Compares the live schema with the schema the given migrations produce
 * (replayed in a scratch schema inside a transaction that is rolled back).
 * On WOS_OK *diffs holds *n human-readable differences (0 = none); on
 * WOS_ERROR *err says why the comparison could not be made. conn must be
 * idle (no open transaction).
 */
int wos_migrate_drift(PGconn *conn, struct wos_arena *a, struct wos_mig *const *applied,
                      size_t n_applied, const char ***diffs, size_t *n, const char **err);

/*
 * Prints lint findings for every migration of set (or only `only` when not
 * NULL) to stdout. Returns the number of errors found.
 */
int wos_migrate_lint(struct wos_arena *a, const struct wos_mig_set *set, const struct wos_mig *only);

#endif
