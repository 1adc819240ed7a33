/*
 * departments.c: departments of the workspace (spec 03 §4). A head must be
 * an active member with a management role; names are unique per workspace
 * regardless of case (409); deleting deactivates, and is refused (409, with
 * the count) while members still belong to the department. The lists (all,
 * active, members of one) are paged like GET /users (modules/paging.h).
 */
#include "modules/org/org.h"
#include "modules/paging.h"
#include "modules/users/people.h"

#include "core/common.h"
#include "http/validate.h"

WOS_STMT(stmt_list, "SELECT wos_departments_page($1::uuid, $2::boolean, $3::integer, $4::integer)");
WOS_STMT(stmt_get, WOS_OUTCOME_SQL("wos_department_get($1::uuid, $2::uuid)"));
WOS_STMT(stmt_members, WOS_OUTCOME_SQL("wos_department_members_page($1::uuid, $2::uuid, "
                                       "$3::integer, $4::integer)"));
WOS_STMT(stmt_create,
         WOS_OUTCOME_SQL("wos_department_create($1::uuid, $2::uuid, $3::jsonb, $4, $5)"));
WOS_STMT(stmt_update, WOS_OUTCOME_SQL("wos_department_update($1::uuid, $2::uuid, $3::uuid, "
                                      "$4::jsonb, $5, $6)"));
WOS_STMT(stmt_delete,
         WOS_OUTCOME_SQL("wos_department_delete($1::uuid, $2::uuid, $3::uuid, $4, $5)"));

#define NOT_FOUND "Department not found"

static int list(struct wos_req *req, const char *only_active)
{
    const char *limit, *offset;
    if (wos_page_query(req, WOS_PAGE_DEFAULT, WOS_PAGE_MAX, &limit, &offset) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, only_active, limit, offset};
    return wos_people_reply_json(req, &stmt_list, 4, params);
}

int wos_departments_list(struct wos_req *req)
{
    const char *only_active;
    if (wos_people_query_bool(req, "only_active", 0, &only_active) != WOS_OK)
        return WOS_OK;
    return list(req, only_active);
}

int wos_departments_active(struct wos_req *req)
{
    return list(req, "true");
}

static int by_id(struct wos_req *req, struct wos_stmt *stmt)
{
    const char *id;
    if (wos_people_path_uuid(req, "id", NOT_FOUND, &id) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, id};
    return wos_people_reply_outcome(req, stmt, 2, params);
}

int wos_departments_get(struct wos_req *req)
{
    return by_id(req, &stmt_get);
}

int wos_departments_members(struct wos_req *req)
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
    {.name = "head_id", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_UUID},
    {.name = "admin_id", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_UUID},
    {.name = "is_active", .type = WOS_F_BOOL},
};

int wos_departments_create(struct wos_req *req)
{
    if (wos_validate_body(req, create_fields, WOS_ARRAY_LEN(create_fields)) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, wos_people_body(req),
                            req->client_ip, req->request_id};
    return wos_people_reply_outcome(req, &stmt_create, 5, params);
}

/* The same fields, none required: a partial update. */
static const struct wos_field update_fields[] = {
    {.name = "name", .type = WOS_F_STRING, .trim_nonblank = 1, .min = 1, .max = 100},
    {.name = "description", .type = WOS_F_STRING, .nullable = 1, .max = 255},
    {.name = "head_id", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_UUID},
    {.name = "admin_id", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_UUID},
    {.name = "is_active", .type = WOS_F_BOOL},
};

int wos_departments_update(struct wos_req *req)
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

int wos_departments_delete(struct wos_req *req)
{
    const char *id;
    if (wos_people_path_uuid(req, "id", NOT_FOUND, &id) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, id, req->client_ip,
                            req->request_id};
    return wos_people_reply_outcome(req, &stmt_delete, 5, params);
}
