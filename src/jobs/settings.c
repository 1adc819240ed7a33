/*
 * settings.c: the worker's tuning variables (docs/jobs.md), one table row
 * each: name, bounds, default. Looked up in the environment first and in
 * ./.env second, like the rest of the configuration; a bad value is a
 * start-up error naming the variable. Loaded once by `wos worker` before
 * any thread starts, read-only afterwards.
 */
#include "core/config.h"
#include "core/dotenv.h"
#include "jobs/jobs_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct row {
    const char *name;
    long min, max, dflt;
    size_t off;
};

#define AT(f) .off = offsetof(struct wos_jobs_settings, f)

static const struct row rows[] = {
    {"WORKER_LEASE_SECONDS", 1, 3600, 60, AT(lease_seconds)},
    {"WORKER_POLL_INTERVAL_MS", 50, 600000, 5000, AT(poll_interval_ms)},
    {"WORKER_BACKOFF_BASE_MS", 10, 86400000, 30000, AT(backoff_base_ms)},
    {"WORKER_BACKOFF_MAX_SECONDS", 1, 604800, 3600, AT(backoff_max_seconds)},
    {"WORKER_SHUTDOWN_TIMEOUT_SECONDS", 0, 3600, 20, AT(shutdown_timeout_seconds)},
    {"WORKER_JOB_TIMEOUT_SECONDS", 1, 86400, 900, AT(job_timeout_seconds)},
    {"SMTP_TIMEOUT_SECONDS", 1, 3600, 60, AT(smtp_timeout_seconds)},
    {"WORKER_TEST_SCHEDULE_SECONDS", 0, 86400, 0, AT(test_schedule_seconds)},
};

static struct wos_jobs_settings current;
static bool defaults_set;

static void set_defaults(struct wos_jobs_settings *s)
{
    for (size_t i = 0; i < WOS_ARRAY_LEN(rows); i++)
        *(long *)((char *)s + rows[i].off) = rows[i].dflt;
    s->templates_dir[0] = '\0';
}

static const char *lookup(const struct wos_dotenv *env_file, const char *name)
{
    const char *v = getenv(name);
    return v ? v : wos_dotenv_get(env_file, name);
}

static int parse_row(const struct row *r, const char *text, struct wos_jobs_settings *s)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (errno || end == text || *end || v < r->min || v > r->max) {
        fprintf(stderr, "config: %s must be an integer between %ld and %ld\n", r->name, r->min,
                r->max);
        return WOS_ERROR;
    }
    *(long *)((char *)s + r->off) = v;
    return WOS_OK;
}

int wos_jobs_settings_load(void)
{
    struct wos_jobs_settings s;
    struct wos_dotenv env_file;
    int rc = WOS_OK;

    set_defaults(&s);
    wos_dotenv_read_file(".env", &env_file);
    for (size_t i = 0; i < WOS_ARRAY_LEN(rows); i++) {
        const char *v = lookup(&env_file, rows[i].name);
        if (v && *v && parse_row(&rows[i], v, &s) != WOS_OK)
            rc = WOS_ERROR;
    }
    const char *dir = lookup(&env_file, "WOS_TEMPLATES_DIR");
    if (dir && strlen(dir) >= sizeof(s.templates_dir)) {
        fprintf(stderr, "config: WOS_TEMPLATES_DIR is too long\n");
        rc = WOS_ERROR;
    } else if (dir) {
        snprintf(s.templates_dir, sizeof(s.templates_dir), "%s", dir);
    }
    wos_dotenv_free(&env_file);
    current = s;
    defaults_set = true;
    return rc;
}

const struct wos_jobs_settings *wos_jobs_settings(void)
{
    if (!defaults_set) {
        set_defaults(&current);
        defaults_set = true;
    }
    return &current;
}

bool wos_jobs_test_mode(void)
{
    return !wos_cfg()->is_production; /* APP_ENV development, dev, local or test */
}
