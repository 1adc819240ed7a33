/*
 * test_dotenv.c: table-driven tests of the .env parser (src/core/dotenv.c):
 * quoting, escapes, comments, export, empty values, CRLF, line numbers of
 * problems, and the file-reading wrapper.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/common.h"
#include "core/dotenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct kv {
    const char *key;
    const char *value;
};

struct parse_case {
    const char *name;
    const char *input;
    size_t len; /* 0 = strlen(input) */
    struct kv want[4];
    const char *problems[3]; /* exact problem lines, in order */
};

static const struct parse_case cases[] = {
    {"plain", "A=1\nB=two", 0, {{"A", "1"}, {"B", "two"}}, {NULL}},
    {"export prefix", "export A=1\nexport\tB=2", 0, {{"A", "1"}, {"B", "2"}}, {NULL}},
    {"key named like export", "exportA=1", 0, {{"exportA", "1"}}, {NULL}},
    {"blanks trimmed",
     "  A = hello world  \n\tB\t=\tv\t",
     0,
     {{"A", "hello world"}, {"B", "v"}},
     {NULL}},
    {"comment after value", "A=hello # comment\nB=x\t#c", 0, {{"A", "hello"}, {"B", "x"}}, {NULL}},
    {"hash inside value", "A=hello#not-a-comment", 0, {{"A", "hello#not-a-comment"}}, {NULL}},
    {"hash right after equals", "A=#x", 0, {{"A", "#x"}}, {NULL}},
    {"comment-only value", "A= # nothing here", 0, {{"A", ""}}, {NULL}},
    {"comments and blank lines", "# top\n\n   \n  # indented\nA=1\n", 0, {{"A", "1"}}, {NULL}},
    {"empty values", "A=\nB=''\nC=\"\"", 0, {{"A", ""}, {"B", ""}, {"C", ""}}, {NULL}},
    {"single quotes are literal",
     "A='x \\n $B ${C} # not comment'",
     0,
     {{"A", "x \\n $B ${C} # not comment"}},
     {NULL}},
    {"double-quote escapes",
     "A=\"a\\nb\\tc\\\"d\\\\e\\rf\"",
     0,
     {{"A", "a\nb\tc\"d\\e\rf"}},
     {NULL}},
    {"unknown escape kept", "A=\"x\\qy\\$z\"", 0, {{"A", "x\\qy\\$z"}}, {NULL}},
    {"no interpolation", "A=${B}\nB=$A", 0, {{"A", "${B}"}, {"B", "$A"}}, {NULL}},
    {"quoted with comment", "A='x' # ok\nB=\"y\"#ok", 0, {{"A", "x"}, {"B", "y"}}, {NULL}},
    {"quoted keeps blanks", "A='  padded  '", 0, {{"A", "  padded  "}}, {NULL}},
    {"multi-line double quotes",
     "A=\"multi\nline\"\nB=2\nBAD\n",
     0,
     {{"A", "multi\nline"}, {"B", "2"}},
     {"line 4: expected '=' after BAD"}},
    {"CRLF line ends",
     "A=1\r\nB='q'\r\nC=\"x\"\r\n# c\r\n\r\nD=  d  \r\n",
     0,
     {{"A", "1"}, {"B", "q"}, {"C", "x"}, {"D", "d"}},
     {NULL}},
    {"CRLF inside quotes", "A=\"a\r\nb\"\r\n", 0, {{"A", "a\nb"}}, {NULL}},
    {"unterminated double quote",
     "A=\"open\nB=2\n",
     0,
     {{"B", "2"}},
     {"line 1: unterminated double-quoted value"}},
    {"unterminated single quote",
     "X=1\nA='open",
     0,
     {{"X", "1"}},
     {"line 2: unterminated single-quoted value"}},
    {"text after closing quote",
     "A='x' junk\nB=1",
     0,
     {{"B", "1"}},
     {"line 1: unexpected text after the closing quote of A"}},
    {"missing equals",
     "NOEQUALS\nexport A",
     0,
     {{NULL, NULL}},
     {"line 1: expected '=' after NOEQUALS", "line 2: expected '=' after A"}},
    {"bad key",
     "1A=2\n=x\nOK=1\n-x=1",
     0,
     {{"OK", "1"}},
     {"line 1: expected KEY=VALUE (a name of letters, digits and '_')",
      "line 2: expected KEY=VALUE (a name of letters, digits and '_')",
      "line 4: expected KEY=VALUE (a name of letters, digits and '_')"}},
    {"later assignment wins", "A=1\nA=2", 0, {{"A", "2"}}, {NULL}},
    {"byte order mark",
     "\xEF\xBB\xBF"
     "A=1",
     0,
     {{"A", "1"}},
     {NULL}},
    {"no trailing newline", "A=last", 0, {{"A", "last"}}, {NULL}},
    {"empty input", "", 0, {{NULL, NULL}}, {NULL}},
    {"NUL byte in a value", "A=1\0x\nB=2", 9, {{"B", "2"}}, {"line 1: NUL byte in a value"}},
    {"NUL byte in quotes", "A=\"1\0\"\nB=2", 10, {{"B", "2"}}, {"line 1: NUL byte in a value"}},
    {"problem line numbers",
     "A=1\n\n# c\nbad line\nC=3",
     0,
     {{"A", "1"}, {"C", "3"}},
     {"line 4: expected '=' after bad"}},
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < WOS_ARRAY_LEN(cases); i++) {
        const struct parse_case *tc = &cases[i];
        size_t len = tc->len ? tc->len : strlen(tc->input);
        struct wos_dotenv d;
        size_t n_want = 0, n_problems = 0;
        int rc = wos_dotenv_parse(tc->input, len, &d);

        print_message("case: %s\n", tc->name);
        while (n_want < WOS_ARRAY_LEN(tc->want) && tc->want[n_want].key != NULL)
            n_want++;
        while (n_problems < WOS_ARRAY_LEN(tc->problems) && tc->problems[n_problems] != NULL)
            n_problems++;
        assert_int_equal(d.n_entries, n_want);
        for (size_t k = 0; k < n_want; k++) {
            assert_string_equal(d.entries[k].key, tc->want[k].key);
            assert_string_equal(d.entries[k].value, tc->want[k].value);
            assert_string_equal(wos_dotenv_get(&d, tc->want[k].key), tc->want[k].value);
        }
        assert_int_equal(d.n_problems, n_problems);
        for (size_t k = 0; k < n_problems; k++)
            assert_string_equal(d.problems[k], tc->problems[k]);
        assert_int_equal(rc, n_problems == 0 ? WOS_OK : WOS_ERROR);
        wos_dotenv_free(&d);
        assert_null(d.entries);
    }
}

