/*
 * jobs_int.h: what the files of src/jobs/ share with each other (and with
 * the unit tests): worker settings, the queue's SQL operations, the
 * scheduler, and backoff arithmetic. Nothing outside src/jobs/ includes it.
 */
#ifndef WOS_JOBS_JOBS_INT_H
#define WOS_JOBS_JOBS_INT_H

#include "jobs/jobs.h"

#include <libpq-fe.h>
#include <stdint.h>

#define WOS_JOB_ID_LEN 36

/* Worker tuning: a view of the WORKER_* rows of the configuration (core/config.c). */
struct wos_jobs_settings {
    long lease_seconds;            /* WORKER_LEASE_SECONDS */
    long poll_interval_ms;         /* WORKER_POLL_INTERVAL_MS: fallback when NOTIFY is missed */
    long backoff_base_ms;          /* WORKER_BACKOFF_BASE_MS: first retry delay */
    long backoff_max_seconds;      /* WORKER_BACKOFF_MAX_SECONDS: cap of one delay */
    long shutdown_timeout_seconds; /* WORKER_SHUTDOWN_TIMEOUT_SECONDS: SIGTERM grace */
    long job_timeout_seconds;      /* WORKER_JOB_TIMEOUT_SECONDS: leases stop being renewed */
    long smtp_timeout_seconds;     /* SMTP_TIMEOUT_SECONDS: one SMTP conversation */
    long test_schedule_seconds;    /* WORKER_TEST_SCHEDULE_SECONDS: test.tick period, 0 = off */
    char templates_dir[1024];      /* WOS_TEMPLATES_DIR: e-mail templates from disk */
};

/* Loads the settings; prints one "config: ..." line per bad value and returns WOS_ERROR. */
int wos_jobs_settings_load(void);
/* The loaded settings (the defaults before wos_jobs_settings_load()). */
const struct wos_jobs_settings *wos_jobs_settings(void);
/* True outside production (APP_ENV development, dev, local, test): test.* kinds exist. */
bool wos_jobs_test_mode(void);

/* ---- queue operations (queue.c), on plain connections ---- */

/* A claimed job row; strings are malloc'd and released by wos_queue_claimed_free(). */
struct wos_claimed {
    char id[WOS_JOB_ID_LEN + 1];
    char *kind;
    char *payload;
    char *result;       /* NULL when none */
    char *workspace_id; /* NULL for global jobs */
    int attempt, max_attempts;
};

/* wos_jobs_enqueue_conn() that also returns the job's id (new or existing) when id_out is set. */
int wos_queue_enqueue(PGconn *conn, const char *kind, const char *payload_json,
                      const char *idempotency_key, const char *workspace_id,
                      char id_out[WOS_JOB_ID_LEN + 1]);
/* 1 when a job was claimed into *out, 0 when none is due, -1 on a database error. */
int wos_queue_claim(PGconn *conn, const char *worker_id, const char *kinds, long lease_seconds,
                    struct wos_claimed *out);
void wos_queue_claimed_free(struct wos_claimed *c);
/* Milliseconds until the next queued/failed job of these kinds is due (-1: none or error). */
long wos_queue_next_due_ms(PGconn *conn, const char *kinds);

/* How an attempt ended, for wos_queue_finish(). */
struct wos_finish {
    enum wos_job_outcome outcome;
    const char *error;  /* last_error, or NULL */
    const char *result; /* JSON object merged into result, or NULL */
    bool scrub_vars;
    long retry_in_ms; /* WOS_JOB_RETRY: delay before the next attempt */
};

/*
 * Records the end of attempt `attempt` of job `id` held by worker_id. Sets
 * *status to the row's new status ("done", "failed", "dead", "skipped").
 * Returns 1 when written, 0 when the row is no longer this attempt's (the
 * lease was lost and the job requeued), -1 on a database error.
 */
int wos_queue_finish(PGconn *conn, const char *id, const char *worker_id, int attempt,
                     const struct wos_finish *f, char status[16]);
/* Writes a running attempt's result now (checkpoint). WOS_OK or WOS_ERROR. */
int wos_queue_checkpoint(PGconn *conn, const char *id, const char *worker_id, int attempt,
                         const char *result);
/* Extends the leases of every job this worker runs (younger than job_timeout). -1 on error. */
int wos_queue_renew(PGconn *conn, const char *worker_id, long lease_seconds,
                    long job_timeout_seconds);
/*
 * Requeues running jobs whose lease expired (dead when it was their last
 * attempt) and notifies waiting workers. Number of jobs requeued, -1 on error.
 */
int wos_queue_reap(PGconn *conn);

/*
 * Delay before the retry that follows failed attempt `attempt` (1-based):
 * base * 2^(attempt-1) capped at max_ms, then scaled by a jitter factor in
 * [0.5, 1.0) taken from `random`. Pure, for the unit tests.
 */
long wos_queue_backoff_ms(int attempt, long base_ms, long max_ms, uint32_t random);

/* Builds the PostgreSQL array literal "{a,b}" of the registered kinds into buf. */
int wos_jobs_kinds_literal(char *buf, size_t n);

/* ---- e-mail (mail.c) ---- */

/*
 * Start-up checks of the worker: sender address when SMTP_HOST is set, and
 * every template the mailer needs. Prints why and returns WOS_ERROR.
 */
int wos_mail_check(void);

/* ---- scheduler (scheduler.c) ---- */

/* Checks the schedule table against the registered handlers. WOS_ERROR after logging why. */
int wos_scheduler_check(void);
/*
 * One scheduler step on the control connection: takes or keeps the leader
 * lock and, when leading, enqueues the runs of due schedules. Returns the
 * delay in ms before the next step, or -1 when the connection failed.
 */
long wos_scheduler_step(PGconn *conn, bool *leader);

#endif
