/*
 * worker.c: `wos worker`, the process that runs jobs and schedules.
 *
 * Shape: WORKER_CONCURRENCY job threads, each with its own PostgreSQL
 * connection, and the main thread with a control connection that
 *   - LISTENs on channel wos_jobs (the jobs insert trigger NOTIFYs) and
 *     wakes idle threads when a job arrives,
 *   - renews the leases of this process's running jobs every third of
 *     WORKER_LEASE_SECONDS,
 *   - requeues jobs whose lease expired (their worker died) every second,
 *   - runs the scheduler step (leader election + enqueueing periods),
 *   - takes SIGTERM/SIGINT through a signalfd.
 * A job thread loops: claim one due job, run its handler, record the
 * outcome; when nothing is due it sleeps until woken, until the next known
 * run_at, or WORKER_POLL_INTERVAL_MS at most (the fallback when a NOTIFY
 * was missed, e.g. across a reconnect).
 *
 * Shutdown: the first SIGTERM stops claiming and waits for running jobs up
 * to WORKER_SHUTDOWN_TIMEOUT_SECONDS, then exits 0; jobs still running then
 * are recovered by other workers when their lease expires. A second SIGINT
 * (Ctrl-C twice) exits at once; repeated SIGTERMs (process managers often
 * signal a whole group) change nothing. `--drain` runs every job due now,
 * then exits 0.
 *
 * Invariants: threads share only the registry (read-only after start-up),
 * the settings (read-only) and `struct worker` under its mutex; every
 * write about an attempt is conditioned on this attempt (queue.c), so a
 * late writer never clobbers a newer attempt.
 */
#include "core/config.h"
#include "core/log.h"
#include "db/db.h"
#include "db/migrate.h"
#include "jobs/jobs_int.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define RECONNECT_MS 1000
#define REAP_INTERVAL_MS 1000

struct worker {
    char id[128];
    char kinds[2048];
    const struct wos_jobs_settings *set;
    bool drain;
    int exit_fd; /* eventfd: a thread exited */

    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned long gen; /* bumped by every wake-up */
    bool stopping;
    int running_threads;
};

struct slot {
    struct worker *w;
    PGconn *conn;
    long long retry_at;
    pthread_t thread;
};

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t random32(void)
{
    uint32_t r = 0;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r = (uint32_t)mono_ms() * 2654435761u;
    return r;
}

/* ---- wake-ups ---- */

static void wake_all(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->gen++;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Whether to stop; *gen receives the wake-up generation seen. */
static bool should_stop(struct worker *w, unsigned long *gen)
{
    pthread_mutex_lock(&w->mu);
    bool stop = w->stopping;
    *gen = w->gen;
    pthread_mutex_unlock(&w->mu);
    return stop;
}

/* Sleeps up to ms, returning early on a wake-up after generation `gen` or on stop. */
static void wait_wake(struct worker *w, unsigned long gen, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&w->mu);
    while (!w->stopping && w->gen == gen)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&w->mu);
}

/* Server notices (e.g. "terminating connection") go to the log, not raw to stderr. */
static void pg_notice(void *arg, const char *message)
{
    (void)arg;
    char line[300];
    snprintf(line, sizeof(line), "%s", message);
    line[strcspn(line, "\n")] = '\0';
    wos_log(NULL, WOS_LOG_WARN, "postgres: %s", line);
}

static PGconn *connect_db(const char *application_name)
{
    PGconn *conn = wos_db_connect(wos_cfg()->database_url, application_name);
    if (conn)
        PQsetNoticeProcessor(conn, pg_notice, NULL);
    return conn;
}

/* ---- job threads ---- */

static bool slot_connected(struct slot *s)
{
    if (s->conn && PQstatus(s->conn) == CONNECTION_OK)
        return true;
    if (s->conn) {
        PQfinish(s->conn);
        s->conn = NULL;
    }
    if (mono_ms() < s->retry_at)
        return false;
    s->conn = connect_db("wos-worker");
    if (!s->conn)
        s->retry_at = mono_ms() + RECONNECT_MS;
    return s->conn != NULL;
}

/*
 * Records the outcome, reconnecting while the database is briefly away (up
 * to half a lease): losing the record would run the job again.
 */
