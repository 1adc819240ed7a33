/*
 * jobs.c (leave): the periodic work of spec 05 §6-§7. Each handler is one
 * SQL call on the worker's connection, so a run is one transaction and a
 * re-run is harmless: a request escalates at most once per step (its
 * escalation_count and the time of its last escalation decide), and a
 * reminder e-mail is keyed by approver and business date.
 */
#include "modules/leave/leave.h"

enum wos_job_outcome wos_leave_job_escalate(struct wos_job *job)
{
    return wos_job_run_count(job, "SELECT wos_leave_escalate_due(now())", 0, NULL, "escalated");
}

enum wos_job_outcome wos_leave_job_remind(struct wos_job *job)
{
    if (!job->workspace_id)
        return wos_job_fail(job, WOS_JOB_DEAD, "leave.approval_reminders needs a workspace");
    const char *params[] = {job->workspace_id};
    return wos_job_run_count(job, "SELECT wos_leave_remind($1::uuid, now())", 1, params,
                             "reminded");
}

int wos_leave_register_jobs(void)
{
    if (wos_jobs_register_handler("leave.escalate", wos_leave_job_escalate) ||
        wos_jobs_register_handler("leave.approval_reminders", wos_leave_job_remind))
        return WOS_ERROR;
    return WOS_OK;
}
