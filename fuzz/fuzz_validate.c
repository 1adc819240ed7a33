/*
 * fuzz_validate.c: the JSON body validator (src/http/validate.c).
 *
 * The input is a request body. It goes the way wos_validate_body() takes it:
 * UTF-8 check, json_loadb() with duplicate keys refused, then
 * wos_validate_object() against a table that uses every field type, bound
 * and format. Every string met anywhere in the document (and the raw input)
 * also goes through each wos_valid_* format check on its own.
 *
 * Properties checked besides the sanitizers:
 *   - wos_valid_utf8() agrees with jansson's own UTF-8 check;
 *   - every problem is {field, message} strings, secret fields say only
 *     "Invalid value.", each unknown key is reported exactly once, each
 *     known field at most once, and a field without a problem really has
 *     an acceptable type;
 *   - a string a format check accepts has the shape the format promises
 *     (a date is a real calendar date, a time is in range, ...);
 *   - on a body without problems, the wos_json_* getters read back exactly
 *     the validated values.
 */
#include "fuzz.h"

#include "http/validate.h"

#include <ctype.h>
#include <jansson.h>
#include <time.h>

static const char *const modes[] = {"office", "wfh", "half_day", NULL};

static const struct wos_field fields[] = {
    {.name = "email", .type = WOS_F_STRING, .required = 1, .format = WOS_FMT_EMAIL},
    {.name = "password", .type = WOS_F_STRING, .min = 10, .max = 72},
    {.name = "token", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_UUID},
    {.name = "mode", .type = WOS_F_STRING, .choices = modes},
    {.name = "days", .type = WOS_F_INT, .min = 1, .max = 365},
    {.name = "count", .type = WOS_F_INT},
    {.name = "ratio", .type = WOS_F_NUMBER},
    {.name = "note", .type = WOS_F_STRING, .nullable = 1, .max = 5},
    {.name = "name", .type = WOS_F_STRING, .required = 1, .trim_nonblank = 1, .min = 1, .max = 120},
    {.name = "start", .type = WOS_F_STRING, .format = WOS_FMT_DATE},
    {.name = "at", .type = WOS_F_STRING, .format = WOS_FMT_TIME},
    {.name = "when", .type = WOS_F_STRING, .nullable = 1, .format = WOS_FMT_DATETIME},
    {.name = "id", .type = WOS_F_STRING, .format = WOS_FMT_UUID},
    {.name = "tz", .type = WOS_F_STRING, .format = WOS_FMT_TIMEZONE},
    {.name = "flag", .type = WOS_F_BOOL},
    {.name = "tags", .type = WOS_F_ARRAY, .max = 3},
    {.name = "meta", .type = WOS_F_OBJECT, .nullable = 1},
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* A date the validator accepts must survive a round trip through timegm(). */
static void check_date(const char *s)
{
    struct tm tm = {0};

    FUZZ_CHECK(strlen(s) == 10);
    const char *end = strptime(s, "%Y-%m-%d", &tm);
    FUZZ_CHECK(end != NULL && *end == '\0');
    struct tm copy = tm;
    time_t t = timegm(&copy);
    struct tm back;
    FUZZ_CHECK(gmtime_r(&t, &back) != NULL);
    FUZZ_CHECK(back.tm_year == tm.tm_year && back.tm_mon == tm.tm_mon &&
               back.tm_mday == tm.tm_mday);
}

static void check_time(const char *s)
{
    size_t n = strlen(s);

    FUZZ_CHECK(n == 5 || n == 8);
    FUZZ_CHECK(two(s) <= 23 && two(s + 3) <= 59 && s[2] == ':');
    if (n == 8)
        FUZZ_CHECK(s[5] == ':' && two(s + 6) <= 59);
}

static void check_formats(const char *s)
{
    if (wos_valid_date(s))
        check_date(s);
    if (wos_valid_time(s))
        check_time(s);
    if (wos_valid_datetime(s)) {
        char date[11];
        memcpy(date, s, 10);
        date[10] = '\0';
        FUZZ_CHECK(wos_valid_date(date));
        FUZZ_CHECK(s[10] == 'T' || s[10] == ' ');
    }
    if (wos_valid_uuid(s))
        FUZZ_CHECK(strlen(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-');
    if (wos_valid_email(s)) {
        const char *at = strchr(s, '@');
        FUZZ_CHECK(at != NULL && at > s && strchr(at + 1, '@') == NULL);
        FUZZ_CHECK(strlen(s) >= 3 && strlen(s) <= 254);
        for (const char *p = s; *p; p++)
            FUZZ_CHECK(!isspace((unsigned char)*p) && !iscntrl((unsigned char)*p));
    }
}

/* Runs the format checks on every string in the document (NUL-free ones only: C strings). */
static void walk_strings(const json_t *v)
{
    size_t i;
    const char *key;
    json_t *item;

    if (json_is_string(v)) {
        if (strlen(json_string_value(v)) == json_string_length(v))
            check_formats(json_string_value(v));
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, item) walk_strings(item);
    } else if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, item)
        {
            check_formats(key);
            walk_strings(item);
        }
    }
}

