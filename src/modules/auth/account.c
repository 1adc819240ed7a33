/*
 * account.c: registration and the caller's own account (spec 02 §9, §13;
 * 03 §3.11).
 *
 * Registration creates the account, a personal workspace ("<name>'s
 * Workspace", unique slug, seeded roles and settings), an admin membership
 * and the first session in one statement. It is switched off by
 * SIGNUP_ENABLED (then the route answers 404, as if it did not exist).
 * Every registration that passes validation and the password policy counts
 * on the client IP (scope register:ip, AUTH_LOGIN_MAX_ATTEMPTS per
 * AUTH_LOGIN_WINDOW_SECONDS) before bcrypt runs: 429 with Retry-After.
 *
 * PATCH /users/me changes the name and phone in one round trip; a password
 * change needs the current password, so it first reads the stored hash
 * (refused with 429 while the account's password_change:user lock lasts),
 * verifies it in C, reports the result (a wrong password is audited and
 * counted, and may lock), hashes the new one, then writes everything (and
 * the audit rows) in a last statement.
 */
#include "modules/auth/auth_module.h"

#include "auth/password.h"
#include "auth/secret.h"
#include "auth/session.h"
#include "core/config.h"
#include "db/db.h"
#include "http/validate.h"

#include <stdlib.h>
#include <string.h>

WOS_STMT(stmt_register,
         "SELECT wos_auth_register($1, $2, $3, $4, $5::integer, $6::integer, $7, $8, $9, "
         "$10::integer, $11::integer, $12)");
WOS_STMT(stmt_me, "SELECT wos_user_read($1::uuid, $2::uuid, $3::integer)");
WOS_STMT(stmt_register_gate, "SELECT wos_auth_register_gate($1, $2::integer, $3::integer)");
WOS_STMT(stmt_password_begin, "SELECT wos_auth_password_change_begin($1::uuid)");
WOS_STMT(stmt_password_check, "SELECT wos_auth_password_change_check($1::uuid, $2::uuid, "
                              "$3::boolean, $4, $5, $6::integer, $7::integer)");
WOS_STMT(stmt_me_update,
         "SELECT wos_user_me_update($1::uuid, $2::uuid, $3::uuid, $4, $5::boolean, $6, $7, $8, "
         "$9::integer, $10, $11)");

int wos_auth_register(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "full_name",
         .type = WOS_F_STRING,
         .required = 1,
         .trim_nonblank = 1,
         .min = 1,
         .max = 200},
        {.name = "email", .type = WOS_F_STRING, .required = 1, .max = 255, .format = WOS_FMT_EMAIL},
        {.name = "password", .type = WOS_F_STRING, .required = 1, .min = 1, .max = 1024},
    };
    const struct wos_config *cfg = wos_cfg();
    if (!cfg->signup_enabled)
        return wos_reply_error(req, 404, "Not found.", NULL);
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    const char *name = wos_json_str(req, "full_name"), *email = wos_json_str(req, "email");
    const char *pw = wos_json_str(req, "password");
    if (wos_auth_check_password(req, "password", pw, email, name) != WOS_OK)
        return WOS_OK;
    const char *gate[] = {req->client_ip, wos_auth_num(req, cfg->auth_login_max_attempts),
                          wos_auth_num(req, cfg->auth_login_window_seconds)};
    PGresult *g = wos_db_exec(req, &stmt_register_gate, 3, gate);
    if (!g)
        return WOS_OK;
    long wait = strtol(PQgetvalue(g, 0, 0), NULL, 10);
    if (wait > 0)
        return wos_auth_reply_limited(req, wait);
    const char *hash = wos_auth_hash_password(req, pw);
    if (!hash)
        return WOS_OK;
    char refresh[WOS_SECRET_TEXT_SIZE], refresh_hash[WOS_SHA256_HEX_SIZE];
    if (wos_secret_pair(refresh, refresh_hash) != WOS_OK)
        return wos_reply_internal(req, "no randomness for a refresh token");
    const char *params[] = {email,
                            name,
                            hash,
                            cfg->business_timezone,
                            wos_auth_num(req, cfg->attendance_max_active_hours),
                            wos_auth_num(req, cfg->attendance_auto_close_grace_minutes),
                            req->client_ip,
                            wos_auth_user_agent(req),
                            refresh_hash,
                            wos_auth_num(req, cfg->refresh_token_expire_days),
                            wos_auth_num(req, cfg->online_presence_ttl_seconds),
                            req->request_id};
    PGresult *r = wos_db_exec(req, &stmt_register, 12, params);
    json_t *o = r ? wos_auth_outcome(req, r) : NULL;
    int rc = WOS_OK;
    if (o) {
        if (wos_auth_outcome_status(o) == 201)
            rc = wos_auth_reply_tokens(req, 201, o, refresh);
        else
            rc = wos_reply_error(req, 409, "An account with this email already exists.", NULL);
    }
    explicit_bzero(refresh, sizeof(refresh));
    return rc;
}

