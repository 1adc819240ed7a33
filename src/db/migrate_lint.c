/*
 * migrate_lint.c: `wos migrate lint`, risky statements flagged before they
 * ship. Works on tokens (the lexer of migrate_sql.c), statement by statement.
 *
 * A table counts as "existing" unless the same up script created it earlier:
 * a table made by an older migration may hold production rows and serve
 * running code, so rewriting, locking or dropping it is risky; a table born
 * in this file is empty. Rules (errors unless noted):
 *   missing-message       the up file has no "-- message:" header
 *   missing-down          there is no .down.sql
 *   drop-table            DROP TABLE of an existing table
 *   drop-column           ALTER TABLE ... DROP COLUMN on an existing table
 *   alter-column-type     ALTER COLUMN ... TYPE on an existing table (rewrite, lock)
 *   add-not-null          ADD COLUMN ... NOT NULL (or PRIMARY KEY) without DEFAULT
 *   non-concurrent-index  CREATE INDEX without CONCURRENTLY on an existing table
 *   concurrently-in-transaction  CONCURRENTLY in a file without wos:no-transaction
 *   transaction-control   BEGIN/COMMIT/ROLLBACK/... inside a migration
 *   unterminated          a quote, dollar quote or comment never closed
 *   set-not-null          (warning) ALTER COLUMN ... SET NOT NULL on an existing table
 *   rename                (warning) RENAME breaks code still using the old name
 *   qualified-schema      (warning) "public." names defeat the drift check's replay
 *   empty                 (warning) the up file has no statement
 * A header line "-- wos:allow rule, rule" accepts the named findings for that
 * migration (they are still printed, marked allowed).
 */
#include "core/arena.h"
#include "core/common.h"
#include "db/migrate_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

struct toks {
    struct wos_sql_tok *v;
    size_t n;
};

struct lint {
    struct wos_arena *arena;
    const struct wos_mig *m;
    const char *file;
    bool down, no_tx;
    const char **created; /* tables created so far in this file */
    size_t n_created, cap_created;
    int errors, warnings;
    bool oom;
};

/* ---- findings ---- */

static bool allowed(const struct lint *l, const char *rule)
{
    size_t k = strlen(rule);
    for (const char *p = l->m->allow; (p = strstr(p, rule)) != NULL; p += k) {
        bool start = p == l->m->allow || p[-1] == ',' || p[-1] == ' ' || p[-1] == '\t';
        bool end = p[k] == '\0' || p[k] == ',' || p[k] == ' ' || p[k] == '\t';
        if (start && end)
            return true;
    }
    return false;
}

static void __attribute__((format(printf, 5, 6)))
finding(struct lint *l, bool error, const char *rule, int line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *level = error ? "error" : "warning";
    if (allowed(l, rule))
        level = "allowed";
    else if (error)
        l->errors++;
    else
        l->warnings++;
    printf("%s:%d: %s [%s] %s\n", l->file, line, level, rule, msg);
}

/* ---- token helpers ---- */

static bool is(const struct toks *t, size_t i, const char *word)
{
    return i < t->n && wos_migrate_tok_is(&t->v[i], word);
}

static bool punct(const struct toks *t, size_t i, char c)
{
    return i < t->n && t->v[i].kind == WOS_TOK_PUNCT && *t->v[i].p == c;
}

static int tokenize(struct lint *l, const struct wos_sql_stmt *st, struct toks *out)
{
    size_t pos = 0, cap = 64;
    struct wos_sql_tok tok;

    out->n = 0;
    out->v = wos_arena_alloc(l->arena, cap * sizeof(*out->v));
    while (out->v && wos_migrate_lex(st->text, st->len, &pos, &tok) != WOS_TOK_END) {
        if (out->n == cap) {
            struct wos_sql_tok *v = wos_arena_alloc(l->arena, 2 * cap * sizeof(*v));
            if (v)
                memcpy(v, out->v, cap * sizeof(*v));
            out->v = v;
            cap *= 2;
            if (!v)
                break;
        }
        out->v[out->n++] = tok;
    }
    if (!out->v) {
        l->oom = true;
        return WOS_ERROR;
    }
    return WOS_OK;
}

