/*
 * migrate.c: `wos migrate` and the migration step of `wos serve` start-up.
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
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* "WOS_MIGR" read as a bigint, and its two halves as pg_locks shows them. */
#define LOCK_KEY "6291338873243518802"
#define LOCK_CLASSID "1464816479"
#define LOCK_OBJID "1296648018"
#define DEFAULT_LOCK_TIMEOUT 60

static const char *const CREATE_TABLE_SQL =
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

/* One row of schema_migrations. */
struct applied {
    const char *revision, *checksum, *applied_at, *by_version;
    const char *duration_ms;
    bool dirty;
    struct wos_mig *mig; /* NULL: the binary does not know this revision */
};

/* Everything one command run works with; memory lives in arena. */
struct run {
    struct wos_arena *arena;
    const struct wos_config *cfg;
    PGconn *conn;
    bool locked;
    struct wos_mig_set set;
    struct applied *applied; /* ordered by revision */
    size_t n_applied;
    bool table_exists;
    bool server; /* report through wos_log (wos serve) instead of stdout/stderr */
    bool sql_only, force, verbose;
    const char *dir, *message, *target;
};

/* ---- output ---- */

static void vreport(struct run *r, enum wos_log_level lvl, const char *fmt, va_list ap)
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

static void __attribute__((format(printf, 2, 3))) say(struct run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(r, WOS_LOG_INFO, fmt, ap);
    va_end(ap);
}

static void __attribute__((format(printf, 2, 3))) warn(struct run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(r, WOS_LOG_WARN, fmt, ap);
    va_end(ap);
}

static void __attribute__((format(printf, 2, 3))) fail(struct run *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(r, WOS_LOG_ERROR, fmt, ap);
    va_end(ap);
}

/* Routes server notices: WARNINGs are shown, NOTICEs ("... skipping") only at debug level. */
static void on_notice(void *arg, const PGresult *res)
{
    struct run *r = arg;
    const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (sev && strcmp(sev, "WARNING") == 0)
        warn(r, "PostgreSQL: %s", msg ? msg : "");
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
static PGresult *keep(struct run *r, PGresult *res)
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
static PGresult *q(struct run *r, const char *sql, int n, const char *const *params)
{
    if (wos_torture_fail(WOS_TORTURE_DB)) {
        fail(r, "database error: injected failure");
        return NULL;
    }
    PGresult *res = keep(r, PQexecParams(r->conn, sql, n, NULL, params, NULL, NULL, 0));
    if (res_ok(res))
        return res;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    fail(r, "database error: %s", msg ? msg : PQerrorMessage(r->conn));
    return NULL;
}

static int q0(struct run *r, const char *sql)
{
    return q(r, sql, 0, NULL) ? WOS_OK : WOS_ERROR;
}

/* Ends an open transaction without caring about the outcome (used on error paths). */
static void rollback(struct run *r)
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
    long timeout_ms = (timeout_seconds > 0 ? timeout_seconds : DEFAULT_LOCK_TIMEOUT) * 1000L;
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
    PQclear(PQexecParams(conn, "SELECT pg_advisory_unlock($1::bigint)", 1, NULL, params, NULL,
                         NULL, 0));
}

/* ---- state ---- */

static int connect_db(struct run *r)
{
    r->conn = wos_db_connect(r->cfg->database_url, "wos-migrate");
    if (!r->conn) {
        fail(r, "cannot connect to the database (see the message above)");
        return WOS_ERROR;
    }
    PQsetNoticeReceiver(r->conn, on_notice, r);
    PGresult *res = q(r, "SELECT pg_encoding_to_char(encoding) FROM pg_database"
                         " WHERE datname = current_database()",
                      0, NULL);
    if (!res)
        return WOS_ERROR;
    if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "UTF8") != 0) {
        fail(r, "database %s uses encoding %s; create it with ENCODING 'UTF8' TEMPLATE template0",
             PQdb(r->conn), PQgetvalue(res, 0, 0));
        return WOS_ERROR;
    }
    return WOS_OK;
}

static int take_lock(struct run *r)
{
    long t = r->cfg->migrate_lock_timeout_seconds;
    if (t > 7 * 86400)
        t = 7 * 86400;
    if (wos_migrate_lock(r->conn, t > 0 ? (int)t : 0) != WOS_OK) {
        fail(r, "could not take the migration lock; nothing was changed");
        return WOS_ERROR;
    }
    r->locked = true;
    return WOS_OK;
}

