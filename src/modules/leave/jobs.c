/*
 * jobs.c (leave): the periodic work of spec 05 §6-§7. Each handler is one
 * SQL call on the worker's connection, so a run is one transaction and a
 * re-run is harmless: a request escalates at most once per step (its
 * escalation_count and the time of its last escalation decide), and a
 * reminder e-mail is keyed by approver and business date.
 */
#include "modules/leave/leave.h"

#include "core/log.h"

#include <stdlib.h>

/* Runs `sql` (one integer, one row) and records the count under `key`. */
static enum wos_job_outcome run_count(struct wos_job *job, const char *sql, int n,
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
    wos_log(NULL, WOS_LOG_INFO, "leave: %s %s=%lld", job->kind, key, count);
    return WOS_JOB_DONE;
}

enum wos_job_outcome wos_leave_job_escalate(struct wos_job *job)
{
    return run_count(job, "SELECT wos_leave_escalate_due(now())", 0, NULL, "escalated");
}

enum wos_job_outcome wos_leave_job_remind(struct wos_job *job)
{
    if (!job->workspace_id)
        return wos_job_fail(job, WOS_JOB_DEAD, "leave.approval_reminders needs a workspace");
    const char *params[] = {job->workspace_id};
    return run_count(job, "SELECT wos_leave_remind($1::uuid, now())", 1, params, "reminded");
}

int wos_leave_register_jobs(void)
{
    if (wos_jobs_register_handler("leave.escalate", wos_leave_job_escalate) ||
        wos_jobs_register_handler("leave.approval_reminders", wos_leave_job_remind))
        return WOS_ERROR;
    return WOS_OK;
}
