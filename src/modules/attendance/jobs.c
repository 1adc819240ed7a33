/*
 * jobs.c (attendance): the periodic work of spec 04 §5/§9 and 10 §1.2. Each
 * handler is one SQL call on the worker's connection, so a run is one
 * transaction: re-running a period is harmless because auto-close only
 * touches sessions that are still stale and exception generation never
 * recreates a (member, date, type) row. Each logs one result line.
 */
#include "modules/attendance/attendance.h"

enum wos_job_outcome wos_attendance_job_auto_close(struct wos_job *job)
{
    return wos_job_run_count(job, "SELECT wos_attendance_autoclose_all(now())", 0, NULL, "closed");
}

enum wos_job_outcome wos_attendance_job_exceptions(struct wos_job *job)
{
    return wos_job_run_count(job, "SELECT wos_attendance_exceptions_all(now(), 0, NULL)", 0, NULL,
                             "created");
}

enum wos_job_outcome wos_attendance_job_exceptions_daily(struct wos_job *job)
{
    /* Per-workspace schedule: yesterday (now complete) and today, in the workspace's zone. */
    const char *params[] = {job->workspace_id};
    return wos_job_run_count(job, "SELECT wos_attendance_exceptions_all(now(), 1, $1::uuid)", 1,
                             params, "created");
}

int wos_attendance_register_jobs(void)
{
    if (wos_jobs_register_handler("attendance.auto_close", wos_attendance_job_auto_close) ||
        wos_jobs_register_handler("attendance.exceptions", wos_attendance_job_exceptions) ||
        wos_jobs_register_handler("attendance.exceptions_daily",
                                  wos_attendance_job_exceptions_daily))
        return WOS_ERROR;
    return WOS_OK;
}
