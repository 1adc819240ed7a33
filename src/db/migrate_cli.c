/*
 * migrate_cli.c: the `wos migrate` commands: upgrade, downgrade (with the
 * production guard on base), current, history, check (pending, checksums,
 * drift), stamp, revision, lint, and --sql offline output. Each command
 * loads the configuration (except revision and lint, which never touch a
 * database), the migration set (embedded, or --dir / WOS_MIGRATIONS_DIR),
 * then works through the engine in migrate.c. Exit status: 0 success, 1
 * failure or problems found, 2 usage or configuration errors.
 */
#include "core/arena.h"
#include "core/common.h"
#include "core/config.h"
#include "core/log.h"
#include "db/migrate_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- offline SQL ---- */

static void print_script(const char *sql, size_t len, bool last_terminated)
{
    fwrite(sql, 1, len, stdout);
    if (len && sql[len - 1] != '\n')
        putchar('\n');
    if (!last_terminated)
        puts(";");
}

static bool last_terminated(struct wos_migrate_run *r, const char *sql, size_t len)
{
    struct wos_sql_stmt *st;
    size_t n;
    if (wos_migrate_split(r->arena, sql, len, &st, &n) != WOS_OK || n == 0)
        return true;
    return st[n - 1].terminated;
}

static void print_plan_sql(struct wos_migrate_run *r, const struct wos_migrate_plan *p, bool up)
{
    printf("-- wos migrate %s --sql (wos %s): %zu migration(s); nothing was run\n\n",
           up ? "upgrade" : "downgrade", WOS_VERSION, p->n);
    if (up)
        printf("%s;\n\n", wos_migrate_create_table_sql);
    for (size_t i = 0; i < p->n; i++) {
        const struct wos_mig *m = p->items[i];
        const char *sql = up ? m->up_sql : m->down_sql;
        size_t len = up ? m->up_len : m->down_len;
        bool no_tx = up ? m->up_no_tx : m->down_no_tx;
        printf("-- %s %s: %s (%s)\n", up ? "upgrade" : "downgrade", m->revision, m->message,
               up ? m->up_file : m->down_file);
        if (no_tx)
            printf("-- runs outside a transaction, statement by statement\n");
        else
            printf("BEGIN;\n");
        print_script(sql, len, last_terminated(r, sql, len));
        if (up)
            printf("INSERT INTO schema_migrations (revision, checksum, applied_at, duration_ms, "
                   "applied_by_version, dirty)\n    VALUES ('%s', '%s', now(), 0, '%s', false);\n",
                   m->revision, m->checksum, WOS_VERSION);
        else
            printf("DELETE FROM schema_migrations WHERE revision = '%s';\n", m->revision);
        if (!no_tx)
            printf("COMMIT;\n");
        putchar('\n');
    }
    fflush(stdout);
}

/*
 * For "--sql FROM:TO": pretends the database holds exactly the known
 * revisions up to FROM ("base": none, "head": all), so no connection is needed.
 */
static int simulate_applied(struct wos_migrate_run *r, const char *from)
{
    int upto = 0;
    if (strcmp(from, "head") == 0) {
        upto = r->set.count ? r->set.items[r->set.count - 1].number : 0;
    } else if (strcmp(from, "base") != 0) {
        struct wos_mig *m = wos_migrate_resolve(r, from);
        if (!m)
            return wos_migrate_unknown_target(r, from);
        upto = m->number;
    }
    r->applied = wos_arena_alloc(r->arena, (r->set.count + 1) * sizeof(*r->applied));
    if (!r->applied) {
        wos_migrate_fail(r, "out of memory");
        return WOS_ERROR;
    }
    r->n_applied = 0;
    for (size_t i = 0; i < r->set.count && r->set.items[i].number <= upto; i++) {
        struct wos_migrate_applied *a = &r->applied[r->n_applied++];
        a->revision = r->set.items[i].revision;
        a->checksum = r->set.items[i].checksum;
        a->mig = &r->set.items[i];
    }
    r->table_exists = true;
    return WOS_OK;
}

