/*
 * leave.h: leave, WFH and half-day requests, their decisions and the
 * members' leave balances (spec 05, docs/leave.md).
 *
 * Every rule lives in SQL (migration 0008_leave_api): each route is one
 * call of one function that checks scope and rules, writes the change with
 * its timeline entry, audit row, notification and e-mail job, and returns
 * the HTTP status and the body, so a request is one round trip and one
 * transaction. The C side validates the input, passes the caller's
 * workspace and id from the verified principal, and replies.
 */
#ifndef WOS_MODULES_LEAVE_H
#define WOS_MODULES_LEAVE_H

#include "http/request.h"
#include "jobs/jobs.h"

/* Routes (src/http/routes.c). */
int wos_leave_create(struct wos_req *req);
int wos_leave_mine(struct wos_req *req);
int wos_leave_list(struct wos_req *req);
int wos_leave_export(struct wos_req *req);
int wos_leave_pending(struct wos_req *req);
int wos_leave_get(struct wos_req *req);
int wos_leave_timeline(struct wos_req *req);
int wos_leave_update(struct wos_req *req);
int wos_leave_resolve(struct wos_req *req);
int wos_leave_cancel(struct wos_req *req);
int wos_leave_balances_me(struct wos_req *req);
int wos_leave_balances(struct wos_req *req);
int wos_leave_balance_adjust(struct wos_req *req);

/*
 * Job kinds (spec 10 §1.2), registered by wos_leave_register_jobs():
 *   leave.escalate            hourly: wos_leave_escalate_due(now()) for every workspace
 *   leave.approval_reminders  daily 09:00 per workspace: one e-mail per approver with
 *                             undecided requests (wos_leave_remind)
 */
enum wos_job_outcome wos_leave_job_escalate(struct wos_job *job);
enum wos_job_outcome wos_leave_job_remind(struct wos_job *job);
int wos_leave_register_jobs(void);

#endif
