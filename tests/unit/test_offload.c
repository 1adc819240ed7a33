/* Offloaded work: runs on a helper while the fiber parks; in place outside fibers or without helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <poll.h>
#include <pthread.h>

#include "core/common.h"
#include "core/fiber.h"
#include "core/offload.h"

struct work {
    pthread_t ran_on;
    int value;
};

static void compute(void *arg)
{
    struct work *w = arg;
    w->ran_on = pthread_self();
    w->value *= 2;
}

struct request {
    struct work work;
    int finished;
};

static void handler(void *arg)
{
    struct request *r = arg;
    wos_offload(compute, &r->work);
    r->finished = 1;
}

/* Runs the thread's loop until every request has finished (the inbox wakes the fibers). */
static void run_until_finished(struct request *reqs, int n)
{
    struct pollfd p = {.fd = wos_fiber_inbox_fd(), .events = POLLIN};
    for (;;) {
        int all = 1;
        for (int i = 0; i < n; i++)
            all &= reqs[i].finished;
        if (all)
            return;
        assert_true(poll(&p, 1, 5000) == 1);
        wos_fiber_inbox_drain();
        wos_fiber_run_ready();
    }
}

static void runs_on_a_helper_while_the_fiber_parks(void **state)
{
    (void)state;
    assert_true(wos_fiber_inbox_fd() >= 0);
    assert_int_equal(wos_offload_start(2), WOS_OK);
    enum { N = 20 };
    static struct request reqs[N];
    for (int i = 0; i < N; i++) {
        reqs[i] = (struct request){.work.value = i};
        assert_int_equal(wos_fiber_start(handler, &reqs[i]), 1); /* parked */
        assert_int_equal(reqs[i].finished, 0);
    }
    run_until_finished(reqs, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(reqs[i].work.value, 2 * i);
        assert_false(pthread_equal(reqs[i].work.ran_on, pthread_self()));
    }
    wos_offload_stop();
}

static void in_place_outside_a_fiber(void **state)
{
    (void)state;
    assert_int_equal(wos_offload_start(1), WOS_OK);
    struct work w = {.value = 21};
    wos_offload(compute, &w);
    assert_int_equal(w.value, 42);
    assert_true(pthread_equal(w.ran_on, pthread_self()));
    wos_offload_stop();
}

static void in_place_without_helpers(void **state)
{
    (void)state;
    struct request r = {.work.value = 5};
    assert_int_equal(wos_fiber_start(handler, &r), 0); /* ran to the end */
    assert_int_equal(r.work.value, 10);
    assert_true(pthread_equal(r.work.ran_on, pthread_self()));
    wos_fiber_thread_done();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(runs_on_a_helper_while_the_fiber_parks),
        cmocka_unit_test(in_place_outside_a_fiber),
        cmocka_unit_test(in_place_without_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