/* Splits "FROM:TO" for offline --sql; *to stays target when there is no ':'. */
static int offline_range(struct wos_migrate_run *r, const char **to)
{
    const char *colon = strchr(r->target, ':');
    *to = r->target;
    if (!colon)
        return WOS_AGAIN;
    if (!r->sql_only) {
        wos_migrate_fail(r, "a FROM:TO range is only valid with --sql");
        return WOS_ERROR;
    }
    char *from = wos_arena_strndup(r->arena, r->target, (size_t)(colon - r->target));
    if (!from) {
        wos_migrate_fail(r, "out of memory");
        return WOS_ERROR;
    }
    *to = colon + 1;
    return simulate_applied(r, from);
}

static int cmd_upgrade(struct wos_migrate_run *r)
{
    const char *to = "head";
    struct wos_migrate_plan p;
    int rc = WOS_AGAIN;

    if (r->target && (rc = offline_range(r, &to)) == WOS_ERROR)
        return 1;
    if (rc == WOS_AGAIN && wos_migrate_open(r, !r->sql_only) != WOS_OK)
        return 1;
    if (wos_migrate_refuse_unknown(r) != WOS_OK || wos_migrate_refuse_dirty(r) != WOS_OK)
        return 1;
    if (wos_migrate_upgrade_plan(r, to, &p) != WOS_OK)
        return 1;
    if (r->sql_only) {
        print_plan_sql(r, &p, true);
        return 0;
    }
    wos_migrate_warn_changed(r);
    if (p.n == 0) {
        wos_migrate_say(r, "Nothing to upgrade: the database is at %s%s.", wos_migrate_db_head(r),
                        strcmp(wos_migrate_db_head(r), wos_migrate_bin_head(r)) == 0 ? " (head)"
                                                                                     : "");
        return 0;
    }
    if (wos_migrate_ensure_table(r) != WOS_OK)
        return 1;
    for (size_t i = 0; i < p.n; i++) {
        if (wos_migrate_apply_up(r, p.items[i]) != WOS_OK) {
            if (p.items[i]->up_no_tx && wos_migrate_read_state(r) == WOS_OK)
                wos_migrate_refuse_dirty(r);
            else
                wos_migrate_fail(r, "stopped at %s; the database stays at %s", p.items[i]->revision,
                                 i ? p.items[i - 1]->revision : wos_migrate_db_head(r));
            return 1;
        }
    }
    wos_migrate_say(r, "Database upgraded to %s.", p.items[p.n - 1]->revision);
    return 0;
}

static int cmd_downgrade(struct wos_migrate_run *r)
{
    const char *to;
    struct wos_migrate_plan p;
    int rc;

    if (!r->target) {
        wos_migrate_fail(
            r, "downgrade needs a target: -N (steps), a revision (which stays applied), or base");
        return 2;
    }
    if ((rc = offline_range(r, &to)) == WOS_ERROR)
        return 1;
    if (rc == WOS_AGAIN && wos_migrate_open(r, !r->sql_only) != WOS_OK)
        return 1;
    if (wos_migrate_refuse_unknown(r) != WOS_OK || wos_migrate_refuse_dirty(r) != WOS_OK)
        return 1;
    if (wos_migrate_downgrade_plan(r, to, &p) != WOS_OK)
        return 1;
    if (r->sql_only) {
        print_plan_sql(r, &p, false);
        return 0;
    }
    if (p.n == 0) {
        wos_migrate_say(r, "Nothing to downgrade: the database is at %s.", wos_migrate_db_head(r));
        return 0;
    }
    if (p.n == r->n_applied && r->cfg->is_production && !r->force) {
        wos_migrate_fail(
            r,
            "refusing to downgrade to base in production (APP_ENV=%s): that reverts every "
            "migration and drops the schema with its data. Take a backup (pg_dump), then "
            "repeat with --force.",
            r->cfg->app_env);
        return 1;
    }
    for (size_t i = 0; i < p.n; i++) {
        if (wos_migrate_apply_down(r, p.items[i]) != WOS_OK) {
            wos_migrate_fail(r, "stopped at %s; the database stays at %s", p.items[i]->revision,
                             p.items[i]->down_no_tx ? p.items[i]->revision
                                                    : wos_migrate_db_head(r));
            return 1;
        }
        r->n_applied--;
    }
    wos_migrate_say(r, "Database downgraded to %s.", wos_migrate_db_head(r));
    return 0;
}

