/*
 * db.h: PostgreSQL access for request handlers.
 *
 * Each HTTP thread owns its libpq connections, opened lazily and reopened by
 * themselves after the server went away. Statements are declared once with
 * WOS_STMT and prepared on each connection the first time they run there.
 * Parameters only: there is no way to pass SQL text built at run time.
 *
 * The connections run in pipeline mode and are shared by the requests of
 * their thread: a statement's caller sends its batch and, on a fiber, parks
 * until the results are in (see db.c); the thread's event loop watches the
 * sockets through wos_db_poll_fds and wos_db_poll_ready.
 *
 * When a request's database authentication is still pending (see
 * http/request.h), its first statement is pipelined behind the principal
 * check in the same round trip; if the check fails, PostgreSQL skips the
 * statement and the caller gets the 401/403 reply.
 */
#ifndef WOS_DB_DB_H
#define WOS_DB_DB_H

#include "http/request.h"

#include <libpq-fe.h>

struct wos_stmt {
    const char *sql;
    int id; /* assigned on first use */
};

#define WOS_STMT(var, text) static struct wos_stmt var = {.sql = text}

/* Options for wos_db_exec_opt. */
enum wos_db_flags {
    /* SQL errors (constraint violations, raised exceptions) are returned to
       the caller in *err instead of becoming a 500 reply; so is an unreachable
       database (sqlstate "08006") unless authentication is still pending. */
    WOS_DB_SQL_ERRORS = 1 << 0,
};

struct wos_db_error {
    char sqlstate[6];
    const char *constraint; /* arena copy or NULL */
    const char *message;    /* arena copy, for logs and for RAISE'd business messages */
};

/*
 * Runs a prepared statement. Returns the result (freed with the request) or
 * NULL when a reply has already been queued: 503 when the database is
 * unreachable, 401/403 when the pipelined authentication failed, 500 for an
 * unexpected SQL error.
 */
PGresult *wos_db_exec(struct wos_req *req, struct wos_stmt *stmt, int n, const char *const *params);
/*
 * Same, but with WOS_DB_SQL_ERRORS an SQL error returns NULL WITHOUT a
 * reply and fills *err, so the handler can map e.g. a unique violation to 409.
 */
PGresult *wos_db_exec_opt(struct wos_req *req, struct wos_stmt *stmt, int n,
                          const char *const *params, unsigned flags, struct wos_db_error *err);
/* Single-row, single-column text result ("the response JSON") or NULL (reply queued). */
const char *wos_db_json(struct wos_req *req, struct wos_stmt *stmt, int n,
                        const char *const *params, size_t *len);

/* Transactions on the request's connection; rolled back automatically if the request ends inside one. */
int wos_db_begin(struct wos_req *req);
int wos_db_commit(struct wos_req *req);
void wos_db_rollback(struct wos_req *req);

/* Called when a request completes: rolls back a forgotten transaction. */
void wos_db_request_done(struct wos_req *req);
/*
 * A thread has up to WOS_DB_LINKS connections. The first carries every
 * batch; when a statement has been running on it for WOS_DB_SPILL_AFTER_MS,
 * new batches go to another one (opened on first need), so a slow report
 * or a lock wait does not hold up the requests queued behind it.
 */
#define WOS_DB_LINKS 4
#define WOS_DB_SPILL_AFTER_MS 20

/* For the thread's event loop: what to watch on each connection (fd -1: none). */
struct wos_db_watch {
    int fd;
    unsigned events;    /* epoll events wanted */
    unsigned generation; /* changes when the connection is replaced: register again */
};
void wos_db_poll_fds(struct wos_db_watch out[WOS_DB_LINKS]);
/* Connection `index`'s socket reported these epoll events: flush, read, wake the requests whose results are in. */
void wos_db_poll_ready(int index, unsigned events);
/* "ok" / "down" with one round trip, for health. */
int wos_db_ping(void);
/* Opens a standalone connection for CLI commands (UTF8, application_name set). NULL on failure (printed). */
PGconn *wos_db_connect(const char *url, const char *application_name);

#endif
