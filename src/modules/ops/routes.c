/*
 * routes.c (ops): POST /api/v1/ops/db/seed and POST /api/v1/ops/db/bootstrap-admin,
 * the HTTP faces of `wos seed` and `wos bootstrap` (spec 01 §6).
 *
 * Who: an admin of the default workspace (slug "default", the operator's
 * own, made by the bootstrapper). These commands act on the whole
 * installation, so admins of other workspaces (self-registered tenants) get
 * 403 like everyone else. The first statement reads the caller's workspace
 * slug and carries the pipelined principal check, after which the token's
 * role is the member's current role (401/403 of that check win).
 *
 * Both run the CLI's code on a dedicated connection holding the migration
 * lock, so they never overlap a migration, a start-up bootstrap or each
 * other; the HTTP thread waits meanwhile (well under five seconds).
 *
 * Audit: "ops.seed" is written inside the seed's own transaction, so the
 * data and its audit row commit together; "ops.bootstrap_admin" right after
 * the bootstrapper committed (it audits each change it makes itself), on
 * the same connection, still under the lock. Seeding in production is a
 * policy refusal: 403, like a missing permission.
 */
#include "modules/ops/ops.h"

#include "core/config.h"
#include "core/log.h"
#include "db/bootstrap.h"
#include "db/db.h"
#include "db/migrate.h"
#include "db/seed.h"
#include "http/validate.h"

#include <stdio.h>
#include <string.h>

WOS_STMT(stmt_caller_workspace, "SELECT slug FROM workspaces WHERE id = $1");

static const char sql_bootstrap_audit[] =
    "SELECT wos_audit_append($1, $2, 'ops.bootstrap_admin', 'user', u.id, u.email, NULL,"
    " json_build_object('admin_email', u.email, 'outcome', 'ok')::jsonb,"
    " json_build_object('source', 'api', 'request_id', $5::text)::jsonb, $4, $5), u.email"
    " FROM users u WHERE u.email = lower(btrim($3))";

/* WOS_OK when the caller is an admin of the default workspace; else the reply is queued. */
static int guard(struct wos_req *req)
{
    const char *params[] = {req->who.workspace_id};
    PGresult *res = wos_db_exec(req, &stmt_caller_workspace, 1, params);

    if (!res)
        return WOS_ERROR;
    if (strcmp(req->who.role, "admin") != 0 || PQntuples(res) != 1 ||
        strcmp(PQgetvalue(res, 0, 0), "default") != 0) {
        wos_reply_error(req, 403,
                        "Only administrators of the default workspace can run operations "
                        "commands.",
                        NULL);
        return WOS_ERROR;
    }
    return WOS_OK;
}

/* A connection of its own holding the migration lock, or NULL with 503 queued. */
static PGconn *ops_connect(struct wos_req *req)
{
    const struct wos_config *cfg = wos_cfg();
    PGconn *conn = wos_db_connect(cfg->database_url, "wos-ops");

    if (conn && wos_migrate_lock(conn, (int)cfg->migrate_lock_timeout_seconds) != WOS_OK) {
        PQfinish(conn);
        wos_reply_header(req, "Retry-After", "5");
        wos_reply_error(req, 503,
                        "A migration or another operations command is running. Please retry "
                        "shortly.",
                        NULL);
        return NULL;
    }
    if (!conn) {
        wos_reply_header(req, "Retry-After", "1");
        wos_reply_error(req, 503, "The database is unavailable. Please retry shortly.", NULL);
    }
    return conn;
}

static void ops_disconnect(PGconn *conn)
{
    wos_migrate_unlock(conn);
    PQfinish(conn);
}

static const char *request_id(const struct wos_req *req)
{
    return req->request_id[0] ? req->request_id : NULL;
}

static void log_progress(void *ctx, const char *line)
{
    wos_log(ctx, WOS_LOG_INFO, "seed: %s", line);
}

int wos_ops_seed(struct wos_req *req)
{
    static const struct wos_field fields[] = {{.name = "reset", .type = WOS_F_BOOL}};
    static const char *const outcomes[] = {"created", "reset", "exists"};
    struct wos_seed_actor actor = {.workspace_id = req->who.workspace_id,
                                   .user_id = req->who.user_id,
                                   .ip = req->client_ip,
                                   .request_id = request_id(req)};
    struct wos_seed_opts opts = {
        .source = "api", .actor = &actor, .progress = log_progress, .progress_ctx = req};
    struct wos_seed_result result;
    PGconn *conn;
    int rc;

    if (guard(req) != WOS_OK)
        return WOS_OK;
    if (wos_cfg()->is_production)
        return wos_reply_error(req, 403, "Sample data is never seeded in production.", NULL);
    /* the body is optional: no body means {"reset": false} */
    if (req->body.len > 0 && wos_validate_body(req, fields, WOS_ARRAY_LEN(fields)) != WOS_OK)
        return WOS_OK;
    opts.reset = req->json && wos_json_bool(req, "reset", 0);

    conn = ops_connect(req);
    if (!conn)
        return WOS_OK;
    rc = wos_seed_run(conn, wos_cfg(), &opts, req->arena, &result);
    ops_disconnect(conn);
    if (rc != WOS_OK)
        return wos_reply_internal(req, "seed failed");

    /* counts_json is PostgreSQL's json_build_object output */
    char *body = wos_arena_printf(req->arena,
                                  "{\"status\":\"%s\",\"workspace\":{\"id\":\"%s\","
                                  "\"slug\":\"%s\"},\"counts\":%s,\"elapsed_ms\":%ld}",
                                  outcomes[result.outcome], result.workspace_id, WOS_SEED_SLUG,
                                  result.counts_json, result.elapsed_ms);
    if (!body)
        return wos_reply_internal(req, "out of memory");
    return wos_reply_json(req, result.outcome == WOS_SEED_CREATED ? 201 : 200, body, strlen(body));
}

int wos_ops_bootstrap_admin(struct wos_req *req)
{
    const struct wos_config *cfg = wos_cfg();
    const char *email = NULL;
    PGconn *conn;
    PGresult *res;
    int rc;

    if (guard(req) != WOS_OK)
        return WOS_OK;
    conn = ops_connect(req);
    if (!conn)
        return WOS_OK;
    rc = wos_bootstrap_run(conn, cfg);
    if (rc != WOS_OK) {
        ops_disconnect(conn);
        return wos_reply_internal(req, "bootstrap failed");
    }
    const char *params[] = {req->who.workspace_id, req->who.user_id, cfg->bootstrap_admin_email,
                            req->client_ip, request_id(req)};
    res = PQexecParams(conn, sql_bootstrap_audit, 5, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        email = wos_arena_strdup(req->arena, PQgetvalue(res, 0, 1));
    rc = email ? WOS_OK : WOS_ERROR;
    if (rc != WOS_OK)
        wos_log(req, WOS_LOG_ERROR, "ops.bootstrap_admin audit failed: %s",
                PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                    ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                    : "the bootstrap admin was not found");
    PQclear(res);
    ops_disconnect(conn);
    if (rc != WOS_OK)
        return wos_reply_internal(req, "bootstrap audit failed");

    return wos_reply_jansson(req, 200,
                             json_pack("{s:s, s:s}", "status", "ok", "admin_email", email));
}