static void print_current_verbose(struct wos_migrate_run *r, const struct wos_migrate_applied *a)
{
    wos_migrate_say(r, "  message:  %s", a->mig ? a->mig->message : "(unknown to this binary)");
    wos_migrate_say(r, "  applied:  %s in %s ms by wos %s", a->applied_at, a->duration_ms,
                    *a->by_version ? a->by_version : "(unknown)");
    wos_migrate_say(r, "  checksum: %s%s", a->checksum,
                    !a->mig                                 ? ""
                    : strcmp(a->checksum, a->mig->checksum) ? " (file changed since)"
                                                            : " (matches file)");
}

static int cmd_current(struct wos_migrate_run *r)
{
    if (wos_migrate_open(r, false) != WOS_OK)
        return 1;
    size_t pending = 0;
    for (size_t i = 0; i < r->set.count; i++)
        if (!wos_migrate_applied_row(r, r->set.items[i].revision))
            pending++;
    if (r->n_applied == 0) {
        wos_migrate_say(r, "base (no migration applied); binary head is %s (%zu pending)",
                        wos_migrate_bin_head(r), pending);
        return 0;
    }
    const struct wos_migrate_applied *head = &r->applied[r->n_applied - 1];
    if (!head->mig)
        wos_migrate_say(r, "%s (unknown to this binary, whose head is %s)", head->revision,
                        wos_migrate_bin_head(r));
    else if (pending == 0)
        wos_migrate_say(r, "%s (head)%s", head->revision, head->dirty ? " DIRTY" : "");
    else
        wos_migrate_say(r, "%s%s; binary head is %s (%zu pending)", head->revision,
                        head->dirty ? " DIRTY" : "", wos_migrate_bin_head(r), pending);
    if (r->verbose)
        print_current_verbose(r, head);
    for (size_t i = 0; i < r->n_applied; i++) {
        if (!r->applied[i].mig && &r->applied[i] != head)
            wos_migrate_warn(r, "applied revision %s is unknown to this binary",
                             r->applied[i].revision);
        if (r->applied[i].dirty)
            wos_migrate_dirty_advice(r, &r->applied[i], false);
    }
    return 0;
}

static void history_line(struct wos_migrate_run *r, const char *rev, const struct wos_mig *m,
                         const struct wos_migrate_applied *a, int width)
{
    const char *status;
    if (!a)
        status = "pending";
    else
        status = wos_arena_printf(r->arena, "%s %s by %s", a->dirty ? "DIRTY since" : "applied",
                                  a->applied_at, *a->by_version ? a->by_version : "?");
    const char *mark = "";
    if (a && a == &r->applied[r->n_applied - 1])
        mark = m && m == &r->set.items[r->set.count - 1] ? " (current, head)" : " (current)";
    else if (m && m == &r->set.items[r->set.count - 1])
        mark = " (head)";
    wos_migrate_say(r, "%-*s  %-46s  %-12.12s  %s%s", width, rev, status ? status : "?",
                    a ? a->checksum : m->checksum, m ? m->message : "(unknown to this binary)",
                    mark);
    if (!r->verbose)
        return;
    if (m)
        wos_migrate_say(r, "    files:    %s%s%s%s", m->up_file,
                        m->down_sql ? ", " : " (no down script)", m->down_sql ? m->down_file : "",
                        m->up_no_tx ? "; runs outside a transaction" : "");
    if (a) {
        wos_migrate_say(r, "    applied:  %s in %s ms by wos %s", a->applied_at, a->duration_ms,
                        *a->by_version ? a->by_version : "(unknown)");
        wos_migrate_say(r, "    checksum: %s%s", a->checksum,
                        !m                                 ? ""
                        : strcmp(a->checksum, m->checksum) ? " (CHANGED: file now "
                                                           : " (matches file)");
        if (m && strcmp(a->checksum, m->checksum))
            wos_migrate_say(r, "              %s)", m->checksum);
    } else {
        wos_migrate_say(r, "    checksum: %s (file)", m->checksum);
    }
}

