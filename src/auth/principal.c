/*
 * principal.c: the database half of authentication. wos_auth_principal()
 * (migration 0002) raises when the session is revoked or expired, the
 * account or membership is not active, the token's role is no longer the
 * member's role, or the route's permission is not held; raising is what
 * makes PostgreSQL skip the handler's statement pipelined behind it.
 */
#include "auth/auth.h"
#include "core/log.h"
#include "http/router.h"

#include <string.h>

struct wos_stmt wos_auth_principal_stmt = {
    .sql = "SELECT wos_auth_principal($1::uuid, $2::uuid, $3::uuid, $4, $5)"};

int wos_auth_principal_params(const struct wos_req *req, const char **params)
{
    params[0] = req->who.session_id;
    params[1] = req->who.user_id;
    params[2] = req->who.workspace_id;
    params[3] = req->who.role;
    params[4] = req->route ? req->route->perm : NULL;
    return 5;
}

/* Queues the reply for a failed check; always returns WOS_ERROR. */
static int reply_refused(struct wos_req *req, const char *state, const char *message)
{
    req->auth = WOS_AUTH_FAILED;
    if (state && strcmp(state, "42501") == 0) {
        wos_reply_error(req, 403, "You do not have permission to perform this action.", NULL);
        return WOS_ERROR;
    }
    if (state && (strcmp(state, "WOS01") == 0 || strcmp(state, "WOS02") == 0)) {
        wos_reply_header(req, "WWW-Authenticate", "Bearer");
        wos_reply_error(req, 401,
                        strcmp(state, "WOS02") == 0
                            ? "Your role has changed. Refresh your session."
                            : "Your session has ended. Please sign in again.",
                        NULL);
        return WOS_ERROR;
    }
    wos_log(req, WOS_LOG_ERROR, "principal check failed: %s", message ? message : "?");
    wos_reply_internal(req, "principal check failed");
    return WOS_ERROR;
}

int wos_auth_principal_result(struct wos_req *req, const PGresult *res)
{
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
        req->auth = WOS_AUTH_OK;
        return WOS_OK;
    }
    return reply_refused(req, PQresultErrorField(res, PG_DIAG_SQLSTATE),
                         PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
}

int wos_auth_confirm(struct wos_req *req)
{
    if (req->auth != WOS_AUTH_PENDING)
        return req->auth == WOS_AUTH_FAILED ? WOS_ERROR : WOS_OK;
    const char *params[8];
    int n = wos_auth_principal_params(req, params);
    struct wos_db_error err;
    /* The check runs as the statement itself; NONE keeps it from pipelining a second copy. */
    req->auth = WOS_AUTH_NONE;
    PGresult *res = wos_db_exec_opt(req, &wos_auth_principal_stmt, n, params, WOS_DB_SQL_ERRORS,
                                    &err);
    if (res) {
        req->auth = WOS_AUTH_OK;
        return WOS_OK;
    }
    if (req->replied) { /* 503 */
        req->auth = WOS_AUTH_FAILED;
        return WOS_ERROR;
    }
    return reply_refused(req, err.sqlstate, err.message);
}
