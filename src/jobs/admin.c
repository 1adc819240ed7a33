/*
 * admin.c: the admin routes over the queue (spec 10 §1.2).
 *
 *   GET  /api/v1/admin/jobs?status=dead&kind=&limit=&offset=   (or page=&page_size=)
 *   POST /api/v1/admin/jobs/:id/retry
 *
 * Jobs are global rows; an admin sees and retries only the jobs of the
 * workspace they are signed in to (jobs.workspace_id), never global ones.
 * The role check is in the SQL too ($role = 'admin'), so a caller whose
 * role is not admin never reads or changes a row, and the reply is 403 once
 * the pipelined authentication has confirmed that role. Each route is one
 * statement; a retry writes its audit row and NOTIFYs the workers in it.
 * Payload `vars` are never shown: they may carry tokens. The list pages like
 * GET /users (limit 1..100, default 20; offset; the total); page/page_size,
 * its first contract, still work, and the reply carries both.
 */
#include "db/db.h"
#include "http/validate.h"
#include "jobs/jobs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
#define JOB_JSON(t)                                                                              \
    "json_build_object('id', " t ".id, 'kind', " t ".kind, 'status', " t ".status, "            \
    "'attempts', " t ".attempts, 'max_attempts', " t ".max_attempts, 'run_at', " t ".run_at, " \
    "'created_at', " t ".created_at, 'started_at', " t ".started_at, 'finished_at', " t        \
    ".finished_at, 'last_error', " t ".last_error, 'idempotency_key', " t ".idempotency_key, " \
    "'payload', " t ".payload - 'vars', 'result', " t ".result)"

WOS_STMT(stmt_list,
         "WITH f AS ("
         "  SELECT * FROM jobs"
         "   WHERE workspace_id = $1::uuid AND status = $2"
         "     AND ($3::text IS NULL OR kind = $3) AND $4 = 'admin'),"
         " page AS (SELECT * FROM f ORDER BY created_at DESC, id"
         "           LIMIT $6::int OFFSET $5::int)"
         " SELECT json_build_object("
         "   'items', coalesce((SELECT json_agg(" JOB_JSON("p") " ORDER BY p.created_at DESC, p.id)"
         "                        FROM page p), '[]'::json),"
         "   'total', (SELECT count(*) FROM f), 'limit', $6::int, 'offset', $5::int,"
         "   'page', $5::int / $6::int + 1, 'page_size', $6::int)");

WOS_STMT(stmt_retry,
         "WITH t AS ("
         "  SELECT id, status, attempts FROM jobs"
         "   WHERE id = $1::uuid AND workspace_id = $2::uuid AND $3 = 'admin' FOR UPDATE),"
         " u AS ("
         "  UPDATE jobs j SET status = 'queued', attempts = 0, run_at = now(),"
         "         finished_at = NULL, locked_by = NULL, lease_expires_at = NULL"
         "    FROM t WHERE j.id = t.id AND t.status IN ('dead', 'failed', 'skipped')"
         "  RETURNING j.*),"
         " a AS ("
         "  SELECT wos_audit_append($2::uuid, $4::uuid, 'job.retried', 'job', u.id, u.kind,"
         "         jsonb_build_object('status', t.status, 'attempts', t.attempts),"
         "         jsonb_build_object('status', 'queued'), NULL, $5, $6)"
         "    FROM u JOIN t ON t.id = u.id),"
         " n AS (SELECT pg_notify('wos_jobs', u.kind) FROM u)"
         " SELECT t.status, (SELECT count(*) FROM a) + (SELECT count(*) FROM n),"
         "        (SELECT " JOB_JSON("u") " FROM u)"
         "   FROM (SELECT 1) one LEFT JOIN t ON true");
/* clang-format on */

static const char *const statuses[] = {"queued", "running", "done", "failed",
                                       "dead",   "skipped", NULL};

static int is_admin(const struct wos_req *req)
{
    return strcmp(req->who.role, "admin") == 0;
}

