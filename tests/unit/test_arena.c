/* The arena: alignment, zeroing, growth past the first block, strings, cleanups in reverse order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdint.h>
#include <string.h>

#include "core/arena.h"

static void aligned_and_zeroed(void **state)
{
    (void)state;
    struct wos_arena *a = wos_arena_new();
    for (int i = 1; i < 100; i++) {
        unsigned char *p = wos_arena_alloc(a, (size_t)i);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        for (int j = 0; j < i; j++)
            assert_int_equal(p[j], 0);
        memset(p, 0xAB, (size_t)i);
    }
    wos_arena_free(a);
}

static void grows_past_first_block(void **state)
{
    (void)state;
    struct wos_arena *a = wos_arena_new();
    char *big = wos_arena_alloc(a, 1 << 20);
    assert_non_null(big);
    memset(big, 1, 1 << 20);
    char *small = wos_arena_alloc(a, 10);
    assert_non_null(small);
    assert_true(wos_arena_used(a) >= (1 << 20) + 10);
    wos_arena_free(a);
}

static void strings(void **state)
{
    (void)state;
    struct wos_arena *a = wos_arena_new();
    assert_string_equal(wos_arena_strdup(a, "hello"), "hello");
    assert_string_equal(wos_arena_strndup(a, "hello", 3), "hel");
    assert_string_equal(wos_arena_printf(a, "%d-%s", 42, "x"), "42-x");
    assert_null(wos_arena_strdup(a, NULL));
    struct wos_buf b;
    wos_buf_init(&b, a, 4);
    for (int i = 0; i < 1000; i++)
        wos_buf_printf(&b, "%d,", i % 10);
    assert_int_equal(b.len, 2000);
    assert_int_equal(strlen(wos_buf_cstr(&b)), 2000);
    wos_arena_free(a);
}

static int order[4], n_order;
static void record(void *p)
{
    order[n_order++] = *(int *)p;
}

static void cleanups_run_newest_first(void **state)
{
    (void)state;
    static int one = 1, two = 2, three = 3;
    n_order = 0;
    struct wos_arena *a = wos_arena_new();
    wos_arena_on_free(a, record, &one);
    wos_arena_on_free(a, record, &two);
    wos_arena_on_free(a, record, &three);
    assert_int_equal(n_order, 0);
    wos_arena_free(a);
    assert_int_equal(n_order, 3);
    assert_int_equal(order[0], 3);
    assert_int_equal(order[2], 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aligned_and_zeroed),
        cmocka_unit_test(grows_past_first_block),
        cmocka_unit_test(strings),
        cmocka_unit_test(cleanups_run_newest_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
