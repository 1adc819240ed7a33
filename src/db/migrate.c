/*
 * migrate.c: the migration runner's engine: the lock, the state recorded in
 * schema_migrations, applying and reverting one migration, plans, and the
 * migration step of `wos serve` start-up (the commands are in migrate_cli.c).
 *
 * The runner owns the table schema_migrations (one row per applied revision:
 * checksum of the up file, when, how long, by which wos version, dirty flag).
 * Every run that changes it holds a session advisory lock on its own
 * connection for the whole run, so concurrent runners serialise and the later
 * one finds nothing left to do. A migration runs in one transaction together
 * with its schema_migrations row, so it is applied entirely or not at all. A
 * file with "-- wos:no-transaction" runs statement by statement instead: its
 * row is written dirty first and cleaned at the end, so a failure part-way
 * leaves a dirty row that stops every later change until an operator repairs
 * the schema and records the outcome with `stamp`.
 *
 * Invariants: nothing changes while the database holds a revision this binary
 * does not know or a dirty row; every applied revision is a known file whose
 * checksum `check` compares; --sql runs nothing and takes no lock.
 */
#include "core/arena.h"
#include "core/common.h"
#include "core/config.h"
#include "core/log.h"
#include "core/torture.h"
#include "db/bootstrap.h"
#include "db/db.h"
#include "db/migrate_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "WOS_MIGR" read as a bigint, and its two halves as pg_locks shows them. */
#define LOCK_KEY "6291338873243518802"
#define LOCK_CLASSID "1464816479"
#define LOCK_OBJID "1296648018"
#define DEFAULT_LOCK_TIMEOUT 60

const char *const wos_migrate_create_table_sql =
    "CREATE TABLE IF NOT EXISTS schema_migrations (\n"
    "    revision varchar(64) PRIMARY KEY,\n"
    "    checksum char(64) NOT NULL,\n"
    "    applied_at timestamptz NOT NULL DEFAULT now(),\n"
    "    duration_ms int NOT NULL DEFAULT 0,\n"
    "    applied_by_version varchar(64),\n"
    "    dirty bool NOT NULL DEFAULT false\n"
    ")";

static const char *const RECORD_SQL =
    "INSERT INTO schema_migrations "
    "(revision, checksum, applied_at, duration_ms, applied_by_version, dirty) "
    "VALUES ($1, $2, now(), $3::int, $4, $5::bool) "
    "ON CONFLICT (revision) DO UPDATE SET checksum = EXCLUDED.checksum, "
    "applied_at = EXCLUDED.applied_at, duration_ms = EXCLUDED.duration_ms, "
    "applied_by_version = EXCLUDED.applied_by_version, dirty = EXCLUDED.dirty";

/* ---- output ---- */

static void vreport(struct wos_migrate_run *r, enum wos_log_level lvl, const char *fmt, va_list ap)
{
    char msg[4096];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (r->server) {
        /* one log line per line of text, so multi-line reports stay readable */
        for (char *line = msg, *nl; line && *line; line = nl ? nl + 1 : NULL) {
            nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            wos_log(NULL, lvl, "migrate: %s", line);
        }
        return;
    }
    if (lvl == WOS_LOG_INFO) {
        printf("%s\n", msg);
        fflush(stdout);
    } else if (lvl != WOS_LOG_DEBUG) {
        fflush(stdout);
        fprintf(stderr, "%s: %s\n", lvl == WOS_LOG_ERROR ? "error" : "warning", msg);
    }
}

void wos_migrate_say(struct wos_migrate_run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(r, WOS_LOG_INFO, fmt, ap);
    va_end(ap);
}

void wos_migrate_warn(struct wos_migrate_run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(r, WOS_LOG_WARN, fmt, ap);
    va_end(ap);
}

void wos_migrate_fail(struct wos_migrate_run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(r, WOS_LOG_ERROR, fmt, ap);
    va_end(ap);
}

