/*
 * reply.c (leave): the one way the module's statements run and answer.
 *
 * Each statement calls one function of migration 0008_leave_api that
 * returns (status, body): the response on success, {"message", "details"}
 * on a refusal. Refusals are returned rather than raised so that the audit
 * row of a denied attempt commits with the answer; an SQL error rolls the
 * whole statement back (no request without its timeline, no job without
 * its request) and is never shown to the client.
 */
#include "modules/leave/leave.h"

#include "core/log.h"
#include "http/validate.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Replies with a refusal body {"message", "details"} under `status`. */
static int reply_refusal(struct wos_req *req, unsigned status, const char *body, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    const char *message = json_string_value(json_object_get(root, "message"));
    if (!message) {
        json_decref(root);
        return wos_reply_internal(req, "leave: refusal without a message");
    }
    json_t *details = json_object_get(root, "details");
    details = json_is_array(details) ? json_incref(details) : NULL;
    int rc = wos_reply_error(req, status, message, details);
    json_decref(root);
    return rc;
}

static int reply_sql_error(struct wos_req *req, const struct wos_db_error *err)
{
    if (strcmp(err->sqlstate, "08006") == 0 || strcmp(err->sqlstate, "40001") == 0 ||
        strcmp(err->sqlstate, "40P01") == 0 || strcmp(err->sqlstate, "55P03") == 0) {
        wos_reply_header(req, "Retry-After", "1");
        return wos_reply_error(req, 503, "The database is busy or unavailable. Please retry.",
                               NULL);
    }
    wos_log(req, WOS_LOG_ERROR, "leave: SQL error %s: %s", err->sqlstate,
            err->message ? err->message : "");
    return wos_reply_internal(req, "leave statement failed");
}

int wos_leave_run(struct wos_req *req, struct wos_stmt *stmt, int n, const char *const *params,
                  const char *content_type)
{
    struct wos_db_error err;
    PGresult *res = wos_db_exec_opt(req, stmt, n, params, WOS_DB_SQL_ERRORS, &err);
    if (!res)
        return req->replied ? WOS_OK : reply_sql_error(req, &err);
    if (PQntuples(res) != 1 || PQnfields(res) != 2 || PQgetisnull(res, 0, 0) ||
        PQgetisnull(res, 0, 1))
        return wos_reply_internal(req, "leave: statement returned no outcome");
    long status = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    const char *body = PQgetvalue(res, 0, 1);
    size_t len = (size_t)PQgetlength(res, 0, 1);
    if (status < 200 || status > 599)
        return wos_reply_internal(req, "leave: statement returned a bad status");
    if (status >= 400)
        return reply_refusal(req, (unsigned)status, body, len);
    if (content_type)
        return wos_reply_bytes(req, (unsigned)status, content_type, body, len);
    return wos_reply_json(req, (unsigned)status, body, len);
}

int wos_leave_query_date(struct wos_req *req, const char *name, const char **out)
{
    const char *v = wos_req_query(req, name);
    *out = v && *v ? v : NULL;
    if (*out && !wos_valid_date(*out)) {
        wos_reply_invalid(req, name, "Must be a date (YYYY-MM-DD).");
        return WOS_ERROR;
    }
    return WOS_OK;
}