static int forbidden(struct wos_req *req)
{
    return wos_reply_error(req, 403, "Only administrators can manage background jobs.", NULL);
}

/* An integer query argument within [min, max], or the default when absent. */
static int query_int(struct wos_req *req, const char *name, long dflt, long min, long max,
                     long *out)
{
    const char *v = wos_req_query(req, name);
    if (!v) {
        *out = dflt;
        return WOS_OK;
    }
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (end == v || *end || errno || n < min || n > max) {
        char msg[80];
        snprintf(msg, sizeof(msg), "Must be an integer between %ld and %ld.", min, max);
        wos_reply_invalid(req, name, msg);
        return WOS_ERROR;
    }
    *out = n;
    return WOS_OK;
}

static bool known_status(const char *s)
{
    for (size_t i = 0; statuses[i]; i++)
        if (strcmp(statuses[i], s) == 0)
            return true;
    return false;
}

int wos_jobs_admin_list(struct wos_req *req)
{
    const char *status = wos_req_query(req, "status");
    const char *kind = wos_req_query(req, "kind");
    if (!status)
        status = "dead";
    if (!known_status(status))
        return wos_reply_invalid(req, "status",
                                 "Must be one of queued, running, done, failed, dead, skipped.");
    if (kind && (!*kind || strlen(kind) > 64))
        return wos_reply_invalid(req, "kind", "Must be a job kind.");
    long limit, offset;
    int by_page = wos_req_query(req, "page") || wos_req_query(req, "page_size");
    if (by_page && (wos_req_query(req, "limit") || wos_req_query(req, "offset")))
        return wos_reply_invalid(req, wos_req_query(req, "limit") ? "limit" : "offset",
                                 "Use either limit and offset or page and page_size.");
    if (by_page) {
        long page;
        if (query_int(req, "page", 1, 1, 100000, &page) != WOS_OK ||
            query_int(req, "page_size", 20, 1, 100, &limit) != WOS_OK)
            return WOS_OK;
        offset = (page - 1) * limit;
    } else if (query_int(req, "limit", 20, 1, 100, &limit) != WOS_OK ||
               query_int(req, "offset", 0, 0, 1000000000, &offset) != WOS_OK) {
        return WOS_OK;
    }
    char offset_s[24], limit_s[24];
    snprintf(offset_s, sizeof(offset_s), "%ld", offset);
    snprintf(limit_s, sizeof(limit_s), "%ld", limit);
    const char *params[] = {req->who.workspace_id, status, kind, req->who.role, offset_s, limit_s};
    size_t len;
    const char *json = wos_db_json(req, &stmt_list, 6, params, &len);
    if (!json)
        return WOS_OK;
    if (!is_admin(req))
        return forbidden(req);
    return wos_reply_json(req, 200, json, len);
}

int wos_jobs_admin_retry(struct wos_req *req)
{
    const char *id = wos_req_param(req, "id");
    if (!id || !wos_valid_uuid(id))
        return wos_reply_error(req, 404, "Job not found.", NULL);
    const char *params[] = {id,
                            req->who.workspace_id,
                            req->who.role,
                            req->who.user_id,
                            req->client_ip,
                            req->request_id};
    PGresult *r = wos_db_exec(req, &stmt_retry, 6, params);
    if (!r)
        return WOS_OK;
    if (!is_admin(req))
        return forbidden(req);
    if (PQgetisnull(r, 0, 0))
        return wos_reply_error(req, 404, "Job not found.", NULL);
    if (PQgetisnull(r, 0, 2)) {
        const char *msg = wos_arena_printf(
            req->arena, "Only dead, failed or skipped jobs can be retried; this job is %s.",
            PQgetvalue(r, 0, 0));
        return wos_reply_error(req, 409, msg, NULL);
    }
    return wos_reply_json(req, 200, PQgetvalue(r, 0, 2), (size_t)PQgetlength(r, 0, 2));
}
