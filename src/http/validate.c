/*
 * validate.c: the body validator. Every problem is reported (not just the
 * first) so a form can mark all its fields at once. The submitted value is
 * never echoed, and fields that carry secrets get a neutral message.
 */
#include "http/validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char *secret_fields[] = {"password",     "current_password", "new_password",
                                      "confirm_password", "token",        "access_token",
                                      "refresh_token", "secret",          "authorization"};

int wos_field_is_secret(const char *name)
{
    for (size_t i = 0; i < WOS_ARRAY_LEN(secret_fields); i++)
        if (strcmp(name, secret_fields[i]) == 0)
            return 1;
    return 0;
}

static void add_problem(json_t *details, const char *field, const char *message)
{
    const char *shown = wos_field_is_secret(field) ? "Invalid value." : message;
    json_array_append_new(details, json_pack("{s:s,s:s}", "field", field, "message", shown));
}

int wos_valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned c = *p;
        size_t len;
        unsigned cp;
        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if ((size_t)(end - p) < len)
            return 0;
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += len;
    }
    return 1;
}

/* Number of code points in a valid UTF-8 string. */
static size_t utf8_length(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

int wos_valid_email(const char *s)
{
    size_t len = strlen(s);
    const char *at = strchr(s, '@');
    if (len < 3 || len > 254 || !at || at == s || strchr(at + 1, '@'))
        return 0;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || dot[1] == '\0' || strlen(dot + 1) < 2)
        return 0;
    for (const char *p = s; *p; p++)
        if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p) || *p == ',' || *p == '<' ||
            *p == '>' || *p == '"')
            return 0;
    return strstr(s, "..") == NULL && at[1] != '.' && at[-1] != '.';
}

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int date_ok(const char *s)
{
    if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2))
        return 0;
    int y = num(s, 4), m = num(s + 5, 2), d = num(s + 8, 2);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

int wos_valid_date(const char *s)
{
    return strlen(s) == 10 && date_ok(s);
}

static int time_ok(const char *s, size_t *used)
{
    if (!digits(s, 2) || s[2] != ':' || !digits(s + 3, 2) || num(s, 2) > 23 || num(s + 3, 2) > 59)
        return 0;
    *used = 5;
    if (s[5] == ':') {
        if (!digits(s + 6, 2) || num(s + 6, 2) > 59)
            return 0;
        *used = 8;
    }
    return 1;
}

int wos_valid_time(const char *s)
{
    size_t used;
    return time_ok(s, &used) && s[used] == '\0';
}

int wos_valid_datetime(const char *s)
{
    size_t used;
    if (strlen(s) < 16 || !date_ok(s) || (s[10] != 'T' && s[10] != ' ') || !time_ok(s + 11, &used))
        return 0;
    const char *p = s + 11 + used;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (strcmp(p, "Z") == 0 || strcmp(p, "z") == 0)
        return 1;
    if ((*p == '+' || *p == '-') && digits(p + 1, 2) && p[3] == ':' && digits(p + 4, 2) &&
        p[6] == '\0')
        return num(p + 1, 2) <= 14 && num(p + 4, 2) <= 59;
    return 0;
}

