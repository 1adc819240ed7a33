/*
 * routes.c (approvals): the approval center over HTTP. Query parameters are
 * read strictly (a bad value is 422 naming it); the caller's workspace and id
 * come from the verified principal. `date` stands for both ends of the range
 * unless start_date/end_date say otherwise. Who sees what, the status
 * normalisation and the counts are in SQL (wos_approvals_pending,
 * wos_approvals_history).
 */
#include "modules/approvals/approvals.h"

#include "db/db.h"
#include "modules/users/people.h"

#define SEARCH_MAX 100

static const char *const types[] = {"all", "leave", "wfh", "attendance_correction", NULL};
static const char *const statuses[] = {"pending", "needs_revision", "escalated", "all", NULL};

WOS_STMT(st_pending, "SELECT status, body FROM wos_approvals_pending($1::uuid, $2::uuid, $3, "
                     "$4, $5::date, $6::date, $7, $8::integer, $9::integer)");
WOS_STMT(st_history, "SELECT status, body FROM wos_approvals_history($1::uuid, $2::uuid, $3, "
                     "$4::integer, $5::integer)");

int wos_approvals_pending(struct wos_req *req)
{
    const char *type, *status, *date, *from, *to, *search, *limit, *offset;
    if (wos_people_query_choice(req, "type", types, &type) ||
        wos_people_query_choice(req, "status", statuses, &status) ||
        wos_people_query_date(req, "date", &date) ||
        wos_people_query_date(req, "start_date", &from) ||
        wos_people_query_date(req, "end_date", &to) ||
        wos_people_query_text(req, "search", SEARCH_MAX, &search) ||
        wos_people_query_int(req, "limit", 100, 1, 200, &limit) ||
        wos_people_query_int(req, "offset", 0, 0, 1000000000L, &offset))
        return WOS_OK;
    const char *params[] = {req->who.workspace_id,
                            req->who.user_id,
                            type ? type : "all",
                            status ? status : "pending",
                            from ? from : date,
                            to ? to : date,
                            search,
                            limit,
                            offset};
    return wos_people_run(req, &st_pending, 9, params, NULL);
}

int wos_approvals_history(struct wos_req *req)
{
    const char *type, *limit, *offset;
    if (wos_people_query_choice(req, "type", types, &type) ||
        wos_people_query_int(req, "limit", 50, 1, 200, &limit) ||
        wos_people_query_int(req, "offset", 0, 0, 1000000, &offset))
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, type ? type : "all", limit,
                            offset};
    return wos_people_run(req, &st_history, 5, params, NULL);
}
