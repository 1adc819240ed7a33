/*
 * invite.c: POST /users, inviting a person into the caller's current
 * workspace (spec 03 §3.4, 02 §8). The route requires users.create (admin,
 * HR and managers by default); wos_user_invite() (migration 0004) applies
 * the rank rule, validates manager, department and shift inside the
 * workspace, creates the invited account or membership, the invitation and
 * its e-mail job, and the audit row, all in one statement. With a password
 * (policy-checked and hashed here) the member is created active instead.
 */
#include "modules/auth/auth_module.h"

#include "auth/secret.h"
#include "auth/session.h"
#include "core/config.h"
#include "db/db.h"
#include "http/validate.h"

#include <string.h>

WOS_STMT(stmt_invite,
         "SELECT wos_user_invite($1::uuid, $2::uuid, $3, $4, $5, $6, $7, $8::uuid, $9::uuid, "
         "$10, $11::uuid, $12, $13, $14, $15::integer, $16, $17)");

static int reply_refused(struct wos_req *req, const json_t *o)
{
    long status = wos_auth_outcome_status(o);
    const char *message = wos_auth_outcome_str(o, "message");
    if (status == 422)
        return wos_reply_invalid(req, wos_auth_outcome_str(o, "field"),
                                 message ? message : "Invalid value.");
    if (status == 400 || status == 403 || status == 409)
        return wos_reply_error(req, (unsigned)status, message ? message : "Refused.", NULL);
    return wos_reply_internal(req, "unexpected invitation outcome");
}

int wos_auth_invite(struct wos_req *req)
{
    static const struct wos_field fields[] = {
        {.name = "full_name",
         .type = WOS_F_STRING,
         .required = 1,
         .trim_nonblank = 1,
         .min = 1,
         .max = 255},
        {.name = "email", .type = WOS_F_STRING, .required = 1, .max = 255, .format = WOS_FMT_EMAIL},
        {.name = "role", .type = WOS_F_STRING, .required = 1, .min = 1, .max = 50},
        {.name = "password", .type = WOS_F_STRING, .nullable = 1, .min = 1, .max = 1024},
        {.name = "phone", .type = WOS_F_STRING, .nullable = 1, .max = 50},
        {.name = "department", .type = WOS_F_STRING, .nullable = 1, .max = 255},
        {.name = "department_id", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_UUID},
        {.name = "shift_id", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_UUID},
        {.name = "designation", .type = WOS_F_STRING, .nullable = 1, .max = 255},
        {.name = "manager_id", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_UUID},
    };
    if (wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    const char *email = wos_json_str(req, "email"), *name = wos_json_str(req, "full_name");
    const char *pw = wos_json_str(req, "password");
    const char *pw_hash = NULL;
    if (pw) {
        if (wos_auth_check_password(req, "password", pw, email, name) != WOS_OK)
            return WOS_OK;
        if (!(pw_hash = wos_auth_hash_password(req, pw)))
            return WOS_OK;
    }
    char token[WOS_SECRET_TEXT_SIZE], token_hash[WOS_SHA256_HEX_SIZE];
    if (wos_secret_pair(token, token_hash) != WOS_OK)
        return wos_reply_internal(req, "no randomness for an invitation token");
    const char *link = wos_arena_printf(req->arena, "/activate?token=%s", token);
    explicit_bzero(token, sizeof(token));
    const char *params[] = {req->who.workspace_id,
                            req->who.user_id,
                            email,
                            name,
                            wos_json_str(req, "role"),
                            wos_json_str(req, "phone"),
                            wos_json_str(req, "department"),
                            wos_json_str(req, "department_id"),
                            wos_json_str(req, "shift_id"),
                            wos_json_str(req, "designation"),
                            wos_json_str(req, "manager_id"),
                            pw_hash,
                            token_hash,
                            link,
                            wos_auth_num(req, wos_cfg()->online_presence_ttl_seconds),
                            req->client_ip,
                            req->request_id};
    struct wos_db_error err;
    PGresult *r = wos_db_exec_opt(req, &stmt_invite, 17, params, WOS_DB_SQL_ERRORS, &err);
    if (!r) {
        if (req->replied)
            return WOS_OK;
        if (strcmp(err.sqlstate, "23505") == 0) /* the same address invited concurrently */
            return wos_reply_error(req, 409, "A user with this email already exists", NULL);
        if (strcmp(err.sqlstate, "08006") == 0) {
            wos_reply_header(req, "Retry-After", "1");
            return wos_reply_error(req, 503, "The database is unavailable. Please retry shortly.",
                                   NULL);
        }
        return wos_reply_internal(req, err.message);
    }
    json_t *o = wos_auth_outcome(req, r);
    if (!o)
        return WOS_OK;
    if (wos_auth_outcome_status(o) != 201)
        return reply_refused(req, o);
    json_t *body = json_incref(json_object_get(o, "body"));
    return body ? wos_reply_jansson(req, 201, body)
                : wos_reply_internal(req, "invitation outcome without a body");
}