static void test_get_absent_and_null_buffer(void **state)
{
    struct wos_dotenv d;

    (void)state;
    assert_int_equal(wos_dotenv_parse(NULL, 0, &d), WOS_OK);
    assert_int_equal(d.n_entries, 0);
    assert_null(wos_dotenv_get(&d, "A"));
    wos_dotenv_free(&d);
    assert_int_equal(wos_dotenv_parse("AB=1", 4, &d), WOS_OK);
    assert_null(wos_dotenv_get(&d, "A"));
    assert_null(wos_dotenv_get(&d, "ABC"));
    wos_dotenv_free(&d);
}

/* The parser must stop at len even when the bytes after it would continue the line. */
static void test_respects_length(void **state)
{
    struct wos_dotenv d;

    (void)state;
    assert_int_equal(wos_dotenv_parse("A=12345", 4, &d), WOS_OK);
    assert_string_equal(wos_dotenv_get(&d, "A"), "12");
    wos_dotenv_free(&d);
    assert_int_equal(wos_dotenv_parse("A=\"abc\"", 6, &d), WOS_ERROR);
    assert_int_equal(d.n_entries, 0);
    wos_dotenv_free(&d);
}

static void test_read_file(void **state)
{
    char dir[] = "/tmp/wos-dotenv-XXXXXX";
    char path[64];
    struct wos_dotenv d;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/.env", dir);

    assert_int_equal(wos_dotenv_read_file(path, &d), WOS_OK); /* missing file */
    assert_int_equal(d.n_entries, 0);
    assert_int_equal(d.n_problems, 0);
    wos_dotenv_free(&d);

    f = fopen(path, "w");
    assert_non_null(f);
    fputs("# settings\nexport DATABASE_URL='postgresql://u:p@h/db'\nBROKEN\n", f);
    fclose(f);
    assert_int_equal(wos_dotenv_read_file(path, &d), WOS_ERROR);
    assert_string_equal(wos_dotenv_get(&d, "DATABASE_URL"), "postgresql://u:p@h/db");
    assert_int_equal(d.n_problems, 1);
    assert_string_equal(d.problems[0], "line 3: expected '=' after BROKEN");
    wos_dotenv_free(&d);

    /* A directory cannot be read as a file: one problem, no crash. */
    assert_int_equal(wos_dotenv_read_file(dir, &d), WOS_ERROR);
    assert_int_equal(d.n_problems, 1);
    assert_non_null(strstr(d.problems[0], dir));
    wos_dotenv_free(&d);

    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_get_absent_and_null_buffer),
        cmocka_unit_test(test_respects_length),
        cmocka_unit_test(test_read_file),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
