/*
 * bootstrap.h: the bootstrapper (spec 03 §2.4, §3.10). Seeds the global
 * permission catalogue and the system roles' default bundles, creates the
 * default workspace, seeds every workspace's system roles and settings, and
 * creates or reconciles the bootstrap admin. Idempotent: a second run
 * changes no row and writes no audit row.
 */
#ifndef WOS_DB_BOOTSTRAP_H
#define WOS_DB_BOOTSTRAP_H

#include <libpq-fe.h>

struct wos_config;

/*
 * Runs on conn (already connected, caller holds the migration advisory lock,
 * no transaction open) in one transaction of its own. WOS_OK, or WOS_ERROR
 * after logging why; on error nothing was changed.
 */
int wos_bootstrap_run(PGconn *conn, const struct wos_config *cfg);

/* `wos bootstrap`: argv[0] is "bootstrap". Returns the exit status (0, 1, or 2 on bad config). */
int wos_bootstrap_main(int argc, char **argv);

#endif
