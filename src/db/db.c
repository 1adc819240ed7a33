/*
 * db.c: the per-thread connection and the statement runner.
 *
 * Every call is one round trip in pipeline mode: any PREPARE the connection
 * still lacks, the pending authentication check, a deferred BEGIN and the
 * statement itself are sent together, followed by one Sync. PostgreSQL
 * skips everything after a failed command up to the Sync, so a statement
 * never runs for a caller whose check failed. PREPAREs go first: they only
 * parse our own SQL, and later batches may count on them.
 *
 * A thread's connections stay in pipeline mode and non-blocking, and are
 * shared by the requests of the thread: each sends its batch and parks its
 * fiber (core/fiber.h) while the thread's event loop serves other
 * connections. Batches are answered in the order they were sent, so several
 * requests' statements travel and run back to back. Everything goes to the
 * first connection unless a statement has been running there for
 * WOS_DB_SPILL_AFTER_MS; then new batches go to another (choose_link). A
 * request that opens a transaction owns the thread's connections until it
 * ends it: the others wait before sending. Outside a fiber a call waits for
 * its results in poll(2).
 *
 * Liveness: the event loop watches the sockets (wos_db_poll_fds); a server
 * that restarted closes them, the connections are dropped, and the next
 * request reconnects instead of failing. While the server is down,
 * connection attempts are spaced out and requests answer 503 at once.
 */
#include "db/db.h"
#include "auth/auth.h"
#include "core/config.h"
#include "core/fiber.h"
#include "core/log.h"
#include "core/torture.h"

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#define RETRY_INTERVAL_MS 250
#define MAX_STEPS 6

/* One command of a pipelined batch. */
struct step {
    enum { STEP_PREPARE, STEP_EXEC } kind;
    struct wos_stmt *stmt;
    int n;
    const char *const *params;
    PGresult *res;
};

struct link;

/* A batch sent and waiting for its results (it lives on its caller's stack). */
struct batch {
    struct link *link;
    struct step *steps;
    int count;
    int next;                  /* the step whose result comes next */
    enum { AWAIT_RESULT, AWAIT_END, AWAIT_SYNC } phase;
    int done, lost;            /* lost: the connection died first */
    struct wos_fiber *waiter;  /* NULL when the caller polls */
    struct batch *next_batch;
};

/* A request waiting for another's transaction to end (on its own stack). */
struct tx_waiter {
    struct wos_fiber *fiber;
    struct tx_waiter *next;
};

/* One PostgreSQL connection of the thread. */
struct link {
    PGconn *pg;
    unsigned generation;     /* changes whenever pg is replaced */
    unsigned char *prepared; /* prepared[id] != 0 when statement id is prepared (or sent) here */
    int prepared_cap;
    long long last_failure_ms;
    struct batch *head, *tail; /* in flight, in the order sent */
    long long head_since_ms;   /* when the head batch began to run */
    int want_write;            /* libpq still holds output */
};

struct thread_db {
    struct link links[WOS_DB_LINKS];
    unsigned generations;
    struct wos_req *tx_owner; /* request holding an open transaction */
    struct link *tx_link;     /* where its BEGIN went (NULL while deferred) */
    int tx_begin_pending;
    struct tx_waiter *tx_waiters;
};

static _Thread_local struct thread_db tdb;
static int next_stmt_id = 1;
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

WOS_STMT(stmt_begin, "BEGIN");
WOS_STMT(stmt_commit, "COMMIT");
WOS_STMT(stmt_rollback, "ROLLBACK");
WOS_STMT(stmt_ping, "SELECT 1");

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
    for (int i = 0; i < WOS_DB_LINKS; i++) {
        PQfinish(t->links[i].pg);
        free(t->links[i].prepared);
    }
    memset(t, 0, sizeof(*t));
}

static void make_exit_key(void)
{
    pthread_key_create(&exit_key, thread_exit);
}

static void wake_tx_waiters(void)
{
    struct tx_waiter *w = tdb.tx_waiters;
    tdb.tx_waiters = NULL;
    for (; w; w = w->next)
        wos_fiber_wake(w->fiber);
}

static void release_tx(void)
{
    tdb.tx_owner = NULL;
    tdb.tx_link = NULL;
    tdb.tx_begin_pending = 0;
    wake_tx_waiters();
}

/* Every batch in flight on l ends as lost; their callers answer 503. */
static void drop_link(struct link *l)
{
    PQfinish(l->pg);
    l->pg = NULL;
    memset(l->prepared, 0, (size_t)l->prepared_cap);
    l->want_write = 0;
    for (struct batch *b = l->head, *next; b; b = next) {
        next = b->next_batch;
        b->lost = b->done = 1;
        wos_fiber_wake(b->waiter);
    }
    l->head = l->tail = NULL;
    if (tdb.tx_link == l)
        release_tx();
}

