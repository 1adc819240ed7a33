/*
 * scheduler.c: periodic work (spec 10 §1.2), declared in one table.
 *
 * A schedule enqueues a job of its kind once per period: every N seconds
 * (periods aligned on the Unix epoch) or daily at HH:MM, in each
 * workspace's timezone for per-workspace schedules, else in
 * BUSINESS_TIMEZONE. Adding periodic work = one row below + one handler
 * registered in handlers.c.
 *
 * Invariants:
 *   - Only the leader enqueues: the worker whose control connection holds
 *     the scheduler advisory lock. The lock dies with that connection, so
 *     another worker takes over within a step when the leader goes away.
 *   - A period never runs twice, even with two leaders during a network
 *     split: the run's idempotency key is schedule + [workspace +] period
 *     start (wos_jobs_schedule_tick() in migration 0003), unique per kind.
 *   - The current period is computed by PostgreSQL's clock, and an every-N
 *     schedule is checked at least twice per period, so no period is
 *     skipped. A period missed while no worker ran is not replayed; only
 *     the current one runs (a daily job runs once on start-up if today's
 *     time has passed and today's run is missing).
 *   - Scheduled runs default to one attempt: a failed run is logged and
 *     dead, and the next period runs afresh (no tight retry loop).
 */
#include "core/config.h"
#include "core/log.h"
#include "jobs/jobs_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* pg advisory lock key of the scheduler leader (distinct from the migration lock). */
#define LEADER_KEY "7166112483925102934"
#define DAILY_CHECK_MS 30000
#define LOCK_RETRY_MS 1000

struct schedule {
    const char *name;
    const char *kind;
    int every_seconds;    /* > 0: every N seconds */
    const char *daily_at; /* "HH:MM", or NULL */
    bool per_workspace;   /* one run per workspace (daily_at in its timezone) */
    int max_attempts;     /* 0 = 1 */
};

static const struct schedule table[] = {
    {.name = "maintenance.cleanup", .kind = "maintenance.cleanup", .daily_at = "03:30"},
    {.name = "attendance.auto_close", .kind = "attendance.auto_close", .every_seconds = 300},
    {.name = "attendance.exceptions", .kind = "attendance.exceptions", .every_seconds = 300},
    {.name = "attendance.exceptions_daily",
     .kind = "attendance.exceptions_daily",
     .daily_at = "00:30",
     .per_workspace = true},
    {.name = "leave.escalate", .kind = "leave.escalate", .every_seconds = 3600},
    {.name = "leave.approval_reminders",
     .kind = "leave.approval_reminders",
     .daily_at = "09:00",
     .per_workspace = true},
};

/* The test schedule, present outside production when WORKER_TEST_SCHEDULE_SECONDS > 0. */
static struct schedule test_tick = {.name = "test.tick", .kind = "test.tick"};

#define MAX_SCHEDULES (WOS_ARRAY_LEN(table) + 1)

static const struct schedule *active[MAX_SCHEDULES];
static long long next_check[MAX_SCHEDULES];
static size_t n_active;

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool valid_hhmm(const char *s)
{
    int h, m;
    char tail;
    return s && strlen(s) == 5 && sscanf(s, "%2d:%2d%c", &h, &m, &tail) == 2 && s[2] == ':' &&
           h >= 0 && h < 24 && m >= 0 && m < 60;
}

static int check_row(const struct schedule *s)
{
    if ((s->every_seconds > 0) == (s->daily_at != NULL) ||
        (s->daily_at && !valid_hhmm(s->daily_at))) {
        wos_log(NULL, WOS_LOG_ERROR,
                "scheduler: schedule %s needs exactly one of every_seconds or daily_at HH:MM",
                s->name);
        return WOS_ERROR;
    }
    if (!wos_jobs_handler(s->kind)) {
        wos_log(NULL, WOS_LOG_ERROR, "scheduler: schedule %s: no handler for kind %s", s->name,
                s->kind);
        return WOS_ERROR;
    }
    return WOS_OK;
}

int wos_scheduler_check(void)
{
    n_active = 0;
    for (size_t i = 0; i < WOS_ARRAY_LEN(table); i++)
        active[n_active++] = &table[i];
    long test_seconds = wos_jobs_settings()->test_schedule_seconds;
    if (test_seconds > 0 && wos_jobs_test_mode()) {
        test_tick.every_seconds = (int)test_seconds;
        active[n_active++] = &test_tick;
    }
    for (size_t i = 0; i < n_active; i++) {
        if (check_row(active[i]) != WOS_OK)
            return WOS_ERROR;
        next_check[i] = 0;
    }
    return WOS_OK;
}