/*
 * Reads a possibly qualified name at *i ("users", "public.users", "\"Users\"")
 * and returns its last part, folded to lower case unless quoted. NULL when
 * there is no name (or memory ran out).
 */
static const char *name_at(struct lint *l, const struct toks *t, size_t *i)
{
    const char *name = NULL;
    while (*i < t->n && (t->v[*i].kind == WOS_TOK_WORD || t->v[*i].kind == WOS_TOK_QIDENT)) {
        const struct wos_sql_tok *k = &t->v[*i];
        char *s;
        if (k->kind == WOS_TOK_QIDENT) {
            s = wos_arena_strndup(l->arena, k->p + 1, k->len >= 2 ? k->len - 2 : 0);
        } else {
            s = wos_arena_strndup(l->arena, k->p, k->len);
            for (char *c = s; c && *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c - 'A' + 'a');
        }
        if (!s) {
            l->oom = true;
            return NULL;
        }
        name = s;
        (*i)++;
        if (!punct(t, *i, '.'))
            break;
        (*i)++;
    }
    return name;
}

static bool created_here(const struct lint *l, const char *table)
{
    for (size_t i = 0; i < l->n_created; i++)
        if (strcmp(l->created[i], table) == 0)
            return true;
    return false;
}

static void remember_table(struct lint *l, const char *table)
{
    if (l->n_created == l->cap_created) {
        size_t cap = l->cap_created ? 2 * l->cap_created : 16;
        const char **v = wos_arena_alloc(l->arena, cap * sizeof(*v));
        if (!v) {
            l->oom = true;
            return;
        }
        if (l->n_created)
            memcpy(v, l->created, l->n_created * sizeof(*v));
        l->created = v;
        l->cap_created = cap;
    }
    l->created[l->n_created++] = table;
}

static void skip_if_exists(const struct toks *t, size_t *i)
{
    if (is(t, *i, "if") && is(t, *i + 1, "exists"))
        *i += 2;
    else if (is(t, *i, "if") && is(t, *i + 1, "not") && is(t, *i + 2, "exists"))
        *i += 3;
}

/* ---- rules ---- */

static void lint_create(struct lint *l, const struct toks *t, int line)
{
    size_t i = 1;
    if (is(t, i, "or") && is(t, i + 1, "replace"))
        i += 2;
    if (is(t, i, "global") || is(t, i, "local"))
        i++;
    if (is(t, i, "temp") || is(t, i, "temporary"))
        return;
    if (is(t, i, "unlogged"))
        i++;
    if (is(t, i, "table")) {
        i++;
        skip_if_exists(t, &i);
        const char *name = name_at(l, t, &i);
        if (name)
            remember_table(l, name);
        return;
    }
    if (is(t, i, "unique"))
        i++;
    if (!is(t, i, "index"))
        return;
    i++;
    bool concurrently = is(t, i, "concurrently");
    if (concurrently)
        i++;
    skip_if_exists(t, &i);
    if (!is(t, i, "on"))
        name_at(l, t, &i);
    if (!is(t, i, "on"))
        return;
    i++;
    if (is(t, i, "only"))
        i++;
    const char *table = name_at(l, t, &i);
    if (concurrently && !l->no_tx)
        finding(l, true, "concurrently-in-transaction", line,
                "CREATE INDEX CONCURRENTLY cannot run inside a transaction: add the header "
                "line \"-- wos:no-transaction\"");
    else if (!l->down && !concurrently && table && !created_here(l, table))
        finding(l, true, "non-concurrent-index", line,
                "CREATE INDEX on existing table %s blocks its writes while it builds: use "
                "CREATE INDEX CONCURRENTLY in a wos:no-transaction migration",
                table);
}