static int finish_recorded(struct slot *s, const struct wos_claimed *c, const struct wos_finish *f,
                           char status[16])
{
    long long give_up = mono_ms() + s->w->set->lease_seconds * 500;
    for (;;) {
        if (slot_connected(s)) {
            int rc = wos_queue_finish(s->conn, c->id, s->w->id, c->attempt, f, status);
            if (rc >= 0 || PQstatus(s->conn) == CONNECTION_OK)
                return rc;
        }
        if (mono_ms() >= give_up)
            return -1;
        s->retry_at = 0;
        usleep(200 * 1000);
    }
}

static void log_outcome(const struct wos_claimed *c, const struct wos_finish *f, int rc,
                        const char *status, long long ms)
{
    if (rc < 0) {
        wos_log(NULL, WOS_LOG_ERROR,
                "job %s %s: outcome not recorded (database unavailable); it runs again after "
                "its lease",
                c->id, c->kind);
    } else if (rc == 0) {
        wos_log(NULL, WOS_LOG_WARN,
                "job %s %s: lease lost before the outcome was recorded (the job was requeued); "
                "outcome discarded",
                c->id, c->kind);
    } else if (strcmp(status, "done") == 0) {
        wos_log(NULL, WOS_LOG_INFO, "job %s %s done in %lld ms (attempt %d/%d)", c->id, c->kind, ms,
                c->attempt, c->max_attempts);
    } else if (strcmp(status, "skipped") == 0) {
        wos_log(NULL, WOS_LOG_WARN, "job %s %s skipped: %s", c->id, c->kind,
                f->error ? f->error : "");
    } else if (strcmp(status, "failed") == 0) {
        wos_log(NULL, WOS_LOG_WARN, "job %s %s attempt %d/%d failed: %s; retry in %.3f s", c->id,
                c->kind, c->attempt, c->max_attempts, f->error, (double)f->retry_in_ms / 1000);
    } else {
        wos_log(NULL, WOS_LOG_ERROR, "job %s %s dead after attempt %d/%d: %s", c->id, c->kind,
                c->attempt, c->max_attempts, f->error ? f->error : "");
    }
}

static enum wos_job_outcome call_handler(struct slot *s, const struct wos_claimed *c,
                                         struct wos_job *job)
{
    json_error_t jerr;
    wos_job_fn fn = wos_jobs_handler(c->kind);
    job->payload = json_loads(c->payload, 0, &jerr);
    job->prev_result = c->result ? json_loads(c->result, 0, &jerr) : NULL;
    if (!job->arena)
        return wos_job_fail(job, WOS_JOB_RETRY, "out of memory");
    if (!json_is_object(job->payload))
        return wos_job_fail(job, WOS_JOB_DEAD, "payload is not a JSON object");
    enum wos_job_outcome out = fn(job);
    if (PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
        PQclear(PQexec(s->conn, "ROLLBACK"));
        wos_log(NULL, WOS_LOG_ERROR, "job %s %s: handler left a transaction open (rolled back)",
                c->id, c->kind);
        if (out == WOS_JOB_DONE)
            out = wos_job_fail(job, WOS_JOB_RETRY, "handler left a transaction open");
    }
    if ((out == WOS_JOB_RETRY || out == WOS_JOB_DEAD) && !job->error[0])
        wos_job_fail(job, out, "failed without a reason");
    return out;
}

static void run_job(struct slot *s, const struct wos_claimed *c)
{
    const struct wos_jobs_settings *set = s->w->set;
    long long started = mono_ms();
    struct wos_job job = {.id = c->id,
                          .kind = c->kind,
                          .workspace_id = c->workspace_id,
                          .attempt = c->attempt,
                          .max_attempts = c->max_attempts,
                          .worker_id = s->w->id,
                          .conn = s->conn,
                          .arena = wos_arena_new()};
    enum wos_job_outcome out = call_handler(s, c, &job);

    char *result = job.result ? json_dumps(job.result, JSON_COMPACT) : NULL;
    struct wos_finish f = {.outcome = out,
                           .error = job.error[0] ? job.error : NULL,
                           .result = result,
                           .scrub_vars = job.scrub_vars};
    if (out == WOS_JOB_RETRY)
        f.retry_in_ms = wos_queue_backoff_ms(c->attempt, set->backoff_base_ms,
                                             set->backoff_max_seconds * 1000, random32());
    char status[16] = "";
    int rc = finish_recorded(s, c, &f, status);
    log_outcome(c, &f, rc, status, mono_ms() - started);

    free(result);
    json_decref(job.result);
    json_decref(job.payload);
    json_decref(job.prev_result);
    if (job.arena)
        wos_arena_free(job.arena);
}

