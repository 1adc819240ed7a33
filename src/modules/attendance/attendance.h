/*
 * attendance.h: the attendance module (spec 04): check-in/out on shifts that
 * may cross midnight, breaks, corrections, history views and CSV export,
 * daily status, auto-close of stale sessions and the exceptions centre.
 *
 * Every rule lives in SQL (migrations 0006_attendance_rules and
 * 0007_attendance_api): each route is one call of one function that returns
 * the HTTP status and the body, so a request is one round trip. The C side
 * validates input, passes the caller's workspace and id, and replies.
 */
#ifndef WOS_MODULES_ATTENDANCE_H
#define WOS_MODULES_ATTENDANCE_H

#include "http/request.h"
#include "jobs/jobs.h"

/* Routes (src/http/routes.c). */
int wos_attendance_check_in(struct wos_req *req);
int wos_attendance_check_out(struct wos_req *req);
int wos_attendance_active(struct wos_req *req);
int wos_attendance_today(struct wos_req *req);
int wos_attendance_days(struct wos_req *req);
int wos_attendance_me(struct wos_req *req);
int wos_attendance_team(struct wos_req *req);
int wos_attendance_workspace(struct wos_req *req);
int wos_attendance_export(struct wos_req *req);
int wos_attendance_session(struct wos_req *req);
int wos_attendance_session_breaks(struct wos_req *req);
int wos_attendance_break_start(struct wos_req *req);
int wos_attendance_break_end(struct wos_req *req);
int wos_attendance_break_current(struct wos_req *req);
int wos_attendance_correction_request(struct wos_req *req);
int wos_attendance_corrections_pending(struct wos_req *req);
int wos_attendance_correction_resolve(struct wos_req *req);
int wos_attendance_exceptions(struct wos_req *req);
int wos_attendance_exception_resolve(struct wos_req *req);
int wos_attendance_exception_dismiss(struct wos_req *req);

/*
 * Job kinds (spec 10 §1.2), registered by wos_attendance_register_jobs():
 *   attendance.auto_close        every 5 minutes: close stale sessions everywhere
 *   attendance.exceptions        every 5 minutes: today's exceptions, every workspace
 *   attendance.exceptions_daily  daily 00:30 per workspace: yesterday's and today's
 */
enum wos_job_outcome wos_attendance_job_auto_close(struct wos_job *job);
enum wos_job_outcome wos_attendance_job_exceptions(struct wos_job *job);
enum wos_job_outcome wos_attendance_job_exceptions_daily(struct wos_job *job);
int wos_attendance_register_jobs(void);

#endif