/* Routes server notices: WARNINGs are shown, NOTICEs ("... skipping") only at debug level. */
static void on_notice(void *arg, const PGresult *res)
{
    struct wos_migrate_run *r = arg;
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (sev && strcmp(sev, "WARNING") == 0)
        wos_migrate_warn(r, "PostgreSQL: %s", msg ? msg : "");
    else
        wos_log(NULL, WOS_LOG_DEBUG, "migrate: PostgreSQL %s: %s", sev ? sev : "notice",
                msg ? msg : "");
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- queries ---- */

/* Takes ownership of res: it is cleared with the run's arena. */
static PGresult *keep(struct wos_migrate_run *r, PGresult *res)
{
    if (res && wos_arena_on_free(r->arena, (wos_cleanup_fn)PQclear, res) != WOS_OK)
        return NULL;
    return res;
}

static bool res_ok(const PGresult *res)
{
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Runs a parameterised bookkeeping statement; NULL after reporting the error. */
PGresult *wos_migrate_query(struct wos_migrate_run *r, const char *sql, int n,
                            const char *const *params)
{
    if (wos_torture_fail(WOS_TORTURE_DB)) {
        wos_migrate_fail(r, "database error: injected failure");
        return NULL;
    }
    PGresult *res = keep(r, PQexecParams(r->conn, sql, n, NULL, params, NULL, NULL, 0));
    if (res_ok(res))
        return res;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    wos_migrate_fail(r, "database error: %s", msg ? msg : PQerrorMessage(r->conn));
    return NULL;
}

int wos_migrate_exec(struct wos_migrate_run *r, const char *sql)
{
    return wos_migrate_query(r, sql, 0, NULL) ? WOS_OK : WOS_ERROR;
}

/* Ends an open transaction without caring about the outcome (used on error paths). */
void wos_migrate_rollback(struct wos_migrate_run *r)
{
    if (PQtransactionStatus(r->conn) != PQTRANS_IDLE)
        PQclear(PQexec(r->conn, "ROLLBACK"));
}

/* ---- lock ---- */

/* The backend pid holding the lock, into pid (or "?"). */
static const char *lock_holder(PGconn *conn, char pid[32])
{
    const char *params[] = {LOCK_CLASSID, LOCK_OBJID};
    PGresult *res = PQexecParams(conn,
                                 "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                                 " AND classid = $1::oid AND objid = $2::oid AND objsubid = 1"
                                 " AND database = (SELECT oid FROM pg_database"
                                 "                 WHERE datname = current_database())",
                                 2, NULL, params, NULL, NULL, 0);
    snprintf(pid, 32, "%s",
             PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 ? PQgetvalue(res, 0, 0)
                                                                          : "?");
    PQclear(res);
    return pid;
}

int wos_migrate_lock(PGconn *conn, int timeout_seconds)
{
    const char *params[] = {LOCK_KEY};
    long timeout_ms = (timeout_seconds >= 0 ? timeout_seconds : DEFAULT_LOCK_TIMEOUT) * 1000L;
    long deadline = now_ms() + timeout_ms;
    bool announced = false;
    char pid[32];

    for (;;) {
        PGresult *res = PQexecParams(conn, "SELECT pg_try_advisory_lock($1::bigint)", 1, NULL,
                                     params, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            wos_log(NULL, WOS_LOG_ERROR, "migrate: cannot take the migration lock: %s",
                    PQerrorMessage(conn));
            PQclear(res);
            return WOS_ERROR;
        }
        bool got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
        PQclear(res);
        if (got)
            return WOS_OK;
        if (now_ms() >= deadline) {
            wos_log(NULL, WOS_LOG_ERROR,
                    "migrate: gave up after %ld s waiting for the migration lock, held by "
                    "PostgreSQL backend pid %s (another `wos migrate` or `wos serve` start-up); "
                    "raise MIGRATE_LOCK_TIMEOUT_SECONDS or find that session in "
                    "pg_stat_activity",
                    timeout_ms / 1000, lock_holder(conn, pid));
            return WOS_ERROR;
        }
        if (!announced) {
            wos_log(NULL, WOS_LOG_INFO,
                    "migrate: waiting up to %ld s for the migration lock held by backend pid %s",
                    timeout_ms / 1000, lock_holder(conn, pid));
            announced = true;
        }
        struct timespec ts = {0, 200 * 1000 * 1000};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
}

void wos_migrate_unlock(PGconn *conn)
{
    const char *params[] = {LOCK_KEY};
    if (!conn || PQstatus(conn) != CONNECTION_OK)
        return;
    PQclear(PQexecParams(conn, "SELECT pg_advisory_unlock($1::bigint)", 1, NULL, params, NULL, NULL,
                         0));
}

/* ---- state ---- */

static int connect_db(struct wos_migrate_run *r)
{
    r->conn = wos_db_connect(r->cfg->database_url, "wos-migrate");
    if (!r->conn) {
        wos_migrate_fail(r, "cannot connect to the database (see the message above)");
        return WOS_ERROR;
    }
    PQsetNoticeReceiver(r->conn, on_notice, r);
    PGresult *res = wos_migrate_query(r,
                                      "SELECT pg_encoding_to_char(encoding) FROM pg_database"
                                      " WHERE datname = current_database()",
                                      0, NULL);
    if (!res)
        return WOS_ERROR;
    if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "UTF8") != 0) {
        wos_migrate_fail(
            r, "database %s uses encoding %s; create it with ENCODING 'UTF8' TEMPLATE template0",
            PQdb(r->conn), PQgetvalue(res, 0, 0));
        return WOS_ERROR;
    }
    return WOS_OK;
}

static int take_lock(struct wos_migrate_run *r)
{
    long t = r->cfg->migrate_lock_timeout_seconds;
    if (t > 7 * 86400)
        t = 7 * 86400;
    if (wos_migrate_lock(r->conn, t >= 0 ? (int)t : -1) != WOS_OK) {
        wos_migrate_fail(r, "could not take the migration lock; nothing was changed");
        return WOS_ERROR;
    }
    r->locked = true;
    return WOS_OK;
}

int wos_migrate_read_state(struct wos_migrate_run *r)
{
    PGresult *res =
        wos_migrate_query(r, "SELECT to_regclass('schema_migrations') IS NOT NULL", 0, NULL);
    if (!res)
        return WOS_ERROR;
    r->table_exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    r->n_applied = 0;
    if (!r->table_exists)
        return WOS_OK;
    res = wos_migrate_query(
        r,
        "SELECT revision, checksum,"
        " to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS\" UTC\"'),"
        " duration_ms, coalesce(applied_by_version, ''), dirty"
        " FROM schema_migrations ORDER BY revision COLLATE \"C\"",
        0, NULL);
    if (!res)
        return WOS_ERROR;
    size_t n = (size_t)PQntuples(res);
    r->applied = wos_arena_alloc(r->arena, (n ? n : 1) * sizeof(*r->applied));
    if (!r->applied) {
        wos_migrate_fail(r, "out of memory");
        return WOS_ERROR;
    }
    for (size_t i = 0; i < n; i++) {
        struct wos_migrate_applied *a = &r->applied[i];
        a->revision = PQgetvalue(res, (int)i, 0);
        a->checksum = PQgetvalue(res, (int)i, 1);
        a->applied_at = PQgetvalue(res, (int)i, 2);
        a->duration_ms = PQgetvalue(res, (int)i, 3);
        a->by_version = PQgetvalue(res, (int)i, 4);
        a->dirty = strcmp(PQgetvalue(res, (int)i, 5), "t") == 0;
        a->mig = wos_migrate_find(&r->set, a->revision);
    }
    r->n_applied = n;
    return WOS_OK;
}

int wos_migrate_ensure_table(struct wos_migrate_run *r)
{
    if (r->table_exists)
        return WOS_OK;
    if (wos_migrate_exec(r, wos_migrate_create_table_sql) != WOS_OK)
        return WOS_ERROR;
    r->table_exists = true;
    return WOS_OK;
}

struct wos_migrate_applied *wos_migrate_applied_row(struct wos_migrate_run *r, const char *revision)
{
    for (size_t i = 0; i < r->n_applied; i++)
        if (strcmp(r->applied[i].revision, revision) == 0)
            return &r->applied[i];
    return NULL;
}

const char *wos_migrate_db_head(struct wos_migrate_run *r)
{
    return r->n_applied ? r->applied[r->n_applied - 1].revision : "base";
}

const char *wos_migrate_bin_head(struct wos_migrate_run *r)
{
    return r->set.count ? r->set.items[r->set.count - 1].revision : "base";
}

/* The revision before m in the set, or "base". */
static const char *previous_revision(struct wos_migrate_run *r, const struct wos_mig *m)
{
    const char *prev = "base";
    for (size_t i = 0; i < r->set.count && r->set.items[i].number < m->number; i++)
        prev = r->set.items[i].revision;
    return prev;
}

int wos_migrate_refuse_unknown(struct wos_migrate_run *r)
{
    int rc = WOS_OK;
    for (size_t i = 0; i < r->n_applied; i++) {
        if (r->applied[i].mig)
            continue;
        wos_migrate_fail(
            r,
            "the database has migration %s applied, which this binary does not know (its head "
            "is %s): the database is newer than this binary, or the file was removed. Refusing "
            "to change anything; run a wos binary that contains %s.",
            r->applied[i].revision, wos_migrate_bin_head(r), r->applied[i].revision);
        rc = WOS_ERROR;
    }
    return rc;
}

void wos_migrate_dirty_advice(struct wos_migrate_run *r, const struct wos_migrate_applied *a,
                              bool as_error)
{
    const char *prev = a->mig ? previous_revision(r, a->mig) : "<previous revision>";
    const char *fmt =
        "migration %s is dirty: it runs outside a transaction (wos:no-transaction) and its "
        "last upgrade or downgrade (started %s) stopped part-way, so its changes may be only "
        "partly in place. Nothing else runs until this is resolved. Inspect the schema, then "
        "either complete its changes by hand and run `wos migrate stamp %s`, or undo the ones "
        "that ran and run `wos migrate stamp %s`; then run `wos migrate upgrade` again.";
    if (as_error)
        wos_migrate_fail(r, fmt, a->revision, a->applied_at, a->revision, prev);
    else
        wos_migrate_warn(r, fmt, a->revision, a->applied_at, a->revision, prev);
}

int wos_migrate_refuse_dirty(struct wos_migrate_run *r)
{
    int rc = WOS_OK;
    for (size_t i = 0; i < r->n_applied; i++) {
        if (r->applied[i].dirty) {
            wos_migrate_dirty_advice(r, &r->applied[i], true);
            rc = WOS_ERROR;
        }
    }
    return rc;
}

void wos_migrate_warn_changed(struct wos_migrate_run *r)
{
    for (size_t i = 0; i < r->n_applied; i++) {
        const struct wos_migrate_applied *a = &r->applied[i];
        if (a->mig && !a->dirty && strcmp(a->checksum, a->mig->checksum) != 0)
            wos_migrate_warn(r,
                             "%s changed after it was applied (checksum %.12s, file now %.12s); "
                             "`wos migrate check` reports it until the file is restored",
                             a->revision, a->checksum, a->mig->checksum);
    }
}

/* ---- running scripts ---- */

/* Byte offset of 1-based character position pos (UTF-8) in s[0..len). */
static size_t char_to_byte(const char *s, size_t len, long pos)
{
    size_t i = 0;
    for (long c = 1; i < len && c < pos; c++) {
        i++;
        while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

/*
 * The line of the statement holding byte off, clipped to about 160 bytes, with
 * a caret line under off. Returns "" when memory ran out.
 */
static const char *excerpt(struct wos_migrate_run *r, const struct wos_sql_stmt *st, size_t off,
                           int *line)
{
    const char *s = st->text;
    size_t b = off, e = off;
    *line = st->line;
    for (size_t i = 0; i < off; i++)
        if (s[i] == '\n')
            (*line)++;
    while (b > 0 && s[b - 1] != '\n')
        b--;
    while (e < st->len && s[e] != '\n')
        e++;
    if (off - b > 120)
        b = off - 120;
    while (b < off && ((unsigned char)s[b] & 0xC0) == 0x80)
        b++;
    if (e - off > 40)
        e = off + 40;
    size_t col = 0;
    for (size_t i = b; i < off; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            col++;
    char *pad = wos_arena_alloc(r->arena, col + 1);
    if (!pad)
        return "";
    for (size_t i = 0; i < col; i++)
        pad[i] = s[b + i] == '\t' ? '\t' : ' ';
    const char *text = wos_arena_printf(r->arena, "    %.*s\n    %s^", (int)(e - b), s + b, pad);
    return text ? text : "";
}

static void report_failure(struct wos_migrate_run *r, const struct wos_mig *m, const char *file,
                           const struct wos_sql_stmt *st, size_t idx, PGresult *res, bool tx)
{
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *code = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
    const char *context = res ? PQresultErrorField(res, PG_DIAG_CONTEXT) : NULL;
    const char *posf = res ? PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION) : NULL;
    long pos = posf ? strtol(posf, NULL, 10) : 0;
    int line = st->line;
    const char *shown;

    if (pos > 0) {
        shown = excerpt(r, st, char_to_byte(st->text, st->len, pos), &line);
    } else {
        const char *nl = memchr(st->text, '\n', st->len);
        size_t n = nl ? (size_t)(nl - st->text) : st->len;
        shown = wos_arena_printf(r->arena, "    %.*s%s", (int)(n > 160 ? 160 : n), st->text,
                                 n < st->len ? " ..." : "");
    }
    wos_migrate_fail(
        r,
        "migration %s failed in %s, statement %zu (line %d):\n%s\nPostgreSQL error%s%s: %s"
        "%s%s%s%s%s%s\n%s",
        m->revision, file, idx + 1, line, shown ? shown : "", code ? " " : "", code ? code : "",
        msg ? msg : PQerrorMessage(r->conn), detail ? "\nDETAIL: " : "", detail ? detail : "",
        hint ? "\nHINT: " : "", hint ? hint : "", context ? "\nCONTEXT: " : "",
        context ? context : "",
        tx ? "The migration was rolled back; nothing of it was applied."
           : "This migration runs outside a transaction: the statements before this one stay "
             "applied and it is now marked dirty.");
}

/*
 * Runs the statements of one script. In tx mode the caller has opened the
 * transaction; a statement that ends it (COMMIT, ROLLBACK) is an error.
 */
static int run_statements(struct wos_migrate_run *r, const struct wos_mig *m, const char *file,
                          const char *sql, size_t len, bool tx)
{
    struct wos_sql_stmt *st;
    size_t n;

    if (wos_migrate_split(r->arena, sql, len, &st, &n) != WOS_OK) {
        wos_migrate_fail(r, "out of memory");
        return WOS_ERROR;
    }
    for (size_t i = 0; i < n; i++) {
        char *text = wos_arena_strndup(r->arena, st[i].text, st[i].len);
        if (!text) {
            wos_migrate_fail(r, "out of memory");
            return WOS_ERROR;
        }
        PGresult *res = keep(r, PQexec(r->conn, text));
        if (!res_ok(res)) {
            report_failure(r, m, file, &st[i], i, res, tx);
            return WOS_ERROR;
        }
        if (tx && PQtransactionStatus(r->conn) != PQTRANS_INTRANS) {
            wos_migrate_fail(r,
                             "migration %s: statement %zu of %s (line %d) ended the transaction; "
                             "migration files must not contain BEGIN, COMMIT or ROLLBACK",
                             m->revision, i + 1, file, st[i].line);
            return WOS_ERROR;
        }
    }
    return WOS_OK;
}

int wos_migrate_record(struct wos_migrate_run *r, const struct wos_mig *m, long ms, bool dirty)
{
    char dur[24];
    snprintf(dur, sizeof(dur), "%ld", ms);
    const char *params[] = {m->revision, m->checksum, dur, WOS_VERSION, dirty ? "t" : "f"};
    return wos_migrate_query(r, RECORD_SQL, 5, params) ? WOS_OK : WOS_ERROR;
}

static void progress_start(struct wos_migrate_run *r, const char *verb, const struct wos_mig *m)
{
    if (!r->server) {
        printf("%s %s ... ", verb, m->revision);
        fflush(stdout);
    }
}

static void progress_end(struct wos_migrate_run *r, const char *verb, const struct wos_mig *m,
                         long ms, bool ok)
{
    if (!r->server) {
        printf(ok ? "done in %ld ms\n" : "FAILED after %ld ms\n", ms);
        fflush(stdout);
    } else if (ok) {
        wos_log(NULL, WOS_LOG_INFO, "migrate: %s %s in %ld ms (%s)", verb, m->revision, ms,
                m->message);
    }
}

int wos_migrate_apply_up(struct wos_migrate_run *r, struct wos_mig *m)
{
    long t0 = now_ms();
    int rc;

    progress_start(r, "Applying", m);
    if (m->up_no_tx) {
        rc = wos_migrate_record(r, m, 0, true);
        if (rc == WOS_OK)
            rc = run_statements(r, m, m->up_file, m->up_sql, m->up_len, false);
        if (rc == WOS_OK) {
            char dur[24];
            snprintf(dur, sizeof(dur), "%ld", now_ms() - t0);
            const char *params[] = {m->revision, dur};
            rc = wos_migrate_query(
                     r,
                     "UPDATE schema_migrations SET dirty = false, duration_ms = $2::int"
                     " WHERE revision = $1",
                     2, params)
                     ? WOS_OK
                     : WOS_ERROR;
        }
    } else {
        rc = wos_migrate_exec(r, "BEGIN");
        if (rc == WOS_OK)
            rc = run_statements(r, m, m->up_file, m->up_sql, m->up_len, true);
        if (rc == WOS_OK)
            rc = wos_migrate_record(r, m, now_ms() - t0, false);
        if (rc == WOS_OK)
            rc = wos_migrate_exec(r, "COMMIT");
        if (rc != WOS_OK)
            wos_migrate_rollback(r);
    }
    progress_end(r, "applied", m, now_ms() - t0, rc == WOS_OK);
    return rc;
}

int wos_migrate_apply_down(struct wos_migrate_run *r, struct wos_mig *m)
{
    const char *params[] = {m->revision};
    long t0 = now_ms();
    int rc;

    progress_start(r, "Reverting", m);
    if (m->down_no_tx) {
        rc = wos_migrate_query(r, "UPDATE schema_migrations SET dirty = true WHERE revision = $1",
                               1, params)
                 ? WOS_OK
                 : WOS_ERROR;
        if (rc == WOS_OK)
            rc = run_statements(r, m, m->down_file, m->down_sql, m->down_len, false);
        if (rc == WOS_OK)
            rc =
                wos_migrate_query(r, "DELETE FROM schema_migrations WHERE revision = $1", 1, params)
                    ? WOS_OK
                    : WOS_ERROR;
    } else {
        rc = wos_migrate_exec(r, "BEGIN");
        if (rc == WOS_OK)
            rc = run_statements(r, m, m->down_file, m->down_sql, m->down_len, true);
        if (rc == WOS_OK)
            rc =
                wos_migrate_query(r, "DELETE FROM schema_migrations WHERE revision = $1", 1, params)
                    ? WOS_OK
                    : WOS_ERROR;
        if (rc == WOS_OK)
            rc = wos_migrate_exec(r, "COMMIT");
        if (rc != WOS_OK)
            wos_migrate_rollback(r);
    }
    progress_end(r, "reverted", m, now_ms() - t0, rc == WOS_OK);
    return rc;
}

/* ---- plans ---- */

static int plan_init(struct wos_migrate_run *r, struct wos_migrate_plan *p)
{
    p->n = 0;
    p->items = wos_arena_alloc(r->arena, (r->set.count + 1) * sizeof(*p->items));
    if (!p->items) {
        wos_migrate_fail(r, "out of memory");
        return WOS_ERROR;
    }
    return WOS_OK;
}

/* Finds a known revision by id, or by its number ("3", "0003"). */
struct wos_mig *wos_migrate_resolve(struct wos_migrate_run *r, const char *s)
{
    struct wos_mig *m = wos_migrate_find(&r->set, s);
    size_t len = strlen(s);
    if (m || len == 0 || len > 4 || strspn(s, "0123456789") != len)
        return m;
    int number = atoi(s);
    for (size_t i = 0; i < r->set.count; i++)
        if (r->set.items[i].number == number)
            return &r->set.items[i];
    return NULL;
}

int wos_migrate_unknown_target(struct wos_migrate_run *r, const char *s)
{
    wos_migrate_fail(r, "unknown revision '%s' (known: %s .. %s in %s; see `wos migrate history`)",
                     s, r->set.count ? r->set.items[0].revision : "none", wos_migrate_bin_head(r),
                     r->set.origin);
    return WOS_ERROR;
}

/* Parses a positive count after its sign ("+2", "-1"); 0 when malformed. */
static long count_arg(const char *s)
{
    char *end;
    errno = 0;
    long n = strtol(s + 1, &end, 10);
    return (s[1] >= '0' && s[1] <= '9' && *end == '\0' && errno == 0 && n > 0) ? n : 0;
}

/* Connects and reads the state; with lock, also takes the migration lock first. */
int wos_migrate_open(struct wos_migrate_run *r, bool lock)
{
    if (connect_db(r) != WOS_OK)
        return WOS_ERROR;
    if (lock && take_lock(r) != WOS_OK)
        return WOS_ERROR;
    return wos_migrate_read_state(r);
}

int wos_migrate_upgrade_plan(struct wos_migrate_run *r, const char *to, struct wos_migrate_plan *p)
{
    long count = 0;
    int upto = 1 << 30;

    if (to[0] == '+') {
        if (!(count = count_arg(to))) {
            wos_migrate_fail(r, "bad step count '%s' (expected +N with N >= 1)", to);
            return WOS_ERROR;
        }
    } else if (strcmp(to, "head") != 0) {
        struct wos_mig *m = wos_migrate_resolve(r, to);
        if (!m)
            return wos_migrate_unknown_target(r, to);
        upto = m->number;
    }
    if (plan_init(r, p) != WOS_OK)
        return WOS_ERROR;
    int newest = r->n_applied && r->applied[r->n_applied - 1].mig
                     ? r->applied[r->n_applied - 1].mig->number
                     : 0;
    for (size_t i = 0; i < r->set.count; i++) {
        struct wos_mig *m = &r->set.items[i];
        if (m->number > upto || (count && (long)p->n >= count))
            break;
        if (wos_migrate_applied_row(r, m->revision))
            continue;
        if (m->number < newest)
            wos_migrate_warn(r, "%s is older than the applied head %s; applying it out of order",
                             m->revision, wos_migrate_db_head(r));
        p->items[p->n++] = m;
    }
    return WOS_OK;
}

int wos_migrate_downgrade_plan(struct wos_migrate_run *r, const char *to,
                               struct wos_migrate_plan *p)
{
    long count = 0;
    int keep_upto = -1; /* revert applied revisions numbered above this */

    if (to[0] == '-') {
        if (!(count = count_arg(to))) {
            wos_migrate_fail(r, "bad step count '%s' (expected -N with N >= 1)", to);
            return WOS_ERROR;
        }
        if ((size_t)count > r->n_applied) {
            wos_migrate_fail(r, "cannot go down %ld step(s): only %zu migration(s) are applied",
                             count, r->n_applied);
            return WOS_ERROR;
        }
    } else if (strcmp(to, "base") == 0) {
        keep_upto = 0;
    } else {
        struct wos_mig *m = wos_migrate_resolve(r, to);
        if (!m)
            return wos_migrate_unknown_target(r, to);
        if (!wos_migrate_applied_row(r, m->revision)) {
            wos_migrate_fail(
                r,
                "%s is not applied; downgrade targets an applied revision (the one that "
                "stays), or base",
                m->revision);
            return WOS_ERROR;
        }
        keep_upto = m->number;
    }
    if (plan_init(r, p) != WOS_OK)
        return WOS_ERROR;
    for (size_t i = r->n_applied; i-- > 0;) {
        struct wos_mig *m = r->applied[i].mig;
        if (count ? (long)p->n >= count : m->number <= keep_upto)
            break;
        p->items[p->n++] = m;
    }
    int missing = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (!p->items[i]->down_sql) {
            wos_migrate_fail(r, "%s has no down script (%s); cannot downgrade past it",
                             p->items[i]->revision, p->items[i]->down_file);
            missing++;
        }
    }
    return missing ? WOS_ERROR : WOS_OK;
}

/* ---- wos serve start-up ---- */

static int start_up(struct wos_migrate_run *r)
{
    const char *err;
    struct wos_migrate_plan p;

    if (wos_migrate_load_embedded(r->arena, &r->set, &err) != WOS_OK) {
        wos_migrate_fail(r, "%s", err);
        return WOS_ERROR;
    }
    if (wos_migrate_open(r, true) != WOS_OK)
        return WOS_ERROR;
    if (wos_migrate_refuse_unknown(r) != WOS_OK || wos_migrate_refuse_dirty(r) != WOS_OK)
        return WOS_ERROR;
    wos_migrate_warn_changed(r);
    if (wos_migrate_upgrade_plan(r, "head", &p) != WOS_OK)
        return WOS_ERROR;
    if (p.n && !r->cfg->migrate_on_start) {
        wos_migrate_fail(r,
                         "%zu migration(s) pending (first %s) and MIGRATE_ON_START is off: run "
                         "`wos migrate upgrade` before starting the server",
                         p.n, p.items[0]->revision);
        return WOS_ERROR;
    }
    if (p.n && wos_migrate_ensure_table(r) != WOS_OK)
        return WOS_ERROR;
    for (size_t i = 0; i < p.n; i++)
        if (wos_migrate_apply_up(r, p.items[i]) != WOS_OK)
            return WOS_ERROR;
    if (p.n)
        wos_migrate_say(r, "database upgraded to %s", p.items[p.n - 1]->revision);
    if (wos_bootstrap_run(r->conn, r->cfg) != WOS_OK) {
        wos_migrate_fail(r, "bootstrap failed; the server does not start");
        return WOS_ERROR;
    }
    return WOS_OK;
}

void wos_migrate_close(struct wos_migrate_run *r)
{
    if (r->conn) {
        wos_migrate_rollback(r);
        if (r->locked)
            wos_migrate_unlock(r->conn);
        PQfinish(r->conn);
        r->conn = NULL;
    }
    wos_arena_free(r->arena);
    r->arena = NULL;
}

int wos_migrate_on_start(const struct wos_config *cfg)
{
    struct wos_migrate_run r = {.cfg = cfg, .server = true};
    if (!(r.arena = wos_arena_new())) {
        wos_log(NULL, WOS_LOG_ERROR, "migrate: out of memory");
        return WOS_ERROR;
    }
    int rc = start_up(&r);
    wos_migrate_close(&r);
    return rc;
}