static const struct wos_field *field_named(const char *name)
{
    for (size_t i = 0; i < N_FIELDS; i++)
        if (strcmp(fields[i].name, name) == 0)
            return &fields[i];
    return NULL;
}

static int type_ok(const json_t *v, enum wos_ftype t)
{
    switch (t) {
    case WOS_F_STRING:
        return json_is_string(v);
    case WOS_F_INT:
        return json_is_integer(v);
    case WOS_F_NUMBER:
        return json_is_number(v);
    case WOS_F_BOOL:
        return json_is_boolean(v);
    case WOS_F_ARRAY:
        return json_is_array(v);
    case WOS_F_OBJECT:
        return json_is_object(v);
    }
    return 0;
}

static void check_details(const json_t *obj, const json_t *details)
{
    size_t reported[N_FIELDS] = {0};
    size_t unknown_keys = 0, unknown_reported = 0, i;
    const char *key;
    json_t *item;

    FUZZ_CHECK(json_is_array(details));
    json_object_foreach((json_t *)obj, key, item) unknown_keys += field_named(key) == NULL;
    json_array_foreach(details, i, item)
    {
        const char *field = json_string_value(json_object_get(item, "field"));
        const char *message = json_string_value(json_object_get(item, "message"));
        FUZZ_CHECK(json_object_size(item) == 2 && field != NULL && message != NULL);
        FUZZ_CHECK(*message != '\0');
        if (wos_field_is_secret(field))
            FUZZ_CHECK(strcmp(message, "Invalid value.") == 0);
        const struct wos_field *f = field_named(field);
        if (f != NULL)
            reported[f - fields]++;
        else
            unknown_reported++;
        if (strcmp(message, "Unknown field.") == 0 && !wos_field_is_secret(field))
            FUZZ_CHECK(f == NULL && json_object_get(obj, field) != NULL);
    }
    FUZZ_CHECK(unknown_reported == unknown_keys);
    for (size_t f = 0; f < N_FIELDS; f++) {
        const json_t *v = json_object_get(obj, fields[f].name);
        FUZZ_CHECK(reported[f] <= 1);
        if (reported[f])
            continue;
        FUZZ_CHECK(v != NULL || !fields[f].required);
        if (v == NULL)
            continue;
        FUZZ_CHECK(json_is_null(v) ? fields[f].nullable : type_ok(v, fields[f].type));
        if (json_is_string(v) && fields[f].format == WOS_FMT_DATE)
            FUZZ_CHECK(wos_valid_date(json_string_value(v)));
        if (json_is_string(v) && fields[f].format == WOS_FMT_UUID)
            FUZZ_CHECK(wos_valid_uuid(json_string_value(v)));
        if (json_is_integer(v) && (fields[f].min || fields[f].max))
            FUZZ_CHECK(json_integer_value(v) >= fields[f].min &&
                       json_integer_value(v) <= fields[f].max);
    }
}

/* A body that passed: the handler-side getters read back exactly what was validated. */
static void check_getters(json_t *root)
{
    struct wos_req req = {.json = root};

    for (size_t i = 0; i < N_FIELDS; i++) {
        const json_t *v = json_object_get(root, fields[i].name);
        FUZZ_CHECK(wos_json_has(&req, fields[i].name) == (v != NULL));
        FUZZ_CHECK(wos_json_str(&req, fields[i].name) == json_string_value(v));
        if (json_is_integer(v))
            FUZZ_CHECK(wos_json_int(&req, fields[i].name, -1) == json_integer_value(v));
        if (json_is_boolean(v))
            FUZZ_CHECK(wos_json_bool(&req, fields[i].name, -1) == json_is_true(v));
        else
            FUZZ_CHECK(wos_json_bool(&req, fields[i].name, -1) == -1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    int utf8 = wos_valid_utf8(body, size);
    json_t *as_string = json_stringn(body, size);

    /* Two independent UTF-8 checks must agree (overlongs, surrogates, > U+10FFFF). */
    FUZZ_CHECK(utf8 == (as_string != NULL));
    json_decref(as_string);

    char *s = fuzz_cstr(data, size);
    check_formats(s);
    free(s);
    if (!utf8)
        return 0;

    json_error_t err;
    json_t *root = json_loadb(body, size, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL)
        return 0;
    walk_strings(root);
    if (json_is_object(root)) {
        json_t *details = json_array();
        wos_validate_object(root, fields, N_FIELDS, details);
        check_details(root, details);
        if (json_array_size(details) == 0)
            check_getters(root);
        json_decref(details);
    }
    json_decref(root);
    return 0;
}
