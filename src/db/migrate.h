/*
 * migrate.h: schema migrations. The migration files (migrations/NNNN_slug.up.sql
 * and .down.sql) are embedded into the binary by scripts/embed-migrations; the
 * runner records what it applied in the table schema_migrations, which it alone
 * creates and maintains. Every run that reads or changes that table holds one
 * PostgreSQL session advisory lock, so concurrent runners (several `wos serve`
 * starting at once, two `wos migrate upgrade`) apply each migration once.
 */
#ifndef WOS_DB_MIGRATE_H
#define WOS_DB_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

struct wos_config;

/* One embedded migration: revision "0001_initial_schema", its SQL texts (down may be NULL). */
struct wos_migration_file {
    const char *revision;
    const char *up_sql;
    const char *down_sql;
};

/* Generated into build/gen/migrations_embedded.c, sorted by revision. */
extern const struct wos_migration_file wos_embedded_migrations[];
extern const size_t wos_embedded_migrations_count;

/* `wos migrate ...`: argv[0] is "migrate", argv[1] the command. Returns the exit status. */
int wos_migrate_main(int argc, char **argv);

/*
 * Takes the migration advisory lock (session level) on conn, waiting up to
 * timeout_seconds (0: a single attempt; negative: 60 s). WOS_OK, or
 * WOS_ERROR after logging why (and who holds it).
 */
int wos_migrate_lock(PGconn *conn, int timeout_seconds);
void wos_migrate_unlock(PGconn *conn);

/*
 * For `wos serve` start-up: connects to cfg->database_url, takes the lock,
 * refuses unknown revisions and dirty state, applies pending migrations when
 * cfg->migrate_on_start (refuses pending ones otherwise), runs
 * wos_bootstrap_run(), unlocks and disconnects. WOS_OK, or WOS_ERROR after
 * logging why.
 */
int wos_migrate_on_start(const struct wos_config *cfg);

#endif
