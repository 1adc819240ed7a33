/*
 * people.c: outcome replies and strict query/path parameters shared by the
 * request modules (see people.h).
 *
 * A bad query parameter is a 422 naming it, never silently ignored: a
 * client that sends ?limit=abc learns so instead of getting 50 rows.
 */
#include "modules/users/people.h"

#include "core/config.h"
#include "core/log.h"
#include "http/validate.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* An SQL error the handler did not expect: map what the client caused, log the rest. */
static int reply_sql_error(struct wos_req *req, const struct wos_db_error *err)
{
    if (strcmp(err->sqlstate, "08006") == 0 || strcmp(err->sqlstate, "40001") == 0 ||
        strcmp(err->sqlstate, "40P01") == 0 || strcmp(err->sqlstate, "55P03") == 0) {
        wos_reply_header(req, "Retry-After", "1");
        return wos_reply_error(req, 503, "The database is busy or unavailable. Please retry.",
                               NULL);
    }
    if (strncmp(err->sqlstate, "22", 2) == 0)
        return wos_reply_invalid(req, "request", "Invalid value.");
    if (strcmp(err->sqlstate, "23505") == 0)
        return wos_reply_error(req, 409, "This conflicts with an existing record.", NULL);
    wos_log(req, WOS_LOG_ERROR, "SQL error %s: %s", err->sqlstate, err->message);
    return wos_reply_internal(req, "statement failed");
}

int wos_people_reply_outcome(struct wos_req *req, struct wos_stmt *stmt, int n,
                             const char *const *params)
{
    struct wos_db_error err;
    PGresult *r = wos_db_exec_opt(req, stmt, n, params, WOS_DB_SQL_ERRORS, &err);
    if (!r)
        return req->replied ? WOS_OK : reply_sql_error(req, &err);
    if (PQntuples(r) != 1 || PQnfields(r) != 4 || PQgetisnull(r, 0, 0))
        return wos_reply_internal(req, "a function returned no outcome");
    long status = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    if (status >= 200 && status < 300) {
        if (PQgetisnull(r, 0, 1))
            return wos_reply_internal(req, "a successful outcome without a body");
        return wos_reply_json(req, (unsigned)status, PQgetvalue(r, 0, 1),
                              (size_t)PQgetlength(r, 0, 1));
    }
    if (status < 400 || status > 599 || PQgetisnull(r, 0, 2))
        return wos_reply_internal(req, "a malformed refusal");
    const char *message = PQgetvalue(r, 0, 2);
    if (status == 422 && !PQgetisnull(r, 0, 3))
        return wos_reply_invalid(req, PQgetvalue(r, 0, 3), message);
    return wos_reply_error(req, (unsigned)status, message, NULL);
}

int wos_people_reply_json(struct wos_req *req, struct wos_stmt *stmt, int n,
                          const char *const *params)
{
    struct wos_db_error err;
    PGresult *r = wos_db_exec_opt(req, stmt, n, params, WOS_DB_SQL_ERRORS, &err);
    if (!r)
        return req->replied ? WOS_OK : reply_sql_error(req, &err);
    if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0))
        return wos_reply_internal(req, "a list function returned nothing");
    return wos_reply_json(req, 200, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
}

/* Replies with a refusal body {"message", "details"} under `status`. */
static int reply_refusal(struct wos_req *req, unsigned status, const char *body, size_t len)
{
    json_t *root = json_loadb(body, len, 0, NULL);
    const char *message = json_string_value(json_object_get(root, "message"));
    if (!message) {
        json_decref(root);
        return wos_reply_internal(req, "a refusal without a message");
    }
    json_t *details = json_object_get(root, "details");
    details = json_is_array(details) ? json_incref(details) : NULL;
    int rc = wos_reply_error(req, status, message, details);
    json_decref(root);
    return rc;
}

int wos_people_run(struct wos_req *req, struct wos_stmt *stmt, int n, const char *const *params,
                   const char *content_type)
{
    struct wos_db_error err;
    PGresult *res = wos_db_exec_opt(req, stmt, n, params, WOS_DB_SQL_ERRORS, &err);
    if (!res)
        return req->replied ? WOS_OK : reply_sql_error(req, &err);
    if (PQntuples(res) != 1 || PQnfields(res) != 2 || PQgetisnull(res, 0, 0) ||
        PQgetisnull(res, 0, 1))
        return wos_reply_internal(req, "a statement returned no (status, body) row");
    long status = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    const char *body = PQgetvalue(res, 0, 1);
    size_t len = (size_t)PQgetlength(res, 0, 1);
    if (status < 200 || status > 599)
        return wos_reply_internal(req, "a statement returned a bad status");
    if (status >= 400)
        return reply_refusal(req, (unsigned)status, body, len);
    if (content_type)
        return wos_reply_bytes(req, (unsigned)status, content_type, body, len);
    return wos_reply_json(req, (unsigned)status, body, len);
}