static void lint_drop(struct lint *l, const struct toks *t, int line)
{
    size_t i = 2;
    if (is(t, 1, "index")) {
        if (is(t, 2, "concurrently") && !l->no_tx)
            finding(l, true, "concurrently-in-transaction", line,
                    "DROP INDEX CONCURRENTLY cannot run inside a transaction: add the header "
                    "line \"-- wos:no-transaction\"");
        return;
    }
    if (!is(t, 1, "table"))
        return;
    skip_if_exists(t, &i);
    while (i < t->n) {
        const char *table = name_at(l, t, &i);
        if (!table)
            break;
        if (!created_here(l, table))
            finding(l, true, "drop-table", line,
                    "DROP TABLE %s destroys its data and breaks code still reading it", table);
        if (!punct(t, i, ','))
            break;
        i++;
    }
}

/* Whether the column definition tokens [i, end) have NOT NULL / PRIMARY KEY but no default. */
static bool not_null_without_default(const struct toks *t, size_t i, size_t end)
{
    bool not_null = false, has_default = false;
    for (; i < end; i++) {
        if ((is(t, i, "not") && is(t, i + 1, "null")) ||
            (is(t, i, "primary") && is(t, i + 1, "key")))
            not_null = true;
        if (is(t, i, "default") || is(t, i, "generated"))
            has_default = true;
    }
    return not_null && !has_default;
}

static void lint_alter_action(struct lint *l, const struct toks *t, size_t i, size_t end,
                              const char *table, int line)
{
    static const char *const constraint_words[] = {"constraint", "primary", "unique",
                                                   "check",      "foreign", "exclude"};
    if (is(t, i, "add")) {
        i++;
        for (size_t k = 0; k < WOS_ARRAY_LEN(constraint_words); k++)
            if (is(t, i, constraint_words[k]))
                return;
        if (is(t, i, "column"))
            i++;
        skip_if_exists(t, &i);
        const char *col = name_at(l, t, &i);
        if (col && not_null_without_default(t, i, end))
            finding(l, true, "add-not-null", line,
                    "ADD COLUMN %s.%s NOT NULL without DEFAULT fails as soon as %s has rows: "
                    "add it nullable, backfill, then SET NOT NULL (or give it a default)",
                    table, col, table);
    } else if (is(t, i, "drop")) {
        i++;
        if (is(t, i, "constraint"))
            return;
        if (is(t, i, "column"))
            i++;
        skip_if_exists(t, &i);
        const char *col = name_at(l, t, &i);
        if (col)
            finding(l, true, "drop-column", line,
                    "DROP COLUMN %s.%s destroys its data and breaks code still reading it: "
                    "stop using it in one release, drop it in a later one",
                    table, col);
    } else if (is(t, i, "alter")) {
        i++;
        if (is(t, i, "column"))
            i++;
        const char *col = name_at(l, t, &i);
        if (!col)
            return;
        if (is(t, i, "type") || (is(t, i, "set") && is(t, i + 1, "data") && is(t, i + 2, "type")))
            finding(l, true, "alter-column-type", line,
                    "changing the type of %s.%s rewrites or rescans the table under an "
                    "exclusive lock and can break readers: add a new column and migrate to it",
                    table, col);
        else if (is(t, i, "set") && is(t, i + 1, "not") && is(t, i + 2, "null"))
            finding(l, false, "set-not-null", line,
                    "SET NOT NULL on %s.%s scans the table under an exclusive lock and fails "
                    "if any row is NULL",
                    table, col);
    } else if (is(t, i, "rename")) {
        finding(l, false, "rename", line,
                "renaming in %s breaks code that still uses the old name during a rolling "
                "deploy",
                table);
    }
}

static void lint_alter_table(struct lint *l, const struct toks *t, int line)
{
    size_t i = 2;
    skip_if_exists(t, &i);
    if (is(t, i, "only"))
        i++;
    const char *table = name_at(l, t, &i);
    if (!table || created_here(l, table))
        return;
    if (punct(t, i, '*'))
        i++;
    /* actions are separated by top-level commas */
    int depth = 0;
    size_t start = i;
    for (size_t k = i; k <= t->n; k++) {
        if (k < t->n && punct(t, k, '('))
            depth++;
        else if (k < t->n && punct(t, k, ')'))
            depth--;
        if (k == t->n || (depth == 0 && punct(t, k, ','))) {
            lint_alter_action(l, t, start, k, table, line);
            start = k + 1;
        }
    }
}