/* The next wait of an idle thread: until the next known run_at, at most the poll interval. */
static long idle_wait_ms(struct slot *s)
{
    long poll_ms = s->w->set->poll_interval_ms;
    long due = wos_queue_next_due_ms(s->conn, s->w->kinds);
    if (due < 0 || due >= poll_ms)
        return poll_ms;
    return due < 5 ? 5 : due;
}

static void thread_exited(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->running_threads--;
    pthread_mutex_unlock(&w->mu);
    uint64_t one = 1;
    if (write(w->exit_fd, &one, sizeof(one)) < 0)
        wos_log(NULL, WOS_LOG_WARN, "worker: cannot signal a thread exit: %s", strerror(errno));
}

static void *thread_main(void *arg)
{
    struct slot *s = arg;
    struct worker *w = s->w;
    unsigned long gen;
    while (!should_stop(w, &gen)) {
        if (!slot_connected(s)) {
            wait_wake(w, gen, w->set->poll_interval_ms);
            continue;
        }
        struct wos_claimed c;
        int got = wos_queue_claim(s->conn, w->id, w->kinds, w->set->lease_seconds, &c);
        if (got > 0) {
            run_job(s, &c);
            wos_queue_claimed_free(&c);
            continue;
        }
        if (got == 0 && w->drain)
            break;
        wait_wake(w, gen, got < 0 ? w->set->poll_interval_ms : idle_wait_ms(s));
    }
    if (s->conn)
        PQfinish(s->conn);
    s->conn = NULL;
    thread_exited(w);
    return NULL;
}

/* ---- the control connection ---- */

struct control {
    PGconn *conn;
    long long retry_at;
    bool leader;
};

static bool control_connect(struct control *ctl, struct worker *w)
{
    if (ctl->conn)
        return true;
    if (mono_ms() < ctl->retry_at)
        return false;
    ctl->conn = connect_db("wos-worker-control");
    if (ctl->conn) {
        PGresult *r = PQexec(ctl->conn, "LISTEN wos_jobs");
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (ok) {
            wake_all(w); /* notifications may have been missed while disconnected */
            return true;
        }
        PQfinish(ctl->conn);
        ctl->conn = NULL;
    }
    ctl->retry_at = mono_ms() + RECONNECT_MS;
    return false;
}

static void control_lost(struct control *ctl)
{
    if (!ctl->conn)
        return;
    wos_log(NULL, WOS_LOG_WARN, "worker: control connection lost%s",
            ctl->leader ? "; no longer the scheduler leader" : "");
    PQfinish(ctl->conn);
    ctl->conn = NULL;
    ctl->leader = false;
    ctl->retry_at = mono_ms() + RECONNECT_MS;
}

/*
 * Reads pending notifications (read_socket: the socket polled readable);
 * true when a job was announced. Also called after every statement on the
 * control connection: libpq buffers notifications that arrive with a
 * result, such as those of the scheduler's own inserts.
 */
static bool control_notified(struct control *ctl, bool read_socket)
{
    if (read_socket && !PQconsumeInput(ctl->conn)) {
        control_lost(ctl);
        return false;
    }
    bool any = false;
    PGnotify *n;
    while ((n = PQnotifies(ctl->conn))) {
        any = true;
        PQfreemem(n);
    }
    return any;
}

/* ---- main loop ---- */

struct timers {
    long long renew, reap, schedule, deadline;
};

