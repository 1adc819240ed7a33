/*
 * db.c: the per-thread connection and the statement runner.
 *
 * Every call is one round trip in pipeline mode: any PREPARE the connection
 * still lacks, the pending authentication check, a deferred BEGIN and the
 * statement itself are sent together, followed by one Sync. PostgreSQL
 * skips everything after a failed command up to the Sync, so a statement
 * never runs for a caller whose check failed.
 *
 * Liveness: before the first statement of a request the socket is polled;
 * a server that restarted has closed it, so the connection is reopened
 * instead of failing the request. While the server is down, connection
 * attempts are spaced out and requests answer 503 at once.
 */
#include "db/db.h"
#include "auth/auth.h"
#include "core/config.h"
#include "core/log.h"
#include "core/torture.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RETRY_INTERVAL_MS 250
#define MAX_STEPS 6

struct thread_db {
    PGconn *pg;
    unsigned char *prepared; /* prepared[id] != 0 when statement id is prepared here */
    int prepared_cap;
    long long last_failure_ms;
    struct wos_req *tx_owner; /* request holding an open transaction */
    int tx_begin_pending;
};

static _Thread_local struct thread_db tdb;
static int next_stmt_id = 1;
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

WOS_STMT(stmt_begin, "BEGIN");
WOS_STMT(stmt_commit, "COMMIT");

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

