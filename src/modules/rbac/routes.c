/*
 * routes.c (rbac): GET /permissions, /permissions/role/{role},
 * /permissions/user/{user_id}; PUT /permissions/roles/{role} (bundle);
 * POST/PATCH/DELETE of custom roles; POST /permissions/user-override;
 * GET/PATCH /users/{id}/permissions.
 *
 * Nothing is cached: the principal check reads bundles and overrides on
 * every request, so a change applies to the member's next request. Changes
 * are audited with old and new values by the SQL functions.
 */
#include "modules/rbac/rbac.h"
#include "modules/users/people.h"

#include "core/common.h"
#include "http/validate.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

WOS_STMT(stmt_catalogue, "SELECT wos_rbac_catalogue($1::uuid)");
WOS_STMT(stmt_role_keys, WOS_OUTCOME_SQL("wos_role_keys($1::uuid, $2)"));
WOS_STMT(stmt_bundle,
         WOS_OUTCOME_SQL("wos_role_bundle_set($1::uuid, $2::uuid, $3, $4::jsonb, $5, $6)"));
WOS_STMT(stmt_role_create,
         WOS_OUTCOME_SQL("wos_role_create($1::uuid, $2::uuid, $3::jsonb, $4, $5)"));
WOS_STMT(stmt_role_update,
         WOS_OUTCOME_SQL("wos_role_update($1::uuid, $2::uuid, $3, $4::jsonb, $5, $6)"));
WOS_STMT(stmt_role_delete, WOS_OUTCOME_SQL("wos_role_delete($1::uuid, $2::uuid, $3, $4, $5)"));
WOS_STMT(stmt_override, WOS_OUTCOME_SQL("wos_permission_override_set($1::uuid, $2::uuid, "
                                        "$3::uuid, $4, $5::boolean, $6, $7)"));
WOS_STMT(stmt_user_keys, WOS_OUTCOME_SQL("wos_member_permission_keys($1::uuid, $2::uuid)"));
WOS_STMT(stmt_member_get, WOS_OUTCOME_SQL("wos_member_permissions_get($1::uuid, $2::uuid)"));
WOS_STMT(stmt_member_set,
         WOS_OUTCOME_SQL("wos_member_permissions_set($1::uuid, $2::uuid, $3::uuid, "
                         "$4::jsonb, $5::jsonb, $6, $7)"));

#define MAX_KEYS 200

/* Every item of array field `name` (when present) must be a short string. WOS_ERROR after 422. */
static int keys_only(struct wos_req *req, const char *name)
{
    const json_t *arr = json_object_get(req->json, name);
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v) || json_string_length(v) > 100) {
            wos_reply_invalid(req, name, "Must be a list of permission keys.");
            return WOS_ERROR;
        }
    }
    return WOS_OK;
}

/* A role name from the path: anything longer than a role name can be is no role. */
static const char *role_param(struct wos_req *req)
{
    const char *role = wos_req_param(req, "role");
    if (!role || strlen(role) > 50) {
        wos_reply_error(req, 404, "Role not found", NULL);
        return NULL;
    }
    return role;
}

static const char *json_text(struct wos_req *req, const char *name)
{
    const json_t *v = json_object_get(req->json, name);
    char *s = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    const char *copy = s ? wos_arena_strdup(req->arena, s) : NULL;
    free(s);
    return copy ? copy : "[]";
}

int wos_rbac_catalogue(struct wos_req *req)
{
    const char *params[] = {req->who.workspace_id};
    return wos_people_reply_json(req, &stmt_catalogue, 1, params);
}

int wos_rbac_role_keys(struct wos_req *req)
{
    const char *role = role_param(req);
    if (!role)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, role};
    return wos_people_reply_outcome(req, &stmt_role_keys, 2, params);
}