/* Returns false when the control connection failed (the caller drops it). */
static bool housekeeping_on(struct worker *w, struct control *ctl, struct timers *t, bool stopping)
{
    long long now = mono_ms();
    if (now >= t->renew) {
        if (wos_queue_renew(ctl->conn, w->id, w->set->lease_seconds, w->set->job_timeout_seconds) <
                0 &&
            PQstatus(ctl->conn) != CONNECTION_OK)
            return false;
        t->renew = now + (w->set->lease_seconds * 1000) / 3;
    }
    if (now >= t->reap) {
        if (wos_queue_reap(ctl->conn) < 0 && PQstatus(ctl->conn) != CONNECTION_OK)
            return false;
        t->reap = now + REAP_INTERVAL_MS;
    }
    if (!stopping && !w->drain && now >= t->schedule) {
        long next = wos_scheduler_step(ctl->conn, &ctl->leader);
        if (next < 0)
            return false;
        t->schedule = now + next;
    }
    return true;
}

static void housekeeping(struct worker *w, struct control *ctl, struct timers *t, bool stopping)
{
    if (control_connect(ctl, w) && !housekeeping_on(w, ctl, t, stopping))
        control_lost(ctl);
}

static int poll_timeout(const struct worker *w, const struct control *ctl, const struct timers *t,
                        bool stopping)
{
    long long next;
    if (ctl->conn) {
        next = t->renew < t->reap ? t->renew : t->reap;
        if (!stopping && !w->drain && t->schedule < next)
            next = t->schedule;
    } else {
        next = ctl->retry_at; /* due timers wait for the connection: never spin on them */
    }
    if (stopping && t->deadline < next)
        next = t->deadline;
    long long ms = next - mono_ms();
    return ms < 0 ? 0 : (int)(ms > 60000 ? 60000 : ms);
}

static int running_threads(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    int n = w->running_threads;
    pthread_mutex_unlock(&w->mu);
    return n;
}

static void begin_stop(struct worker *w, struct timers *t, const char *why)
{
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    t->deadline = mono_ms() + w->set->shutdown_timeout_seconds * 1000;
    wos_log(NULL, WOS_LOG_INFO, "worker: %s: finishing running jobs (up to %ld s)", why,
            w->set->shutdown_timeout_seconds);
}

