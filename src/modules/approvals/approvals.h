/*
 * approvals.h: the approval center (spec 05 §9 and its product decision):
 * what waits for the caller's decision across modules (leave and WFH
 * requests, attendance corrections; projects and task completions join when
 * those modules land), with counts per kind, and the decisions the caller
 * took. Both are one call of one function of migration 0008_leave_api.
 */
#ifndef WOS_MODULES_APPROVALS_H
#define WOS_MODULES_APPROVALS_H

#include "http/request.h"

/* GET /api/v1/approvals?type&status&date&start_date&end_date&search&limit (leadership) */
int wos_approvals_pending(struct wos_req *req);
/* GET /api/v1/approvals/history?type&limit&offset */
int wos_approvals_history(struct wos_req *req);

#endif