static const char *present(const struct wos_req *req, const char *name)
{
    const char *v = wos_req_query(req, name);
    return v && *v ? v : NULL;
}

static int bad(struct wos_req *req, const char *name, const char *message)
{
    wos_reply_invalid(req, name, message);
    return WOS_ERROR;
}

int wos_people_query_int(struct wos_req *req, const char *name, long fallback, long min, long max,
                         const char **out)
{
    const char *v = present(req, name);
    long n = fallback;
    if (v) {
        char *end;
        errno = 0;
        n = strtol(v, &end, 10);
        if (errno || *end || !(isdigit((unsigned char)*v) || *v == '-') || n < min || n > max)
            return bad(
                req, name,
                wos_arena_printf(req->arena, "Must be an integer between %ld and %ld.", min, max));
    }
    *out = wos_people_num(req, n);
    return WOS_OK;
}

int wos_people_query_uuid(struct wos_req *req, const char *name, const char **out)
{
    const char *v = present(req, name);
    if (v && !wos_valid_uuid(v))
        return bad(req, name, "Must be a valid identifier.");
    *out = v;
    return WOS_OK;
}

int wos_people_query_bool(struct wos_req *req, const char *name, int fallback, const char **out)
{
    const char *v = present(req, name);
    int b = fallback;
    if (v) {
        if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
            b = 1;
        else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
            b = 0;
        else
            return bad(req, name, "Must be true or false.");
    }
    *out = b ? "true" : "false";
    return WOS_OK;
}

int wos_people_query_choice(struct wos_req *req, const char *name, const char *const *choices,
                            const char **out)
{
    const char *v = present(req, name);
    *out = NULL;
    if (!v)
        return WOS_OK;
    for (const char *const *c = choices; *c; c++)
        if (strcmp(*c, v) == 0) {
            *out = *c;
            return WOS_OK;
        }
    struct wos_buf b;
    wos_buf_init(&b, req->arena, 128);
    wos_buf_puts(&b, "Must be one of:");
    for (const char *const *c = choices; *c; c++)
        wos_buf_printf(&b, "%s %s", c == choices ? "" : ",", *c);
    wos_buf_puts(&b, ".");
    const char *msg = wos_buf_cstr(&b);
    return bad(req, name, msg ? msg : "Invalid value.");
}

int wos_people_query_text(struct wos_req *req, const char *name, size_t max, const char **out)
{
    const char *v = present(req, name);
    *out = NULL;
    if (!v)
        return WOS_OK;
    while (isspace((unsigned char)*v))
        v++;
    size_t len = strlen(v);
    while (len && isspace((unsigned char)v[len - 1]))
        len--;
    if (len > max)
        return bad(req, name, wos_arena_printf(req->arena, "Must be at most %zu characters.", max));
    if (!wos_valid_utf8(v, len))
        return bad(req, name, "Must be valid UTF-8.");
    *out = len ? wos_arena_strndup(req->arena, v, len) : NULL;
    return WOS_OK;
}

int wos_people_query_time(struct wos_req *req, const char *name, const char **out)
{
    const char *v = present(req, name);
    *out = v;
    if (v && !wos_valid_date(v) && !wos_valid_datetime(v))
        return bad(req, name, "Must be a date (YYYY-MM-DD) or an ISO-8601 date and time.");
    return WOS_OK;
}

int wos_people_query_date(struct wos_req *req, const char *name, const char **out)
{
    const char *v = present(req, name);
    *out = v;
    if (v && !wos_valid_date(v))
        return bad(req, name, "Must be a date (YYYY-MM-DD).");
    return WOS_OK;
}

int wos_people_path_uuid(struct wos_req *req, const char *name, const char *missing,
                         const char **out)
{
    const char *v = wos_req_param(req, name);
    if (!v || !wos_valid_uuid(v)) {
        wos_reply_error(req, 404, missing, NULL);
        return WOS_ERROR;
    }
    *out = v;
    return WOS_OK;
}

const char *wos_people_body(struct wos_req *req)
{
    const char *s = wos_buf_cstr(&req->body);
    return s ? s : "{}";
}

const char *wos_people_num(struct wos_req *req, long n)
{
    return wos_arena_printf(req->arena, "%ld", n);
}

const char *wos_people_online_ttl(struct wos_req *req)
{
    return wos_people_num(req, wos_cfg()->online_presence_ttl_seconds);
}