int wos_rbac_role_bundle(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "permission_keys", .type = WOS_F_ARRAY, .required = 1, .max = MAX_KEYS},
    };
    const char *role = role_param(req);
    if (!role || wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK ||
        keys_only(req, "permission_keys") != WOS_OK)
        return WOS_OK;
    const char *params[] = {
        req->who.workspace_id, req->who.user_id, role, json_text(req, "permission_keys"),
        req->client_ip,        req->request_id};
    return wos_people_reply_outcome(req, &stmt_bundle, 6, params);
}

int wos_rbac_role_create(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "name", .type = WOS_F_STRING, .required = 1, .min = 1, .max = 50},
        {.name = "label",
         .type = WOS_F_STRING,
         .required = 1,
         .trim_nonblank = 1,
         .min = 1,
         .max = 100},
        {.name = "description", .type = WOS_F_STRING, .nullable = 1, .max = 1000},
        {.name = "rank", .type = WOS_F_INT, .required = 1, .min = 0, .max = 5},
        {.name = "permission_keys", .type = WOS_F_ARRAY, .max = MAX_KEYS},
    };
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK ||
        keys_only(req, "permission_keys") != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, wos_people_body(req),
                            req->client_ip, req->request_id};
    return wos_people_reply_outcome(req, &stmt_role_create, 5, params);
}

int wos_rbac_role_update(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "name", .type = WOS_F_STRING, .min = 1, .max = 50},
        {.name = "label", .type = WOS_F_STRING, .trim_nonblank = 1, .min = 1, .max = 100},
        {.name = "description", .type = WOS_F_STRING, .nullable = 1, .max = 1000},
        {.name = "rank", .type = WOS_F_INT, .min = 0, .max = 5},
    };
    const char *role = role_param(req);
    if (!role || wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, role,
                            wos_people_body(req),  req->client_ip,   req->request_id};
    return wos_people_reply_outcome(req, &stmt_role_update, 6, params);
}

int wos_rbac_role_delete(struct wos_req *req)
{
    const char *role = role_param(req);
    if (!role)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, req->who.user_id, role, req->client_ip,
                            req->request_id};
    return wos_people_reply_outcome(req, &stmt_role_delete, 5, params);
}

int wos_rbac_override(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "user_id", .type = WOS_F_STRING, .required = 1, .format = WOS_FMT_UUID},
        {.name = "permission_key", .type = WOS_F_STRING, .required = 1, .min = 1, .max = 100},
        {.name = "granted", .type = WOS_F_BOOL},
    };
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id,
                            req->who.user_id,
                            wos_json_str(req, "user_id"),
                            wos_json_str(req, "permission_key"),
                            wos_json_bool(req, "granted", 1) ? "true" : "false",
                            req->client_ip,
                            req->request_id};
    return wos_people_reply_outcome(req, &stmt_override, 7, params);
}

int wos_rbac_user_keys(struct wos_req *req)
{
    const char *id;
    if (wos_people_path_uuid(req, "user_id", "User not found", &id) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, id};
    return wos_people_reply_outcome(req, &stmt_user_keys, 2, params);
}

int wos_rbac_member_get(struct wos_req *req)
{
    const char *id;
    if (wos_people_path_uuid(req, "id", "User not found", &id) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id, id};
    return wos_people_reply_outcome(req, &stmt_member_get, 2, params);
}

int wos_rbac_member_set(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "extra_grants", .type = WOS_F_ARRAY, .required = 1, .max = MAX_KEYS},
        {.name = "extra_denies", .type = WOS_F_ARRAY, .required = 1, .max = MAX_KEYS},
    };
    const char *id;
    if (wos_people_path_uuid(req, "id", "User not found", &id) != WOS_OK)
        return WOS_OK;
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK ||
        keys_only(req, "extra_grants") != WOS_OK || keys_only(req, "extra_denies") != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.workspace_id,
                            req->who.user_id,
                            id,
                            json_text(req, "extra_grants"),
                            json_text(req, "extra_denies"),
                            req->client_ip,
                            req->request_id};
    return wos_people_reply_outcome(req, &stmt_member_set, 7, params);
}
