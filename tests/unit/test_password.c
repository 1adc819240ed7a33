/*
 * test_password.c: bcrypt hashing and verification (auth/password.c).
 * The $2b$ constant below was produced by Python's bcrypt:
 *   bcrypt.hashpw(b'correct horse', bcrypt.gensalt(4))
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "auth/password.h"
#include "core/common.h"

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char python_2b[] = "$2b$04$fc6EGXw6ZSh6uGHyGl9vOO6Wcx7MHX1sIwa3L73DXBteO78L6E34C";

static void with_prefix(char *dst, const char *hash, char variant)
{
    strcpy(dst, hash);
    dst[2] = variant;
}

static void test_round_trip(void **state)
{
    char h[WOS_PASSWORD_HASH_SIZE];
    (void)state;

    assert_int_equal(wos_password_hash("correct horse battery", 4, h), WOS_OK);
    assert_int_equal(strlen(h), 60);
    assert_memory_equal(h, "$2b$04$", 7);
    assert_true(wos_password_verify("correct horse battery", h));
    assert_false(wos_password_verify("correct horse batterY", h));
    assert_false(wos_password_verify("", h));
}

static void test_salts_differ(void **state)
{
    char a[WOS_PASSWORD_HASH_SIZE], b[WOS_PASSWORD_HASH_SIZE];
    (void)state;

    assert_int_equal(wos_password_hash("same password", 4, a), WOS_OK);
    assert_int_equal(wos_password_hash("same password", 4, b), WOS_OK);
    assert_string_not_equal(a, b);
    assert_true(wos_password_verify("same password", a));
    assert_true(wos_password_verify("same password", b));
}

static void test_python_hash_verifies(void **state)
{
    (void)state;
    assert_true(wos_password_verify("correct horse", python_2b));
    assert_false(wos_password_verify("correct horse ", python_2b));
    assert_false(wos_password_verify("Correct horse", python_2b));
}

static void test_2a_and_2y_variants_verify(void **state)
{
    char h[sizeof(python_2b)];
    (void)state;

    with_prefix(h, python_2b, 'a');
    assert_true(wos_password_verify("correct horse", h));
    assert_false(wos_password_verify("wrong horse", h));
    with_prefix(h, python_2b, 'y');
    assert_true(wos_password_verify("correct horse", h));
    /* $2x$ (the buggy pre-2011 variant) is not accepted */
    with_prefix(h, python_2b, 'x');
    assert_false(wos_password_verify("correct horse", h));
}

static void test_malformed_hashes_refused(void **state)
{
    char h[sizeof(python_2b)];
    (void)state;

    assert_false(wos_password_verify("correct horse", ""));
    assert_false(wos_password_verify("correct horse", "!"));
    assert_false(wos_password_verify("correct horse", "*0"));
    assert_false(wos_password_verify("correct horse", "*1"));
    assert_false(wos_password_verify("correct horse", "$2b$04$"));
    assert_false(wos_password_verify("correct horse", NULL));
    assert_false(wos_password_verify(NULL, python_2b));
    /* one character short, one too many */
    strcpy(h, python_2b);
    h[59] = '\0';
    assert_false(wos_password_verify("correct horse", h));
    char longer[sizeof(python_2b) + 1];
    snprintf(longer, sizeof(longer), "%sA", python_2b);
    assert_false(wos_password_verify("correct horse", longer));
    /* a character outside bcrypt's base64 alphabet */
    strcpy(h, python_2b);
    h[20] = '$';
    assert_false(wos_password_verify("correct horse", h));
    /* costs outside 04..31 */
    strcpy(h, python_2b);
    h[5] = '3';
    assert_false(wos_password_verify("correct horse", h));
    h[4] = '3';
    h[5] = '2';
    assert_false(wos_password_verify("correct horse", h));
    /* a digest that differs in its last character */
    strcpy(h, python_2b);
    h[58] = h[58] == 'A' ? 'B' : 'A';
    assert_false(wos_password_verify("correct horse", h));
}

static void test_other_algorithms_refused(void **state)
{
    struct crypt_data *cd = calloc(1, sizeof(*cd));
    const char *sha512;
    (void)state;

    assert_non_null(cd);
    /* a valid SHA-512 crypt hash of the same password must still not verify */
    sha512 = crypt_r("correct horse", "$6$saltsaltsalt$", cd);
    assert_non_null(sha512);
    assert_memory_equal(sha512, "$6$", 3);
    assert_false(wos_password_verify("correct horse", sha512));
    free(cd);
}

static void test_hash_refuses_bad_input(void **state)
{
    char h[WOS_PASSWORD_HASH_SIZE];
    char pw[WOS_PASSWORD_MAX_BYTES + 2];
    (void)state;

    assert_int_equal(wos_password_hash("pw", 3, h), WOS_ERROR);
    assert_string_equal(h, "");
    assert_int_equal(wos_password_hash("pw", 32, h), WOS_ERROR);
    assert_int_equal(wos_password_hash(NULL, 4, h), WOS_ERROR);

    memset(pw, 'x', WOS_PASSWORD_MAX_BYTES + 1);
    pw[WOS_PASSWORD_MAX_BYTES + 1] = '\0';
    assert_int_equal(wos_password_hash(pw, 4, h), WOS_ERROR);
    assert_string_equal(h, "");

    pw[WOS_PASSWORD_MAX_BYTES] = '\0';
    assert_int_equal(wos_password_hash(pw, 4, h), WOS_OK);
    assert_true(wos_password_verify(pw, h));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_salts_differ),
        cmocka_unit_test(test_python_hash_verifies),
        cmocka_unit_test(test_2a_and_2y_variants_verify),
        cmocka_unit_test(test_malformed_hashes_refused),
        cmocka_unit_test(test_other_algorithms_refused),
        cmocka_unit_test(test_hash_refuses_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
