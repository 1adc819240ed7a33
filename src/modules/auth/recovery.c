/*
 * recovery.c: forgotten passwords and invitations (spec 02 §7, §8).
 *
 * Reset and invitation tokens are 256-bit secrets; the database stores their
 * SHA-256 hex, and the raw token exists only in the e-mail job's link (the
 * worker scrubs it after sending). Forgot-password answers the same status
 * and body whether or not the account exists. Reset and activation take two
 * round trips: the token's account is needed for the password policy (not
 * the e-mail or the name), and the bcrypt hash is computed in C before the
 * second statement, which re-checks the token under a row lock and applies
 * everything in one transaction.
 */
#include "modules/auth/auth_module.h"

#include "auth/secret.h"
#include "auth/session.h"
#include "core/config.h"
#include "db/db.h"
#include "http/validate.h"

#include <stdlib.h>
#include <string.h>

/* Spec 02 §4: activation allows 5 requests per 10 minutes and client IP. */
#define ACTIVATE_MAX_REQUESTS 5
#define ACTIVATE_WINDOW_SECONDS 600
/* The invitation preview is read by the activation page; a looser limit of its own. */
#define PREVIEW_MAX_REQUESTS 30
#define PREVIEW_WINDOW_SECONDS 600

WOS_STMT(stmt_forgot, "SELECT wos_auth_forgot($1, $2, $3::integer, $4::integer, $5, $6, $7)");
WOS_STMT(stmt_reset_begin, "SELECT wos_auth_reset_begin($1, $2, $3::integer, $4::integer)");
WOS_STMT(stmt_reset_finish,
         "SELECT wos_auth_reset_finish($1, $2, $3, $4::integer, $5::integer, $6)");
WOS_STMT(stmt_activate_begin,
         "SELECT wos_auth_activate_begin($1, $2, $3, $4::integer, $5::integer)");
WOS_STMT(stmt_activate_finish, "SELECT wos_auth_activate_finish($1, $2, $3, $4)");

static const char forgot_reply[] =
    "{\"message\":\"If an account with this email exists, a reset link has been sent.\"}";

int wos_auth_forgot_password(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "email", .type = WOS_F_STRING, .required = 1, .max = 255, .format = WOS_FMT_EMAIL},
    };
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    const struct wos_config *cfg = wos_cfg();
    char token[WOS_SECRET_TEXT_SIZE], hash[WOS_SHA256_HEX_SIZE];
    if (wos_secret_pair(token, hash) != WOS_OK)
        return wos_reply_internal(req, "no randomness for a reset token");
    const char *link = wos_arena_printf(req->arena, "/reset-password?token=%s", token);
    explicit_bzero(token, sizeof(token));
    const char *params[] = {wos_json_str(req, "email"),
                            req->client_ip,
                            wos_auth_num(req, cfg->auth_forgot_password_max_attempts),
                            wos_auth_num(req, cfg->auth_forgot_password_window_seconds),
                            hash,
                            link,
                            req->request_id};
    PGresult *r = wos_db_exec(req, &stmt_forgot, 7, params);
    if (!r)
        return WOS_OK;
    long wait = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    if (wait > 0)
        return wos_auth_reply_limited(req, wait);
    return wos_reply_json(req, 200, forgot_reply, sizeof(forgot_reply) - 1);
}

static int reply_outcome_error(struct wos_req *req, const json_t *o, const char *invalid)
{
    if (wos_auth_outcome_status(o) == 429)
        return wos_auth_reply_limited(req,
                                      (long)json_integer_value(json_object_get(o, "retry_after")));
    return wos_reply_error(req, 400, invalid, NULL);
}