/* Returns true when the process should exit now (all threads gone, or the grace expired). */
static bool main_step(struct worker *w, struct control *ctl, struct timers *t, int sig_fd)
{
    bool stopping = t->deadline != 0;
    housekeeping(w, ctl, t, stopping);
    if (ctl->conn && control_notified(ctl, false))
        wake_all(w);
    if ((stopping || w->drain) && running_threads(w) == 0)
        return true;
    if (stopping && mono_ms() >= t->deadline) {
        wos_log(NULL, WOS_LOG_WARN,
                "worker: %d jobs still running after %ld s; exiting, they run again after "
                "their lease",
                running_threads(w), w->set->shutdown_timeout_seconds);
        return true;
    }
    struct pollfd fds[3] = {{.fd = sig_fd, .events = POLLIN},
                            {.fd = w->exit_fd, .events = POLLIN},
                            {.fd = ctl->conn ? PQsocket(ctl->conn) : -1, .events = POLLIN}};
    if (poll(fds, 3, poll_timeout(w, ctl, t, stopping)) < 0 && errno != EINTR)
        return true;
    if (fds[0].revents & POLLIN) {
        struct signalfd_siginfo si;
        if (read(sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
            const char *name = si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
            if (stopping && si.ssi_signo == SIGINT) {
                wos_log(NULL, WOS_LOG_WARN, "worker: second SIGINT: exiting now");
                return true;
            }
            if (!stopping)
                begin_stop(w, t, name);
        }
    }
    if (fds[1].revents & POLLIN) {
        uint64_t n;
        if (read(w->exit_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
            wos_log(NULL, WOS_LOG_WARN, "worker: eventfd: %s", strerror(errno));
    }
    if (ctl->conn && control_notified(ctl, fds[2].revents & (POLLIN | POLLERR | POLLHUP)))
        wake_all(w);
    return false;
}

/* ---- start-up ---- */

static int usage(void)
{
    fprintf(stderr, "usage: wos worker [--drain]\n"
                    "  --drain  run every job that is due now, then exit\n");
    return 2;
}

static void make_id(struct worker *w)
{
    char host[64] = "localhost";
    gethostname(host, sizeof(host) - 1);
    host[sizeof(host) - 1] = '\0';
    snprintf(w->id, sizeof(w->id), "%s:%ld:%04x", host, (long)getpid(),
             (unsigned)(random32() & 0xffff));
}

static int block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &set, SFD_CLOEXEC);
}

/* Everything that can be wrong before any thread starts. Returns an exit status or 0. */
static int prepare(struct worker *w)
{
    if (wos_jobs_settings_load() != WOS_OK)
        return 2;
    w->set = wos_jobs_settings();
    if (wos_jobs_register_builtin() != WOS_OK || wos_scheduler_check() != WOS_OK)
        return 1;
    if (wos_mail_check() != WOS_OK)
        return 2;
    if (wos_jobs_kinds_literal(w->kinds, sizeof(w->kinds)) != WOS_OK) {
        wos_log(NULL, WOS_LOG_ERROR, "worker: too many job kinds");
        return 1;
    }
    if (wos_migrate_on_start(wos_cfg()) != WOS_OK)
        return 1;
    make_id(w);
    return 0;
}

static int start_threads(struct worker *w, struct slot *slots, long n)
{
    for (long i = 0; i < n; i++) {
        slots[i].w = w;
        pthread_mutex_lock(&w->mu);
        w->running_threads++;
        pthread_mutex_unlock(&w->mu);
        if (pthread_create(&slots[i].thread, NULL, thread_main, &slots[i]) != 0) {
            pthread_mutex_lock(&w->mu);
            w->running_threads--;
            pthread_mutex_unlock(&w->mu);
            wos_log(NULL, WOS_LOG_ERROR, "worker: cannot start thread %ld", i);
            return (int)i;
        }
    }
    return (int)n;
}

static int run(struct worker *w, int sig_fd)
{
    long n = wos_cfg()->worker_concurrency;
    struct slot *slots = calloc((size_t)n, sizeof(*slots));
    struct control ctl = {0};
    struct timers t = {0};
    if (!slots || !control_connect(&ctl, w)) {
        free(slots);
        wos_log(NULL, WOS_LOG_ERROR, "worker: cannot start (database unavailable?)");
        return 1;
    }
    int started = start_threads(w, slots, n);
    wos_log(NULL, WOS_LOG_INFO, "worker ready: id=%s threads=%d kinds=%s mail=%s%s", w->id, started,
            w->kinds, wos_mail_transport(), w->drain ? " (drain)" : "");
    if (started < n)
        begin_stop(w, &t, "start-up failure");
    while (!main_step(w, &ctl, &t, sig_fd))
        ;
    if (running_threads(w) > 0) {
        /* Threads still inside handlers: leave without tearing down what they use. */
        fflush(stderr);
        _exit(started < n ? 1 : 0);
    }
    for (int i = 0; i < started; i++)
        pthread_join(slots[i].thread, NULL);
    if (ctl.conn)
        PQfinish(ctl.conn);
    free(slots);
    wos_log(NULL, WOS_LOG_INFO, "worker: stopped");
    return started < n ? 1 : 0;
}

int wos_worker_main(int argc, char **argv)
{
    struct worker w = {.exit_fd = -1};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--drain") == 0)
            w.drain = true;
        else
            return usage();
    }
    int sig_fd = block_signals();
    if (sig_fd < 0) {
        wos_log(NULL, WOS_LOG_ERROR, "worker: signalfd: %s", strerror(errno));
        return 1;
    }
    int rc = prepare(&w);
    w.exit_fd = rc ? -1 : eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (!rc && w.exit_fd < 0) {
        wos_log(NULL, WOS_LOG_ERROR, "worker: eventfd: %s", strerror(errno));
        rc = 1;
    }
    if (!rc) {
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_mutex_init(&w.mu, NULL);
        pthread_cond_init(&w.cv, &attr);
        pthread_condattr_destroy(&attr);
        rc = run(&w, sig_fd);
        pthread_cond_destroy(&w.cv);
        pthread_mutex_destroy(&w.mu);
    }
    if (w.exit_fd >= 0)
        close(w.exit_fd);
    close(sig_fd);
    return rc;
}
