/*
 * sessions.c: sign-in and sign-out (spec 02 §3, §5, §6).
 *
 * A sign-in is an auth_sessions row (the refresh family; its id is the access
 * token's sid) with a chain of refresh tokens, each 256 random bits given to
 * the client once and stored as SHA-256 hex. Login takes two round trips
 * because the bcrypt check happens in C between them: the first returns the
 * rate-limit verdict and the account's hash, the second records the result
 * (counters, audit, session) in one statement. An unknown e-mail is verified
 * against a dummy hash of the same cost, so it costs the same time as a
 * wrong password, and both answer the same 401. GET /auth/sessions is paged
 * like GET /users (modules/paging.h).
 */
#include "modules/auth/auth_module.h"

#include "auth/password.h"
#include "auth/secret.h"
#include "auth/session.h"
#include "core/config.h"
#include "db/db.h"
#include "http/validate.h"
#include "modules/paging.h"

#include <string.h>

WOS_STMT(stmt_login_begin, "SELECT wos_auth_login_begin($1, $2)");
WOS_STMT(stmt_login_finish,
         "SELECT wos_auth_login_finish($1, $2::uuid, $3::boolean, $4, $5, $6, $7::integer, "
         "$8::integer, $9::integer, $10::integer, $11)");
WOS_STMT(stmt_refresh, "SELECT wos_auth_refresh($1, $2, $3::integer, $4, $5, $6)");
WOS_STMT(stmt_logout, "SELECT wos_auth_logout($1::uuid, $2::uuid, $3::uuid, $4, $5, $6)");
WOS_STMT(stmt_logout_all, "SELECT wos_auth_logout_all($1::uuid, $2::uuid, $3, $4)");
WOS_STMT(stmt_sessions,
         "SELECT wos_auth_sessions_page($1::uuid, $2::uuid, $3::integer, $4::integer)");
WOS_STMT(stmt_session_revoke,
         "SELECT wos_auth_session_revoke($1::uuid, $2::uuid, $3::uuid, $4, $5)");
WOS_STMT(stmt_permissions,
         "SELECT json_build_object('user_id', $2::uuid, 'workspace_id', $1::uuid, 'role', "
         "wos_auth_member_role($1::uuid, $2::uuid), 'permissions', "
         "wos_permission_keys($1::uuid, $2::uuid))");

static int reply_bad_credentials(struct wos_req *req)
{
    wos_reply_header(req, "WWW-Authenticate", "Bearer");
    return wos_reply_error(req, 401, "Invalid email or password.", NULL);
}

/* 403 for an account or membership that may not sign in; details carry the machine reason. */
static int reply_blocked(struct wos_req *req, const char *reason)
{
    static const struct {
        const char *reason, *message;
    } blocked[] = {
        {"inactive", "Account is deactivated."},
        {"suspended", "Account is suspended. Please contact your administrator."},
        {"invited", "Account is not yet activated. Please check your email for the invitation "
                    "link."},
        {"no_workspace", "You are not an active member of any workspace."},
    };
    const char *message = "Account cannot sign in.";
    for (size_t i = 0; i < WOS_ARRAY_LEN(blocked); i++)
        if (reason && strcmp(reason, blocked[i].reason) == 0)
            message = blocked[i].message;
    json_t *details = json_pack("[{s:s, s:s, s:s}]", "field", "account", "message", message,
                                "reason", reason ? reason : "blocked");
    return wos_reply_error(req, 403, message, details);
}

int wos_auth_login(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "email", .type = WOS_F_STRING, .required = 1, .max = 255, .format = WOS_FMT_EMAIL},
        {.name = "password", .type = WOS_F_STRING, .required = 1, .min = 1, .max = 1024},
    };
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    const struct wos_config *cfg = wos_cfg();
    const char *email = wos_json_str(req, "email"), *password = wos_json_str(req, "password");

    const char *p1[] = {email, req->client_ip};
    PGresult *r = wos_db_exec(req, &stmt_login_begin, 2, p1);
    json_t *o = r ? wos_auth_outcome(req, r) : NULL;
    if (!o)
        return WOS_OK;
    long wait = (long)json_integer_value(json_object_get(o, "retry_after"));
    if (wait > 0)
        return wos_auth_reply_limited(req, wait);
    const char *user_id = wos_auth_outcome_str(o, "user_id");
    const char *hash = wos_auth_outcome_str(o, "password_hash");
    /* Same work whether or not the account exists; a password bcrypt would cut never matches. */
    int ok = wos_password_verify(password, user_id && hash ? hash : wos_auth_dummy_hash());
    ok = ok && user_id && strlen(password) <= WOS_PASSWORD_MAX_BYTES;

    char refresh[WOS_SECRET_TEXT_SIZE], refresh_hash[WOS_SHA256_HEX_SIZE];
    if (wos_secret_pair(refresh, refresh_hash) != WOS_OK)
        return wos_reply_internal(req, "no randomness for a refresh token");
    const char *p2[] = {email,
                        user_id,
                        ok ? "true" : "false",
                        req->client_ip,
                        wos_auth_user_agent(req),
                        refresh_hash,
                        wos_auth_num(req, cfg->refresh_token_expire_days),
                        wos_auth_num(req, cfg->auth_login_max_attempts),
                        wos_auth_num(req, cfg->auth_login_window_seconds),
                        wos_auth_num(req, cfg->online_presence_ttl_seconds),
                        req->request_id};
    r = wos_db_exec(req, &stmt_login_finish, 11, p2);
    o = r ? wos_auth_outcome(req, r) : NULL;
    int rc = WOS_OK;
    if (o) {
        switch (wos_auth_outcome_status(o)) {
        case 200:
            rc = wos_auth_reply_tokens(req, 200, o, refresh);
            break;
        case 403:
            rc = reply_blocked(req, wos_auth_outcome_str(o, "reason"));
            break;
        case 429:
            rc = wos_auth_reply_limited(
                req, (long)json_integer_value(json_object_get(o, "retry_after")));
            break;
        default:
            rc = reply_bad_credentials(req);
        }
    }
    explicit_bzero(refresh, sizeof(refresh));
    return rc;
}