int wos_auth_reset_password(struct wos_req *req)
{
    static const char invalid[] = "Invalid or expired reset token.";
    static const struct wos_field fields[] = {
        {.name = "token", .type = WOS_F_STRING, .required = 1, .min = 1, .max = 512},
        {.name = "new_password", .type = WOS_F_STRING, .required = 1, .min = 1, .max = 1024},
    };
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    const struct wos_config *cfg = wos_cfg();
    const char *pw = wos_json_str(req, "new_password");
    char hash[WOS_SHA256_HEX_SIZE];
    wos_secret_hash(wos_json_str(req, "token"), hash);
    const char *max = wos_auth_num(req, cfg->auth_reset_password_max_attempts);
    const char *window = wos_auth_num(req, cfg->auth_reset_password_window_seconds);

    const char *p1[] = {hash, req->client_ip, max, window};
    PGresult *r = wos_db_exec(req, &stmt_reset_begin, 4, p1);
    json_t *o = r ? wos_auth_outcome(req, r) : NULL;
    if (!o)
        return WOS_OK;
    if (wos_auth_outcome_status(o) != 200)
        return reply_outcome_error(req, o, invalid);
    if (wos_auth_check_password(req, "new_password", pw, wos_auth_outcome_str(o, "email"),
                                wos_auth_outcome_str(o, "full_name")) != WOS_OK)
        return WOS_OK;
    const char *new_hash = wos_auth_hash_password(req, pw);
    if (!new_hash)
        return WOS_OK;

    const char *p2[] = {hash, new_hash, req->client_ip, max, window, req->request_id};
    r = wos_db_exec(req, &stmt_reset_finish, 6, p2);
    o = r ? wos_auth_outcome(req, r) : NULL;
    if (!o)
        return WOS_OK;
    if (wos_auth_outcome_status(o) != 200)
        return reply_outcome_error(req, o, invalid);
    static const char body[] = "{\"message\":\"Password reset successful\"}";
    return wos_reply_json(req, 200, body, sizeof(body) - 1);
}

int wos_auth_activate_account(struct wos_req *req)
{
    static const char invalid[] = "Invalid or expired invitation token.";
    static const struct wos_field fields[] = {
        {.name = "token", .type = WOS_F_STRING, .required = 1, .min = 1, .max = 512},
        {.name = "password", .type = WOS_F_STRING, .required = 1, .min = 1, .max = 1024},
    };
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    const char *pw = wos_json_str(req, "password");
    char hash[WOS_SHA256_HEX_SIZE];
    wos_secret_hash(wos_json_str(req, "token"), hash);

    const char *p1[] = {hash, req->client_ip, "activate:ip",
                        wos_auth_num(req, ACTIVATE_MAX_REQUESTS),
                        wos_auth_num(req, ACTIVATE_WINDOW_SECONDS)};
    PGresult *r = wos_db_exec(req, &stmt_activate_begin, 5, p1);
    json_t *o = r ? wos_auth_outcome(req, r) : NULL;
    if (!o)
        return WOS_OK;
    if (wos_auth_outcome_status(o) != 200)
        return reply_outcome_error(req, o, invalid);
    if (wos_auth_check_password(req, "password", pw, wos_auth_outcome_str(o, "email"),
                                wos_auth_outcome_str(o, "full_name")) != WOS_OK)
        return WOS_OK;
    const char *new_hash = wos_auth_hash_password(req, pw);
    if (!new_hash)
        return WOS_OK;

    const char *p2[] = {hash, new_hash, req->client_ip, req->request_id};
    r = wos_db_exec(req, &stmt_activate_finish, 4, p2);
    o = r ? wos_auth_outcome(req, r) : NULL;
    if (!o)
        return WOS_OK;
    if (wos_auth_outcome_status(o) != 200)
        return wos_reply_error(req, 400, invalid, NULL);
    static const char body[] =
        "{\"message\":\"Account activated successfully. You can now log in.\"}";
    return wos_reply_json(req, 200, body, sizeof(body) - 1);
}

int wos_auth_invitation(struct wos_req *req)
{
    const char *token = wos_req_query(req, "token");
    if (!token || !*token || strlen(token) > 512)
        return wos_reply_invalid(req, "token", "Field required.");
    char hash[WOS_SHA256_HEX_SIZE];
    wos_secret_hash(token, hash);
    const char *params[] = {hash, req->client_ip, "invitation:ip",
                            wos_auth_num(req, PREVIEW_MAX_REQUESTS),
                            wos_auth_num(req, PREVIEW_WINDOW_SECONDS)};
    PGresult *r = wos_db_exec(req, &stmt_activate_begin, 5, params);
    json_t *o = r ? wos_auth_outcome(req, r) : NULL;
    if (!o)
        return WOS_OK;
    long status = wos_auth_outcome_status(o);
    if (status == 429)
        return reply_outcome_error(req, o, "");
    if (status != 200)
        return wos_reply_error(req, 404, "Invalid or expired invitation token.", NULL);
    json_t *view = json_pack("{s:O?, s:O?, s:O?, s:O?}", "email", json_object_get(o, "email"),
                             "full_name", json_object_get(o, "full_name"), "workspace_name",
                             json_object_get(o, "workspace_name"), "expires_at",
                             json_object_get(o, "expires_at"));
    return view ? wos_reply_jansson(req, 200, view)
                : wos_reply_internal(req, "could not build the invitation view");
}
