/*
 * fiber.h: cooperative fibers for the HTTP threads.
 *
 * A request's handler runs on a fiber of its thread. When it needs the
 * database it sends its statements and parks; the thread's event loop goes
 * on serving other connections and wakes the fiber when the results are in.
 * Handlers are written as straight-line code all the same: only db/db.c
 * parks, and only while waiting for PostgreSQL.
 *
 * Fibers never move between threads and never run at the same time: a fiber
 * runs until it parks or ends, then control returns to whoever resumed it
 * (the event loop). Stacks are mmap'd with a guard page below them and kept
 * in a small per-thread pool.
 */
#ifndef WOS_CORE_FIBER_H
#define WOS_CORE_FIBER_H

struct wos_fiber;
typedef void (*wos_fiber_fn)(void *arg);

/*
 * Runs fn(arg) on a new fiber until it parks or ends. Returns 1 when the
 * fiber is parked (it will be resumed by wos_fiber_run_ready after a
 * wos_fiber_wake), 0 when it has already ended, -1 when no fiber could be
 * made (no memory): then fn has not run.
 */
int wos_fiber_start(wos_fiber_fn fn, void *arg);
/* The running fiber, or NULL on the thread's own stack. */
struct wos_fiber *wos_fiber_current(void);
/* From a fiber: back to whoever resumed it, until someone wakes this fiber. */
void wos_fiber_park(void);
/* Queues a parked fiber of this thread to run again (waking twice is harmless). */
void wos_fiber_wake(struct wos_fiber *f);
/* Runs the queued fibers (and those they wake) until none is left. From the thread's own stack only. */
void wos_fiber_run_ready(void);
/* True when fibers are queued to run. */
int wos_fiber_has_ready(void);
/*
 * Wakes a parked fiber from any thread: it is queued in its own thread's
 * inbox, whose eventfd (wos_fiber_inbox_fd, made on first use) becomes
 * readable; that thread's loop then calls wos_fiber_inbox_drain.
 */
void wos_fiber_wake_remote(struct wos_fiber *f);
/* True when the running fiber can be woken from another thread (its thread has an inbox). */
int wos_fiber_remote_wakeable(void);
int wos_fiber_inbox_fd(void);
/* Moves the fibers woken from other threads to this thread's run queue. */
void wos_fiber_inbox_drain(void);
/* Releases this thread's pooled stacks and inbox (thread exit). */
void wos_fiber_thread_done(void);

#endif
