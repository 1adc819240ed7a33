/*
 * handlers.c: the registry of job kinds and the built-in handlers.
 *
 * A kind is handled by exactly one function, registered before the worker
 * starts its threads; the registry is read-only afterwards, so threads read
 * it without locks. A worker claims only kinds it has a handler for, so a
 * job of a kind this binary does not know waits for a worker that does.
 *
 * Built-in kinds: email (mail.c), maintenance.cleanup (daily, from the
 * schedule table), and outside production the test.* kinds the API tests
 * drive: test.noop, test.fail, test.flaky, test.sleep, test.tick.
 * Adding a kind: write `enum wos_job_outcome fn(struct wos_job *)` and add
 * one line to wos_jobs_register_builtin().
 */
#include "core/log.h"
#include "jobs/jobs_int.h"
#include "modules/attendance/attendance.h"
#include "modules/leave/leave.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_HANDLERS 64
#define MAX_KIND_LEN 64

struct handler {
    char kind[MAX_KIND_LEN + 1];
    wos_job_fn fn;
};

static struct handler handlers[MAX_HANDLERS];
static size_t n_handlers;

/* The same rule as the table's CHECK ck_jobs_kind: "module.verb", lower case. */
static bool valid_kind(const char *kind)
{
    size_t n = strlen(kind);
    if (n == 0 || n > MAX_KIND_LEN || kind[0] < 'a' || kind[0] > 'z')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = kind[i];
        bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (c == '.' && (i + 1 == n || kind[i + 1] < 'a' || kind[i + 1] > 'z'))
            return false;
        if (!word && c != '.')
            return false;
    }
    return true;
}

int wos_jobs_register_handler(const char *kind, wos_job_fn fn)
{
    if (!kind || !fn || !valid_kind(kind)) {
        wos_log(NULL, WOS_LOG_ERROR, "jobs: invalid job kind \"%s\"", kind ? kind : "");
        return WOS_ERROR;
    }
    if (wos_jobs_handler(kind)) {
        wos_log(NULL, WOS_LOG_ERROR, "jobs: kind %s registered twice", kind);
        return WOS_ERROR;
    }
    if (n_handlers == MAX_HANDLERS) {
        wos_log(NULL, WOS_LOG_ERROR, "jobs: more than %d job kinds", MAX_HANDLERS);
        return WOS_ERROR;
    }
    snprintf(handlers[n_handlers].kind, sizeof(handlers[n_handlers].kind), "%s", kind);
    handlers[n_handlers++].fn = fn;
    return WOS_OK;
}

wos_job_fn wos_jobs_handler(const char *kind)
{
    for (size_t i = 0; i < n_handlers; i++)
        if (strcmp(handlers[i].kind, kind) == 0)
            return handlers[i].fn;
    return NULL;
}

int wos_jobs_kinds_literal(char *buf, size_t n)
{
    size_t used = 0;
    int w = snprintf(buf, n, "{");
    for (size_t i = 0; i < n_handlers && w >= 0 && (size_t)w < n - used; i++) {
        used += (size_t)w;
        w = snprintf(buf + used, n - used, "%s%s", i ? "," : "", handlers[i].kind);
    }
    if (w < 0 || (size_t)w >= n - used)
        return WOS_ERROR;
    used += (size_t)w;
    if (used + 2 > n)
        return WOS_ERROR;
    memcpy(buf + used, "}", 2);
    return WOS_OK;
}

/* ---- helpers for handlers ---- */

enum wos_job_outcome wos_job_fail(struct wos_job *job, enum wos_job_outcome outcome,
                                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(job->error, sizeof(job->error), fmt, ap);
    va_end(ap);
    return outcome;
}

json_t *wos_job_result(struct wos_job *job)
{
    if (!job->result)
        job->result = json_object();
    return job->result;
}

enum wos_job_outcome wos_job_run_count(struct wos_job *job, const char *sql, int n,
                                       const char *const *params, const char *key)
{
    PGresult *r = PQexecParams(job->conn, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        enum wos_job_outcome out = wos_job_fail(job, WOS_JOB_RETRY, "%s", PQresultErrorMessage(r));
        PQclear(r);
        return out;
    }
    long long count = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    json_object_set_new(wos_job_result(job), key, json_integer(count));
    wos_log(NULL, WOS_LOG_INFO, "%s: %s=%lld", job->kind, key, count);
    return WOS_JOB_DONE;
}

int wos_job_checkpoint(struct wos_job *job)
{
    char *text = json_dumps(wos_job_result(job), JSON_COMPACT);
    if (!text)
        return WOS_ERROR;
    int rc = wos_queue_checkpoint(job->conn, job->id, job->worker_id, job->attempt, text);
    free(text);
    return rc;
}

