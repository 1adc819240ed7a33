/*
 * migrate_int.h: what the migration runner's files (migrate.c, migrate_cli.c,
 * migrate_sql.c, migrate_schema.c, migrate_lint.c) share with each other;
 * nothing outside src/db/migrate*.c includes it. All memory hangs off the
 * caller's arena.
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
    const char *revision;          /* "0001_initial_schema" */
    int number;                    /* 1 */
    const char *message;           /* from "-- message:", "" when the header lacks it */
    const char *up_sql, *down_sql; /* down_sql NULL when there is no down script */
    size_t up_len, down_len;
    bool up_no_tx, down_no_tx;       /* "-- wos:no-transaction" in the file's header */
    const char *allow;               /* "-- wos:allow rule, rule" list for lint, "" when absent */
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
int wos_migrate_split(struct wos_arena *a, const char *sql, size_t len, struct wos_sql_stmt **out,
                      size_t *n);

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
int wos_migrate_lint(struct wos_arena *a, const struct wos_mig_set *set,
                     const struct wos_mig *only);

/* ---- one run of the runner (migrate.c; the commands live in migrate_cli.c) ---- */

struct wos_config;

/* One row of schema_migrations. */
struct wos_migrate_applied {
    const char *revision, *checksum, *applied_at, *by_version;
    const char *duration_ms;
    bool dirty;
    struct wos_mig *mig; /* NULL: the binary does not know this revision */
};

/* Everything one command run works with; memory lives in arena. */
struct wos_migrate_run {
    struct wos_arena *arena;
    const struct wos_config *cfg;
    PGconn *conn;
    bool locked;
    struct wos_mig_set set;
    struct wos_migrate_applied *applied; /* ordered by revision */
    size_t n_applied;
    bool table_exists;
    bool server; /* report through wos_log (wos serve) instead of stdout/stderr */
    bool sql_only, force, verbose;
    const char *dir, *message, *target;
};
/* Migrations to apply or revert, in the order they run. */
struct wos_migrate_plan {
    struct wos_mig **items;
    size_t n;
};

extern const char *const wos_migrate_create_table_sql;

/* Command output: stdout / stderr ("error: ", "warning: "), or wos_log lines for wos serve. */
void wos_migrate_say(struct wos_migrate_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void wos_migrate_warn(struct wos_migrate_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void wos_migrate_fail(struct wos_migrate_run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Bookkeeping statements (parameters only): the result, or NULL / WOS_ERROR after reporting. */
PGresult *wos_migrate_query(struct wos_migrate_run *r, const char *sql, int n,
                            const char *const *params);
int wos_migrate_exec(struct wos_migrate_run *r, const char *sql);
/* Rolls back an open transaction, if any. */
void wos_migrate_rollback(struct wos_migrate_run *r);

/* Connects (UTF8 checked), takes the lock when asked, reads schema_migrations. */
int wos_migrate_open(struct wos_migrate_run *r, bool lock);
int wos_migrate_read_state(struct wos_migrate_run *r);
/* Creates schema_migrations when it does not exist yet (under the lock). */
int wos_migrate_ensure_table(struct wos_migrate_run *r);
/* Disconnects (unlocking first) and frees the run's arena. */
void wos_migrate_close(struct wos_migrate_run *r);

struct wos_migrate_applied *wos_migrate_applied_row(struct wos_migrate_run *r,
                                                    const char *revision);
/* The newest applied revision / the newest known one; "base" when there is none. */
const char *wos_migrate_db_head(struct wos_migrate_run *r);
const char *wos_migrate_bin_head(struct wos_migrate_run *r);

/* Each reports every offending row and returns WOS_ERROR when there is one. */
int wos_migrate_refuse_unknown(struct wos_migrate_run *r);
int wos_migrate_refuse_dirty(struct wos_migrate_run *r);
/* Explains a dirty row and how to recover (as an error or a warning). */
void wos_migrate_dirty_advice(struct wos_migrate_run *r, const struct wos_migrate_applied *a,
                              bool as_error);
/* Warns about applied migrations whose file changed since. */
void wos_migrate_warn_changed(struct wos_migrate_run *r);

/* Writes m's schema_migrations row (applied now, by this version). */
int wos_migrate_record(struct wos_migrate_run *r, const struct wos_mig *m, long ms, bool dirty);
/* Runs m's up / down script with its row change, printing one line with the duration. */
int wos_migrate_apply_up(struct wos_migrate_run *r, struct wos_mig *m);
int wos_migrate_apply_down(struct wos_migrate_run *r, struct wos_mig *m);

/* A known migration by revision id or number ("3", "0003"), or NULL. */
struct wos_mig *wos_migrate_resolve(struct wos_migrate_run *r, const char *s);
/* Reports an unknown revision argument; returns WOS_ERROR. */
int wos_migrate_unknown_target(struct wos_migrate_run *r, const char *s);
/* What `upgrade TO` (head, REV, +N) / `downgrade TO` (-N, REV, base) would run. */
int wos_migrate_upgrade_plan(struct wos_migrate_run *r, const char *to, struct wos_migrate_plan *p);
int wos_migrate_downgrade_plan(struct wos_migrate_run *r, const char *to,
                               struct wos_migrate_plan *p);

#endif