int wos_valid_uuid(const char *s)
{
    if (strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

static int valid_timezone(const char *s)
{
    if (strcmp(s, "UTC") == 0)
        return 1;
    if (!*s || strlen(s) > 64 || s[0] == '/' || strstr(s, ".."))
        return 0;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("/_-+", *p))
            return 0;
    char path[128];
    snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", s);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *format_problem(const char *s, enum wos_fformat f)
{
    switch (f) {
    case WOS_FMT_EMAIL:
        return wos_valid_email(s) ? NULL : "Enter a valid email address.";
    case WOS_FMT_DATE:
        return wos_valid_date(s) ? NULL : "Enter a valid date (YYYY-MM-DD).";
    case WOS_FMT_TIME:
        return wos_valid_time(s) ? NULL : "Enter a valid time (HH:MM).";
    case WOS_FMT_DATETIME:
        return wos_valid_datetime(s) ? NULL
                                     : "Enter a valid date and time with a UTC offset (ISO-8601).";
    case WOS_FMT_UUID:
        return wos_valid_uuid(s) ? NULL : "Must be a valid identifier.";
    case WOS_FMT_TIMEZONE:
        return valid_timezone(s) ? NULL : "Must be a valid IANA timezone such as Asia/Karachi.";
    case WOS_FMT_NONE:
        break;
    }
    return NULL;
}

static int is_blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return 0;
    return 1;
}

static const char *string_problem(const json_t *v, const struct wos_field *f, char *msg, size_t n)
{
    const char *s = json_string_value(v);
    size_t len = utf8_length(s);
    if (strlen(s) != json_string_length(v))
        return "Must not contain NUL characters.";
    if (f->trim_nonblank && is_blank(s))
        return "Must not be blank.";
    if (f->min && (long long)len < f->min) {
        snprintf(msg, n, "Must be at least %lld characters.", f->min);
        return msg;
    }
    if (f->max && (long long)len > f->max) {
        snprintf(msg, n, "Must be at most %lld characters.", f->max);
        return msg;
    }
    if (f->choices) {
        for (const char *const *c = f->choices; *c; c++)
            if (strcmp(*c, s) == 0)
                return format_problem(s, f->format);
        size_t used = (size_t)snprintf(msg, n, "Must be one of:");
        for (const char *const *c = f->choices; *c && used < n; c++)
            used += (size_t)snprintf(msg + used, n - used, "%s %s", c == f->choices ? "" : ",", *c);
        if (used < n)
            snprintf(msg + used, n - used, ".");
        return msg;
    }
    return format_problem(s, f->format);
}

static const char *type_name(enum wos_ftype t)
{
    static const char *names[] = {"a string", "an integer", "a number",
                                  "true or false", "a list", "an object"};
    return names[t];
}

static int type_matches(const json_t *v, enum wos_ftype t)
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

static const char *field_problem(const json_t *v, const struct wos_field *f, char *msg, size_t n)
{
    if (json_is_null(v))
        return f->nullable ? NULL : (f->required ? "Field required." : "Must not be null.");
    if (!type_matches(v, f->type)) {
        snprintf(msg, n, "Must be %s.", type_name(f->type));
        return msg;
    }
    if (f->type == WOS_F_STRING)
        return string_problem(v, f, msg, n);
    if (f->type == WOS_F_INT) {
        long long x = json_integer_value(v);
        if ((f->min || f->max) && (x < f->min || x > f->max)) {
            snprintf(msg, n, "Must be between %lld and %lld.", f->min, f->max);
            return msg;
        }
    }
    if (f->type == WOS_F_ARRAY && f->max && (long long)json_array_size(v) > f->max) {
        snprintf(msg, n, "Must have at most %lld items.", f->max);
        return msg;
    }
    return NULL;
}

void wos_validate_object(const json_t *obj, const struct wos_field *fields, size_t n,
                         json_t *details)
{
    char msg[256];
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(obj, fields[i].name);
        if (!v) {
            if (fields[i].required)
                add_problem(details, fields[i].name, "Field required.");
            continue;
        }
        const char *problem = field_problem(v, &fields[i], msg, sizeof(msg));
        if (problem)
            add_problem(details, fields[i].name, problem);
    }
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value)
    {
        int known = 0;
        for (size_t i = 0; i < n && !known; i++)
            known = strcmp(key, fields[i].name) == 0;
        if (!known)
            add_problem(details, key, "Unknown field.");
    }
}

static void release_json(void *p)
{
    json_decref(p);
}

int wos_validate_body(struct wos_req *req, const struct wos_field *fields, size_t n)
{
    const char *body = req->body.data ? req->body.data : "";
    size_t len = req->body.len;
    if (len == 0)
        return wos_reply_invalid(req, "request", "A JSON object body is required."), WOS_ERROR;
    if (!wos_valid_utf8(body, len))
        return wos_reply_invalid(req, "request", "Body is not valid UTF-8."), WOS_ERROR;
    json_error_t err;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (!root)
        return wos_reply_invalid(req, "request", "Body is not valid JSON."), WOS_ERROR;
    if (wos_arena_on_free(req->arena, release_json, root) != WOS_OK)
        return wos_reply_internal(req, "out of memory"), WOS_ERROR; /* root released */
    if (!json_is_object(root))
        return wos_reply_invalid(req, "request", "Body must be a JSON object."), WOS_ERROR;
    json_t *details = json_array();
    wos_validate_object(root, fields, n, details);
    if (json_array_size(details) > 0) {
        wos_reply_error(req, 422, "Request validation failed.", details);
        return WOS_ERROR;
    }
    json_decref(details);
    req->json = root;
    return WOS_OK;
}

const char *wos_json_str(const struct wos_req *req, const char *name)
{
    return req->json ? json_string_value(json_object_get(req->json, name)) : NULL;
}

long long wos_json_int(const struct wos_req *req, const char *name, long long fallback)
{
    const json_t *v = req->json ? json_object_get(req->json, name) : NULL;
    return json_is_integer(v) ? json_integer_value(v) : fallback;
}

int wos_json_bool(const struct wos_req *req, const char *name, int fallback)
{
    const json_t *v = req->json ? json_object_get(req->json, name) : NULL;
    return json_is_boolean(v) ? json_is_true(v) : fallback;
}

int wos_json_has(const struct wos_req *req, const char *name)
{
    return req->json && json_object_get(req->json, name) != NULL;
}
