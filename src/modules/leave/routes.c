/*
 * routes.c (leave): the HTTP side of spec 05 §2-§5 and 07 §4.4. Each handler
 * validates its body or query (422 naming the field), then makes one call
 * of its SQL function with the caller's workspace and id from the verified
 * principal, never from the request. Path ids that are not UUIDs are 404,
 * like any request the caller cannot see. The rules (dates, overlap,
 * balance, routing, who may decide) and the audit rows are in migration
 * 0008_leave_api.
 */
#include "modules/leave/leave.h"

#include "http/validate.h"
#include "modules/users/people.h"

#include <ctype.h>
#include <string.h>

#define REASON_MAX 2000
#define COMMENT_MAX 2000
#define CSV_TYPE "text/csv; charset=utf-8"

static const char *const leave_types[] = {"sick", "casual", "annual", "half_day", "wfh", NULL};
static const char *const periods[] = {"first_half", "second_half", NULL};
static const char *const statuses[] = {
    "pending", "approved", "rejected", "escalated", "cancelled", "needs_clarification", NULL};
/* created and cancelled reach SQL, which answers 400 "Invalid approval action" (spec 05 §4). */
static const char *const actions[] = {"approved", "rejected",  "clarified", "escalated",
                                      "created",  "cancelled", NULL};

WOS_STMT(st_create, "SELECT status, body FROM wos_leave_create($1::uuid, $2::uuid, $3::date, "
                    "$4::date, $5, $6::boolean, $7, $8, $9, $10)");
WOS_STMT(st_mine, "SELECT status, body FROM wos_leave_mine($1::uuid, $2::uuid, $3::integer, "
                  "$4::integer)");
WOS_STMT(st_list, "SELECT status, body FROM wos_leave_list($1::uuid, $2::uuid, $3, $4::uuid, "
                  "$5::date, $6::date, $7, $8::integer, $9::integer)");
WOS_STMT(st_export, "SELECT status, body FROM wos_leave_export($1::uuid, $2::uuid, $3, "
                    "$4::uuid, $5::date, $6::date, $7)");
WOS_STMT(st_pending, "SELECT status, body FROM wos_leave_pending($1::uuid, $2::uuid, "
                     "$3::integer, $4::integer)");
WOS_STMT(st_get, "SELECT status, body FROM wos_leave_get($1::uuid, $2::uuid, $3::uuid)");
WOS_STMT(st_timeline,
         "SELECT status, body FROM wos_leave_timeline_get($1::uuid, $2::uuid, $3::uuid)");
WOS_STMT(st_update, "SELECT status, body FROM wos_leave_update($1::uuid, $2::uuid, $3::uuid, "
                    "$4::jsonb, $5, $6)");
WOS_STMT(st_resolve, "SELECT status, body FROM wos_leave_resolve($1::uuid, $2::uuid, $3::uuid, "
                     "$4, $5, $6, $7, now())");
WOS_STMT(st_cancel, "SELECT status, body FROM wos_leave_cancel($1::uuid, $2::uuid, $3::uuid, "
                    "$4, $5)");

static int is_blank(const char *s)
{
    for (; s && *s; s++)
        if (!isspace((unsigned char)*s))
            return 0;
    return 1;
}

/* The filters shared by GET /leaves and its CSV export. */
struct filters {
    const char *status, *user, *from, *to, *type;
};

static int read_filters(struct wos_req *req, struct filters *f)
{
    if (wos_people_query_choice(req, "status", statuses, &f->status) ||
        wos_people_query_uuid(req, "user_id", &f->user) ||
        wos_people_query_date(req, "from", &f->from) || wos_people_query_date(req, "to", &f->to) ||
        wos_people_query_choice(req, "leave_type", leave_types, &f->type))
        return WOS_ERROR;
    return WOS_OK;
}

/* POST /leaves (spec 05 §2) */
int wos_leave_create(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "start_date", .type = WOS_F_STRING, .required = 1, .format = WOS_FMT_DATE},
        {.name = "end_date", .type = WOS_F_STRING, .required = 1, .format = WOS_FMT_DATE},
        {.name = "leave_type", .type = WOS_F_STRING, .required = 1, .choices = leave_types},
        {.name = "reason",
         .type = WOS_F_STRING,
         .required = 1,
         .trim_nonblank = 1,
         .max = REASON_MAX},
        {.name = "is_half_day", .type = WOS_F_BOOL},
        {.name = "half_day_period", .type = WOS_F_STRING, .nullable = 1, .choices = periods},
    };
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id,
                            req->who.user_id,
                            wos_json_str(req, "start_date"),
                            wos_json_str(req, "end_date"),
                            wos_json_str(req, "leave_type"),
                            wos_json_bool(req, "is_half_day", 0) ? "true" : "false",
                            wos_json_str(req, "half_day_period"),
                            wos_json_str(req, "reason"),
                            req->client_ip,
                            req->request_id};
    return wos_people_run(req, &st_create, 10, params, NULL);
}

