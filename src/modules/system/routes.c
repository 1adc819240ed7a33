/*
 * routes.c (system): "/" and "/health" answer without touching any
 * dependency; "/api/v1/health" is the readiness view: database, Redis and
 * the job queue, 503 while the database is down.
 */
#include "modules/system/system.h"
#include "db/db.h"
#include "db/redis.h"
#include "http/static.h"
#include "jobs/jobs.h"

#include <string.h>

extern const char wos_openapi_json[];
extern const unsigned long wos_openapi_json_len;

WOS_STMT(stmt_queue_stats,
         "SELECT count(*) FILTER (WHERE status = 'queued'), count(*) FILTER (WHERE status = "
         "'dead'), count(*) FILTER (WHERE status = 'running'), count(*) FILTER (WHERE status = "
         "'skipped') FROM jobs WHERE status IN ('queued', 'dead', 'running', 'skipped')");

static int wants_html(const struct wos_req *req)
{
    const char *accept = wos_req_header(req, "Accept");
    return accept && strstr(accept, "text/html") != NULL;
}

int wos_system_root(struct wos_req *req)
{
    /* Browsers asking for "/" get the web UI; API clients get the welcome object. */
    if (wants_html(req) && wos_static_has_index())
        return wos_static_serve(req);
    static const char body[] = "{\"message\":\"Welcome to Workforce Intelligence API\"}";
    return wos_reply_json(req, 200, body, sizeof(body) - 1);
}

int wos_system_health(struct wos_req *req)
{
    static const char body[] = "{\"status\":\"ok\"}";
    return wos_reply_json(req, 200, body, sizeof(body) - 1);
}

int wos_system_api_health(struct wos_req *req)
{
    int redis_ok = wos_redis_ping();
    struct wos_db_error err;
    PGresult *res = wos_db_exec_opt(req, &stmt_queue_stats, 0, NULL, WOS_DB_SQL_ERRORS, &err);
    if (!res && strcmp(err.sqlstate, "08006") == 0) {
        wos_reply_header(req, "Retry-After", "1");
        char *body = wos_arena_printf(
            req->arena,
            "{\"status\":\"unavailable\",\"database\":\"down\",\"redis\":\"%s\",\"jobs\":null}",
            redis_ok ? "ok" : "down");
        if (!body)
            return wos_reply_internal(req, "out of memory");
        return wos_reply_json(req, 503, body, strlen(body));
    }
    if (!res)
        return wos_reply_internal(req, err.message);
    char *body = wos_arena_printf(
        req->arena,
        "{\"status\":\"ok\",\"database\":\"ok\",\"redis\":\"%s\",\"version\":\"%s\","
        "\"mail\":\"%s\",\"jobs\":{\"queued\":%s,\"running\":%s,\"dead\":%s,"
        "\"skipped\":%s}}",
        redis_ok ? "ok" : "down", WOS_VERSION, wos_mail_transport(), PQgetvalue(res, 0, 0),
        PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 3));
    if (!body)
        return wos_reply_internal(req, "out of memory");
    return wos_reply_json(req, 200, body, strlen(body));
}

int wos_system_openapi(struct wos_req *req)
{
    return wos_reply_json(req, 200, wos_openapi_json, wos_openapi_json_len);
}
