/*
 * queue.c: the SQL of the durable queue: enqueue, claim, finish, lease
 * renewal and recovery.
 *
 * Invariants:
 *   - A claim is one statement (FOR UPDATE SKIP LOCKED + UPDATE): it moves
 *     one due row to running, increments attempts and sets a lease, so two
 *     workers never hold the same attempt.
 *   - Every later write about an attempt (finish, checkpoint) is conditioned
 *     on (id, locked_by, attempts, status = 'running'): a worker whose lease
 *     expired and whose job was requeued cannot overwrite the new attempt.
 *   - Times come from the database clock (now()), never from the workers'.
 *   - The backoff delay is computed here in C (jitter needs randomness per
 *     attempt); the row decides between failed and dead by its own
 *     attempts/max_attempts.
 */
#include "core/log.h"
#include "db/db.h"
#include "jobs/jobs_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

WOS_STMT(stmt_enqueue, "SELECT wos_job_enqueue($1, $2::jsonb, $3, $4::uuid)");

static const char sql_enqueue[] = "SELECT wos_job_enqueue($1, $2::jsonb, $3, $4::uuid)";

static const char sql_claim[] =
    "WITH next AS ("
    "  SELECT id FROM jobs"
    "   WHERE status IN ('queued', 'failed') AND run_at <= now() AND kind = ANY($2::text[])"
    "   ORDER BY run_at"
    "   LIMIT 1"
    "   FOR UPDATE SKIP LOCKED)"
    " UPDATE jobs j"
    "    SET status = 'running', attempts = j.attempts + 1, locked_by = $1,"
    "        lease_expires_at = now() + make_interval(secs => $3::int), started_at = now()"
    "   FROM next"
    "  WHERE j.id = next.id"
    " RETURNING j.id, j.kind, j.payload, j.result, j.workspace_id, j.attempts, j.max_attempts";

static const char sql_next_due[] =
    "SELECT (extract(epoch FROM min(run_at) - now()) * 1000)::bigint FROM jobs"
    " WHERE status IN ('queued', 'failed') AND kind = ANY($1::text[])";

/* $4: done | skipped | dead | retry. A retry on the last attempt becomes dead. */
static const char sql_finish[] =
    "UPDATE jobs SET"
    "  status = CASE WHEN $4 <> 'retry' THEN $4"
    "                WHEN attempts >= max_attempts THEN 'dead' ELSE 'failed' END,"
    "  run_at = CASE WHEN $4 = 'retry' AND attempts < max_attempts"
    "                THEN now() + make_interval(secs => $8::double precision / 1000)"
    "                ELSE run_at END,"
    "  finished_at = CASE WHEN $4 = 'retry' AND attempts < max_attempts THEN NULL"
    "                     ELSE now() END,"
    "  last_error = coalesce($5, last_error),"
    "  result = CASE WHEN $6::jsonb IS NULL THEN result"
    "                ELSE coalesce(result, '{}'::jsonb) || $6::jsonb END,"
    "  payload = CASE WHEN $7::boolean THEN payload - 'vars' ELSE payload END,"
    "  locked_by = NULL, lease_expires_at = NULL"
    " WHERE id = $1::uuid AND locked_by = $2 AND attempts = $3::int AND status = 'running'"
    " RETURNING status";

static const char sql_checkpoint[] =
    "UPDATE jobs SET result = coalesce(result, '{}'::jsonb) || $4::jsonb"
    " WHERE id = $1::uuid AND locked_by = $2 AND attempts = $3::int AND status = 'running'";

static const char sql_renew[] =
    "UPDATE jobs SET lease_expires_at = now() + make_interval(secs => $2::int)"
    " WHERE locked_by = $1 AND status = 'running'"
    "   AND started_at > now() - make_interval(secs => $3::int)";

