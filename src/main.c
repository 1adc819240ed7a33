/*
 * main.c: the `wos` binary and its subcommands. Every subcommand loads the
 * configuration first; a configuration problem exits with status 2.
 */
#include "core/config.h"
#include "core/log.h"
#include "db/bootstrap.h"
#include "db/migrate.h"
#include "db/seed.h"
#include "http/router.h"
#include "http/server.h"
#include "jobs/jobs.h"
#include "modules/governance/governance.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    const char *sub; /* second word, or NULL */
    int (*run)(int argc, char **argv);
    int needs_config;
    const char *help;
};

static int cmd_routes(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    wos_router_print();
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("wos %s\n", WOS_VERSION);
    return 0;
}

static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
    {"serve", NULL, wos_serve_main, 1, "serve the API and the web UI"},
    {"migrate", NULL, wos_migrate_main, 0,
     "schema migrations: upgrade|downgrade|current|history|revision|check|stamp|lint"},
    {"worker", NULL, wos_worker_main, 1, "run background jobs and schedules [--drain]"},
    {"jobs", NULL, wos_jobs_main, 1, "job queue: list [--dead] [--kind K] | retry ID | enqueue"},
    {"bootstrap", NULL, wos_bootstrap_main, 0, "seed permissions and roles, reconcile the admin"},
    {"seed", NULL, wos_seed_main, 0, "development sample data (workspace 'demo'); --reset rebuilds"},
    {"config", "check", wos_config_check_main, 0, "print the resolved configuration and problems"},
    {"audit", "verify", wos_audit_verify_main, 1,
     "check every workspace's audit hash chain; name the first bad row"},
    {"routes", NULL, cmd_routes, 0, "print the route table as JSON lines"},
    {"version", NULL, cmd_version, 0, "print the version"},
    {"help", NULL, cmd_help, 0, "this list"},
};

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("usage: wos <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        printf("  %-10s %-6s %s\n", commands[i].name, commands[i].sub ? commands[i].sub : "",
               commands[i].help);
    return 0;
}

static const struct command *find_command(int argc, char **argv)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        const struct command *c = &commands[i];
        if (strcmp(argv[1], c->name) != 0)
            continue;
        if (!c->sub || (argc > 2 && strcmp(argv[2], c->sub) == 0))
            return c;
    }
    return NULL;
}

static void setup_logging(void)
{
    const struct wos_config *cfg = wos_cfg();
    enum wos_log_level level = WOS_LOG_INFO;
    if (cfg->log_level)
        wos_log_level_parse(cfg->log_level, &level);
    wos_log_setup(level, cfg->log_format && strcmp(cfg->log_format, "json") == 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cmd_help(argc, argv);
        return 2;
    }
    const struct command *c = find_command(argc, argv);
    if (!c) {
        fprintf(stderr, "wos: unknown command '%s' (try 'wos help')\n", argv[1]);
        return 2;
    }
    int shift = c->sub ? 2 : 1;
    if (c->needs_config) {
        if (wos_config_init() != 0)
            return 2;
        setup_logging();
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = c->run(argc - shift, argv + shift);
    curl_global_cleanup();
    return rc;
}