static int read_state(struct run *r)
{
    PGresult *res = q(r, "SELECT to_regclass('schema_migrations') IS NOT NULL", 0, NULL);
    if (!res)
        return WOS_ERROR;
    r->table_exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    r->n_applied = 0;
    if (!r->table_exists)
        return WOS_OK;
    res = q(r,
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
        fail(r, "out of memory");
        return WOS_ERROR;
    }
    for (size_t i = 0; i < n; i++) {
        struct applied *a = &r->applied[i];
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

static int ensure_table(struct run *r)
{
    if (r->table_exists)
        return WOS_OK;
    if (q0(r, CREATE_TABLE_SQL) != WOS_OK)
        return WOS_ERROR;
    r->table_exists = true;
    return WOS_OK;
}

static struct applied *applied_row(struct run *r, const char *revision)
{
    for (size_t i = 0; i < r->n_applied; i++)
        if (strcmp(r->applied[i].revision, revision) == 0)
            return &r->applied[i];
    return NULL;
}

static const char *db_head(struct run *r)
{
    return r->n_applied ? r->applied[r->n_applied - 1].revision : "base";
}

static const char *bin_head(struct run *r)
{
    return r->set.count ? r->set.items[r->set.count - 1].revision : "base";
}

/* The revision before m in the set, or "base". */
static const char *previous_revision(struct run *r, const struct wos_mig *m)
{
    const char *prev = "base";
    for (size_t i = 0; i < r->set.count && r->set.items[i].number < m->number; i++)
        prev = r->set.items[i].revision;
    return prev;
}

static int refuse_unknown(struct run *r)
{
    int rc = WOS_OK;
    for (size_t i = 0; i < r->n_applied; i++) {
        if (r->applied[i].mig)
            continue;
        fail(r,
             "the database has migration %s applied, which this binary does not know (its head "
             "is %s): the database is newer than this binary, or the file was removed. Refusing "
             "to change anything; run a wos binary that contains %s.",
             r->applied[i].revision, bin_head(r), r->applied[i].revision);
        rc = WOS_ERROR;
    }
    return rc;
}

static void dirty_advice(struct run *r, const struct applied *a, bool as_error)
{
    const char *prev = a->mig ? previous_revision(r, a->mig) : "<previous revision>";
    const char *fmt =
        "migration %s is dirty: it runs outside a transaction (wos:no-transaction) and its "
        "last upgrade or downgrade (started %s) stopped part-way, so its changes may be only "
        "partly in place. Nothing else runs until this is resolved. Inspect the schema, then "
        "either complete its changes by hand and run `wos migrate stamp %s`, or undo the ones "
        "that ran and run `wos migrate stamp %s`; then run `wos migrate upgrade` again.";
    if (as_error)
        fail(r, fmt, a->revision, a->applied_at, a->revision, prev);
    else
        warn(r, fmt, a->revision, a->applied_at, a->revision, prev);
}

static int refuse_dirty(struct run *r)
{
    int rc = WOS_OK;
    for (size_t i = 0; i < r->n_applied; i++) {
        if (r->applied[i].dirty) {
            dirty_advice(r, &r->applied[i], true);
            rc = WOS_ERROR;
        }
    }
    return rc;
}

static void warn_changed(struct run *r)
{
    for (size_t i = 0; i < r->n_applied; i++) {
        const struct applied *a = &r->applied[i];
        if (a->mig && !a->dirty && strcmp(a->checksum, a->mig->checksum) != 0)
            warn(r, "%s changed after it was applied (checksum %.12s, file now %.12s); "
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
static const char *excerpt(struct run *r, const struct wos_sql_stmt *st, size_t off, int *line)
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

static void report_failure(struct run *r, const struct wos_mig *m, const char *file,
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
    fail(r,
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
static int run_statements(struct run *r, const struct wos_mig *m, const char *file,
                          const char *sql, size_t len, bool tx)
{
    struct wos_sql_stmt *st;
    size_t n;

    if (wos_migrate_split(r->arena, sql, len, &st, &n) != WOS_OK) {
        fail(r, "out of memory");
        return WOS_ERROR;
    }
    for (size_t i = 0; i < n; i++) {
        char *text = wos_arena_strndup(r->arena, st[i].text, st[i].len);
        if (!text) {
            fail(r, "out of memory");
            return WOS_ERROR;
        }
        PGresult *res = keep(r, PQexec(r->conn, text));
        if (!res_ok(res)) {
            report_failure(r, m, file, &st[i], i, res, tx);
            return WOS_ERROR;
        }
        if (tx && PQtransactionStatus(r->conn) != PQTRANS_INTRANS) {
            fail(r, "migration %s: statement %zu of %s (line %d) ended the transaction; "
                    "migration files must not contain BEGIN, COMMIT or ROLLBACK",
                 m->revision, i + 1, file, st[i].line);
            return WOS_ERROR;
        }
    }
    return WOS_OK;
}

static int record(struct run *r, const struct wos_mig *m, long ms, bool dirty)
{
    char dur[24];
    snprintf(dur, sizeof(dur), "%ld", ms);
    const char *params[] = {m->revision, m->checksum, dur, WOS_VERSION, dirty ? "t" : "f"};
    return q(r, RECORD_SQL, 5, params) ? WOS_OK : WOS_ERROR;
}

static void progress_start(struct run *r, const char *verb, const struct wos_mig *m)
{
    if (!r->server) {
        printf("%s %s ... ", verb, m->revision);
        fflush(stdout);
    }
}

static void progress_end(struct run *r, const char *verb, const struct wos_mig *m, long ms,
                         bool ok)
{
    if (!r->server) {
        printf(ok ? "done in %ld ms\n" : "FAILED after %ld ms\n", ms);
        fflush(stdout);
    } else if (ok) {
        wos_log(NULL, WOS_LOG_INFO, "migrate: %s %s in %ld ms (%s)", verb, m->revision, ms,
                m->message);
    }
}

static int apply_up(struct run *r, struct wos_mig *m)
{
    long t0 = now_ms();
    int rc;

    progress_start(r, "Applying", m);
    if (m->up_no_tx) {
        rc = record(r, m, 0, true);
        if (rc == WOS_OK)
            rc = run_statements(r, m, m->up_file, m->up_sql, m->up_len, false);
        if (rc == WOS_OK) {
            char dur[24];
            snprintf(dur, sizeof(dur), "%ld", now_ms() - t0);
            const char *params[] = {m->revision, dur};
            rc = q(r, "UPDATE schema_migrations SET dirty = false, duration_ms = $2::int"
                      " WHERE revision = $1",
                   2, params)
                     ? WOS_OK
                     : WOS_ERROR;
        }
    } else {
        rc = q0(r, "BEGIN");
        if (rc == WOS_OK)
            rc = run_statements(r, m, m->up_file, m->up_sql, m->up_len, true);
        if (rc == WOS_OK)
            rc = record(r, m, now_ms() - t0, false);
        if (rc == WOS_OK)
            rc = q0(r, "COMMIT");
        if (rc != WOS_OK)
            rollback(r);
    }
    progress_end(r, "applied", m, now_ms() - t0, rc == WOS_OK);
    return rc;
}

static int apply_down(struct run *r, struct wos_mig *m)
{
    const char *params[] = {m->revision};
    long t0 = now_ms();
    int rc;

    progress_start(r, "Reverting", m);
    if (m->down_no_tx) {
        rc = q(r, "UPDATE schema_migrations SET dirty = true WHERE revision = $1", 1, params)
                 ? WOS_OK
                 : WOS_ERROR;
        if (rc == WOS_OK)
            rc = run_statements(r, m, m->down_file, m->down_sql, m->down_len, false);
        if (rc == WOS_OK)
            rc = q(r, "DELETE FROM schema_migrations WHERE revision = $1", 1, params) ? WOS_OK
                                                                                      : WOS_ERROR;
    } else {
        rc = q0(r, "BEGIN");
        if (rc == WOS_OK)
            rc = run_statements(r, m, m->down_file, m->down_sql, m->down_len, true);
        if (rc == WOS_OK)
            rc = q(r, "DELETE FROM schema_migrations WHERE revision = $1", 1, params) ? WOS_OK
                                                                                      : WOS_ERROR;
        if (rc == WOS_OK)
            rc = q0(r, "COMMIT");
        if (rc != WOS_OK)
            rollback(r);
    }
    progress_end(r, "reverted", m, now_ms() - t0, rc == WOS_OK);
    return rc;
}

/* ---- plans and offline SQL ---- */

struct plan {
    struct wos_mig **items;
    size_t n;
};

static int plan_init(struct run *r, struct plan *p)
{
    p->n = 0;
    p->items = wos_arena_alloc(r->arena, (r->set.count + 1) * sizeof(*p->items));
    if (!p->items) {
        fail(r, "out of memory");
        return WOS_ERROR;
    }
    return WOS_OK;
}

/* Finds a known revision by id, or by its number ("3", "0003"). */
static struct wos_mig *resolve(struct run *r, const char *s)
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

static int unknown_target(struct run *r, const char *s)
{
    fail(r, "unknown revision '%s' (known: %s .. %s in %s; see `wos migrate history`)", s,
         r->set.count ? r->set.items[0].revision : "none", bin_head(r), r->set.origin);
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

static void print_script(const char *sql, size_t len, bool last_terminated)
{
    fwrite(sql, 1, len, stdout);
    if (len && sql[len - 1] != '\n')
        putchar('\n');
    if (!last_terminated)
        puts(";");
}

static bool last_terminated(struct run *r, const char *sql, size_t len)
{
    struct wos_sql_stmt *st;
    size_t n;
    if (wos_migrate_split(r->arena, sql, len, &st, &n) != WOS_OK || n == 0)
        return true;
    return st[n - 1].terminated;
}

static void print_plan_sql(struct run *r, const struct plan *p, bool up)
{
    printf("-- wos migrate %s --sql (wos %s): %zu migration(s); nothing was run\n\n",
           up ? "upgrade" : "downgrade", WOS_VERSION, p->n);
    if (up)
        printf("%s;\n\n", CREATE_TABLE_SQL);
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
static int simulate_applied(struct run *r, const char *from)
{
    int upto = 0;
    if (strcmp(from, "head") == 0) {
        upto = r->set.count ? r->set.items[r->set.count - 1].number : 0;
    } else if (strcmp(from, "base") != 0) {
        struct wos_mig *m = resolve(r, from);
        if (!m)
            return unknown_target(r, from);
        upto = m->number;
    }
    r->applied = wos_arena_alloc(r->arena, (r->set.count + 1) * sizeof(*r->applied));
    if (!r->applied) {
        fail(r, "out of memory");
        return WOS_ERROR;
    }
    r->n_applied = 0;
    for (size_t i = 0; i < r->set.count && r->set.items[i].number <= upto; i++) {
        struct applied *a = &r->applied[r->n_applied++];
        a->revision = r->set.items[i].revision;
        a->checksum = r->set.items[i].checksum;
        a->mig = &r->set.items[i];
    }
    r->table_exists = true;
    return WOS_OK;
}

/* Splits "FROM:TO" for offline --sql; *to stays target when there is no ':'. */
static int offline_range(struct run *r, const char **to)
{
    const char *colon = strchr(r->target, ':');
    *to = r->target;
    if (!colon)
        return WOS_AGAIN;
    if (!r->sql_only) {
        fail(r, "a FROM:TO range is only valid with --sql");
        return WOS_ERROR;
    }
    char *from = wos_arena_strndup(r->arena, r->target, (size_t)(colon - r->target));
    if (!from) {
        fail(r, "out of memory");
        return WOS_ERROR;
    }
    *to = colon + 1;
    return simulate_applied(r, from);
}

/* ---- commands ---- */

/* Connects and reads the state; with lock, also takes the migration lock first. */
static int open_db(struct run *r, bool lock)
{
    if (connect_db(r) != WOS_OK)
        return WOS_ERROR;
    if (lock && take_lock(r) != WOS_OK)
        return WOS_ERROR;
    return read_state(r);
}

static int upgrade_plan(struct run *r, const char *to, struct plan *p)
{
    long count = 0;
    int upto = 1 << 30;

    if (to[0] == '+') {
        if (!(count = count_arg(to))) {
            fail(r, "bad step count '%s' (expected +N with N >= 1)", to);
            return WOS_ERROR;
        }
    } else if (strcmp(to, "head") != 0) {
        struct wos_mig *m = resolve(r, to);
        if (!m)
            return unknown_target(r, to);
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
        if (applied_row(r, m->revision))
            continue;
        if (m->number < newest)
            warn(r, "%s is older than the applied head %s; applying it out of order",
                 m->revision, db_head(r));
        p->items[p->n++] = m;
    }
    return WOS_OK;
}

static int cmd_upgrade(struct run *r)
{
    const char *to = "head";
    struct plan p;
    int rc = WOS_AGAIN;

    if (r->target && (rc = offline_range(r, &to)) == WOS_ERROR)
        return 1;
    if (rc == WOS_AGAIN && open_db(r, !r->sql_only) != WOS_OK)
        return 1;
    if (refuse_unknown(r) != WOS_OK || refuse_dirty(r) != WOS_OK)
        return 1;
    if (upgrade_plan(r, to, &p) != WOS_OK)
        return 1;
    if (r->sql_only) {
        print_plan_sql(r, &p, true);
        return 0;
    }
    warn_changed(r);
    if (p.n == 0) {
        say(r, "Nothing to upgrade: the database is at %s%s.", db_head(r),
            strcmp(db_head(r), bin_head(r)) == 0 ? " (head)" : "");
        return 0;
    }
    if (ensure_table(r) != WOS_OK)
        return 1;
    for (size_t i = 0; i < p.n; i++) {
        if (apply_up(r, p.items[i]) != WOS_OK) {
            if (p.items[i]->up_no_tx && read_state(r) == WOS_OK)
                refuse_dirty(r);
            else
                fail(r, "stopped at %s; the database stays at %s", p.items[i]->revision,
                     i ? p.items[i - 1]->revision : db_head(r));
            return 1;
        }
    }
    say(r, "Database upgraded to %s.", p.items[p.n - 1]->revision);
    return 0;
}

static int downgrade_plan(struct run *r, const char *to, struct plan *p)
{
    long count = 0;
    int keep_upto = -1; /* revert applied revisions numbered above this */

    if (to[0] == '-') {
        if (!(count = count_arg(to))) {
            fail(r, "bad step count '%s' (expected -N with N >= 1)", to);
            return WOS_ERROR;
        }
        if ((size_t)count > r->n_applied) {
            fail(r, "cannot go down %ld step(s): only %zu migration(s) are applied", count,
                 r->n_applied);
            return WOS_ERROR;
        }
    } else if (strcmp(to, "base") == 0) {
        keep_upto = 0;
    } else {
        struct wos_mig *m = resolve(r, to);
        if (!m)
            return unknown_target(r, to);
        if (!applied_row(r, m->revision)) {
            fail(r, "%s is not applied; downgrade targets an applied revision (the one that "
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
            fail(r, "%s has no down script (%s); cannot downgrade past it", p->items[i]->revision,
                 p->items[i]->down_file);
            missing++;
        }
    }
    return missing ? WOS_ERROR : WOS_OK;
}

static int cmd_downgrade(struct run *r)
{
    const char *to;
    struct plan p;
    int rc;

    if (!r->target) {
        fail(r, "downgrade needs a target: -N (steps), a revision (which stays applied), or base");
        return 2;
    }
    if ((rc = offline_range(r, &to)) == WOS_ERROR)
        return 1;
    if (rc == WOS_AGAIN && open_db(r, !r->sql_only) != WOS_OK)
        return 1;
    if (refuse_unknown(r) != WOS_OK || refuse_dirty(r) != WOS_OK)
        return 1;
    if (downgrade_plan(r, to, &p) != WOS_OK)
        return 1;
    if (r->sql_only) {
        print_plan_sql(r, &p, false);
        return 0;
    }
    if (p.n == 0) {
        say(r, "Nothing to downgrade: the database is at %s.", db_head(r));
        return 0;
    }
    if (p.n == r->n_applied && r->cfg->is_production && !r->force) {
        fail(r, "refusing to downgrade to base in production (APP_ENV=%s): that reverts every "
                "migration and drops the schema with its data. Take a backup (pg_dump), then "
                "repeat with --force.",
             r->cfg->app_env);
        return 1;
    }
    for (size_t i = 0; i < p.n; i++) {
        if (apply_down(r, p.items[i]) != WOS_OK) {
            fail(r, "stopped at %s; the database stays at %s", p.items[i]->revision,
                 p.items[i]->down_no_tx ? p.items[i]->revision : db_head(r));
            return 1;
        }
        r->n_applied--;
    }
    say(r, "Database downgraded to %s.", db_head(r));
    return 0;
}

static void print_current_verbose(struct run *r, const struct applied *a)
{
    say(r, "  message:  %s", a->mig ? a->mig->message : "(unknown to this binary)");
    say(r, "  applied:  %s in %s ms by wos %s", a->applied_at, a->duration_ms,
        *a->by_version ? a->by_version : "(unknown)");
    say(r, "  checksum: %s%s", a->checksum,
        !a->mig ? "" : strcmp(a->checksum, a->mig->checksum) ? " (file changed since)"
                                                              : " (matches file)");
}

static int cmd_current(struct run *r)
{
    if (open_db(r, false) != WOS_OK)
        return 1;
    size_t pending = 0;
    for (size_t i = 0; i < r->set.count; i++)
        if (!applied_row(r, r->set.items[i].revision))
            pending++;
    if (r->n_applied == 0) {
        say(r, "base (no migration applied); binary head is %s (%zu pending)", bin_head(r),
            pending);
        return 0;
    }
    const struct applied *head = &r->applied[r->n_applied - 1];
    if (!head->mig)
        say(r, "%s (unknown to this binary, whose head is %s)", head->revision, bin_head(r));
    else if (pending == 0)
        say(r, "%s (head)%s", head->revision, head->dirty ? " DIRTY" : "");
    else
        say(r, "%s%s; binary head is %s (%zu pending)", head->revision,
            head->dirty ? " DIRTY" : "", bin_head(r), pending);
    if (r->verbose)
        print_current_verbose(r, head);
    for (size_t i = 0; i < r->n_applied; i++) {
        if (!r->applied[i].mig && &r->applied[i] != head)
            warn(r, "applied revision %s is unknown to this binary", r->applied[i].revision);
        if (r->applied[i].dirty)
            dirty_advice(r, &r->applied[i], false);
    }
    return 0;
}

static void history_line(struct run *r, const char *rev, const struct wos_mig *m,
                         const struct applied *a, int width)
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
    say(r, "%-*s  %-46s  %-12.12s  %s%s", width, rev, status ? status : "?",
        a ? a->checksum : m->checksum, m ? m->message : "(unknown to this binary)", mark);
    if (!r->verbose)
        return;
    if (m)
        say(r, "    files:    %s%s%s%s", m->up_file, m->down_sql ? ", " : " (no down script)",
            m->down_sql ? m->down_file : "", m->up_no_tx ? "; runs outside a transaction" : "");
    if (a) {
        say(r, "    applied:  %s in %s ms by wos %s", a->applied_at, a->duration_ms,
            *a->by_version ? a->by_version : "(unknown)");
        say(r, "    checksum: %s%s", a->checksum,
            !m ? "" : strcmp(a->checksum, m->checksum) ? " (CHANGED: file now " : " (matches file)");
        if (m && strcmp(a->checksum, m->checksum))
            say(r, "              %s)", m->checksum);
    } else {
        say(r, "    checksum: %s (file)", m->checksum);
    }
}

static int cmd_history(struct run *r)
{
    if (open_db(r, false) != WOS_OK)
        return 1;
    int width = 10;
    for (size_t i = 0; i < r->set.count; i++)
        if ((int)strlen(r->set.items[i].revision) > width)
            width = (int)strlen(r->set.items[i].revision);
    for (size_t i = 0; i < r->n_applied; i++)
        if ((int)strlen(r->applied[i].revision) > width)
            width = (int)strlen(r->applied[i].revision);
    say(r, "%-*s  %-46s  %-12s  %s", width, "revision", "status", "checksum", "message");
    /* newest first, as alembic prints it; unknown applied revisions sort in by id */
    size_t i = r->set.count, j = r->n_applied;
    while (i > 0 || j > 0) {
        const struct applied *a = j ? &r->applied[j - 1] : NULL;
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
        const struct applied *row = applied_row(r, m->revision);
        history_line(r, m->revision, m, row, width);
        if (row)
            j--;
        i--;
    }
    if (r->set.count == 0 && r->n_applied == 0)
        say(r, "(no migrations in %s)", r->set.origin);
    return 0;
}

/* check's drift step; returns the number of problems, -1 when the check could not run. */
static int check_drift(struct run *r)
{
    struct wos_mig **mine = wos_arena_alloc(r->arena, (r->n_applied + 1) * sizeof(*mine));
    size_t n = 0;
    const char **diffs, *err;
    size_t n_diffs;

    if (!mine) {
        fail(r, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < r->n_applied; i++) {
        if (!r->applied[i].mig) {
            say(r, "drift: not checked, the database holds revisions this binary does not know");
            return 0;
        }
        if (!r->applied[i].dirty)
            mine[n++] = r->applied[i].mig;
    }
    if (wos_migrate_drift(r->conn, r->arena, mine, n, &diffs, &n_diffs, &err) != WOS_OK) {
        fail(r, "drift check failed: %s", err);
        return -1;
    }
    for (size_t i = 0; i < n_diffs; i++)
        say(r, "drift: %s", diffs[i]);
    return (int)n_diffs;
}

static int cmd_check(struct run *r)
{
    int problems = 0;
    if (open_db(r, true) != WOS_OK)
        return 1;
    for (size_t i = 0; i < r->n_applied; i++) {
        const struct applied *a = &r->applied[i];
        if (!a->mig) {
            say(r, "unknown: %s is applied in the database but this binary does not know it",
                a->revision);
            problems++;
        } else if (a->dirty) {
            say(r, "dirty: %s stopped part-way outside a transaction (see `wos migrate current`)",
                a->revision);
            problems++;
        } else if (strcmp(a->checksum, a->mig->checksum) != 0) {
            say(r, "changed: %s was applied with checksum %s but %s now has %s", a->revision,
                a->checksum, a->mig->up_file, a->mig->checksum);
            problems++;
        }
    }
    for (size_t i = 0; i < r->set.count; i++) {
        if (!applied_row(r, r->set.items[i].revision)) {
            say(r, "pending: %s (%s)", r->set.items[i].revision, r->set.items[i].message);
            problems++;
        }
    }
    int drift = check_drift(r);
    if (drift < 0)
        return 1;
    problems += drift;
    if (problems) {
        say(r, "check: %d problem(s) found", problems);
        return 1;
    }
    say(r, "OK: the database is at %s (head): no pending migration, checksums match, no drift.",
        db_head(r));
    return 0;
}

static int stamp_apply(struct run *r, int upto)
{
    int changes = 0;
    if (!r->sql_only && q0(r, "BEGIN") != WOS_OK)
        return WOS_ERROR;
    for (size_t i = r->n_applied; i-- > 0;) {
        const struct applied *a = &r->applied[i];
        const char *params[] = {a->revision, a->mig->checksum};
        if (a->mig->number > upto) {
            changes++;
            if (r->sql_only)
                printf("DELETE FROM schema_migrations WHERE revision = '%s';\n", a->revision);
            else if (!q(r, "DELETE FROM schema_migrations WHERE revision = $1", 1, params))
                goto failed;
            else
                say(r, "Unstamped %s (row removed; its down script did not run)", a->revision);
        } else if (a->dirty) {
            changes++;
            if (r->sql_only)
                printf("UPDATE schema_migrations SET dirty = false, checksum = '%s' "
                       "WHERE revision = '%s';\n",
                       a->mig->checksum, a->revision);
            else if (!q(r, "UPDATE schema_migrations SET dirty = false, checksum = $2"
                           " WHERE revision = $1",
                        2, params))
                goto failed;
            else
                say(r, "Cleared the dirty flag of %s (recorded as fully applied)", a->revision);
        }
    }
    for (size_t i = 0; i < r->set.count && r->set.items[i].number <= upto; i++) {
        struct wos_mig *m = &r->set.items[i];
        if (applied_row(r, m->revision))
            continue;
        changes++;
        if (r->sql_only)
            printf("INSERT INTO schema_migrations (revision, checksum, applied_at, duration_ms, "
                   "applied_by_version, dirty) VALUES ('%s', '%s', now(), 0, '%s', false);\n",
                   m->revision, m->checksum, WOS_VERSION);
        else if (record(r, m, 0, false) != WOS_OK)
            goto failed;
        else
            say(r, "Stamped %s (recorded as applied; it did not run)", m->revision);
    }
    if (!r->sql_only && q0(r, "COMMIT") != WOS_OK)
        goto failed;
    if (!changes)
        say(r, "Nothing to stamp: the recorded state already matches.");
    return WOS_OK;
failed:
    rollback(r);
    return WOS_ERROR;
}

static int cmd_stamp(struct run *r)
{
    int upto;
    if (!r->target) {
        fail(r, "stamp needs a revision (or head, or base)");
        return 2;
    }
    if (open_db(r, !r->sql_only) != WOS_OK)
        return 1;
    if (strcmp(r->target, "base") == 0) {
        upto = 0;
    } else if (strcmp(r->target, "head") == 0) {
        upto = r->set.count ? r->set.items[r->set.count - 1].number : 0;
    } else {
        struct wos_mig *m = resolve(r, r->target);
        if (!m)
        {
            unknown_target(r, r->target);
            return 1;
        }
        upto = m->number;
    }
    if (refuse_unknown(r) != WOS_OK)
        return 1;
    if (r->sql_only) {
        printf("-- wos migrate stamp --sql: nothing was run\n%s;\n", CREATE_TABLE_SQL);
        return stamp_apply(r, upto) == WOS_OK ? 0 : 1;
    }
    if (ensure_table(r) != WOS_OK || stamp_apply(r, upto) != WOS_OK)
        return 1;
    if (read_state(r) != WOS_OK)
        return 1;
    say(r, "The database is now recorded at %s.", db_head(r));
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

static int write_new(struct run *r, const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    size_t len = strlen(text);
    if (fd < 0) {
        fail(r, "cannot create %s: %s", path, strerror(errno));
        return WOS_ERROR;
    }
    ssize_t w = write(fd, text, len);
    if (close(fd) != 0 || w != (ssize_t)len) {
        fail(r, "cannot write %s", path);
        return WOS_ERROR;
    }
    say(r, "Created %s", path);
    return WOS_OK;
}

static int cmd_revision(struct run *r)
{
    const char *dir = r->dir ? r->dir : "migrations", *err;
    if (!r->message || !*r->message || strpbrk(r->message, "\r\n")) {
        fail(r, "revision needs -m \"one-line message\"");
        return 2;
    }
    if (wos_migrate_load_dir(r->arena, dir, &r->set, &err) != WOS_OK) {
        fail(r, "%s", err);
        return 1;
    }
    int number = r->set.count ? r->set.items[r->set.count - 1].number + 1 : 1;
    if (number > 9999) {
        fail(r, "no revision number left after 9999");
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
    char *down_text = wos_arena_printf(r->arena,
                                       "-- Reverts %s.up.sql (`wos migrate downgrade -1`).\n\n",
                                       rev ? rev : "");
    if (!down || !up_text || !down_text) {
        fail(r, "out of memory");
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

static int cmd_lint(struct run *r)
{
    const struct wos_mig *only = NULL;
    if (r->target && !(only = resolve(r, r->target))) {
        unknown_target(r, r->target);
        return 1;
    }
    int errors = wos_migrate_lint(r->arena, &r->set, only);
    if (errors < 0) {
        fail(r, "out of memory");
        return 1;
    }
    return errors ? 1 : 0;
}

/* ---- wos serve start-up ---- */

static int start_up(struct run *r)
{
    const char *err;
    struct plan p;

    if (wos_migrate_load_embedded(r->arena, &r->set, &err) != WOS_OK) {
        fail(r, "%s", err);
        return WOS_ERROR;
    }
    if (open_db(r, true) != WOS_OK)
        return WOS_ERROR;
    if (refuse_unknown(r) != WOS_OK || refuse_dirty(r) != WOS_OK)
        return WOS_ERROR;
    warn_changed(r);
    if (upgrade_plan(r, "head", &p) != WOS_OK)
        return WOS_ERROR;
    if (p.n && !r->cfg->migrate_on_start) {
        fail(r, "%zu migration(s) pending (first %s) and MIGRATE_ON_START is off: run "
                "`wos migrate upgrade` before starting the server",
             p.n, p.items[0]->revision);
        return WOS_ERROR;
    }
    if (p.n && ensure_table(r) != WOS_OK)
        return WOS_ERROR;
    for (size_t i = 0; i < p.n; i++)
        if (apply_up(r, p.items[i]) != WOS_OK)
            return WOS_ERROR;
    if (p.n)
        say(r, "database upgraded to %s", p.items[p.n - 1]->revision);
    if (wos_bootstrap_run(r->conn, r->cfg) != WOS_OK) {
        fail(r, "bootstrap failed; the server does not start");
        return WOS_ERROR;
    }
    return WOS_OK;
}

static void run_close(struct run *r)
{
    if (r->conn) {
        rollback(r);
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
    struct run r = {.cfg = cfg, .server = true};
    if (!(r.arena = wos_arena_new())) {
        wos_log(NULL, WOS_LOG_ERROR, "migrate: out of memory");
        return WOS_ERROR;
    }
    int rc = start_up(&r);
    run_close(&r);
    return rc;
}

/* ---- command line ---- */

struct command {
    const char *name;
    int (*fn)(struct run *r);
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
static int parse_args(struct run *r, int argc, char **argv)
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

static int run_command(struct run *r, const struct command *c)
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
    }
    if (c->fn == cmd_revision)
        return cmd_revision(r);
    int rc = r->dir ? wos_migrate_load_dir(r->arena, r->dir, &r->set, &err)
                    : wos_migrate_load_embedded(r->arena, &r->set, &err);
    if (rc != WOS_OK) {
        fail(r, "%s", err);
        return 1;
    }
    return c->fn(r);
}

int wos_migrate_main(int argc, char **argv)
{
    struct run r = {0};
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
    run_close(&r);
    return rc;
}
