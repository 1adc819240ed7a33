/*
 * offload.c: helper threads for CPU-heavy work (see offload.h). A job lives
 * on its caller's fiber stack; the helper that finishes it wakes the fiber
 * through its thread's inbox (core/fiber.h).
 */
#include "core/offload.h"
#include "core/common.h"
#include "core/fiber.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct job {
    void (*fn)(void *);
    void *arg;
    struct wos_fiber *fiber;
    bool done; /* under pool.lock */
    struct job *next;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    struct job *head, *tail;
    pthread_t *threads;
    int n;
    bool stopping;
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void *helper(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (!pool.head && !pool.stopping)
            pthread_cond_wait(&pool.cv, &pool.lock);
        struct job *j = pool.head;
        if (!j)
            break; /* stopping, and nothing left */
        pool.head = j->next;
        if (!pool.head)
            pool.tail = NULL;
        pthread_mutex_unlock(&pool.lock);
        j->fn(j->arg);
        pthread_mutex_lock(&pool.lock);
        j->done = true;
        wos_fiber_wake_remote(j->fiber);
    }
    pthread_mutex_unlock(&pool.lock);
    return NULL;
}

int wos_offload_start(int n)
{
    pool.threads = calloc((size_t)n, sizeof(*pool.threads));
    if (!pool.threads)
        return WOS_ERROR;
    pool.stopping = false;
    for (pool.n = 0; pool.n < n; pool.n++)
        if (pthread_create(&pool.threads[pool.n], NULL, helper, NULL) != 0)
            break;
    return pool.n > 0 ? WOS_OK : WOS_ERROR;
}

void wos_offload_stop(void)
{
    pthread_mutex_lock(&pool.lock);
    pool.stopping = true;
    pthread_cond_broadcast(&pool.cv);
    pthread_mutex_unlock(&pool.lock);
    for (int i = 0; i < pool.n; i++)
        pthread_join(pool.threads[i], NULL);
    free(pool.threads);
    pool.threads = NULL;
    pool.n = 0;
}

void wos_offload(void (*fn)(void *), void *arg)
{
    pthread_mutex_lock(&pool.lock);
    bool in_place = pool.n == 0 || pool.stopping || !wos_fiber_remote_wakeable();
    struct job j = {.fn = fn, .arg = arg, .fiber = wos_fiber_current()};
    if (!in_place) {
        if (pool.tail)
            pool.tail->next = &j;
        else
            pool.head = &j;
        pool.tail = &j;
        pthread_cond_signal(&pool.cv);
    }
    pthread_mutex_unlock(&pool.lock);
    if (in_place) {
        fn(arg);
        return;
    }
    for (;;) {
        wos_fiber_park();
        pthread_mutex_lock(&pool.lock);
        bool done = j.done;
        pthread_mutex_unlock(&pool.lock);
        if (done)
            return;
    }
}
