/*
 * test_password_policy.c: the password policy (auth/policy.c) and the
 * secret helpers (auth/secret.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/policy.h"
#include "auth/secret.h"
#include "core/common.h"

#include <string.h>

static const char *rule_of(const char *pw, const char *email, const char *name, long min)
{
    struct wos_password_problem p;
    char buf[128];
    if (!wos_password_policy(pw, email, name, min, &p, buf, sizeof(buf)))
        return "accepted";
    return p.rule;
}

#define assert_accepted(r) assert_string_equal((r), "accepted")

static void test_length(void **state)
{
    (void)state;
    assert_string_equal(rule_of("Short-9!", NULL, NULL, 10), "min_length");
    /* ten characters, more than ten bytes: characters count */
    assert_accepted(rule_of("ZebraZebrä", NULL, NULL, 10));
    assert_string_equal(rule_of("ZebraZebr", NULL, NULL, 10), "min_length");
    char long_pw[80];
    memset(long_pw, 'k', 73);
    long_pw[0] = 'Q';
    long_pw[36] = '-';
    long_pw[73] = '\0';
    assert_string_equal(rule_of(long_pw, NULL, NULL, 10), "max_bytes");
    long_pw[72] = '\0';
    assert_accepted(rule_of(long_pw, NULL, NULL, 10));
    struct wos_password_problem p;
    char buf[128];
    assert_true(wos_password_policy("abc", NULL, NULL, 12, &p, buf, sizeof(buf)));
    assert_string_equal(p.message, "Password must be at least 12 characters long.");
}

static void test_personal(void **state)
{
    (void)state;
    assert_string_equal(rule_of("Jane.Doe@Example.com", "jane.doe@example.com", "Jane Doe", 10),
                        "personal");
    assert_string_equal(rule_of("jane.doe.2024!", "jane.doe.2024@example.com", "J", 8), "personal");
    assert_string_equal(rule_of("Margaret Hamilton", "mh@example.com", "Margaret Hamilton", 10),
                        "personal");
    assert_string_equal(rule_of("MargaretHamilton", "mh@example.com", "Margaret Hamilton", 10),
                        "personal");
    assert_string_equal(rule_of("2024-MargaretHamilton!", "mh@x.io", "Margaret Hamilton", 10),
                        "personal");
    assert_accepted(rule_of("Hamilton-rides-a-bike", "mh@example.com", "Margaret Hamilton", 10));
}

static void test_common(void **state)
{
    (void)state;
    const char *refused[] = {"password123",      "Password123!", "P@ssw0rd2024", "qwertyuiop",
                             "1234567890",       "12345678901",  "0987654321",   "iloveyou!!",
                             "Welcome2024!",     "aaaaaaaaaaaa", "abcdefghijkl", "abababababab",
                             "passwordpassword", "!!Football!!", "$unshine123",  "Dr4g0n2023!",
                             "@dmin12345",       "zaq12wsx!!",   "changeme123"};
    for (size_t i = 0; i < WOS_ARRAY_LEN(refused); i++) {
        print_message("refused? %s\n", refused[i]);
        assert_string_equal(rule_of(refused[i], "someone@example.com", "Some One", 8), "common");
    }
    const char *accepted[] = {"Test-Admin-Passw0rd!", "correct horse battery staple",
                              "Violet-Kettle-42", "mango tango ukulele", "9f!Kq2#xLm"};
    for (size_t i = 0; i < WOS_ARRAY_LEN(accepted); i++) {
        print_message("accepted? %s\n", accepted[i]);
        assert_accepted(rule_of(accepted[i], "someone@example.com", "Some One", 10));
    }
}

static void test_secrets(void **state)
{
    (void)state;
    char a[WOS_SECRET_TEXT_SIZE], b[WOS_SECRET_TEXT_SIZE], h[WOS_SHA256_HEX_SIZE];
    assert_int_equal(wos_secret_new(a), WOS_OK);
    assert_int_equal(wos_secret_new(b), WOS_OK);
    assert_int_equal(strlen(a), 43);
    assert_string_not_equal(a, b);
    assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
                     43);
    wos_secret_hash("abc", h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(wos_secret_pair(a, h), WOS_OK);
    char again[WOS_SHA256_HEX_SIZE];
    wos_secret_hash(a, again);
    assert_string_equal(h, again);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_personal),
        cmocka_unit_test(test_common),
        cmocka_unit_test(test_secrets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