static int cmd_history(struct wos_migrate_run *r)
{
    if (wos_migrate_open(r, false) != WOS_OK)
        return 1;
    int width = 10;
    for (size_t i = 0; i < r->set.count; i++)
        if ((int)strlen(r->set.items[i].revision) > width)
            width = (int)strlen(r->set.items[i].revision);
    for (size_t i = 0; i < r->n_applied; i++)
        if ((int)strlen(r->applied[i].revision) > width)
            width = (int)strlen(r->applied[i].revision);
    wos_migrate_say(r, "%-*s  %-46s  %-12s  %s", width, "revision", "status", "checksum",
                    "message");
    /* newest first, as alembic prints it; unknown applied revisions sort in by id */
    size_t i = r->set.count, j = r->n_applied;
    while (i > 0 || j > 0) {
        const struct wos_migrate_applied *a = j ? &r->applied[j - 1] : NULL;
        const struct wos_mig *m = i ? &r->set.items[i - 1] : NULL;
        if (a && !a->mig && (!m || strcmp(a->revision, m->revision) > 0)) {
            history_line(r, a->revision, NULL, a, width);
            j--;
            continue;
        }
        if (!m) { /* cannot happen: every known applied row has its migration */
            j--;
            continue;
        }
        const struct wos_migrate_applied *row = wos_migrate_applied_row(r, m->revision);
        history_line(r, m->revision, m, row, width);
        if (row)
            j--;
        i--;
    }
    if (r->set.count == 0 && r->n_applied == 0)
        wos_migrate_say(r, "(no migrations in %s)", r->set.origin);
    return 0;
}

