/*
 * jobs.h: the durable job queue (spec 10 §1.2, docs/jobs.md).
 *
 * Work is a row in the `jobs` table, written in the same transaction as the
 * business rows that caused it, so both commit or neither does. `wos worker`
 * claims due rows with FOR UPDATE SKIP LOCKED, runs each through the handler
 * registered for its kind, retries failures with exponential backoff and
 * jitter up to the row's max_attempts, then marks it dead with its last
 * error. Handlers must be idempotent: a job whose worker died runs again
 * once its lease expires.
 */
#ifndef WOS_JOBS_JOBS_H
#define WOS_JOBS_JOBS_H

#include "http/request.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

/*
 * Enqueues a job on the request's connection: inside the request's
 * transaction when one is open (wos_db_begin), else on its own. kind is
 * "module.verb" (lower case, dots), payload_json a JSON object; the
 * idempotency key (unique per kind) and workspace id may be NULL. A second
 * enqueue with the same kind and key is a no-op. Returns WOS_OK, or
 * WOS_ERROR after a reply was queued (503/500, or 401/403 when this was the
 * request's first statement), so callers `return WOS_OK` on error.
 */
int wos_jobs_enqueue(struct wos_req *req, const char *kind, const char *payload_json,
                     const char *idempotency_key, const char *workspace_id);

/* The same on a plain connection (CLI, worker, handlers); WOS_ERROR after logging why. */
int wos_jobs_enqueue_conn(PGconn *conn, const char *kind, const char *payload_json,
                          const char *idempotency_key, const char *workspace_id);

/* ---- handlers ---- */

enum wos_job_outcome {
    WOS_JOB_DONE,    /* finished: status done */
    WOS_JOB_RETRY,   /* failed: retried after a backoff, dead after max_attempts */
    WOS_JOB_DEAD,    /* failed for good (bad payload, permanent refusal): dead now */
    WOS_JOB_SKIPPED, /* deliberately not done (e.g. no SMTP in production): status skipped */
};

struct wos_job {
    const char *id;
    const char *kind;
    const char *workspace_id; /* NULL for global jobs */
    json_t *payload;          /* the row's payload object (borrowed) */
    json_t *prev_result;      /* what earlier attempts recorded (object, borrowed) */
    int attempt;              /* 1 for the first attempt */
    int max_attempts;
    const char *worker_id;   /* this process's locked_by value */
    PGconn *conn;            /* the thread's connection, no transaction open */
    struct wos_arena *arena; /* freed when the job ends */

    /* Set by the handler. */
    char error[512]; /* why it failed (RETRY/DEAD), or why it was skipped */
    json_t *result;  /* merged into jobs.result; use wos_job_result() */
    bool scrub_vars; /* remove payload.vars when the job ends (secrets such as tokens) */
};

typedef enum wos_job_outcome (*wos_job_fn)(struct wos_job *job);

/*
 * Registers the handler of a kind. Call before the worker starts its
 * threads (wos_jobs_register_builtin() is the list). WOS_ERROR on a
 * malformed or duplicate kind.
 */
int wos_jobs_register_handler(const char *kind, wos_job_fn fn);
/* Registers every built-in handler; test.* kinds only when APP_ENV is test or development. */
int wos_jobs_register_builtin(void);
/* The handler of kind, or NULL. */
wos_job_fn wos_jobs_handler(const char *kind);

/* Formats job->error (truncated to fit) and returns `outcome`, for `return wos_job_fail(...)`. */
enum wos_job_outcome wos_job_fail(struct wos_job *job, enum wos_job_outcome outcome,
                                  const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The object the handler fills; merged into the row's `result` when the job ends. */
json_t *wos_job_result(struct wos_job *job);
/*
 * Runs `sql` (one row, one integer column) on the job's connection, records
 * the count under `key` in the result and logs it. WOS_JOB_DONE, or
 * WOS_JOB_RETRY with the database's error. For handlers that are one call of
 * one SQL function.
 */
enum wos_job_outcome wos_job_run_count(struct wos_job *job, const char *sql, int n,
                                       const char *const *params, const char *key);
/*
 * Writes job->result into the row now, while the job is still running
 * (progress that must survive a crash). WOS_ERROR when the row is no
 * longer this attempt's (lease lost) or the database failed.
 */
int wos_job_checkpoint(struct wos_job *job);

/* ---- e-mail ---- */

/* The e-mail handler (kind "email"). */
enum wos_job_outcome wos_mail_job(struct wos_job *job);
/*
 * How e-mail leaves with the current configuration: "smtp", "file"
 * (development without SMTP_HOST: .eml files under var/mail) or "none" (production
 * without SMTP_HOST: e-mail jobs are skipped).
 */
const char *wos_mail_transport(void);

/* ---- commands and routes ---- */

/* `wos worker [--drain]`: returns the exit status. */
int wos_worker_main(int argc, char **argv);
/* `wos jobs list|retry|enqueue ...`: returns the exit status. */
int wos_jobs_main(int argc, char **argv);

/* GET /api/v1/admin/jobs and POST /api/v1/admin/jobs/:id/retry (admin role only). */
int wos_jobs_admin_list(struct wos_req *req);
int wos_jobs_admin_retry(struct wos_req *req);

#endif
