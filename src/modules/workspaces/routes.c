/*
 * routes.c (workspaces): every statement names the caller (req->who) as
 * the member, so a workspace the caller does not belong to is invisible:
 * it is not listed, and switching into it answers 404 like an unknown id.
 *
 * Switching keeps the sign-in session but moves it: the session row takes
 * the new workspace (so the old access token, whose ws no longer matches,
 * stops at once), every refresh token of the session is rotated into one
 * new token, and the workspace becomes the user's current one. The list is
 * paged like GET /users (modules/paging.h).
 */
#include "modules/workspaces/workspaces.h"

#include "auth/secret.h"
#include "auth/session.h"
#include "core/config.h"
#include "db/db.h"
#include "http/validate.h"
#include "modules/paging.h"

#include <string.h>

WOS_STMT(stmt_list, "SELECT wos_workspaces_page($1::uuid, $2::uuid, $3::integer, $4::integer)");
WOS_STMT(stmt_create,
         "SELECT wos_workspace_new($1::uuid, $2::uuid, $3, $4, $5::integer, $6::integer, $7, $8)");
WOS_STMT(stmt_switch,
         "SELECT wos_workspace_switch($1::uuid, $2::uuid, $3::uuid, $4, $5::integer, $6, $7, "
         "$8::integer)");

int wos_workspaces_list(struct wos_req *req)
{
    const char *limit, *offset;
    if (wos_page_query(req, WOS_PAGE_DEFAULT, WOS_PAGE_MAX, &limit, &offset) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.user_id, req->who.workspace_id, limit, offset};
    size_t len;
    const char *json = wos_db_json(req, &stmt_list, 4, params, &len);
    return json ? wos_reply_json(req, 200, json, len) : WOS_OK;
}

int wos_workspaces_create(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "name",
         .type = WOS_F_STRING,
         .required = 1,
         .trim_nonblank = 1,
         .min = 1,
         .max = 255},
        {.name = "timezone", .type = WOS_F_STRING, .format = WOS_FMT_TIMEZONE},
    };
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    const struct wos_config *cfg = wos_cfg();
    const char *tz = wos_json_str(req, "timezone");
    const char *params[] = {req->who.user_id,
                            req->who.workspace_id,
                            wos_json_str(req, "name"),
                            tz ? tz : cfg->business_timezone,
                            wos_auth_num(req, cfg->attendance_max_active_hours),
                            wos_auth_num(req, cfg->attendance_auto_close_grace_minutes),
                            req->client_ip,
                            req->request_id};
    size_t len;
    const char *json = wos_db_json(req, &stmt_create, 8, params, &len);
    return json ? wos_reply_json(req, 201, json, len) : WOS_OK;
}

int wos_workspaces_switch(struct wos_req *req)
{
    const char *id = wos_req_param(req, "id");
    if (!id || !wos_valid_uuid(id))
        return wos_reply_error(req, 404, "Workspace not found.", NULL);
    const struct wos_config *cfg = wos_cfg();
    char refresh[WOS_SECRET_TEXT_SIZE], refresh_hash[WOS_SHA256_HEX_SIZE];
    if (wos_secret_pair(refresh, refresh_hash) != WOS_OK)
        return wos_reply_internal(req, "no randomness for a refresh token");
    const char *params[] = {req->who.session_id,
                            req->who.user_id,
                            id,
                            refresh_hash,
                            wos_auth_num(req, cfg->refresh_token_expire_days),
                            req->client_ip,
                            wos_auth_user_agent(req),
                            wos_auth_num(req, cfg->online_presence_ttl_seconds)};
    PGresult *r = wos_db_exec(req, &stmt_switch, 8, params);
    json_t *o = r ? wos_auth_outcome(req, r) : NULL;
    int rc = WOS_OK;
    if (o) {
        long status = wos_auth_outcome_status(o);
        if (status == 200) {
            rc = wos_auth_reply_tokens(req, 200, o, refresh);
        } else if (status == 401) {
            wos_reply_header(req, "WWW-Authenticate", "Bearer");
            rc = wos_reply_error(req, 401, "Your session has ended. Please sign in again.", NULL);
        } else {
            rc = wos_reply_error(req, 404, "Workspace not found.", NULL);
        }
    }
    explicit_bzero(refresh, sizeof(refresh));
    return rc;
}
