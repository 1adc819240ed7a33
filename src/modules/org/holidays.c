/*
 * holidays.c: the workspace's holiday calendar (spec 03 §6). One holiday per
 * date (409 on a second); deleting deactivates. "Upcoming" counts from today
 * in the workspace's timezone unless from_date says otherwise. The full
 * lists (all, active) are paged like GET /users (modules/paging.h); upcoming
 * has its own small limit.
 */
#include "modules/org/org.h"
#include "modules/paging.h"
#include "modules/users/people.h"

#include "core/common.h"
#include "http/validate.h"

WOS_STMT(stmt_list, "SELECT wos_holidays_list($1::uuid, $2, $3::date, $4::integer)");
WOS_STMT(stmt_page, "SELECT wos_holidays_page($1::uuid, $2::boolean, $3::integer, $4::integer)");
WOS_STMT(stmt_create, WOS_OUTCOME_SQL("wos_holiday_create($1::uuid, $2::uuid, $3::jsonb, $4, $5)"));
WOS_STMT(stmt_update, WOS_OUTCOME_SQL("wos_holiday_update($1::uuid, $2::uuid, $3::uuid, "
                                      "$4::jsonb, $5, $6)"));
WOS_STMT(stmt_delete, WOS_OUTCOME_SQL("wos_holiday_delete($1::uuid, $2::uuid, $3::uuid, $4, $5)"));

#define NOT_FOUND "Holiday not found"

static int list(struct wos_req *req, const char *mode, const char *from, const char *limit)
{
    const char *params[] = {req->who.workspace_id, mode, from, limit};
    return wos_people_reply_json(req, &stmt_list, 4, params);
}

static int page(struct wos_req *req, const char *only_active)
{
    const char *limit, *offset;
    if (wos_page_query(req, WOS_PAGE_DEFAULT, WOS_PAGE_MAX, &limit, &offset) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, only_active, limit, offset};
    return wos_people_reply_json(req, &stmt_page, 4, params);
}

int wos_holidays_list(struct wos_req *req)
{
    return page(req, "false");
}

int wos_holidays_active(struct wos_req *req)
{
    return page(req, "true");
}

int wos_holidays_upcoming(struct wos_req *req)
{
    const char *limit;
    const char *from = wos_req_query(req, "from_date");
    if (wos_people_query_int(req, "limit", 5, 1, 50, &limit) != WOS_OK)
        return WOS_OK;
    if (from && *from && !wos_valid_date(from))
        return wos_reply_invalid(req, "from_date", "Enter a valid date (YYYY-MM-DD).");
    return list(req, "upcoming", from && *from ? from : NULL, limit);
}

static const struct wos_field create_fields[] = {
    {.name = "name", .type = WOS_F_STRING, .required = 1, .trim_nonblank = 1, .min = 1, .max = 100},
    {.name = "description", .type = WOS_F_STRING, .nullable = 1, .max = 255},
    {.name = "holiday_date", .type = WOS_F_STRING, .required = 1, .format = WOS_FMT_DATE},
    {.name = "is_active", .type = WOS_F_BOOL},
};

static const struct wos_field update_fields[] = {
    {.name = "name", .type = WOS_F_STRING, .trim_nonblank = 1, .min = 1, .max = 100},
    {.name = "description", .type = WOS_F_STRING, .nullable = 1, .max = 255},
    {.name = "holiday_date", .type = WOS_F_STRING, .format = WOS_FMT_DATE},
    {.name = "is_active", .type = WOS_F_BOOL},
};

int wos_holidays_create(struct wos_req *req)
{
    if (wos_validate_body(req, create_fields, WOS_ARRAY_LEN(create_fields)) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, wos_people_body(req),
                            req->client_ip, req->request_id};
    return wos_people_reply_outcome(req, &stmt_create, 5, params);
}

int wos_holidays_update(struct wos_req *req)
{
    const char *id;
    if (wos_people_path_uuid(req, "id", NOT_FOUND, &id) != WOS_OK)
        return WOS_OK;
    if (wos_validate_body(req, update_fields, WOS_ARRAY_LEN(update_fields)) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, id,
                            wos_people_body(req),  req->client_ip,   req->request_id};
    return wos_people_reply_outcome(req, &stmt_update, 6, params);
}

int wos_holidays_delete(struct wos_req *req)
{
    const char *id;
    if (wos_people_path_uuid(req, "id", NOT_FOUND, &id) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, id, req->client_ip,
                            req->request_id};
    return wos_people_reply_outcome(req, &stmt_delete, 5, params);
}
