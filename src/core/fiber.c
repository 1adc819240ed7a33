/*
 * fiber.c: fibers on ucontext (see fiber.h).
 *
 * Under AddressSanitizer every switch is announced with the sanitizer's
 * fiber hooks, so it knows which stack is live (otherwise it reports false
 * stack overflows and misses real ones).
 */
#include "core/fiber.h"
#include "core/common.h"
#include "core/log.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#if WOS_ASAN
#include <sanitizer/common_interface_defs.h>
/* sanitized frames are several times larger; the space is only reserved, not touched */
#define STACK_SIZE (4u << 20)
#else
/* a request's deepest path (a 2,048-level JSON body in jansson) stays well inside */
#define STACK_SIZE (512u << 10)
#endif
#define POOL_MAX 32

/* Fibers woken by other threads, waiting to be queued by their own thread. */
struct inbox {
    pthread_mutex_t lock;
    int fd; /* eventfd */
    struct wos_fiber *head;
};

struct wos_fiber {
    ucontext_t ctx;        /* the fiber's own context while it is parked */
    ucontext_t caller_ctx; /* where it returns when it parks or ends */
    char *mem;             /* mapping: guard page + stack */
    wos_fiber_fn fn;
    void *arg;
    int done, queued;
    struct wos_fiber *next_ready;
    struct inbox *inbox; /* its thread's */
    struct wos_fiber *next_remote;
#if WOS_ASAN
    void *fake_stack;
    const void *caller_bottom;
    size_t caller_size;
#endif
};

static _Thread_local struct wos_fiber *current;
static _Thread_local struct wos_fiber *ready_head, *ready_tail;
static _Thread_local char *pool[POOL_MAX];
static _Thread_local int pool_len;
static _Thread_local struct inbox *thread_inbox;

static size_t page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

static char *stack_get(void)
{
    if (pool_len > 0)
        return pool[--pool_len];
    size_t guard = page_size();
    char *mem = mmap(NULL, guard + STACK_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (mem == MAP_FAILED)
        return NULL;
    if (mprotect(mem, guard, PROT_NONE) != 0) {
        munmap(mem, guard + STACK_SIZE);
        return NULL;
    }
    return mem;
}

static void stack_put(char *mem)
{
    if (pool_len < POOL_MAX)
        pool[pool_len++] = mem;
    else
        munmap(mem, page_size() + STACK_SIZE);
}

void wos_fiber_thread_done(void)
{
    while (pool_len > 0)
        munmap(pool[--pool_len], page_size() + STACK_SIZE);
    if (thread_inbox) {
        close(thread_inbox->fd);
        pthread_mutex_destroy(&thread_inbox->lock);
        free(thread_inbox);
        thread_inbox = NULL;
    }
}

int wos_fiber_inbox_fd(void)
{
    if (thread_inbox)
        return thread_inbox->fd;
    struct inbox *in = calloc(1, sizeof(*in));
    if (!in)
        return -1;
    in->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (in->fd < 0) {
        free(in);
        return -1;
    }
    pthread_mutex_init(&in->lock, NULL);
    thread_inbox = in;
    return in->fd;
}

int wos_fiber_remote_wakeable(void)
{
    return current && current->inbox;
}

void wos_fiber_wake_remote(struct wos_fiber *f)
{
    struct inbox *in = f->inbox;
    pthread_mutex_lock(&in->lock);
    f->next_remote = in->head;
    in->head = f;
    pthread_mutex_unlock(&in->lock);
    uint64_t one = 1;
    if (write(in->fd, &one, sizeof(one)) < 0)
        wos_log(NULL, WOS_LOG_WARN, "waking a fiber of another thread failed");
}

void wos_fiber_inbox_drain(void)
{
    struct inbox *in = thread_inbox;
    if (!in)
        return;
    uint64_t n;
    ssize_t got = read(in->fd, &n, sizeof(n)); /* EAGAIN too: look all the same */
    (void)got;
    pthread_mutex_lock(&in->lock);
    struct wos_fiber *f = in->head;
    in->head = NULL;
    pthread_mutex_unlock(&in->lock);
    while (f) {
        struct wos_fiber *next = f->next_remote;
        wos_fiber_wake(f);
        f = next;
    }
}

/*
 * Switches from the thread's stack into f; back here when f parks or ends.
 * Returns 1 when f has ended (and is freed), 0 when it parked.
 */
static int resume(struct wos_fiber *f)
{
    current = f;
#if WOS_ASAN
    void *fake = NULL;
    __sanitizer_start_switch_fiber(&fake, f->mem + page_size(), STACK_SIZE);
    swapcontext(&f->caller_ctx, &f->ctx);
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#else
    swapcontext(&f->caller_ctx, &f->ctx);
#endif
    current = NULL;
    if (!f->done)
        return 0;
    stack_put(f->mem);
    free(f);
    return 1;
}

/* From f back to the stack that resumed it; returns when f is resumed. */
static void leave(struct wos_fiber *f)
{
#if WOS_ASAN
    /* a fiber that has ended will never come back: its fake stack can go */
    __sanitizer_start_switch_fiber(f->done ? NULL : &f->fake_stack, f->caller_bottom,
                                   f->caller_size);
    swapcontext(&f->ctx, &f->caller_ctx);
    __sanitizer_finish_switch_fiber(f->fake_stack, &f->caller_bottom, &f->caller_size);
#else
    swapcontext(&f->ctx, &f->caller_ctx);
#endif
}

static void entry(void)
{
    struct wos_fiber *f = current;
#if WOS_ASAN
    __sanitizer_finish_switch_fiber(NULL, &f->caller_bottom, &f->caller_size);
#endif
    f->fn(f->arg);
    f->done = 1;
    leave(f);
}

/* Kept apart from wos_fiber_start: getcontext returns twice, which clobbers the caller's locals. */
static __attribute__((noinline)) void make_context(struct wos_fiber *f)
{
    getcontext(&f->ctx);
    f->ctx.uc_stack.ss_sp = f->mem + page_size();
    f->ctx.uc_stack.ss_size = STACK_SIZE;
    f->ctx.uc_link = NULL;
    makecontext(&f->ctx, entry, 0);
}

int wos_fiber_start(wos_fiber_fn fn, void *arg)
{
    if (current) {
        /* fibers do not nest: run inline (it blocks instead of parking) */
        fn(arg);
        return 0;
    }
    struct wos_fiber *f = calloc(1, sizeof(*f));
    char *mem = f ? stack_get() : NULL;
    if (!mem) {
        free(f);
        wos_log(NULL, WOS_LOG_ERROR, "no memory for a request's stack");
        return -1;
    }
    f->mem = mem;
    f->fn = fn;
    f->arg = arg;
    f->inbox = thread_inbox;
    make_context(f);
    return resume(f) ? 0 : 1;
}

struct wos_fiber *wos_fiber_current(void)
{
    return current;
}

void wos_fiber_park(void)
{
    struct wos_fiber *f = current;
    if (f)
        leave(f);
}

void wos_fiber_wake(struct wos_fiber *f)
{
    if (!f || f->queued)
        return;
    f->queued = 1;
    f->next_ready = NULL;
    if (ready_tail)
        ready_tail->next_ready = f;
    else
        ready_head = f;
    ready_tail = f;
}

int wos_fiber_has_ready(void)
{
    return ready_head != NULL;
}

void wos_fiber_run_ready(void)
{
    if (current)
        return;
    while (ready_head) {
        struct wos_fiber *f = ready_head;
        ready_head = f->next_ready;
        if (!ready_head)
            ready_tail = NULL;
        f->queued = 0;
        resume(f);
    }
}
