/* The JSON body validator: types, required, unknown, bounds, enums, formats, secret fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "http/validate.h"

static const char *const modes[] = {"office", "wfh", NULL};

static const struct wos_field fields[] = {
    {.name = "email", .type = WOS_F_STRING, .required = 1, .format = WOS_FMT_EMAIL},
    {.name = "password", .type = WOS_F_STRING, .required = 1, .min = 10, .max = 72},
    {.name = "mode", .type = WOS_F_STRING, .choices = modes},
    {.name = "days", .type = WOS_F_INT, .min = 1, .max = 365},
    {.name = "note", .type = WOS_F_STRING, .nullable = 1, .max = 5},
    {.name = "reason", .type = WOS_F_STRING, .trim_nonblank = 1},
    {.name = "start", .type = WOS_F_STRING, .format = WOS_FMT_DATE},
    {.name = "at", .type = WOS_F_STRING, .format = WOS_FMT_DATETIME},
    {.name = "id", .type = WOS_F_STRING, .format = WOS_FMT_UUID},
    {.name = "flag", .type = WOS_F_BOOL},
    {.name = "tz", .type = WOS_F_STRING, .format = WOS_FMT_TIMEZONE},
};

/* Validates `json` and returns the problems as a compact JSON string (caller frees). */
static char *problems(const char *json)
{
    json_error_t e;
    json_t *obj = json_loads(json, 0, &e);
    assert_non_null(obj);
    json_t *details = json_array();
    wos_validate_object(obj, fields, sizeof(fields) / sizeof(fields[0]), details);
    char *s = json_dumps(details, JSON_COMPACT);
    json_decref(details);
    json_decref(obj);
    return s;
}

static void expect(const char *json, const char *want)
{
    char *got = problems(json);
    if (strcmp(got, want) != 0)
        fail_msg("for %s\n got  %s\n want %s", json, got, want);
    free(got);
}

static void valid_body(void **state)
{
    (void)state;
    expect("{\"email\":\"a@b.co\",\"password\":\"0123456789\",\"mode\":\"wfh\",\"days\":3,"
           "\"note\":null,\"reason\":\" x \",\"start\":\"2024-02-29\","
           "\"at\":\"2026-11-23T01:30:00+05:00\",\"id\":\"123e4567-e89b-12d3-a456-426614174000\","
           "\"flag\":true,\"tz\":\"Asia/Karachi\"}",
           "[]");
}

static void missing_and_unknown(void **state)
{
    (void)state;
    expect("{\"extra\":1}", "[{\"field\":\"email\",\"message\":\"Field required.\"},"
                            "{\"field\":\"password\",\"message\":\"Invalid value.\"},"
                            "{\"field\":\"extra\",\"message\":\"Unknown field.\"}]");
}

static void types(void **state)
{
    (void)state;
    expect("{\"email\":5,\"password\":\"0123456789\",\"days\":\"3\",\"flag\":1}",
           "[{\"field\":\"email\",\"message\":\"Must be a string.\"},"
           "{\"field\":\"days\",\"message\":\"Must be an integer.\"},"
           "{\"field\":\"flag\",\"message\":\"Must be true or false.\"}]");
}

static void bounds_and_enum(void **state)
{
    (void)state;
    expect("{\"email\":\"a@b.co\",\"password\":\"short\",\"mode\":\"home\",\"days\":0,"
           "\"note\":\"toolong\",\"reason\":\"   \"}",
           "[{\"field\":\"password\",\"message\":\"Invalid value.\"},"
           "{\"field\":\"mode\",\"message\":\"Must be one of: office, wfh.\"},"
           "{\"field\":\"days\",\"message\":\"Must be between 1 and 365.\"},"
           "{\"field\":\"note\",\"message\":\"Must be at most 5 characters.\"},"
           "{\"field\":\"reason\",\"message\":\"Must not be blank.\"}]");
}

static void length_counts_characters(void **state)
{
    (void)state;
    /* five two-byte characters fit a 5-character limit */
    expect("{\"email\":\"a@b.co\",\"password\":\"0123456789\",\"note\":\"\xc3\xa9\xc3\xa9\xc3\xa9"
           "\xc3\xa9\xc3\xa9\"}",
           "[]");
}

static void formats(void **state)
{
    (void)state;
    assert_true(wos_valid_email("first.last@example.co.uk"));
    assert_false(wos_valid_email("no-at.example.com"));
    assert_false(wos_valid_email("a@b"));
    assert_false(wos_valid_email("a b@c.de"));
    assert_false(wos_valid_email("a@@c.de"));
    assert_true(wos_valid_date("2024-02-29"));
    assert_false(wos_valid_date("2023-02-29"));
    assert_false(wos_valid_date("2024-13-01"));
    assert_false(wos_valid_date("2024-1-01"));
    assert_true(wos_valid_time("17:00"));
    assert_true(wos_valid_time("23:59:59"));
    assert_false(wos_valid_time("24:00"));
    assert_true(wos_valid_datetime("2026-11-23T01:30:00Z"));
    assert_true(wos_valid_datetime("2026-11-23T01:30:00.123-05:00"));
    assert_false(wos_valid_datetime("2026-11-23T01:30:00"));
    assert_false(wos_valid_datetime("2026-11-23"));
    assert_true(wos_valid_uuid("123e4567-e89b-12d3-a456-426614174000"));
    assert_false(wos_valid_uuid("123e4567e89b12d3a456426614174000"));
    assert_false(wos_valid_uuid("zzze4567-e89b-12d3-a456-426614174000"));
}

static void utf8(void **state)
{
    (void)state;
    assert_true(wos_valid_utf8("h\xc3\xa9llo", 6));
    assert_false(wos_valid_utf8("\xc3", 1));
    assert_false(wos_valid_utf8("\xc0\xaf", 2));         /* overlong */
    assert_false(wos_valid_utf8("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(wos_valid_utf8("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_true(wos_valid_utf8("\xf0\x9f\x98\x80", 4));  /* emoji */
}

static void secret_messages(void **state)
{
    (void)state;
    assert_true(wos_field_is_secret("password"));
    assert_true(wos_field_is_secret("refresh_token"));
    assert_false(wos_field_is_secret("email"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_body),      cmocka_unit_test(missing_and_unknown),
        cmocka_unit_test(types),           cmocka_unit_test(bounds_and_enum),
        cmocka_unit_test(length_counts_characters), cmocka_unit_test(formats),
        cmocka_unit_test(utf8),            cmocka_unit_test(secret_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
