/*
 * cli.c: `wos jobs`, the operator's view of the queue.
 *
 *   wos jobs list [--dead | --status S] [--kind K] [--limit N]
 *   wos jobs retry ID
 *   wos jobs enqueue KIND [PAYLOAD_JSON] [--key K] [--workspace ID]
 *
 * list prints the newest jobs first, one per line; retry puts a dead,
 * failed or skipped job back in the queue with a fresh set of attempts
 * (audited when the job belongs to a workspace); enqueue adds a job, e.g.
 * a manual run of a scheduled kind. Exit status: 0 done, 1 refused or
 * failed, 2 usage.
 */
#include "core/config.h"
#include "db/db.h"
#include "http/validate.h"
#include "jobs/jobs_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sql_list[] =
    "SELECT id, kind, status, attempts, max_attempts,"
    "       to_char(run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),"
    "       coalesce(workspace_id::text, '-'),"
    "       left(regexp_replace(coalesce(last_error, ''), '\\s+', ' ', 'g'), 120)"
    "  FROM jobs"
    " WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR kind = $2)"
    " ORDER BY created_at DESC, id"
    " LIMIT $3::int";

static const char sql_retry[] =
    "WITH t AS (SELECT id, status, attempts, workspace_id FROM jobs WHERE id = $1::uuid"
    "           FOR UPDATE),"
    " u AS (UPDATE jobs j SET status = 'queued', attempts = 0, run_at = now(),"
    "              finished_at = NULL, locked_by = NULL, lease_expires_at = NULL"
    "         FROM t WHERE j.id = t.id AND t.status IN ('dead', 'failed', 'skipped')"
    "       RETURNING j.id, j.kind, j.workspace_id),"
    " a AS (SELECT wos_audit_append(u.workspace_id, NULL, 'job.retried', 'job', u.id, u.kind,"
    "              jsonb_build_object('status', t.status, 'attempts', t.attempts),"
    "              jsonb_build_object('status', 'queued'), '{\"via\": \"cli\"}', NULL, NULL)"
    "         FROM u JOIN t ON t.id = u.id WHERE u.workspace_id IS NOT NULL),"
    " n AS (SELECT pg_notify('wos_jobs', u.kind) FROM u)"
    " SELECT t.status, (SELECT count(*) FROM u), (SELECT count(*) FROM a),"
    "        (SELECT count(*) FROM n)"
    "   FROM (SELECT 1) one LEFT JOIN t ON true";

static int usage(void)
{
    fprintf(stderr, "usage: wos jobs list [--dead | --status S] [--kind K] [--limit N]\n"
                    "       wos jobs retry ID\n"
                    "       wos jobs enqueue KIND [PAYLOAD_JSON] [--key K] [--workspace ID]\n");
    return 2;
}

static PGconn *connect_db(void)
{
    return wos_db_connect(wos_cfg()->database_url, "wos-jobs");
}

static int list(int argc, char **argv)
{
    const char *status = NULL, *kind = NULL, *limit = "50";
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--dead") == 0)
            status = "dead";
        else if (strcmp(argv[i], "--status") == 0 && i + 1 < argc)
            status = argv[++i];
        else if (strcmp(argv[i], "--kind") == 0 && i + 1 < argc)
            kind = argv[++i];
        else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0)
            limit = argv[++i];
        else
            return usage();
    }
    PGconn *conn = connect_db();
    if (!conn)
        return 1;
    const char *params[] = {status, kind, limit};
    PGresult *r = PQexecParams(conn, sql_list, 3, NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus(r) == PGRES_TUPLES_OK ? 0 : 1;
    if (rc == 0) {
        printf("%-36s  %-24s  %-8s  %-7s  %-19s  %-36s  %s\n", "ID", "KIND", "STATUS", "ATTEMPT",
               "RUN_AT (UTC)", "WORKSPACE", "LAST_ERROR");
        for (int i = 0; i < PQntuples(r); i++) {
            char attempts[16];
            snprintf(attempts, sizeof(attempts), "%s/%s", PQgetvalue(r, i, 3), PQgetvalue(r, i, 4));
            printf("%-36s  %-24s  %-8s  %-7s  %-19s  %-36s  %s\n", PQgetvalue(r, i, 0),
                   PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), attempts, PQgetvalue(r, i, 5),
                   PQgetvalue(r, i, 6), PQgetvalue(r, i, 7));
        }
    } else {
        fprintf(stderr, "wos jobs list: %s", PQerrorMessage(conn));
    }
    PQclear(r);
    PQfinish(conn);
    return rc;
}

static int retry(int argc, char **argv)
{
    if (argc != 1)
        return usage();
    if (!wos_valid_uuid(argv[0])) {
        fprintf(stderr, "wos jobs retry: %s is not a job id\n", argv[0]);
        return 2;
    }
    PGconn *conn = connect_db();
    if (!conn)
        return 1;
    const char *params[] = {argv[0]};
    PGresult *r = PQexecParams(conn, sql_retry, 1, NULL, params, NULL, NULL, 0);
    int rc = 1;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fprintf(stderr, "wos jobs retry: %s", PQerrorMessage(conn));
    else if (PQgetisnull(r, 0, 0))
        fprintf(stderr, "wos jobs retry: job %s not found\n", argv[0]);
    else if (strcmp(PQgetvalue(r, 0, 1), "1") != 0)
        fprintf(stderr,
                "wos jobs retry: job %s is %s; only dead, failed or skipped jobs can be "
                "retried\n",
                argv[0], PQgetvalue(r, 0, 0));
    else {
        printf("job %s queued again (was %s)\n", argv[0], PQgetvalue(r, 0, 0));
        rc = 0;
    }
    PQclear(r);
    PQfinish(conn);
    return rc;
}

static int enqueue(int argc, char **argv)
{
    const char *kind = NULL, *payload = "{}", *key = NULL, *ws = NULL;
    int positional = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
            key = argv[++i];
        else if (strcmp(argv[i], "--workspace") == 0 && i + 1 < argc)
            ws = argv[++i];
        else if (positional == 0 && ++positional)
            kind = argv[i];
        else if (positional == 1 && ++positional)
            payload = argv[i];
        else
            return usage();
    }
    if (!kind)
        return usage();
    json_error_t jerr;
    json_t *parsed = json_loads(payload, 0, &jerr);
    bool object = json_is_object(parsed);
    json_decref(parsed);
    if (!object || (ws && !wos_valid_uuid(ws))) {
        fprintf(stderr, "wos jobs enqueue: %s\n",
                object ? "--workspace needs a workspace id" : "the payload must be a JSON object");
        return 2;
    }
    PGconn *conn = connect_db();
    if (!conn)
        return 1;
    char id[WOS_JOB_ID_LEN + 1];
    int rc = wos_queue_enqueue(conn, kind, payload, key, ws, id) == WOS_OK ? 0 : 1;
    if (rc == 0)
        printf("%s\n", id);
    PQfinish(conn);
    return rc;
}

int wos_jobs_main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "list") == 0)
        return list(argc - 2, argv + 2);
    if (strcmp(argv[1], "retry") == 0)
        return retry(argc - 2, argv + 2);
    if (strcmp(argv[1], "enqueue") == 0)
        return enqueue(argc - 2, argv + 2);
    return usage();
}