PGconn *wos_db_connect(const char *url, const char *application_name)
{
    const char *keys[] = {"dbname", "application_name", "client_encoding", "connect_timeout",
                          NULL};
    const char *values[] = {url, application_name, "UTF8", "3", NULL};
    PGconn *pg = PQconnectdbParams(keys, values, 1);
    if (PQstatus(pg) != CONNECTION_OK) {
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(pg));
        msg[strcspn(msg, "\n")] = '\0';
        wos_log(NULL, WOS_LOG_WARN, "database connection failed: %s", msg);
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

/* Thread exit: the destructor gets &tdb of the exiting thread. */
static void thread_exit(void *p)
{
    struct thread_db *t = p;
    PQfinish(t->pg);
    free(t->prepared);
    memset(t, 0, sizeof(*t));
}

static void make_exit_key(void)
{
    pthread_key_create(&exit_key, thread_exit);
}

static void drop_connection(void)
{
    PQfinish(tdb.pg);
    tdb.pg = NULL;
    memset(tdb.prepared, 0, (size_t)tdb.prepared_cap);
    tdb.tx_owner = NULL;
    tdb.tx_begin_pending = 0;
}

/*
 * True when the server has closed or is closing our idle connection. A
 * restarted server first sends "terminating connection" and then closes
 * the socket; the hang-up flag is the reliable signal, and draining the
 * input catches the rest.
 */
static int connection_went_away(void)
{
    if (PQstatus(tdb.pg) != CONNECTION_OK)
        return 1;
    struct pollfd p = {.fd = PQsocket(tdb.pg), .events = POLLIN | POLLRDHUP};
    for (int i = 0; i < 4; i++) {
        if (poll(&p, 1, 0) <= 0)
            return 0;
        if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
            return 1;
        if (!PQconsumeInput(tdb.pg) || PQstatus(tdb.pg) != CONNECTION_OK)
            return 1;
        PGnotify *n;
        while ((n = PQnotifies(tdb.pg)))
            PQfreemem(n);
        PGresult *stray;
        while (!PQisBusy(tdb.pg) && (stray = PQgetResult(tdb.pg))) {
            /* an unsolicited error (e.g. FATAL before the close) means the session is over */
            int fatal = PQresultStatus(stray) == PGRES_FATAL_ERROR;
            PQclear(stray);
            if (fatal)
                return 1;
        }
    }
    return 0;
}

PGconn *wos_db_conn(void)
{
    if (tdb.pg && !tdb.tx_owner && connection_went_away())
        drop_connection();
    if (tdb.pg)
        return tdb.pg;
    if (tdb.last_failure_ms && now_ms() - tdb.last_failure_ms < RETRY_INTERVAL_MS)
        return NULL;
    tdb.pg = wos_db_connect(wos_cfg()->database_url, "wos-serve");
    if (!tdb.pg) {
        tdb.last_failure_ms = now_ms();
        return NULL;
    }
    pthread_once(&exit_key_once, make_exit_key);
    pthread_setspecific(exit_key, &tdb);
    tdb.last_failure_ms = 0;
    return tdb.pg;
}

static int stmt_id(struct wos_stmt *s)
{
    int id = __atomic_load_n(&s->id, __ATOMIC_ACQUIRE);
    if (id)
        return id;
    int fresh = __atomic_fetch_add(&next_stmt_id, 1, __ATOMIC_RELAXED);
    int expected = 0;
    if (__atomic_compare_exchange_n(&s->id, &expected, fresh, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
        return fresh;
    return expected;
}

static int is_prepared(int id)
{
    return id < tdb.prepared_cap && tdb.prepared[id];
}

static void mark_prepared(int id)
{
    if (id >= tdb.prepared_cap) {
        int cap = tdb.prepared_cap ? tdb.prepared_cap : 64;
        while (cap <= id)
            cap *= 2;
        unsigned char *p = realloc(tdb.prepared, (size_t)cap);
        if (!p)
            return;
        memset(p + tdb.prepared_cap, 0, (size_t)(cap - tdb.prepared_cap));
        tdb.prepared = p;
        tdb.prepared_cap = cap;
    }
    tdb.prepared[id] = 1;
}

/* One command of a pipelined batch. */
struct step {
    enum { STEP_PREPARE, STEP_EXEC } kind;
    struct wos_stmt *stmt;
    int n;
    const char *const *params;
    PGresult *res;
};

static int send_step(PGconn *pg, struct step *s)
{
    char name[16];
    snprintf(name, sizeof(name), "w%d", stmt_id(s->stmt));
    if (s->kind == STEP_PREPARE)
        return PQsendPrepare(pg, name, s->stmt->sql, 0, NULL);
    return PQsendQueryPrepared(pg, name, s->n, s->params, NULL, NULL, 0);
}

static void add_exec(struct step *steps, int *count, struct wos_stmt *stmt, int n,
                     const char *const *params)
{
    if (!is_prepared(stmt_id(stmt)))
        steps[(*count)++] = (struct step){.kind = STEP_PREPARE, .stmt = stmt};
    steps[(*count)++] = (struct step){.kind = STEP_EXEC, .stmt = stmt, .n = n, .params = params};
}

/* Sends all steps with one Sync and collects one result per step. WOS_ERROR on I/O failure. */
static int run_pipeline(PGconn *pg, struct step *steps, int count)
{
    if (!PQenterPipelineMode(pg))
        return WOS_ERROR;
    int ok = 1;
    for (int i = 0; i < count && ok; i++)
        ok = send_step(pg, &steps[i]);
    ok = ok && PQpipelineSync(pg);
    for (int i = 0; i < count && ok; i++) {
        steps[i].res = PQgetResult(pg);
        if (!steps[i].res) {
            ok = 0;
            break;
        }
        PGresult *extra;
        while ((extra = PQgetResult(pg)))
            PQclear(extra);
    }
    if (ok) {
        PGresult *sync = PQgetResult(pg);
        ok = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
        PQclear(sync);
    }
    if (!ok || !PQexitPipelineMode(pg))
        return WOS_ERROR;
    return WOS_OK;
}

static void free_results(struct step *steps, int count, const PGresult *keep)
{
    for (int i = 0; i < count; i++)
        if (steps[i].res != keep)
            PQclear(steps[i].res);
}

static int result_ok(const PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

static void fill_error(struct wos_req *req, const PGresult *r, struct wos_db_error *err)
{
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", state ? state : "XX000");
    err->constraint = constraint ? wos_arena_strdup(req->arena, constraint) : NULL;
    err->message = wos_arena_strdup(req->arena, msg ? msg : "unknown error");
}

/*
 * The database cannot be reached. With WOS_DB_SQL_ERRORS (and no pending
 * authentication) the caller decides: err->sqlstate is "08006". Otherwise 503.
 */
static PGresult *unavailable(struct wos_req *req, unsigned flags, struct wos_db_error *err)
{
    if ((flags & WOS_DB_SQL_ERRORS) && err && req->auth != WOS_AUTH_PENDING) {
        memcpy(err->sqlstate, "08006", 6);
        err->constraint = NULL;
        err->message = "database unavailable";
        return NULL;
    }
    if (req->auth == WOS_AUTH_PENDING)
        req->auth = WOS_AUTH_FAILED; /* cannot confirm: the reply is 503, not data */
    wos_reply_header(req, "Retry-After", "1");
    wos_reply_error(req, 503, "The database is unavailable. Please retry shortly.", NULL);
    return NULL;
}

/*
 * Marks the prepares that succeeded; returns the first one that failed, if
 * any. A prepare PostgreSQL skipped (the pipeline aborted after a failed
 * authentication check) is neither: it simply runs again next time.
 */
static const struct step *check_prepares(const struct step *steps, int count)
{
    const struct step *failed = NULL;
    for (int i = 0; i < count; i++) {
        if (steps[i].kind != STEP_PREPARE)
            continue;
        ExecStatusType st = PQresultStatus(steps[i].res);
        if (st == PGRES_COMMAND_OK)
            mark_prepared(stmt_id(steps[i].stmt));
        else if (st != PGRES_PIPELINE_ABORTED && !failed)
            failed = &steps[i];
    }
    return failed;
}

PGresult *wos_db_exec_opt(struct wos_req *req, struct wos_stmt *stmt, int n,
                          const char *const *params, unsigned flags, struct wos_db_error *err)
{
    if (req->replied)
        return NULL;
    PGconn *pg = wos_torture_fail(WOS_TORTURE_DB) ? NULL : wos_db_conn();
    if (!pg)
        return unavailable(req, flags, err);

    struct step steps[MAX_STEPS];
    int count = 0, auth_at = -1, begin_at = -1;
    const char *auth_params[8];
    if (req->auth == WOS_AUTH_PENDING) {
        int an = wos_auth_principal_params(req, auth_params);
        add_exec(steps, &count, &wos_auth_principal_stmt, an, auth_params);
        auth_at = count - 1;
    }
    if (tdb.tx_owner == req && tdb.tx_begin_pending) {
        add_exec(steps, &count, &stmt_begin, 0, NULL);
        begin_at = count - 1;
        tdb.tx_begin_pending = 0;
    }
    add_exec(steps, &count, stmt, n, params);
    int main_at = count - 1;

    if (run_pipeline(pg, steps, count) != WOS_OK) {
        free_results(steps, count, NULL);
        wos_log(req, WOS_LOG_WARN, "database connection lost");
        drop_connection();
        return unavailable(req, flags, err);
    }
    const struct step *bad_prepare = check_prepares(steps, count);
    if (begin_at >= 0 && PQresultStatus(steps[begin_at].res) != PGRES_COMMAND_OK)
        tdb.tx_owner = NULL;
    if (auth_at >= 0 && wos_auth_principal_result(req, steps[auth_at].res) != WOS_OK) {
        free_results(steps, count, NULL);
        return NULL; /* 401/403 queued */
    }
    if (bad_prepare) {
        wos_log(req, WOS_LOG_ERROR, "prepare failed: %s",
                PQresultErrorField(bad_prepare->res, PG_DIAG_MESSAGE_PRIMARY));
        free_results(steps, count, NULL);
        wos_reply_internal(req, "statement could not be prepared");
        return NULL;
    }
    PGresult *res = steps[main_at].res;
    free_results(steps, count, res);
    if (!result_ok(res)) {
        struct wos_db_error local;
        struct wos_db_error *e = err ? err : &local;
        fill_error(req, res, e);
        PQclear(res);
        if (flags & WOS_DB_SQL_ERRORS)
            return NULL;
        wos_log(req, WOS_LOG_ERROR, "SQL error %s: %s", e->sqlstate, e->message);
        wos_reply_internal(req, "statement failed");
        return NULL;
    }
    if (wos_arena_on_free(req->arena, (wos_cleanup_fn)PQclear, res) != WOS_OK) {
        /* out of memory: the hook has already cleared res */
        if (err) {
            memcpy(err->sqlstate, "53200", 6);
            err->constraint = NULL;
            err->message = "out of memory";
        }
        wos_reply_internal(req, "out of memory");
        return NULL;
    }
    return res;
}

PGresult *wos_db_exec(struct wos_req *req, struct wos_stmt *stmt, int n, const char *const *params)
{
    return wos_db_exec_opt(req, stmt, n, params, 0, NULL);
}

const char *wos_db_json(struct wos_req *req, struct wos_stmt *stmt, int n,
                        const char *const *params, size_t *len)
{
    PGresult *res = wos_db_exec(req, stmt, n, params);
    if (!res)
        return NULL;
    if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0)) {
        wos_reply_error(req, 404, "Not found.", NULL);
        return NULL;
    }
    if (len)
        *len = (size_t)PQgetlength(res, 0, 0);
    return PQgetvalue(res, 0, 0);
}

int wos_db_begin(struct wos_req *req)
{
    if (tdb.tx_owner)
        return WOS_ERROR;
    tdb.tx_owner = req;
    tdb.tx_begin_pending = 1;
    return WOS_OK;
}

int wos_db_commit(struct wos_req *req)
{
    if (tdb.tx_owner != req)
        return WOS_ERROR;
    if (tdb.tx_begin_pending) { /* nothing ran inside it */
        tdb.tx_owner = NULL;
        tdb.tx_begin_pending = 0;
        return WOS_OK;
    }
    PGresult *res = wos_db_exec(req, &stmt_commit, 0, NULL);
    tdb.tx_owner = NULL;
    return res ? WOS_OK : WOS_ERROR;
}

void wos_db_rollback(struct wos_req *req)
{
    if (tdb.tx_owner != req)
        return;
    int started = !tdb.tx_begin_pending;
    tdb.tx_owner = NULL;
    tdb.tx_begin_pending = 0;
    if (started && tdb.pg)
        PQclear(PQexec(tdb.pg, "ROLLBACK"));
}

void wos_db_request_done(struct wos_req *req)
{
    wos_db_rollback(req);
}

int wos_db_ping(void)
{
    PGconn *pg = wos_db_conn();
    if (!pg)
        return 0;
    PGresult *r = PQexec(pg, "SELECT 1");
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    if (!ok && PQstatus(pg) != CONNECTION_OK)
        drop_connection();
    return ok;
}
