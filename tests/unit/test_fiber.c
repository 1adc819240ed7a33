/* Fibers: run to the end, park and wake in order, deep stacks, many at once, no nesting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "core/fiber.h"

struct trace {
    char log[256];
    size_t len;
    struct wos_fiber *self;
    int parks;
};

static void note(struct trace *t, char c)
{
    if (t->len + 1 < sizeof(t->log))
        t->log[t->len++] = c;
}

static void runs_through(void *arg)
{
    struct trace *t = arg;
    assert_non_null(wos_fiber_current());
    note(t, 'a');
}

static void ends_without_parking(void **state)
{
    (void)state;
    struct trace t = {0};
    assert_null(wos_fiber_current());
    assert_int_equal(wos_fiber_start(runs_through, &t), 0);
    assert_string_equal(t.log, "a");
    assert_null(wos_fiber_current());
    assert_false(wos_fiber_has_ready());
}

static void parks_n_times(void *arg)
{
    struct trace *t = arg;
    t->self = wos_fiber_current();
    for (int i = 0; i < t->parks; i++) {
        note(t, (char)('0' + i));
        wos_fiber_park();
    }
    note(t, 'z');
}

static void parks_until_woken(void **state)
{
    (void)state;
    struct trace t = {.parks = 2};
    assert_int_equal(wos_fiber_start(parks_n_times, &t), 1);
    assert_string_equal(t.log, "0");
    wos_fiber_run_ready(); /* nobody woke it: it stays parked */
    assert_string_equal(t.log, "0");
    wos_fiber_wake(t.self);
    wos_fiber_wake(t.self); /* twice is once */
    assert_true(wos_fiber_has_ready());
    wos_fiber_run_ready();
    assert_string_equal(t.log, "01");
    wos_fiber_wake(t.self);
    wos_fiber_run_ready();
    assert_string_equal(t.log, "01z");
    assert_false(wos_fiber_has_ready());
}

/* Woken fibers run in the order they were woken. */
static struct trace shared;

struct waker {
    struct wos_fiber *self;
    char c;
};

static void recorded_writer(void *arg)
{
    struct waker *w = arg;
    w->self = wos_fiber_current();
    note(&shared, w->c);
    wos_fiber_park();
    note(&shared, (char)(w->c - 'a' + 'A'));
}

static void woken_in_order(void **state)
{
    (void)state;
    memset(&shared, 0, sizeof(shared));
    struct waker w[3] = {{.c = 'a'}, {.c = 'b'}, {.c = 'c'}};
    for (int i = 0; i < 3; i++)
        assert_int_equal(wos_fiber_start(recorded_writer, &w[i]), 1);
    wos_fiber_wake(w[2].self);
    wos_fiber_wake(w[0].self);
    wos_fiber_wake(w[1].self);
    wos_fiber_run_ready();
    assert_string_equal(shared.log, "abcCAB");
}

static int depth(int n)
{
    volatile char pad[512];
    memset((char *)pad, n & 0xff, sizeof(pad));
    return n == 0 ? pad[0] : depth(n - 1) + (pad[7] & 1);
}

static void deep(void *arg)
{
    *(int *)arg = depth(300); /* ~150 KiB of stack frames */
}

static void deep_stack(void **state)
{
    (void)state;
    int out = -1;
    assert_int_equal(wos_fiber_start(deep, &out), 0);
    assert_true(out >= 0);
}

static void park_once(void *arg)
{
    struct waker *w = arg;
    w->self = wos_fiber_current();
    wos_fiber_park();
    w->c = 'x';
}

/* More fibers than the stack pool keeps, all parked at once, then all finished. */
static void many_at_once(void **state)
{
    (void)state;
    enum { N = 200 };
    static struct waker w[N];
    for (int i = 0; i < N; i++) {
        w[i] = (struct waker){0};
        assert_int_equal(wos_fiber_start(park_once, &w[i]), 1);
    }
    for (int i = 0; i < N; i++)
        wos_fiber_wake(w[i].self);
    wos_fiber_run_ready();
    for (int i = 0; i < N; i++)
        assert_int_equal(w[i].c, 'x');
    wos_fiber_thread_done();
}

static void inner(void *arg)
{
    note(arg, 'i');
}

static void outer(void *arg)
{
    struct trace *t = arg;
    note(t, 'o');
    assert_int_equal(wos_fiber_start(inner, t), 0); /* runs inline */
    note(t, 'O');
}

static void no_nesting(void **state)
{
    (void)state;
    struct trace t = {0};
    assert_int_equal(wos_fiber_start(outer, &t), 0);
    assert_string_equal(t.log, "oiO");
}

static void park_outside_a_fiber_returns(void **state)
{
    (void)state;
    wos_fiber_park();
    wos_fiber_wake(NULL);
    assert_null(wos_fiber_current());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ends_without_parking),
        cmocka_unit_test(parks_until_woken),
        cmocka_unit_test(woken_in_order),
        cmocka_unit_test(deep_stack),
        cmocka_unit_test(many_at_once),
        cmocka_unit_test(no_nesting),
        cmocka_unit_test(park_outside_a_fiber_returns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