/* How long until schedule s must be looked at again: twice per period at least. */
static long check_interval_ms(const struct schedule *s)
{
    if (s->every_seconds <= 0)
        return DAILY_CHECK_MS;
    long half = (long)s->every_seconds * 500;
    return half < 1000 ? half : 1000;
}

static int take_lock(PGconn *conn, bool *leader)
{
    const char *params[] = {LEADER_KEY};
    PGresult *r = PQexecParams(conn, "SELECT pg_try_advisory_lock($1::bigint)", 1, NULL, params,
                               NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return WOS_ERROR;
    }
    *leader = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (*leader) {
        wos_log(NULL, WOS_LOG_INFO, "scheduler: this worker is the leader (%zu schedules)",
                n_active);
        for (size_t i = 0; i < n_active; i++)
            next_check[i] = 0;
    }
    return WOS_OK;
}

/*
 * Appends item to the array literal being built in buf ("{a,b"), keeping
 * room for the closing brace; WOS_ERROR when full.
 */
static int append(char *buf, size_t n, const char *item)
{
    size_t used = strlen(buf);
    int w = snprintf(buf + used, n - used, "%s%s", used > 1 ? "," : "", item);
    return w < 0 || (size_t)w + 1 >= n - used ? WOS_ERROR : WOS_OK;
}

/* Enqueues the current period of each due schedule in one statement. */
static int tick(PGconn *conn, const struct schedule **due, size_t n_due)
{
    char names[1024] = "{", kinds[1024] = "{", every[256] = "{", at[256] = "{", per_ws[128] = "{",
         attempts[128] = "{";
    int rc = WOS_OK;
    for (size_t i = 0; i < n_due && rc == WOS_OK; i++) {
        const struct schedule *s = due[i];
        char num[16], tries[16];
        snprintf(num, sizeof(num), "%d", s->every_seconds > 0 ? s->every_seconds : 0);
        snprintf(tries, sizeof(tries), "%d", s->max_attempts > 0 ? s->max_attempts : 1);
        rc |= append(names, sizeof(names), s->name);
        rc |= append(kinds, sizeof(kinds), s->kind);
        rc |= append(every, sizeof(every), num);
        rc |= append(at, sizeof(at), s->daily_at ? s->daily_at : "00:00");
        rc |= append(per_ws, sizeof(per_ws), s->per_workspace ? "t" : "f");
        rc |= append(attempts, sizeof(attempts), tries);
    }
    if (rc != WOS_OK) {
        wos_log(NULL, WOS_LOG_ERROR, "scheduler: schedule table too large for one tick");
        return WOS_OK; /* a configuration bug, not a connection problem */
    }
    char *arrays[] = {names, kinds, every, at, per_ws, attempts};
    for (size_t i = 0; i < WOS_ARRAY_LEN(arrays); i++)
        strcat(arrays[i], "}");
    const char *params[] = {
        names, kinds, every, at, per_ws, attempts, wos_cfg()->business_timezone};
    PGresult *r = PQexecParams(conn,
                               "SELECT kind, idempotency_key FROM wos_jobs_schedule_tick("
                               "$1::text[], $2::text[], $3::int[], $4::text[], $5::bool[], "
                               "$6::int[], $7)",
                               7, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(conn));
        msg[strcspn(msg, "\n")] = '\0';
        wos_log(NULL, WOS_LOG_ERROR, "scheduler: tick failed: %s", msg);
        PQclear(r);
        return PQstatus(conn) == CONNECTION_OK ? WOS_OK : WOS_ERROR;
    }
    for (int i = 0; i < PQntuples(r); i++)
        wos_log(NULL, WOS_LOG_INFO, "scheduler: enqueued %s (%s)", PQgetvalue(r, i, 0),
                PQgetvalue(r, i, 1));
    PQclear(r);
    return WOS_OK;
}

long wos_scheduler_step(PGconn *conn, bool *leader)
{
    if (n_active == 0)
        return DAILY_CHECK_MS;
    if (!*leader) {
        if (take_lock(conn, leader) != WOS_OK)
            return -1;
        if (!*leader)
            return LOCK_RETRY_MS;
    }
    long long now = mono_ms();
    const struct schedule *due[MAX_SCHEDULES];
    size_t n_due = 0;
    for (size_t i = 0; i < n_active; i++) {
        if (next_check[i] <= now) {
            due[n_due++] = active[i];
            next_check[i] = now + check_interval_ms(active[i]);
        }
    }
    if (n_due && tick(conn, due, n_due) != WOS_OK)
        return -1;
    long long wait = DAILY_CHECK_MS;
    for (size_t i = 0; i < n_active; i++)
        if (next_check[i] - now < wait)
            wait = next_check[i] - now;
    return wait < 10 ? 10 : (long)wait;
}