static void lint_statement(struct lint *l, const struct wos_sql_stmt *st)
{
    static const char *const tx_words[] = {"begin", "commit", "rollback",  "start",
                                           "end",   "abort",  "savepoint", "release"};
    struct toks t;

    if (tokenize(l, st, &t) != WOS_OK || t.n == 0)
        return;
    for (size_t i = 0; i < t.n; i++) {
        if (t.v[i].unterminated) {
            finding(l, true, "unterminated", st->line,
                    "a quote, dollar quote or comment is never closed");
            return;
        }
    }
    for (size_t i = 0; i < WOS_ARRAY_LEN(tx_words); i++) {
        if (is(&t, 0, tx_words[i])) {
            finding(l, true, "transaction-control", st->line,
                    "%.*s: the runner manages transactions; migration files must not",
                    (int)t.v[0].len, t.v[0].p);
            return;
        }
    }
    if (is(&t, 0, "create"))
        lint_create(l, &t, st->line);
    else if (!l->down && is(&t, 0, "drop"))
        lint_drop(l, &t, st->line);
    else if (l->down && is(&t, 0, "drop") && is(&t, 1, "index"))
        lint_drop(l, &t, st->line);
    else if (!l->down && is(&t, 0, "alter") && is(&t, 1, "table"))
        lint_alter_table(l, &t, st->line);
    for (size_t i = 0; !l->down && i + 1 < t.n; i++) {
        if (is(&t, i, "public") && punct(&t, i + 1, '.')) {
            finding(l, false, "qualified-schema", st->line,
                    "names qualified with \"public.\" escape the scratch schema that "
                    "`wos migrate check` replays migrations into; leave names unqualified");
            break;
        }
    }
}

/*
 * Lints one script. Down scripts exist to drop and rewrite things, so only
 * the transaction, quoting and CONCURRENTLY rules apply to them.
 */
static size_t lint_script(struct lint *l, const char *file, const char *sql, size_t len, bool down,
                          bool no_tx)
{
    struct wos_sql_stmt *st;
    size_t n;

    l->file = file;
    l->down = down;
    l->no_tx = no_tx;
    l->n_created = 0;
    if (wos_migrate_split(l->arena, sql, len, &st, &n) != WOS_OK) {
        l->oom = true;
        return 0;
    }
    for (size_t i = 0; i < n && !l->oom; i++)
        lint_statement(l, &st[i]);
    return n;
}

static void lint_migration(struct lint *l, const struct wos_mig *m)
{
    l->m = m;
    l->file = m->up_file;
    if (!*m->message)
        finding(l, true, "missing-message", 1,
                "the header needs a line \"-- message: what this migration does\"");
    if (!m->down_sql) {
        finding(l, true, "missing-down", 1,
                "%s is missing: write the down script (it may be a comment explaining why "
                "the change cannot be undone)",
                m->down_file);
    }
    size_t n = lint_script(l, m->up_file, m->up_sql, m->up_len, false, m->up_no_tx);
    if (n == 0 && !l->oom)
        finding(l, false, "empty", 1, "the up script has no statement");
    if (m->down_sql && !l->oom)
        lint_script(l, m->down_file, m->down_sql, m->down_len, true, m->down_no_tx);
}

int wos_migrate_lint(struct wos_arena *a, const struct wos_mig_set *set, const struct wos_mig *only)
{
    struct lint l = {.arena = a};
    size_t checked = 0;

    for (size_t i = 0; i < set->count && !l.oom; i++) {
        if (only && only != &set->items[i])
            continue;
        lint_migration(&l, &set->items[i]);
        checked++;
    }
    if (l.oom)
        return -1;
    printf("lint: %zu migration(s) from %s: %d error(s), %d warning(s)\n", checked, set->origin,
           l.errors, l.warnings);
    fflush(stdout);
    return l.errors;
}