/* check's drift step; returns the number of problems, -1 when the check could not run. */
static int check_drift(struct wos_migrate_run *r)
{
    struct wos_mig **mine = wos_arena_alloc(r->arena, (r->n_applied + 1) * sizeof(*mine));
    size_t n = 0;
    const char **diffs, *err;
    size_t n_diffs;

    if (!mine) {
        wos_migrate_fail(r, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < r->n_applied; i++) {
        if (!r->applied[i].mig) {
            wos_migrate_say(
                r, "drift: not checked, the database holds revisions this binary does not know");
            return 0;
        }
        if (!r->applied[i].dirty)
            mine[n++] = r->applied[i].mig;
    }
    if (wos_migrate_drift(r->conn, r->arena, mine, n, &diffs, &n_diffs, &err) != WOS_OK) {
        wos_migrate_fail(r, "drift check failed: %s", err);
        return -1;
    }
    for (size_t i = 0; i < n_diffs; i++)
        wos_migrate_say(r, "drift: %s", diffs[i]);
    return (int)n_diffs;
}

static int cmd_check(struct wos_migrate_run *r)
{
    int problems = 0;
    if (wos_migrate_open(r, true) != WOS_OK)
        return 1;
    for (size_t i = 0; i < r->n_applied; i++) {
        const struct wos_migrate_applied *a = &r->applied[i];
        if (!a->mig) {
            wos_migrate_say(
                r, "unknown: %s is applied in the database but this binary does not know it",
                a->revision);
            problems++;
        } else if (a->dirty) {
            wos_migrate_say(
                r, "dirty: %s stopped part-way outside a transaction (see `wos migrate current`)",
                a->revision);
            problems++;
        } else if (strcmp(a->checksum, a->mig->checksum) != 0) {
            wos_migrate_say(r, "changed: %s was applied with checksum %s but %s now has %s",
                            a->revision, a->checksum, a->mig->up_file, a->mig->checksum);
            problems++;
        }
    }
    for (size_t i = 0; i < r->set.count; i++) {
        if (!wos_migrate_applied_row(r, r->set.items[i].revision)) {
            wos_migrate_say(r, "pending: %s (%s)", r->set.items[i].revision,
                            r->set.items[i].message);
            problems++;
        }
    }
    int drift = check_drift(r);
    if (drift < 0)
        return 1;
    problems += drift;
    if (problems) {
        wos_migrate_say(r, "check: %d problem(s) found", problems);
        return 1;
    }
    wos_migrate_say(
        r, "OK: the database is at %s (head): no pending migration, checksums match, no drift.",
        wos_migrate_db_head(r));
    return 0;
}

static int stamp_apply(struct wos_migrate_run *r, int upto)
{
    int changes = 0;
    if (!r->sql_only && wos_migrate_exec(r, "BEGIN") != WOS_OK)
        return WOS_ERROR;
    for (size_t i = r->n_applied; i-- > 0;) {
        const struct wos_migrate_applied *a = &r->applied[i];
        const char *params[] = {a->revision, a->mig->checksum};
        if (a->mig->number > upto) {
            changes++;
            if (r->sql_only)
                printf("DELETE FROM schema_migrations WHERE revision = '%s';\n", a->revision);
            else if (!wos_migrate_query(r, "DELETE FROM schema_migrations WHERE revision = $1", 1,
                                        params))
                goto failed;
            else
                wos_migrate_say(r, "Unstamped %s (row removed; its down script did not run)",
                                a->revision);
        } else if (a->dirty) {
            changes++;
            if (r->sql_only)
                printf("UPDATE schema_migrations SET dirty = false, checksum = '%s' "
                       "WHERE revision = '%s';\n",
                       a->mig->checksum, a->revision);
            else if (!wos_migrate_query(r,
                                        "UPDATE schema_migrations SET dirty = false, checksum = $2"
                                        " WHERE revision = $1",
                                        2, params))
                goto failed;
            else
                wos_migrate_say(r, "Cleared the dirty flag of %s (recorded as fully applied)",
                                a->revision);
        }
    }
    for (size_t i = 0; i < r->set.count && r->set.items[i].number <= upto; i++) {
        struct wos_mig *m = &r->set.items[i];
        if (wos_migrate_applied_row(r, m->revision))
            continue;
        changes++;
        if (r->sql_only)
            printf("INSERT INTO schema_migrations (revision, checksum, applied_at, duration_ms, "
                   "applied_by_version, dirty) VALUES ('%s', '%s', now(), 0, '%s', false);\n",
                   m->revision, m->checksum, WOS_VERSION);
        else if (wos_migrate_record(r, m, 0, false) != WOS_OK)
            goto failed;
        else
            wos_migrate_say(r, "Stamped %s (recorded as applied; it did not run)", m->revision);
    }
    if (!r->sql_only && wos_migrate_exec(r, "COMMIT") != WOS_OK)
        goto failed;
    if (!changes)
        wos_migrate_say(r, "Nothing to stamp: the recorded state already matches.");
    return WOS_OK;
failed:
    wos_migrate_rollback(r);
    return WOS_ERROR;
}

static int cmd_stamp(struct wos_migrate_run *r)
{
    int upto;
    if (!r->target) {
        wos_migrate_fail(r, "stamp needs a revision (or head, or base)");
        return 2;
    }
    if (wos_migrate_open(r, !r->sql_only) != WOS_OK)
        return 1;
    if (strcmp(r->target, "base") == 0) {
        upto = 0;
    } else if (strcmp(r->target, "head") == 0) {
        upto = r->set.count ? r->set.items[r->set.count - 1].number : 0;
    } else {
        struct wos_mig *m = wos_migrate_resolve(r, r->target);
        if (!m) {
            wos_migrate_unknown_target(r, r->target);
            return 1;
        }
        upto = m->number;
    }
    if (wos_migrate_refuse_unknown(r) != WOS_OK)
        return 1;
    if (r->sql_only) {
        printf("-- wos migrate stamp --sql: nothing was run\n%s;\n", wos_migrate_create_table_sql);
        return stamp_apply(r, upto) == WOS_OK ? 0 : 1;
    }
    if (wos_migrate_ensure_table(r) != WOS_OK || stamp_apply(r, upto) != WOS_OK)
        return 1;
    if (wos_migrate_read_state(r) != WOS_OK)
        return 1;
    wos_migrate_say(r, "The database is now recorded at %s.", wos_migrate_db_head(r));
    return 0;
}

/* "add foo-bar!" -> "add_foo_bar", at most max bytes. */
static char *slugify(struct wos_arena *a, const char *msg, size_t max)
{
    char *s = wos_arena_alloc(a, max + 1);
    size_t n = 0;
    if (!s)
        return NULL;
    for (const char *p = msg; *p && n < max; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            s[n++] = c;
        else if (n && s[n - 1] != '_')
            s[n++] = '_';
    }
    while (n && s[n - 1] == '_')
        n--;
    s[n] = '\0';
    return n ? s : wos_arena_strdup(a, "migration");
}

static int write_new(struct wos_migrate_run *r, const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    size_t len = strlen(text);
    if (fd < 0) {
        wos_migrate_fail(r, "cannot create %s: %s", path, strerror(errno));
        return WOS_ERROR;
    }
    ssize_t w = write(fd, text, len);
    if (close(fd) != 0 || w != (ssize_t)len) {
        wos_migrate_fail(r, "cannot write %s", path);
        return WOS_ERROR;
    }
    wos_migrate_say(r, "Created %s", path);
    return WOS_OK;
}

static int cmd_revision(struct wos_migrate_run *r)
{
    const char *dir = r->dir ? r->dir : "migrations", *err;
    if (!r->message || !*r->message || strpbrk(r->message, "\r\n")) {
        wos_migrate_fail(r, "revision needs -m \"one-line message\"");
        return 2;
    }
    if (wos_migrate_load_dir(r->arena, dir, &r->set, &err) != WOS_OK) {
        wos_migrate_fail(r, "%s", err);
        return 1;
    }
    int number = r->set.count ? r->set.items[r->set.count - 1].number + 1 : 1;
    if (number > 9999) {
        wos_migrate_fail(r, "no revision number left after 9999");
        return 1;
    }
    char *slug = slugify(r->arena, r->message, WOS_MIGRATE_REVISION_MAX - 5);
    char *rev = slug ? wos_arena_printf(r->arena, "%04d_%s", number, slug) : NULL;
    char *up = rev ? wos_arena_printf(r->arena, "%s/%s.up.sql", dir, rev) : NULL;
    char *down = rev ? wos_arena_printf(r->arena, "%s/%s.down.sql", dir, rev) : NULL;
    char *up_text = wos_arena_printf(
        r->arena,
        "-- message: %s\n"
        "-- Runs in one transaction with its schema_migrations row. For CREATE INDEX\n"
        "-- CONCURRENTLY add the header line \"-- wos:no-transaction\" (statements then run\n"
        "-- one by one). Check it with `wos migrate lint %s`.\n\n",
        r->message, rev ? rev : "");
    char *down_text = wos_arena_printf(
        r->arena, "-- Reverts %s.up.sql (`wos migrate downgrade -1`).\n\n", rev ? rev : "");
    if (!down || !up_text || !down_text) {
        wos_migrate_fail(r, "out of memory");
        return 1;
    }
    if (write_new(r, up, up_text) != WOS_OK)
        return 1;
    if (write_new(r, down, down_text) != WOS_OK) {
        unlink(up);
        return 1;
    }
    return 0;
}

static int cmd_lint(struct wos_migrate_run *r)
{
    const struct wos_mig *only = NULL;
    if (r->target && !(only = wos_migrate_resolve(r, r->target))) {
        wos_migrate_unknown_target(r, r->target);
        return 1;
    }
    int errors = wos_migrate_lint(r->arena, &r->set, only);
    if (errors < 0) {
        wos_migrate_fail(r, "out of memory");
        return 1;
    }
    return errors ? 1 : 0;
}

/* ---- command line ---- */

struct command {
    const char *name;
    int (*fn)(struct wos_migrate_run *r);
    bool needs_db; /* loads the configuration and connects */
    const char *usage;
};

static const struct command commands[] = {
    {"upgrade", cmd_upgrade, true, "upgrade [head|REV|+N] [--sql] (--sql also takes FROM:TO)"},
    {"downgrade", cmd_downgrade, true, "downgrade -N|REV|base [--sql] [--force]"},
    {"current", cmd_current, true, "current [--verbose]"},
    {"history", cmd_history, true, "history [--verbose]"},
    {"check", cmd_check, true, "check"},
    {"stamp", cmd_stamp, true, "stamp REV|head|base [--sql]"},
    {"revision", cmd_revision, false, "revision -m \"message\""},
    {"lint", cmd_lint, false, "lint [REV]"},
};

static int usage(FILE *out)
{
    fprintf(out, "usage: wos migrate <command> [--dir DIR]\ncommands:\n");
    for (size_t i = 0; i < WOS_ARRAY_LEN(commands); i++)
        fprintf(out, "  %s\n", commands[i].usage);
    fprintf(out, "--dir DIR (or WOS_MIGRATIONS_DIR) reads migrations from DIR instead of the "
                 "embedded set (revision defaults to ./migrations). REV is a revision id or its "
                 "number. See docs/migrations.md.\n");
    return out == stdout ? 0 : 2;
}

/* Options may appear anywhere; "-N" is a positional downgrade step, not an option. */
static int parse_args(struct wos_migrate_run *r, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **value = NULL;
        if (strcmp(a, "--sql") == 0)
            r->sql_only = true;
        else if (strcmp(a, "--force") == 0)
            r->force = true;
        else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0)
            r->verbose = true;
        else if (strcmp(a, "--dir") == 0)
            value = &r->dir;
        else if (strncmp(a, "--dir=", 6) == 0)
            r->dir = a + 6;
        else if (strcmp(a, "-m") == 0 || strcmp(a, "--message") == 0)
            value = &r->message;
        else if (strncmp(a, "--message=", 10) == 0)
            r->message = a + 10;
        else if (a[0] == '-' && !(a[1] >= '0' && a[1] <= '9')) {
            fprintf(stderr, "error: unknown option %s\n", a);
            return WOS_ERROR;
        } else if (r->target) {
            fprintf(stderr, "error: unexpected argument %s\n", a);
            return WOS_ERROR;
        } else {
            r->target = a;
        }
        if (value) {
            if (++i >= argc) {
                fprintf(stderr, "error: %s needs a value\n", a);
                return WOS_ERROR;
            }
            *value = argv[i];
        }
    }
    return WOS_OK;
}