static int reply_bad_refresh(struct wos_req *req)
{
    wos_reply_header(req, "WWW-Authenticate", "Bearer");
    return wos_reply_error(req, 401, "Invalid or expired refresh token.", NULL);
}

int wos_auth_refresh(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "refresh_token", .type = WOS_F_STRING, .required = 1, .min = 1, .max = 512},
    };
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    char presented[WOS_SHA256_HEX_SIZE];
    wos_secret_hash(wos_json_str(req, "refresh_token"), presented);
    char refresh[WOS_SECRET_TEXT_SIZE], refresh_hash[WOS_SHA256_HEX_SIZE];
    if (wos_secret_pair(refresh, refresh_hash) != WOS_OK)
        return wos_reply_internal(req, "no randomness for a refresh token");
    const char *params[] = {presented,
                            refresh_hash,
                            wos_auth_num(req, wos_cfg()->refresh_token_expire_days),
                            req->client_ip,
                            wos_auth_user_agent(req),
                            req->request_id};
    PGresult *r = wos_db_exec(req, &stmt_refresh, 6, params);
    json_t *o = r ? wos_auth_outcome(req, r) : NULL;
    int rc = WOS_OK;
    if (o)
        rc = wos_auth_outcome_status(o) == 200 ? wos_auth_reply_tokens(req, 200, o, refresh)
                                               : reply_bad_refresh(req);
    explicit_bzero(refresh, sizeof(refresh));
    return rc;
}

int wos_auth_logout(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "refresh_token", .type = WOS_F_STRING, .nullable = 1, .max = 512},
    };
    /* The body is optional: without one, only the caller's own session ends. */
    if (req->body.len > 0 && wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    const char *token = wos_json_str(req, "refresh_token");
    char hash[WOS_SHA256_HEX_SIZE] = "";
    if (token)
        wos_secret_hash(token, hash);
    const char *params[] = {req->who.user_id,    req->who.workspace_id, req->who.session_id,
                            token ? hash : NULL, req->client_ip,        req->request_id};
    size_t len;
    const char *json = wos_db_json(req, &stmt_logout, 6, params, &len);
    return json ? wos_reply_json(req, 200, json, len) : WOS_OK;
}

int wos_auth_logout_all(struct wos_req *req)
{
    const char *params[] = {req->who.user_id, req->who.workspace_id, req->client_ip,
                            req->request_id};
    size_t len;
    const char *json = wos_db_json(req, &stmt_logout_all, 4, params, &len);
    return json ? wos_reply_json(req, 200, json, len) : WOS_OK;
}

int wos_auth_sessions_list(struct wos_req *req)
{
    const char *limit, *offset;
    if (wos_page_query(req, WOS_PAGE_DEFAULT, WOS_PAGE_MAX, &limit, &offset) != WOS_OK)
        return WOS_OK;
    const char *params[] = {req->who.user_id, req->who.session_id, limit, offset};
    size_t len;
    const char *json = wos_db_json(req, &stmt_sessions, 4, params, &len);
    return json ? wos_reply_json(req, 200, json, len) : WOS_OK;
}

int wos_auth_session_delete(struct wos_req *req)
{
    const char *id = wos_req_param(req, "id");
    if (!id || !wos_valid_uuid(id))
        return wos_reply_error(req, 404, "Session not found.", NULL);
    const char *params[] = {req->who.user_id, req->who.workspace_id, id, req->client_ip,
                            req->request_id};
    PGresult *r = wos_db_exec(req, &stmt_session_revoke, 5, params);
    if (!r)
        return WOS_OK;
    if (strcmp(PQgetvalue(r, 0, 0), "t") != 0)
        return wos_reply_error(req, 404, "Session not found.", NULL);
    static const char body[] = "{\"message\":\"Session revoked.\"}";
    return wos_reply_json(req, 200, body, sizeof(body) - 1);
}

int wos_auth_my_permissions(struct wos_req *req)
{
    const char *params[] = {req->who.workspace_id, req->who.user_id};
    size_t len;
    const char *json = wos_db_json(req, &stmt_permissions, 2, params, &len);
    return json ? wos_reply_json(req, 200, json, len) : WOS_OK;
}