static const char sql_reap[] =
    "WITH lost AS ("
    "  UPDATE jobs SET"
    "    status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'failed' END,"
    "    finished_at = CASE WHEN attempts >= max_attempts THEN now() END,"
    "    run_at = now(),"
    "    last_error = 'lease expired: worker ' || coalesce(locked_by, '?')"
    "        || ' stopped renewing it (crashed, killed or cut off from the database)',"
    "    locked_by = NULL, lease_expires_at = NULL"
    "  WHERE status = 'running' AND lease_expires_at < now()"
    "  RETURNING id, kind, status)"
    " SELECT id, kind, status,"
    "        CASE WHEN status = 'failed' THEN pg_notify('wos_jobs', kind) END"
    "   FROM lost";

/* Runs a statement; NULL (after logging `what` and the error) unless the status is `want`. */
static PGresult *run(PGconn *conn, const char *what, const char *sql, int n,
                     const char *const *params, ExecStatusType want)
{
    PGresult *r = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) == want)
        return r;
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    char line[300];
    snprintf(line, sizeof(line), "%s", msg ? msg : PQerrorMessage(conn));
    line[strcspn(line, "\n")] = '\0';
    wos_log(NULL, WOS_LOG_ERROR, "jobs: %s failed: %s", what, line);
    PQclear(r);
    return NULL;
}

/* ---- enqueue ---- */

int wos_jobs_enqueue(struct wos_req *req, const char *kind, const char *payload_json,
                     const char *idempotency_key, const char *workspace_id)
{
    const char *params[] = {kind, payload_json, idempotency_key, workspace_id};
    return wos_db_exec(req, &stmt_enqueue, 4, params) ? WOS_OK : WOS_ERROR;
}