int wos_auth_me(struct wos_req *req)
{
    const char *params[] = {req->who.workspace_id, req->who.user_id,
                            wos_auth_num(req, wos_cfg()->online_presence_ttl_seconds)};
    size_t len;
    const char *json = wos_db_json(req, &stmt_me, 3, params, &len);
    return json ? wos_reply_json(req, 200, json, len) : WOS_OK;
}

/*
 * Checks a password change against the stored account. Returns the new hash
 * in the arena, or NULL after replying (429 while the account is locked or
 * when this wrong password locks it, 400 wrong or unchanged password, 422
 * policy, 500).
 */
static const char *new_password_hash(struct wos_req *req, const char *pw, const char *current)
{
    const struct wos_config *cfg = wos_cfg();
    const char *p1[] = {req->who.user_id};
    PGresult *r = wos_db_exec(req, &stmt_password_begin, 1, p1);
    json_t *o = r ? wos_auth_outcome(req, r) : NULL;
    if (!o)
        return NULL;
    long wait = (long)json_integer_value(json_object_get(o, "retry_after"));
    if (wait > 0) {
        wos_auth_reply_limited(req, wait);
        return NULL;
    }
    const char *stored = wos_auth_outcome_str(o, "password_hash");
    if (!stored) {
        wos_reply_internal(req, "the caller's account is missing");
        return NULL;
    }
    int ok = wos_password_verify(current, stored);
    const char *p2[] = {req->who.workspace_id,
                        req->who.user_id,
                        ok ? "true" : "false",
                        req->client_ip,
                        req->request_id,
                        wos_auth_num(req, cfg->auth_login_max_attempts),
                        wos_auth_num(req, cfg->auth_login_window_seconds)};
    r = wos_db_exec(req, &stmt_password_check, 7, p2);
    json_t *checked = r ? wos_auth_outcome(req, r) : NULL;
    if (!checked)
        return NULL;
    switch (wos_auth_outcome_status(checked)) {
    case 200:
        break;
    case 429:
        wos_auth_reply_limited(req,
                               (long)json_integer_value(json_object_get(checked, "retry_after")));
        return NULL;
    default:
        wos_reply_error(req, 400, "Current password is incorrect.", NULL);
        return NULL;
    }
    if (wos_password_verify(pw, stored)) {
        wos_reply_error(req, 400, "New password must be different from the current password.",
                        NULL);
        return NULL;
    }
    const char *name = wos_json_str(req, "full_name");
    if (wos_auth_check_password(req, "password", pw, wos_auth_outcome_str(o, "email"),
                                name ? name : wos_auth_outcome_str(o, "full_name")) != WOS_OK)
        return NULL;
    return wos_auth_hash_password(req, pw);
}

int wos_auth_me_update(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "full_name", .type = WOS_F_STRING, .trim_nonblank = 1, .min = 1, .max = 255},
        {.name = "phone", .type = WOS_F_STRING, .nullable = 1, .max = 50},
        {.name = "password", .type = WOS_F_STRING, .min = 1, .max = 1024},
        {.name = "current_password", .type = WOS_F_STRING, .min = 1, .max = 1024},
        {.name = "refresh_token", .type = WOS_F_STRING, .min = 1, .max = 512},
    };
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    const char *pw = wos_json_str(req, "password");
    const char *current = wos_json_str(req, "current_password");
    if (pw && !current)
        return wos_reply_invalid(req, "current_password", "Field required.");
    if (!pw && (current || wos_json_has(req, "refresh_token")))
        return wos_reply_invalid(req, current ? "current_password" : "refresh_token",
                                 "Only allowed together with password.");
    const char *new_hash = NULL;
    if (pw && !(new_hash = new_password_hash(req, pw, current)))
        return WOS_OK;
    const char *token = wos_json_str(req, "refresh_token");
    char keep[WOS_SHA256_HEX_SIZE] = "";
    if (token)
        wos_secret_hash(token, keep);
    const char *params[] = {req->who.workspace_id,
                            req->who.user_id,
                            req->who.session_id,
                            wos_json_str(req, "full_name"),
                            wos_json_has(req, "phone") ? "true" : "false",
                            wos_json_str(req, "phone"),
                            new_hash,
                            token ? keep : NULL,
                            wos_auth_num(req, wos_cfg()->online_presence_ttl_seconds),
                            req->client_ip,
                            req->request_id};
    size_t len;
    const char *json = wos_db_json(req, &stmt_me_update, 11, params, &len);
    return json ? wos_reply_json(req, 200, json, len) : WOS_OK;
}
