/*
 * audit_cli.c: `wos audit verify`. Walks the hash chain of every workspace
 * with wos_audit_verify() (SQL, migration 0001) and prints one line per
 * workspace; a broken chain names its first bad row (seq, id, what does
 * not hold). Exit status: 0 every chain intact, 1 a chain is broken or the
 * database could not be read, 2 usage or configuration error.
 */
#include "modules/governance/governance.h"

#include "core/common.h"
#include "core/config.h"
#include "db/db.h"

#include <stdio.h>
#include <string.h>

static const char *const VERIFY_SQL =
    "SELECT w.slug, w.id, (SELECT count(*) FROM audit_logs a WHERE a.workspace_id = w.id), "
    "v.seq, v.id, v.problem "
    "FROM workspaces w LEFT JOIN LATERAL wos_audit_verify(w.id) v ON true "
    "ORDER BY w.created_at, w.id";

static int report(PGresult *res)
{
    int broken = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *slug = PQgetvalue(res, i, 0), *rows = PQgetvalue(res, i, 2);
        if (PQgetisnull(res, i, 3)) {
            printf("workspace %s: intact (%s rows)\n", slug, rows);
            continue;
        }
        broken++;
        printf("workspace %s: BROKEN at seq %s (row %s): %s\n", slug, PQgetvalue(res, i, 3),
               PQgetvalue(res, i, 4), PQgetvalue(res, i, 5));
    }
    if (broken)
        printf("audit verify: %d of %d workspaces have a broken chain\n", broken, PQntuples(res));
    else
        printf("audit verify: ok (%d workspaces)\n", PQntuples(res));
    return broken ? 1 : 0;
}

int wos_audit_verify_main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: wos audit verify\n");
        return 2;
    }
    PGconn *conn = wos_db_connect(wos_cfg()->database_url, "wos-audit-verify");
    if (!conn) {
        fprintf(stderr, "audit verify: cannot connect to the database\n");
        return 1;
    }
    PGresult *res = PQexecParams(conn, VERIFY_SQL, 0, NULL, NULL, NULL, NULL, 0);
    int rc;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        fprintf(stderr, "audit verify: %s", PQerrorMessage(conn));
        rc = 1;
    } else {
        rc = report(res);
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}
