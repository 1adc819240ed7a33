/*
 * shifts.c: work shifts (spec 03 §5). Start and end are local times of the
 * shift's IANA timezone; an end earlier than the start crosses midnight, an
 * end equal to the start is refused. Working days are ISO weekday numbers.
 * Deleting deactivates, refused (409, with the count) while members are
 * assigned; assigning sets or clears one member's shift. The lists (shifts,
 * members of one) are paged like GET /users (modules/paging.h).
 */
#include "modules/org/org.h"
#include "modules/paging.h"
#include "modules/users/people.h"

#include "core/common.h"
#include "http/validate.h"

WOS_STMT(stmt_list, "SELECT wos_shifts_page($1::uuid, $2::boolean, $3::integer, $4::integer)");
WOS_STMT(stmt_get, WOS_OUTCOME_SQL("wos_shift_get($1::uuid, $2::uuid)"));
WOS_STMT(stmt_members, WOS_OUTCOME_SQL("wos_shift_members_page($1::uuid, $2::uuid, "
                                       "$3::integer, $4::integer)"));
WOS_STMT(stmt_create, WOS_OUTCOME_SQL("wos_shift_create($1::uuid, $2::uuid, $3::jsonb, $4, $5)"));
WOS_STMT(stmt_update, WOS_OUTCOME_SQL("wos_shift_update($1::uuid, $2::uuid, $3::uuid, "
                                      "$4::jsonb, $5, $6)"));
WOS_STMT(stmt_delete, WOS_OUTCOME_SQL("wos_shift_delete($1::uuid, $2::uuid, $3::uuid, $4, $5)"));
WOS_STMT(stmt_assign, WOS_OUTCOME_SQL("wos_shift_assign($1::uuid, $2::uuid, $3::uuid, "
                                      "$4::uuid, $5, $6)"));

#define NOT_FOUND "Shift not found"

/*
 * Working days as the API takes them: a comma-separated list of ISO weekday
 * numbers 1 (Monday) to 7, at least one, no repeats, no blanks. 1 when valid.
 */
static int working_days_valid(const char *s)
{
    int seen[8] = {0};
    int count = 0;
    for (const char *p = s;; p += 2) {
        if (p[0] < '1' || p[0] > '7' || seen[p[0] - '0'])
            return 0;
        seen[p[0] - '0'] = 1;
        count++;
        if (p[1] == '\0')
            return count > 0;
        if (p[1] != ',')
            return 0;
    }
}

int wos_shifts_list(struct wos_req *req)
{
    const char *only_active, *limit, *offset;
    if (wos_people_query_bool(req, "only_active", 0, &only_active) != WOS_OK ||
        wos_page_query(req, WOS_PAGE_DEFAULT, WOS_PAGE_MAX, &limit, &offset) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, only_active, limit, offset};
    return wos_people_reply_json(req, &stmt_list, 4, params);
}

static int by_id(struct wos_req *req, struct wos_stmt *stmt)
{
    const char *id;
    if (wos_people_path_uuid(req, "id", NOT_FOUND, &id) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, id};
    return wos_people_reply_outcome(req, stmt, 2, params);
}

int wos_shifts_get(struct wos_req *req)
{
    return by_id(req, &stmt_get);
}

int wos_shifts_members(struct wos_req *req)
{
    const char *id, *limit, *offset;
    if (wos_people_path_uuid(req, "id", NOT_FOUND, &id) != WOS_OK ||
        wos_page_query(req, WOS_PAGE_DEFAULT, WOS_PAGE_MAX, &limit, &offset) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, id, limit, offset};
    return wos_people_reply_outcome(req, &stmt_members, 4, params);
}

static const struct wos_field create_fields[] = {
    {.name = "name", .type = WOS_F_STRING, .required = 1, .trim_nonblank = 1, .min = 1, .max = 100},
    {.name = "description", .type = WOS_F_STRING, .nullable = 1, .max = 255},
    {.name = "start_time", .type = WOS_F_STRING, .required = 1, .format = WOS_FMT_TIME},
    {.name = "end_time", .type = WOS_F_STRING, .required = 1, .format = WOS_FMT_TIME},
    {.name = "timezone", .type = WOS_F_STRING, .format = WOS_FMT_TIMEZONE},
    {.name = "grace_period_minutes", .type = WOS_F_INT, .min = 0, .max = 240},
    {.name = "working_days", .type = WOS_F_STRING, .min = 1, .max = 13},
    {.name = "is_active", .type = WOS_F_BOOL},
};

/* The same fields, none required: a partial update. */
static const struct wos_field update_fields[] = {
    {.name = "name", .type = WOS_F_STRING, .trim_nonblank = 1, .min = 1, .max = 100},
    {.name = "description", .type = WOS_F_STRING, .nullable = 1, .max = 255},
    {.name = "start_time", .type = WOS_F_STRING, .format = WOS_FMT_TIME},
    {.name = "end_time", .type = WOS_F_STRING, .format = WOS_FMT_TIME},
    {.name = "timezone", .type = WOS_F_STRING, .format = WOS_FMT_TIMEZONE},
    {.name = "grace_period_minutes", .type = WOS_F_INT, .min = 0, .max = 240},
    {.name = "working_days", .type = WOS_F_STRING, .min = 1, .max = 13},
    {.name = "is_active", .type = WOS_F_BOOL},
};

/* The checks the declarative validator cannot express. WOS_ERROR after replying 422. */
static int check_working_days(struct wos_req *req)
{
    const char *days = wos_json_str(req, "working_days");
    if (days && !working_days_valid(days)) {
        wos_reply_invalid(req, "working_days",
                          "Use ISO weekday numbers 1 (Monday) to 7 separated by commas, "
                          "such as 1,2,3,4,5.");
        return WOS_ERROR;
    }
    return WOS_OK;
}

int wos_shifts_create(struct wos_req *req)
{
    if (wos_validate_body(req, create_fields, WOS_ARRAY_LEN(create_fields)) != WOS_OK ||
        check_working_days(req) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, wos_people_body(req),
                            req->client_ip, req->request_id};
    return wos_people_reply_outcome(req, &stmt_create, 5, params);
}

int wos_shifts_update(struct wos_req *req)
{
    const char *id;
    if (wos_people_path_uuid(req, "id", NOT_FOUND, &id) != WOS_OK)
        return WOS_OK;
    if (wos_validate_body(req, update_fields, WOS_ARRAY_LEN(update_fields)) != WOS_OK ||
        check_working_days(req) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, id,
                            wos_people_body(req),  req->client_ip,   req->request_id};
    return wos_people_reply_outcome(req, &stmt_update, 6, params);
}

int wos_shifts_delete(struct wos_req *req)
{
    const char *id;
    if (wos_people_path_uuid(req, "id", NOT_FOUND, &id) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, id, req->client_ip,
                            req->request_id};
    return wos_people_reply_outcome(req, &stmt_delete, 5, params);
}

int wos_shifts_assign(struct wos_req *req)
{
    const char *user, *shift;
    if (wos_people_path_uuid(req, "user_id", "User not found", &user) != WOS_OK ||
        wos_people_query_uuid(req, "shift_id", &shift) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, user, shift,
                            req->client_ip,        req->request_id};
    return wos_people_reply_outcome(req, &stmt_assign, 6, params);
}
