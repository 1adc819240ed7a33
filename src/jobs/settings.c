/*
 * settings.c: the worker's tuning values (docs/jobs.md). They are rows of
 * the configuration table (core/config.c) like every other variable; this
 * file only gives the worker its own read-only view of them.
 */
#include "core/config.h"
#include "jobs/jobs_int.h"

#include <stdio.h>
#include <string.h>

static struct wos_jobs_settings current;

static void copy_from(const struct wos_config *c, struct wos_jobs_settings *s)
{
    s->lease_seconds = c->worker_lease_seconds;
    s->poll_interval_ms = c->worker_poll_interval_ms;
    s->backoff_base_ms = c->worker_backoff_base_ms;
    s->backoff_max_seconds = c->worker_backoff_max_seconds;
    s->shutdown_timeout_seconds = c->worker_shutdown_timeout_seconds;
    s->job_timeout_seconds = c->worker_job_timeout_seconds;
    s->smtp_timeout_seconds = c->smtp_timeout_seconds;
    s->test_schedule_seconds = c->worker_test_schedule_seconds;
    snprintf(s->templates_dir, sizeof(s->templates_dir), "%s",
             c->wos_templates_dir ? c->wos_templates_dir : "");
}

int wos_jobs_settings_load(void)
{
    const struct wos_config *c = wos_cfg();
    if (c->wos_templates_dir && strlen(c->wos_templates_dir) >= sizeof(current.templates_dir)) {
        fprintf(stderr, "config: WOS_TEMPLATES_DIR is too long\n");
        return WOS_ERROR;
    }
    copy_from(c, &current);
    return WOS_OK;
}

const struct wos_jobs_settings *wos_jobs_settings(void)
{
    if (current.lease_seconds == 0)
        copy_from(wos_cfg(), &current);
    return &current;
}

bool wos_jobs_test_mode(void)
{
    return !wos_cfg()->is_production; /* APP_ENV development, dev, local or test */
}