/* ?limit (1..200, default 50) and ?offset: the paging of GET /users; 422 when out of range. */
static int read_page(struct wos_req *req, const char **limit, const char **offset)
{
    return wos_people_query_int(req, "limit", 50, 1, 200, limit) ||
           wos_people_query_int(req, "offset", 0, 0, 1000000000L, offset);
}

/* GET /leaves/me?limit&offset: {items, total, limit, offset} */
int wos_leave_mine(struct wos_req *req)
{
    const char *limit, *offset;
    if (read_page(req, &limit, &offset))
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, limit, offset};
    return wos_people_run(req, &st_mine, 4, params, NULL);
}

/* GET /leaves?status&user_id&from&to&leave_type&limit&offset */
int wos_leave_list(struct wos_req *req)
{
    struct filters f;
    const char *limit, *offset;
    if (read_filters(req, &f) || wos_people_query_int(req, "limit", 50, 1, 200, &limit) ||
        wos_people_query_int(req, "offset", 0, 0, 1000000, &offset))
        return WOS_OK;
    const char *params[] = {req->who.workspace_id,
                            req->who.user_id,
                            f.status,
                            f.user,
                            f.from,
                            f.to,
                            f.type,
                            limit,
                            offset};
    return wos_people_run(req, &st_list, 9, params, NULL);
}

/* GET /leaves/export: the same filters as CSV (spec 07 §4.4) */
int wos_leave_export(struct wos_req *req)
{
    struct filters f;
    if (read_filters(req, &f))
        return WOS_OK;
    wos_reply_header(req, "Content-Disposition", "attachment; filename=\"leave-requests.csv\"");
    const char *params[] = {
        req->who.workspace_id, req->who.user_id, f.status, f.user, f.from, f.to, f.type};
    return wos_people_run(req, &st_export, 7, params, CSV_TYPE);
}

/* GET /leaves/pending?limit&offset: what waits for my decision, paged */
int wos_leave_pending(struct wos_req *req)
{
    const char *limit, *offset;
    if (read_page(req, &limit, &offset))
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, limit, offset};
    return wos_people_run(req, &st_pending, 4, params, NULL);
}

/* GET /leaves/{id}: the request, its timeline and balance */
int wos_leave_get(struct wos_req *req)
{
    const char *id;
    if (wos_people_path_uuid(req, "id", "Request not found", &id) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, id};
    return wos_people_run(req, &st_get, 3, params, NULL);
}

/* GET /leaves/{id}/timeline */
int wos_leave_timeline(struct wos_req *req)
{
    const char *id;
    if (wos_people_path_uuid(req, "id", "Request not found", &id) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, id};
    return wos_people_run(req, &st_timeline, 3, params, NULL);
}

/* PATCH /leaves/{id}: the requester answers a clarification (spec 05 §5) */
int wos_leave_update(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "start_date", .type = WOS_F_STRING, .format = WOS_FMT_DATE},
        {.name = "end_date", .type = WOS_F_STRING, .format = WOS_FMT_DATE},
        {.name = "leave_type", .type = WOS_F_STRING, .choices = leave_types},
        {.name = "reason", .type = WOS_F_STRING, .trim_nonblank = 1, .max = REASON_MAX},
        {.name = "is_half_day", .type = WOS_F_BOOL},
        {.name = "half_day_period", .type = WOS_F_STRING, .nullable = 1, .choices = periods},
    };
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    const char *id;
    if (wos_people_path_uuid(req, "id", "Request not found", &id) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, id,
                            wos_people_body(req),  req->client_ip,   req->request_id};
    return wos_people_run(req, &st_update, 6, params, NULL);
}

/*
 * PATCH /leaves/{id}/resolve (spec 05 §4). The comment rule is body
 * validation, so it answers 422 before any check of the request itself.
 */
int wos_leave_resolve(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "action", .type = WOS_F_STRING, .required = 1, .choices = actions},
        {.name = "manager_comment", .type = WOS_F_STRING, .nullable = 1, .max = COMMENT_MAX},
    };
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    const char *action = wos_json_str(req, "action");
    const char *comment = wos_json_str(req, "manager_comment");
    if (strcmp(action, "rejected") == 0 && is_blank(comment))
        return wos_reply_invalid(req, "manager_comment", "Rejection reason is required.");
    if (strcmp(action, "escalated") == 0 && is_blank(comment))
        return wos_reply_invalid(req, "manager_comment", "Escalation reason is required.");
    const char *id;
    if (wos_people_path_uuid(req, "id", "Request not found", &id) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, id, action, comment,
                            req->client_ip,        req->request_id};
    return wos_people_run(req, &st_resolve, 7, params, NULL);
}

/* POST /leaves/{id}/cancel: the requester, while pending */
int wos_leave_cancel(struct wos_req *req)
{
    const char *id;
    if (wos_people_path_uuid(req, "id", "Request not found", &id) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, id, req->client_ip,
                            req->request_id};
    return wos_people_run(req, &st_cancel, 5, params, NULL);
}