/* LOG_LEVEL / LOG_FORMAT apply to the lock and connection messages too. */
static void setup_logging(const struct wos_config *cfg)
{
    enum wos_log_level level = WOS_LOG_INFO;
    if (cfg->log_level && *cfg->log_level)
        wos_log_level_parse(cfg->log_level, &level);
    wos_log_setup(level, cfg->log_format && strcmp(cfg->log_format, "json") == 0);
}

static int run_command(struct wos_migrate_run *r, const struct command *c)
{
    const char *err;
    if (!r->dir) {
        const char *env = getenv("WOS_MIGRATIONS_DIR");
        r->dir = env && *env ? env : NULL;
    }
    if (c->needs_db) {
        if (wos_config_init() != WOS_OK)
            return 2;
        r->cfg = wos_cfg();
        setup_logging(r->cfg);
    }
    if (c->fn == cmd_revision)
        return cmd_revision(r);
    int rc = r->dir ? wos_migrate_load_dir(r->arena, r->dir, &r->set, &err)
                    : wos_migrate_load_embedded(r->arena, &r->set, &err);
    if (rc != WOS_OK) {
        wos_migrate_fail(r, "%s", err);
        return 1;
    }
    return c->fn(r);
}

int wos_migrate_main(int argc, char **argv)
{
    struct wos_migrate_run r = {0};
    int first = 1;

    /* accept both argv = {"migrate", cmd, ...} and {"wos", "migrate", cmd, ...} */
    if (argc > 1 && strcmp(argv[0], "migrate") != 0 && strcmp(argv[1], "migrate") == 0)
        first = 2;
    if (argc <= first)
        return usage(stderr);
    const char *name = argv[first];
    if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        return usage(stdout);
    const struct command *c = NULL;
    for (size_t i = 0; i < WOS_ARRAY_LEN(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            c = &commands[i];
    if (!c) {
        fprintf(stderr, "error: unknown migrate command '%s'\n", name);
        return usage(stderr);
    }
    if (parse_args(&r, argc - first - 1, argv + first + 1) != WOS_OK)
        return usage(stderr);
    if (!(r.arena = wos_arena_new())) {
        fprintf(stderr, "error: out of memory\n");
        return 1;
    }
    int rc = run_command(&r, c);
    wos_migrate_close(&r);
    return rc;
}