static PGconn *open_connection(void)
{
    PGconn *pg = wos_db_connect(wos_cfg()->database_url, "wos-serve");
    if (!pg)
        return NULL;
    if (PQsetnonblocking(pg, 1) != 0 || !PQenterPipelineMode(pg)) {
        wos_log(NULL, WOS_LOG_WARN, "database connection: pipeline mode refused");
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

/* l's connection, opened if needed; NULL while the server cannot be reached. */
static PGconn *link_open(struct link *l)
{
    if (l->pg && PQstatus(l->pg) != CONNECTION_OK && !l->head)
        drop_link(l);
    if (l->pg)
        return l->pg;
    if (l->last_failure_ms && now_ms() - l->last_failure_ms < RETRY_INTERVAL_MS)
        return NULL;
    l->pg = open_connection();
    if (!l->pg) {
        l->last_failure_ms = now_ms();
        return NULL;
    }
    pthread_once(&exit_key_once, make_exit_key);
    pthread_setspecific(exit_key, &tdb);
    l->last_failure_ms = 0;
    l->generation = ++tdb.generations;
    return l->pg;
}

static int stuck(const struct link *l, long long now)
{
    return l->head && now - l->head_since_ms >= WOS_DB_SPILL_AFTER_MS;
}

/*
 * The connection for a request's next batch: the first one, unless a
 * statement has been running there for WOS_DB_SPILL_AFTER_MS (a report, a
 * lock wait); then one of the others that is not stuck itself, opened on
 * first need. A transaction stays on the connection of its BEGIN. NULL while
 * the server cannot be reached.
 */
static struct link *choose_link(const struct wos_req *req)
{
    if (req && tdb.tx_owner == req && tdb.tx_link)
        return tdb.tx_link;
    struct link *first = &tdb.links[0];
    if (!link_open(first))
        return NULL;
    long long now = now_ms();
    if (!stuck(first, now))
        return first;
    for (int i = 1; i < WOS_DB_LINKS; i++) {
        struct link *l = &tdb.links[i];
        if (link_open(l) && PQstatus(l->pg) == CONNECTION_OK && !stuck(l, now))
            return l;
    }
    return first; /* every one is busy with something slow: queue behind the first */
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

static int is_prepared(const struct link *l, int id)
{
    return id < l->prepared_cap && l->prepared[id];
}

static void set_prepared(struct link *l, int id, unsigned char value)
{
    if (id >= l->prepared_cap) {
        if (!value)
            return;
        int cap = l->prepared_cap ? l->prepared_cap : 64;
        while (cap <= id)
            cap *= 2;
        unsigned char *p = realloc(l->prepared, (size_t)cap);
        if (!p)
            return; /* not remembered: it is prepared again, and that fails loudly */
        memset(p + l->prepared_cap, 0, (size_t)(cap - l->prepared_cap));
        l->prepared = p;
        l->prepared_cap = cap;
    }
    l->prepared[id] = value;
}

static int send_step(PGconn *pg, struct step *s)
{
    char name[16];
    snprintf(name, sizeof(name), "w%d", stmt_id(s->stmt));
    if (s->kind == STEP_PREPARE)
        return PQsendPrepare(pg, name, s->stmt->sql, 0, NULL);
    return PQsendQueryPrepared(pg, name, s->n, s->params, NULL, NULL, 0);
}

/*
 * Lays out a batch: the PREPAREs its statements still need, then the
 * statements in order. A PREPARE counts as done once it is sent, so batches
 * sent after it (by other requests) use it; it comes first so that a failed
 * statement cannot make PostgreSQL skip it. Returns the index of the first
 * statement.
 */
static int plan_batch(struct link *l, struct step *steps, int *count, const struct step *execs,
                      int n_exec)
{
    *count = 0;
    for (int i = 0; i < n_exec; i++) {
        int id = stmt_id(execs[i].stmt);
        if (is_prepared(l, id))
            continue;
        steps[(*count)++] = (struct step){.kind = STEP_PREPARE, .stmt = execs[i].stmt};
        set_prepared(l, id, 1);
    }
    int first = *count;
    for (int i = 0; i < n_exec; i++)
        steps[(*count)++] = execs[i];
    return first;
}

static int flush_output(struct link *l)
{
    int rc = PQflush(l->pg);
    l->want_write = rc == 1;
    return rc < 0 ? WOS_ERROR : WOS_OK;
}

/* Takes the head batch off l: it is complete. */
static void finish_head(struct link *l)
{
    struct batch *b = l->head;
    l->head = b->next_batch;
    if (!l->head)
        l->tail = NULL;
    l->head_since_ms = now_ms(); /* the next batch begins to run now */
    b->done = 1;
    wos_fiber_wake(b->waiter);
}

/* Hands the results that have arrived on l to their batches, in order. */
static void deliver_results(struct link *l)
{
    int idle_nulls = 0;
    while (l->head && l->pg && !PQisBusy(l->pg)) {
        struct batch *b = l->head;
        PGresult *r = PQgetResult(l->pg);
        if (b->phase == AWAIT_SYNC) {
            int synced = r && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
            PQclear(r);
            if (!synced) {
                wos_log(NULL, WOS_LOG_WARN, "database pipeline out of step");
                drop_link(l);
                return;
            }
            finish_head(l);
        } else if (b->phase == AWAIT_RESULT) {
            if (!r) {
                /* libpq ends a command's results with one NULL before it moves on; a second means it lost track */
                if (++idle_nulls > 1) {
                    wos_log(NULL, WOS_LOG_WARN, "database pipeline out of step");
                    drop_link(l);
                    return;
                }
                continue;
            }
            idle_nulls = 0;
            b->steps[b->next].res = r;
            b->phase = AWAIT_END;
        } else if (r) {
            PQclear(r); /* a second result for one command: not ours to keep */
        } else {
            b->next++;
            b->phase = b->next < b->count ? AWAIT_RESULT : AWAIT_SYNC;
        }
    }
}

void wos_db_poll_fds(struct wos_db_watch out[WOS_DB_LINKS])
{
    for (int i = 0; i < WOS_DB_LINKS; i++) {
        const struct link *l = &tdb.links[i];
        out[i].generation = l->generation;
        out[i].fd = l->pg ? PQsocket(l->pg) : -1;
        out[i].events = EPOLLIN | EPOLLRDHUP | (l->want_write ? EPOLLOUT : 0u);
    }
}

/*
 * Connection `index`'s socket is ready: sends what libpq still holds, reads
 * what arrived and wakes the requests whose results are complete. A
 * connection the server closed is dropped here, so the next request
 * reconnects.
 */
void wos_db_poll_ready(int index, unsigned events)
{
    if (index < 0 || index >= WOS_DB_LINKS)
        return;
    struct link *l = &tdb.links[index];
    if (!l->pg)
        return;
    if ((events & EPOLLOUT) && flush_output(l) != WOS_OK) {
        drop_link(l);
        return;
    }
    if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
        return;
    if (!PQconsumeInput(l->pg) || PQstatus(l->pg) != CONNECTION_OK) {
        if (l->head)
            wos_log(NULL, WOS_LOG_WARN, "database connection lost");
        drop_link(l);
        return;
    }
    PGnotify *n;
    while ((n = PQnotifies(l->pg)))
        PQfreemem(n);
    deliver_results(l);
    if (l->pg && !l->head && (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
        drop_link(l); /* idle and hung up: the server is gone */
}

/* Waits for b's results: parks the fiber, or polls when there is none. */
static void await_batch(struct batch *b)
{
    struct link *l = b->link;
    while (!b->done) {
        if (b->waiter) {
            wos_fiber_park();
            continue;
        }
        struct pollfd p = {.fd = PQsocket(l->pg), .events = POLLIN | (l->want_write ? POLLOUT : 0)};
        if (poll(&p, 1, -1) < 0)
            continue;
        unsigned ev = (p.revents & POLLIN ? EPOLLIN : 0u) | (p.revents & POLLOUT ? EPOLLOUT : 0u) |
                      (p.revents & (POLLHUP | POLLERR | POLLNVAL) ? EPOLLHUP : 0u);
        wos_db_poll_ready((int)(l - tdb.links), ev);
    }
}

/* Sends all steps with one Sync on l and waits for one result per step. WOS_ERROR when the connection failed. */
static int run_pipeline(struct link *l, struct step *steps, int count)
{
    struct batch b = {.link = l, .steps = steps, .count = count, .waiter = wos_fiber_current()};
    int ok = 1;
    for (int i = 0; i < count && ok; i++)
        ok = send_step(l->pg, &steps[i]);
    ok = ok && PQpipelineSync(l->pg) && flush_output(l) == WOS_OK;
    if (!ok) {
        drop_link(l);
        return WOS_ERROR;
    }
    /* b leaves the queue (finish_head, drop_link) before await_batch returns */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
    if (l->tail) {
        l->tail->next_batch = &b;
    } else {
        l->head = &b;
        l->head_since_ms = now_ms();
    }
    l->tail = &b;
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif
    await_batch(&b);
    return b.lost ? WOS_ERROR : WOS_OK;
}

/*
 * Waits while another request of this thread holds a transaction on the
 * connection. WOS_ERROR when waiting is impossible (no fiber to park).
 */
static int await_connection(struct wos_req *req)
{
    while (tdb.tx_owner && tdb.tx_owner != req) {
        struct tx_waiter self = {.fiber = wos_fiber_current(), .next = tdb.tx_waiters};
        if (!self.fiber) {
            wos_log(req, WOS_LOG_ERROR, "connection busy with another request's transaction");
            return WOS_ERROR;
        }
        tdb.tx_waiters = &self; /* woken in any order: each checks again */
        wos_fiber_park();
    }
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
 * Forgets the prepares that did not succeed (so the next batch sends them
 * again); returns the first one that failed, if any.
 */
static const struct step *check_prepares(struct link *l, const struct step *steps, int count)
{
    const struct step *failed = NULL;
    for (int i = 0; i < count; i++) {
        if (steps[i].kind != STEP_PREPARE)
            continue;
        ExecStatusType st = PQresultStatus(steps[i].res);
        if (st == PGRES_COMMAND_OK)
            continue;
        set_prepared(l, stmt_id(steps[i].stmt), 0);
        if (st != PGRES_PIPELINE_ABORTED && !failed)
            failed = &steps[i];
    }
    return failed;
}

PGresult *wos_db_exec_opt(struct wos_req *req, struct wos_stmt *stmt, int n,
                          const char *const *params, unsigned flags, struct wos_db_error *err)
{
    if (req->replied)
        return NULL;
    if (await_connection(req) != WOS_OK) {
        wos_reply_internal(req, "database connection busy");
        return NULL;
    }
    struct link *l = wos_torture_fail(WOS_TORTURE_DB) ? NULL : choose_link(req);
    if (!l)
        return unavailable(req, flags, err);

    struct step execs[3], steps[MAX_STEPS];
    int n_exec = 0, count = 0, auth_at = -1, begin_at = -1;
    const char *auth_params[8];
    if (req->auth == WOS_AUTH_PENDING) {
        auth_at = n_exec;
        execs[n_exec++] = (struct step){.kind = STEP_EXEC,
                                        .stmt = &wos_auth_principal_stmt,
                                        .n = wos_auth_principal_params(req, auth_params),
                                        .params = auth_params};
    }
    if (tdb.tx_owner == req && tdb.tx_begin_pending) {
        begin_at = n_exec;
        execs[n_exec++] = (struct step){.kind = STEP_EXEC, .stmt = &stmt_begin};
        tdb.tx_begin_pending = 0;
        tdb.tx_link = l;
    }
    execs[n_exec++] = (struct step){.kind = STEP_EXEC, .stmt = stmt, .n = n, .params = params};
    int first = plan_batch(l, steps, &count, execs, n_exec);
    int main_at = count - 1;
    if (auth_at >= 0)
        auth_at += first;
    if (begin_at >= 0)
        begin_at += first;

    if (run_pipeline(l, steps, count) != WOS_OK) {
        free_results(steps, count, NULL);
        wos_log(req, WOS_LOG_WARN, "database connection lost");
        return unavailable(req, flags, err);
    }
    const struct step *bad_prepare = check_prepares(l, steps, count);
    if (begin_at >= 0 && PQresultStatus(steps[begin_at].res) != PGRES_COMMAND_OK &&
        tdb.tx_owner == req)
        release_tx();
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

/* One statement without parameters on l, outside any request's checks. 1 when it succeeded. */
static int run_plain(struct link *l, struct wos_stmt *stmt)
{
    if (!l || !link_open(l))
        return 0;
    struct step exec = {.kind = STEP_EXEC, .stmt = stmt}, steps[2];
    int count = 0;
    plan_batch(l, steps, &count, &exec, 1);
    if (run_pipeline(l, steps, count) != WOS_OK) {
        free_results(steps, count, NULL);
        return 0;
    }
    check_prepares(l, steps, count);
    int ok = result_ok(steps[count - 1].res);
    free_results(steps, count, NULL);
    return ok;
}

int wos_db_begin(struct wos_req *req)
{
    if (tdb.tx_owner == req || await_connection(req) != WOS_OK)
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
        release_tx();
        return WOS_OK;
    }
    PGresult *res = wos_db_exec(req, &stmt_commit, 0, NULL);
    if (tdb.tx_owner == req)
        release_tx();
    return res ? WOS_OK : WOS_ERROR;
}

void wos_db_rollback(struct wos_req *req)
{
    if (tdb.tx_owner != req)
        return;
    if (tdb.tx_link && tdb.tx_link->pg)
        run_plain(tdb.tx_link, &stmt_rollback); /* before any other request's statement */
    if (tdb.tx_owner == req)
        release_tx();
}

void wos_db_request_done(struct wos_req *req)
{
    wos_db_rollback(req);
}

int wos_db_ping(void)
{
    return tdb.tx_owner ? 1 : run_plain(choose_link(NULL), &stmt_ping);
}
