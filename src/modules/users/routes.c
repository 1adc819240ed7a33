/*
 * routes.c (users): GET /users, /users/directory, /users/{id}, PATCH
 * /users/{id}, and suspend / deactivate (DELETE) / activate.
 *
 * Scope, field whitelists, the rank rule, last-admin and self-lockout
 * checks, session revocation and the audit rows are all in the SQL
 * functions wos_member_* (migration 0005): each route is one round trip.
 * A member outside the caller's scope is 404, never 403.
 *
 * PATCH authorises before it validates (spec 00 §4.3): a caller who may not
 * edit the target at all gets 403 (and an audit row naming the fields they
 * tried) whatever the body holds, so only callers who may edit someone
 * (admin, HR, or the member themself) have their body validated here.
 */
#include "modules/users/users.h"
#include "modules/users/people.h"

#include "core/common.h"
#include "http/validate.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

WOS_STMT(stmt_list, "SELECT wos_members_list($1::uuid, $2::uuid, $3, $4::uuid, $5::uuid, "
                    "$6::uuid, $7, $8, $9, $10, $11::boolean, $12::integer, $13::integer, "
                    "$14::integer)");
WOS_STMT(stmt_directory, "SELECT wos_members_directory($1::uuid, $2, $3, $4::integer, "
                         "$5::integer)");
WOS_STMT(stmt_get, WOS_OUTCOME_SQL("wos_member_get($1::uuid, $2::uuid, $3::uuid, $4::integer)"));
WOS_STMT(stmt_update, WOS_OUTCOME_SQL("wos_member_update($1::uuid, $2::uuid, $3::uuid, "
                                      "$4::jsonb, $5::integer, $6, $7)"));
WOS_STMT(stmt_status, WOS_OUTCOME_SQL("wos_member_set_status($1::uuid, $2::uuid, $3::uuid, $4, "
                                      "$5, $6::integer, $7, $8)"));

static const char *const member_statuses[] = {"active", "inactive", "suspended", "invited", NULL};

int wos_users_list(struct wos_req *req)
{
    static const char *const sorts[] = {"full_name",       "email",      "role", "status",
                                        "department_name", "created_at", NULL};
    static const char *const orders[] = {"asc", "desc", NULL};
    const char *role, *dept_id, *shift_id, *manager_id, *status, *dept, *search, *sort, *order,
        *limit, *offset;
    if (wos_people_query_text(req, "role", 50, &role) != WOS_OK ||
        wos_people_query_uuid(req, "department_id", &dept_id) != WOS_OK ||
        wos_people_query_uuid(req, "shift_id", &shift_id) != WOS_OK ||
        wos_people_query_uuid(req, "manager_id", &manager_id) != WOS_OK ||
        wos_people_query_choice(req, "status", member_statuses, &status) != WOS_OK ||
        wos_people_query_text(req, "department", 255, &dept) != WOS_OK ||
        wos_people_query_text(req, "search", 100, &search) != WOS_OK ||
        wos_people_query_choice(req, "sort", sorts, &sort) != WOS_OK ||
        wos_people_query_choice(req, "order", orders, &order) != WOS_OK ||
        wos_people_query_int(req, "limit", 50, 1, 200, &limit) != WOS_OK ||
        wos_people_query_int(req, "offset", 0, 0, 1000000000, &offset) != WOS_OK)
        return WOS_OK;
    const char *desc = order && strcmp(order, "desc") == 0 ? "true" : "false";
    const char *params[] = {req->who.workspace_id,
                            req->who.user_id,
                            role,
                            dept_id,
                            shift_id,
                            manager_id,
                            status,
                            dept,
                            search,
                            sort ? sort : "full_name",
                            desc,
                            limit,
                            offset,
                            wos_people_online_ttl(req)};
    return wos_people_reply_json(req, &stmt_list, 14, params);
}

int wos_users_directory(struct wos_req *req)
{
    const char *search, *role, *limit, *offset;
    if (wos_people_query_text(req, "search", 100, &search) != WOS_OK ||
        wos_people_query_text(req, "role", 50, &role) != WOS_OK ||
        wos_people_query_int(req, "limit", 100, 1, 500, &limit) != WOS_OK ||
        wos_people_query_int(req, "offset", 0, 0, 1000000000, &offset) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, search, role, limit, offset};
    return wos_people_reply_json(req, &stmt_directory, 5, params);
}

