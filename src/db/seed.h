/*
 * seed.h: `wos seed`, the development data set (spec 01 §6). One realistic
 * workspace, slug "demo" ("Acme Operations", Asia/Karachi): departments,
 * shifts, holidays, 60 members over the seven system roles with a manager
 * hierarchy, 30 days of attendance with breaks, leave requests in every
 * status with their timelines, and announcements. Every member signs in with
 * the development password printed by the command (never in production).
 *
 * The same code serves the CLI and POST /api/v1/ops/db/seed.
 */
#ifndef WOS_DB_SEED_H
#define WOS_DB_SEED_H

#include "core/arena.h"

#include <libpq-fe.h>
#include <stdbool.h>

struct wos_config;

#define WOS_SEED_SLUG "demo"

enum wos_seed_outcome {
    WOS_SEED_CREATED, /* the demo workspace did not exist and was built */
    WOS_SEED_RESET,   /* it existed, was emptied (--reset) and rebuilt */
    WOS_SEED_EXISTS,  /* it existed and nothing was changed */
};

/* The admin who asked over HTTP: an "ops.seed" audit row goes into their workspace. */
struct wos_seed_actor {
    const char *workspace_id;
    const char *user_id;
    const char *ip;         /* may be NULL */
    const char *request_id; /* may be NULL */
};

struct wos_seed_opts {
    bool reset;
    const char *source;                 /* "cli" or "api", recorded in the audit rows */
    const struct wos_seed_actor *actor; /* NULL from the CLI */
    /* Called with one line per finished step (no trailing newline); may be NULL. */
    void (*progress)(void *ctx, const char *line);
    void *progress_ctx;
};

struct wos_seed_result {
    enum wos_seed_outcome outcome;
    const char *workspace_id; /* in the caller's arena */
    const char *counts_json;  /* {"members":60,...} in the caller's arena */
    long elapsed_ms;
};

/*
 * Runs on conn (connected, caller holds the migration advisory lock, no
 * transaction open), in one transaction of its own. Refused (WOS_ERROR) when
 * cfg->is_production. Strings of *out live in `arena`. WOS_OK, or WOS_ERROR
 * after logging why; on error nothing was changed.
 */
int wos_seed_run(PGconn *conn, const struct wos_config *cfg, const struct wos_seed_opts *opts,
                 struct wos_arena *arena, struct wos_seed_result *out);

/*
 * `wos seed [--reset]`: argv[0] is "seed". Refuses production before any other
 * configuration problem, then, under the migration lock, runs the
 * bootstrapper (as `wos serve` does at start-up) and wos_seed_run(). Returns
 * the exit status: 0, 1 (refused or failed), 2 (bad usage or configuration).
 */
int wos_seed_main(int argc, char **argv);

#endif