/* Shared by wos_jobs_enqueue_conn() and `wos jobs enqueue`: id_out (may be NULL) gets the id. */
int wos_queue_enqueue(PGconn *conn, const char *kind, const char *payload_json,
                      const char *idempotency_key, const char *workspace_id,
                      char id_out[WOS_JOB_ID_LEN + 1])
{
    const char *params[] = {kind, payload_json, idempotency_key, workspace_id};
    PGresult *r = run(conn, "enqueue", sql_enqueue, 4, params, PGRES_TUPLES_OK);
    if (!r)
        return WOS_ERROR;
    if (id_out)
        snprintf(id_out, WOS_JOB_ID_LEN + 1, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return WOS_OK;
}

int wos_jobs_enqueue_conn(PGconn *conn, const char *kind, const char *payload_json,
                          const char *idempotency_key, const char *workspace_id)
{
    return wos_queue_enqueue(conn, kind, payload_json, idempotency_key, workspace_id, NULL);
}

/* ---- claim ---- */

static char *dup_value(const PGresult *r, int col)
{
    if (PQgetisnull(r, 0, col))
        return NULL;
    return strdup(PQgetvalue(r, 0, col));
}

int wos_queue_claim(PGconn *conn, const char *worker_id, const char *kinds, long lease_seconds,
                    struct wos_claimed *out)
{
    char lease[24];
    snprintf(lease, sizeof(lease), "%ld", lease_seconds);
    const char *params[] = {worker_id, kinds, lease};
    PGresult *r = run(conn, "claim", sql_claim, 3, params, PGRES_TUPLES_OK);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    memset(out, 0, sizeof(*out));
    snprintf(out->id, sizeof(out->id), "%s", PQgetvalue(r, 0, 0));
    out->kind = dup_value(r, 1);
    out->payload = dup_value(r, 2);
    out->result = dup_value(r, 3);
    out->workspace_id = dup_value(r, 4);
    out->attempt = atoi(PQgetvalue(r, 0, 5));
    out->max_attempts = atoi(PQgetvalue(r, 0, 6));
    PQclear(r);
    if (!out->kind || !out->payload) {
        wos_log(NULL, WOS_LOG_ERROR, "jobs: out of memory reading job %s", out->id);
        wos_queue_claimed_free(out);
        return -1;
    }
    return 1;
}

void wos_queue_claimed_free(struct wos_claimed *c)
{
    free(c->kind);
    free(c->payload);
    free(c->result);
    free(c->workspace_id);
    memset(c, 0, sizeof(*c));
}

long wos_queue_next_due_ms(PGconn *conn, const char *kinds)
{
    const char *params[] = {kinds};
    PGresult *r = run(conn, "next due", sql_next_due, 1, params, PGRES_TUPLES_OK);
    if (!r)
        return -1;
    long ms = -1;
    if (!PQgetisnull(r, 0, 0)) {
        ms = atol(PQgetvalue(r, 0, 0));
        if (ms < 0)
            ms = 0;
    }
    PQclear(r);
    return ms;
}

/* ---- end of an attempt ---- */

static const char *outcome_word(enum wos_job_outcome o)
{
    switch (o) {
    case WOS_JOB_DONE:
        return "done";
    case WOS_JOB_SKIPPED:
        return "skipped";
    case WOS_JOB_DEAD:
        return "dead";
    case WOS_JOB_RETRY:
        break;
    }
    return "retry";
}

int wos_queue_finish(PGconn *conn, const char *id, const char *worker_id, int attempt,
                     const struct wos_finish *f, char status[16])
{
    char att[16], delay[24];
    snprintf(att, sizeof(att), "%d", attempt);
    snprintf(delay, sizeof(delay), "%ld", f->retry_in_ms);
    const char *params[] = {id,
                            worker_id,
                            att,
                            outcome_word(f->outcome),
                            f->error,
                            f->result,
                            f->scrub_vars ? "t" : "f",
                            delay};
    PGresult *r = run(conn, "finish", sql_finish, 8, params, PGRES_TUPLES_OK);
    if (!r)
        return -1;
    int written = PQntuples(r) == 1;
    if (written)
        snprintf(status, 16, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return written;
}

int wos_queue_checkpoint(PGconn *conn, const char *id, const char *worker_id, int attempt,
                         const char *result)
{
    char att[16];
    snprintf(att, sizeof(att), "%d", attempt);
    const char *params[] = {id, worker_id, att, result};
    PGresult *r = run(conn, "checkpoint", sql_checkpoint, 4, params, PGRES_COMMAND_OK);
    if (!r)
        return WOS_ERROR;
    int ok = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    return ok ? WOS_OK : WOS_ERROR;
}

/* ---- leases ---- */

int wos_queue_renew(PGconn *conn, const char *worker_id, long lease_seconds,
                    long job_timeout_seconds)
{
    char lease[24], timeout[24];
    snprintf(lease, sizeof(lease), "%ld", lease_seconds);
    snprintf(timeout, sizeof(timeout), "%ld", job_timeout_seconds);
    const char *params[] = {worker_id, lease, timeout};
    PGresult *r = run(conn, "lease renewal", sql_renew, 3, params, PGRES_COMMAND_OK);
    if (!r)
        return -1;
    int n = atoi(PQcmdTuples(r));
    PQclear(r);
    return n;
}

int wos_queue_reap(PGconn *conn)
{
    PGresult *r = run(conn, "lease recovery", sql_reap, 0, NULL, PGRES_TUPLES_OK);
    if (!r)
        return -1;
    int n = PQntuples(r);
    for (int i = 0; i < n; i++)
        wos_log(NULL, WOS_LOG_WARN, "job %s (%s): lease expired, its worker is gone; now %s",
                PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
    PQclear(r);
    return n;
}

/* ---- backoff ---- */

long wos_queue_backoff_ms(int attempt, long base_ms, long max_ms, uint32_t random)
{
    double delay = (double)base_ms;
    for (int i = 1; i < attempt && delay < (double)max_ms; i++)
        delay *= 2;
    if (delay > (double)max_ms)
        delay = (double)max_ms;
    /* "equal jitter": never less than half the nominal delay, so retries stay spread out */
    double factor = 0.5 + 0.5 * ((double)random / 4294967296.0);
    long ms = (long)(delay * factor);
    return ms < 1 ? 1 : ms;
}