int wos_users_get(struct wos_req *req)
{
    const char *id;
    if (wos_people_path_uuid(req, "id", "User not found", &id) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, id,
                            wos_people_online_ttl(req)};
    return wos_people_reply_outcome(req, &stmt_get, 4, params);
}

static void release_json(void *p)
{
    json_decref(p);
}

/*
 * The body of a caller who may not edit the target: only its field names
 * matter (they are audited), so anything that is not a JSON object counts as
 * no fields. Returns JSON text in the arena.
 */
static const char *requested_fields_only(struct wos_req *req)
{
    json_t *root = json_loadb(req->body.data ? req->body.data : "", req->body.len,
                              JSON_REJECT_DUPLICATES, NULL);
    /* on_free releases root at once when it cannot register the hook */
    if (!root || wos_arena_on_free(req->arena, release_json, root) != WOS_OK)
        return "{}";
    json_t *keys = json_object();
    const char *key;
    json_t *value;
    if (json_is_object(root)) {
        json_object_foreach(root, key, value)
        {
            json_object_set_new(keys, key, json_null());
        }
    }
    char *s = json_dumps(keys, JSON_COMPACT);
    json_decref(keys);
    const char *copy = s ? wos_arena_strdup(req->arena, s) : NULL;
    free(s);
    return copy ? copy : "{}";
}

/* Admin and HR may try to edit anyone in scope; everyone else only themself. */
static int may_edit(const struct wos_req *req, const char *target)
{
    return strcmp(target, req->who.user_id) == 0 || strcmp(req->who.role, "admin") == 0 ||
           strcmp(req->who.role, "hr_operations") == 0;
}

int wos_users_update(struct wos_req *req)
{
    static const char *const statuses[] = {"active", "inactive", "suspended", NULL};
    static const struct wos_field fields[] = {
        {.name = "full_name", .type = WOS_F_STRING, .trim_nonblank = 1, .min = 1, .max = 255},
        {.name = "phone", .type = WOS_F_STRING, .nullable = 1, .max = 50},
        {.name = "department", .type = WOS_F_STRING, .nullable = 1, .max = 255},
        {.name = "department_id", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_UUID},
        {.name = "shift_id", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_UUID},
        {.name = "designation", .type = WOS_F_STRING, .nullable = 1, .max = 255},
        {.name = "manager_id", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_UUID},
        {.name = "status", .type = WOS_F_STRING, .choices = statuses},
        {.name = "role", .type = WOS_F_STRING, .min = 1, .max = 50},
    };
    const char *id, *body;
    if (wos_people_path_uuid(req, "id", "User not found", &id) != WOS_OK)
        return WOS_OK;
    if (may_edit(req, id)) {
        if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
            return WOS_OK;
        body = wos_people_body(req);
    } else {
        body = requested_fields_only(req);
    }
    const char *params[] = {
        req->who.workspace_id, req->who.user_id, id, body, wos_people_online_ttl(req),
        req->client_ip,        req->request_id};
    return wos_people_reply_outcome(req, &stmt_update, 7, params);
}

static int set_status(struct wos_req *req, const char *status, const char *reason)
{
    const char *id;
    if (wos_people_path_uuid(req, "id", "User not found", &id) != WOS_OK)
        return WOS_OK;
    const char *params[] = {
        req->who.workspace_id, req->who.user_id, id, status, reason, wos_people_online_ttl(req),
        req->client_ip,        req->request_id};
    return wos_people_reply_outcome(req, &stmt_status, 8, params);
}

int wos_users_deactivate(struct wos_req *req)
{
    return set_status(req, "inactive", NULL);
}

int wos_users_suspend(struct wos_req *req)
{
    const char *reason;
    if (wos_people_query_text(req, "reason", 500, &reason) != WOS_OK)
        return WOS_OK;
    return set_status(req, "suspended", reason);
}

int wos_users_activate(struct wos_req *req)
{
    return set_status(req, "active", NULL);
}