/* ---- maintenance.cleanup ---- */

/*
 * Daily: finished jobs (done, skipped) older than 30 days, refresh tokens
 * expired for 30 days, password-reset tokens expired for 30 days. Dead jobs
 * stay until someone looks at them.
 */
static const char sql_cleanup[] =
    "WITH j AS (DELETE FROM jobs WHERE status IN ('done', 'skipped')"
    "             AND finished_at < now() - interval '30 days' RETURNING 1),"
    "     rt AS (DELETE FROM refresh_tokens WHERE expires_at < now() - interval '30 days'"
    "            RETURNING 1),"
    "     pr AS (DELETE FROM password_reset_tokens"
    "             WHERE expires_at < now() - interval '30 days' RETURNING 1)"
    " SELECT (SELECT count(*) FROM j), (SELECT count(*) FROM rt), (SELECT count(*) FROM pr)";

static enum wos_job_outcome maintenance_cleanup(struct wos_job *job)
{
    PGresult *r = PQexecParams(job->conn, sql_cleanup, 0, NULL, NULL, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        wos_job_fail(job, WOS_JOB_RETRY, "cleanup failed: %s", PQerrorMessage(job->conn));
        PQclear(r);
        return WOS_JOB_RETRY;
    }
    json_t *res = wos_job_result(job);
    json_object_set_new(res, "jobs_deleted", json_integer(atoll(PQgetvalue(r, 0, 0))));
    json_object_set_new(res, "refresh_tokens_deleted", json_integer(atoll(PQgetvalue(r, 0, 1))));
    json_object_set_new(res, "password_reset_tokens_deleted",
                        json_integer(atoll(PQgetvalue(r, 0, 2))));
    wos_log(NULL, WOS_LOG_INFO,
            "maintenance.cleanup: deleted %s finished jobs, %s refresh tokens, %s reset tokens",
            PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2));
    PQclear(r);
    return WOS_JOB_DONE;
}

/* ---- test kinds (never in production) ---- */

static enum wos_job_outcome test_noop(struct wos_job *job)
{
    json_object_set_new(wos_job_result(job), "ran", json_true());
    return WOS_JOB_DONE;
}

/* Always fails; payload {"permanent": true} fails for good at once. */
static enum wos_job_outcome test_fail(struct wos_job *job)
{
    bool permanent = json_is_true(json_object_get(job->payload, "permanent"));
    return wos_job_fail(job, permanent ? WOS_JOB_DEAD : WOS_JOB_RETRY,
                        "test.fail: failing on purpose (attempt %d)", job->attempt);
}

/* Fails its first payload.failures attempts, then succeeds. */
static enum wos_job_outcome test_flaky(struct wos_job *job)
{
    json_int_t failures = json_integer_value(json_object_get(job->payload, "failures"));
    if (job->attempt <= failures)
        return wos_job_fail(job, WOS_JOB_RETRY, "test.flaky: attempt %d fails on purpose",
                            job->attempt);
    return WOS_JOB_DONE;
}

/* Sleeps payload.ms milliseconds (default 1000, at most 10 minutes). */
static enum wos_job_outcome test_sleep(struct wos_job *job)
{
    json_t *v = json_object_get(job->payload, "ms");
    json_int_t ms = json_is_integer(v) ? json_integer_value(v) : 1000;
    if (ms < 0 || ms > 600000)
        return wos_job_fail(job, WOS_JOB_DEAD, "test.sleep: ms must be between 0 and 600000");
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0)
        ;
    return WOS_JOB_DONE;
}

/* The test schedule's run (WORKER_TEST_SCHEDULE_SECONDS). */
static enum wos_job_outcome test_tick(struct wos_job *job)
{
    json_t *period = json_object_get(job->payload, "period_start");
    wos_log(NULL, WOS_LOG_INFO, "test.tick: period %s",
            json_is_string(period) ? json_string_value(period) : "?");
    return WOS_JOB_DONE;
}

int wos_jobs_register_builtin(void)
{
    int rc = WOS_OK;
    rc |= wos_jobs_register_handler("email", wos_mail_job);
    rc |= wos_jobs_register_handler("maintenance.cleanup", maintenance_cleanup);
    rc |= wos_attendance_register_jobs();
    rc |= wos_leave_register_jobs();
    if (wos_jobs_test_mode()) {
        rc |= wos_jobs_register_handler("test.noop", test_noop);
        rc |= wos_jobs_register_handler("test.fail", test_fail);
        rc |= wos_jobs_register_handler("test.flaky", test_flaky);
        rc |= wos_jobs_register_handler("test.sleep", test_sleep);
        rc |= wos_jobs_register_handler("test.tick", test_tick);
    }
    return rc ? WOS_ERROR : WOS_OK;
}
