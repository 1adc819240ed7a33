/*
 * config.c: loads, resolves and validates the configuration (spec 01).
 *
 * One table row per setting says everything about it: name, aliases, type,
 * bounds, default, secrecy and the struct field it fills. The loader looks
 * each name up in the environment first and in `.env` second, parses the
 * value strictly, and on a bad value records one problem naming the variable
 * and keeps the default, so every problem is reported in a single run. Then
 * the derived values are resolved (database URL, storage drivers, CORS
 * allow-list, Web Push) and, in production, the guards of spec 01 §2 run.
 *
 * Invariants: the loader never exits or crashes on user input; every string
 * field is malloc'd (never NULL) and owned by the struct; secrets never
 * appear in problem lines or in wos_config_print() output, and their memory
 * is wiped before it is released.
 */
#include "core/config.h"

#include "core/common.h"
#include "core/dotenv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

extern char **environ;

enum kind { K_STR, K_URL, K_INT, K_BOOL, K_LIST };
enum secrecy { PUBLIC, SECRET, URL_PASSWORD };

enum {
    F_ALIAS_WINS = 1 << 0,  /* aliases are looked up before the name */
    F_DIGITS_ONLY = 1 << 1, /* integer without sign */
    F_JSON_LIST = 1 << 2,   /* a list may also be written as a JSON array */
    F_NO_URL_CHECK = 1 << 3 /* URL checked after resolution instead */
};

struct setting {
    const char *section; /* set on the first row of a section */
    const char *name;
    const char *aliases[2];
    unsigned flags;
    enum kind kind;
    long min, max;                              /* K_INT bounds */
    const char *dflt;                           /* text form of the default; NULL = "" */
    long (*dflt_fn)(const struct wos_config *); /* computed default for K_INT and K_BOOL */
    enum secrecy secret;
    const char *const *choices; /* K_STR: allowed values (case-insensitive, stored lower) */
    size_t off;                 /* the field */
    size_t len_off;             /* K_LIST: the size_t length field */
};

#define AT(f) .off = offsetof(struct wos_config, f)
#define LIST_AT(f) AT(f), .len_off = offsetof(struct wos_config, f##_len)

static long default_http_threads(const struct wos_config *c);
static long default_signup_enabled(const struct wos_config *c);

static const char *const log_levels[] = {"debug", "info", "warn", "error", NULL};
static const char *const log_formats[] = {"text", "json", NULL};

/* One row per setting, two lines each: kept out of clang-format so the table stays a table. */
/* clang-format off */
static const struct setting settings[] = {
    {.section = "1.1 Application", .name = "APP_ENV", .kind = K_STR, .dflt = "development",
     AT(app_env)},
    {.name = "APP_HOST", .kind = K_STR, .dflt = "0.0.0.0", AT(app_host)},
    {.name = "APP_PORT", .aliases = {"PORT"}, .flags = F_ALIAS_WINS, .kind = K_INT, .min = 1,
     .max = 65535, .dflt = "8000", AT(app_port)},
    {.name = "APP_SECRET_KEY", .kind = K_STR, .dflt = "change-me-in-env", .secret = SECRET,
     AT(app_secret_key)},
    {.name = "API_V1_PREFIX", .kind = K_STR, .dflt = "/api/v1", AT(api_v1_prefix)},
    {.name = "ACCESS_TOKEN_EXPIRE_MINUTES", .kind = K_INT, .min = 1, .max = 525600, .dflt = "15",
     AT(access_token_expire_minutes)},
    {.name = "REFRESH_TOKEN_EXPIRE_DAYS", .kind = K_INT, .min = 1, .max = 3650, .dflt = "7",
     AT(refresh_token_expire_days)},
    {.name = "FRONTEND_BASE_URL", .aliases = {"FRONTEND_URL"}, .flags = F_ALIAS_WINS,
     .kind = K_URL, .dflt = "http://localhost:3000", AT(frontend_base_url)},
    {.name = "CORS_ORIGINS", .flags = F_JSON_LIST, .kind = K_LIST, .dflt = "*",
     LIST_AT(cors_origins)},
    {.name = "BUSINESS_TIMEZONE", .kind = K_STR, .dflt = "Asia/Karachi", AT(business_timezone)},
    {.name = "ONLINE_PRESENCE_TTL_SECONDS", .kind = K_INT, .min = LONG_MIN, .max = 86400,
     .dflt = "90",
     AT(online_presence_ttl_seconds)},

    {.section = "1.2 Auth rate limits and trusted proxies", .name = "AUTH_LOGIN_MAX_ATTEMPTS",
     .kind = K_INT, .min = 1, .max = 1000000, .dflt = "5", AT(auth_login_max_attempts)},
    {.name = "AUTH_LOGIN_WINDOW_SECONDS", .kind = K_INT, .min = 1, .max = 31536000, .dflt = "900",
     AT(auth_login_window_seconds)},
    {.name = "AUTH_FORGOT_PASSWORD_MAX_ATTEMPTS", .kind = K_INT, .min = 1, .max = 1000000,
     .dflt = "3", AT(auth_forgot_password_max_attempts)},
    {.name = "AUTH_FORGOT_PASSWORD_WINDOW_SECONDS", .kind = K_INT, .min = 1, .max = 31536000,
     .dflt = "900", AT(auth_forgot_password_window_seconds)},
    {.name = "AUTH_RESET_PASSWORD_MAX_ATTEMPTS", .kind = K_INT, .min = 1, .max = 1000000,
     .dflt = "5", AT(auth_reset_password_max_attempts)},
    {.name = "AUTH_RESET_PASSWORD_WINDOW_SECONDS", .kind = K_INT, .min = 1, .max = 31536000,
     .dflt = "900", AT(auth_reset_password_window_seconds)},
    {.name = "FORWARDED_ALLOW_IPS", .kind = K_LIST, .dflt = "127.0.0.1,::1",
     LIST_AT(forwarded_allow_ips)},

    {.section = "1.3 Database and cache", .name = "DATABASE_URL", .flags = F_NO_URL_CHECK,
     .kind = K_URL, .secret = URL_PASSWORD, AT(database_url)},
    {.name = "DATABASE_PUBLIC_URL", .flags = F_NO_URL_CHECK, .kind = K_URL,
     .secret = URL_PASSWORD, AT(database_public_url)},
    {.name = "PGHOST", .kind = K_STR, AT(pghost)},
    {.name = "PGUSER", .kind = K_STR, AT(pguser)},
    {.name = "PGPASSWORD", .kind = K_STR, .secret = SECRET, AT(pgpassword)},
    {.name = "PGDATABASE", .kind = K_STR, AT(pgdatabase)},
    {.name = "PGPORT", .kind = K_STR, .dflt = "5432", AT(pgport)},
    {.name = "REDIS_URL", .kind = K_URL, .dflt = "redis://localhost:6379/0",
     .secret = URL_PASSWORD, AT(redis_url)},

    {.section = "1.4 E-mail (SMTP)", .name = "SMTP_HOST", .kind = K_STR, AT(smtp_host)},
    {.name = "SMTP_PORT", .kind = K_INT, .min = 1, .max = 65535, .dflt = "587", AT(smtp_port)},
    {.name = "SMTP_USER", .aliases = {"SMTP_USERNAME"}, .flags = F_ALIAS_WINS, .kind = K_STR,
     AT(smtp_user)},
    {.name = "SMTP_PASSWORD", .kind = K_STR, .secret = SECRET, AT(smtp_password)},
    {.name = "SMTP_TLS", .aliases = {"SMTP_USE_TLS"}, .flags = F_ALIAS_WINS, .kind = K_BOOL,
     .dflt = "true", AT(smtp_tls)},
    {.name = "EMAILS_FROM_EMAIL", .aliases = {"SMTP_FROM_EMAIL"}, .flags = F_ALIAS_WINS,
     .kind = K_STR, AT(emails_from_email)},
    {.name = "EMAILS_FROM_NAME", .aliases = {"SMTP_FROM_NAME"}, .flags = F_ALIAS_WINS,
     .kind = K_STR, .dflt = "Workforce OS", AT(emails_from_name)},

    {.section = "1.5 Bootstrap admin", .name = "BOOTSTRAP_ADMIN_EMAIL", .kind = K_STR,
     .dflt = "admin@example.com", AT(bootstrap_admin_email)},
    {.name = "BOOTSTRAP_ADMIN_PASSWORD", .kind = K_STR, .dflt = "change-this-password",
     .secret = SECRET, AT(bootstrap_admin_password)},
    {.name = "BOOTSTRAP_ADMIN_NAME", .kind = K_STR, .dflt = "HR Admin", AT(bootstrap_admin_name)},

    {.section = "1.6 File storage", .name = "PROFILE_IMAGE_STORAGE", .kind = K_STR,
     AT(profile_image_storage)},
    {.name = "PROFILE_IMAGE_UPLOAD_DIR", .kind = K_STR, .dflt = "storage/profile-pictures",
     AT(profile_image_upload_dir)},
    {.name = "PROFILE_IMAGE_PUBLIC_BASE_URL", .kind = K_URL, AT(profile_image_public_base_url)},
    {.name = "CALL_RECORDINGS_STORAGE_DRIVER", .kind = K_STR, AT(call_recordings_storage_driver)},
    {.name = "CALL_RECORDINGS_LOCAL_DIR", .kind = K_STR, .dflt = "storage/call-recordings",
     AT(call_recordings_local_dir)},
    {.name = "CALL_RECORDINGS_MAX_UPLOAD_MB", .flags = F_DIGITS_ONLY, .kind = K_INT, .min = 1,
     .max = 1048576, .dflt = "100", AT(call_recordings_max_upload_mb)},
    {.name = "AWS_ENDPOINT_URL", .aliases = {"S3_ENDPOINT_URL"}, .kind = K_URL,
     AT(aws_endpoint_url)},
    {.name = "AWS_S3_BUCKET_NAME", .aliases = {"S3_BUCKET"}, .kind = K_STR,
     AT(aws_s3_bucket_name)},
    {.name = "AWS_ACCESS_KEY_ID", .aliases = {"S3_ACCESS_KEY_ID"}, .kind = K_STR,
     AT(aws_access_key_id)},
    {.name = "AWS_SECRET_ACCESS_KEY", .aliases = {"S3_SECRET_ACCESS_KEY"}, .kind = K_STR,
     .secret = SECRET, AT(aws_secret_access_key)},
    {.name = "AWS_DEFAULT_REGION", .aliases = {"S3_REGION"}, .kind = K_STR, .dflt = "auto",
     AT(aws_default_region)},
    {.name = "AWS_S3_URL_STYLE", .aliases = {"S3_URL_STYLE"}, .kind = K_STR, .dflt = "virtual",
     AT(aws_s3_url_style)},

    {.section = "1.7 Push notifications", .name = "PUSH_NOTIFICATIONS_ENABLED", .kind = K_BOOL,
     .dflt = "true", AT(push_notifications_enabled)},
    {.name = "EXPO_PUSH_API_URL", .kind = K_URL, .dflt = "https://exp.host/--/api/v2/push/send",
     AT(expo_push_api_url)},
    {.name = "PUSH_NOTIFICATION_MESSAGE_PREVIEW_ENABLED", .kind = K_BOOL, .dflt = "true",
     AT(push_notification_message_preview_enabled)},
    {.name = "VAPID_PUBLIC_KEY", .kind = K_STR, AT(vapid_public_key)},
    {.name = "VAPID_PRIVATE_KEY", .kind = K_STR, .secret = SECRET, AT(vapid_private_key)},
    {.name = "VAPID_SUBJECT", .kind = K_STR, AT(vapid_subject)},

    {.section = "1.8 Attendance / EOD", .name = "ATTENDANCE_MAX_ACTIVE_HOURS", .kind = K_INT,
     .min = 1, .max = 720, .dflt = "16", AT(attendance_max_active_hours)},
    {.name = "ATTENDANCE_AUTO_CLOSE_GRACE_MINUTES", .kind = K_INT, .min = 0, .max = 10080,
     .dflt = "60", AT(attendance_auto_close_grace_minutes)},
    {.name = "EOD_POST_SHIFT_GRACE_HOURS", .kind = K_INT, .min = LONG_MIN, .max = 24,
     .dflt = "4", AT(eod_post_shift_grace_hours)},

    {.section = "1.9 Web UI", .name = "NEXT_PUBLIC_APP_NAME", .kind = K_STR,
     .dflt = "Workforce Intelligence & Execution OS", AT(next_public_app_name)},

    {.section = "1.10 Product", .name = "HTTP_THREADS", .kind = K_INT, .min = 1, .max = 1024,
     .dflt_fn = default_http_threads, AT(http_threads)},
    {.name = "HTTP_MAX_BODY_BYTES", .kind = K_INT, .min = 1024, .max = 1073741824,
     .dflt = "1048576", AT(http_max_body_bytes)},
    {.name = "WEB_DIST_DIR", .kind = K_STR, .dflt = "web/dist", AT(web_dist_dir)},
    {.name = "MIGRATE_ON_START", .kind = K_BOOL, .dflt = "true", AT(migrate_on_start)},
    {.name = "MIGRATE_LOCK_TIMEOUT_SECONDS", .kind = K_INT, .min = 0, .max = 86400,
     .dflt = "60", AT(migrate_lock_timeout_seconds)},
    {.name = "WORKER_CONCURRENCY", .kind = K_INT, .min = 1, .max = 256, .dflt = "4",
     AT(worker_concurrency)},
    {.name = "WORKER_LEASE_SECONDS", .kind = K_INT, .min = 1, .max = 3600, .dflt = "60",
     AT(worker_lease_seconds)},
    {.name = "WORKER_POLL_INTERVAL_MS", .kind = K_INT, .min = 50, .max = 600000, .dflt = "5000",
     AT(worker_poll_interval_ms)},
    {.name = "WORKER_BACKOFF_BASE_MS", .kind = K_INT, .min = 10, .max = 86400000,
     .dflt = "30000", AT(worker_backoff_base_ms)},
    {.name = "WORKER_BACKOFF_MAX_SECONDS", .kind = K_INT, .min = 1, .max = 604800,
     .dflt = "3600", AT(worker_backoff_max_seconds)},
    {.name = "WORKER_SHUTDOWN_TIMEOUT_SECONDS", .kind = K_INT, .min = 0, .max = 3600,
     .dflt = "20", AT(worker_shutdown_timeout_seconds)},
    {.name = "WORKER_JOB_TIMEOUT_SECONDS", .kind = K_INT, .min = 1, .max = 86400, .dflt = "900",
     AT(worker_job_timeout_seconds)},
    {.name = "SMTP_TIMEOUT_SECONDS", .kind = K_INT, .min = 1, .max = 3600, .dflt = "60",
     AT(smtp_timeout_seconds)},
    {.name = "WORKER_TEST_SCHEDULE_SECONDS", .kind = K_INT, .min = 0, .max = 86400, .dflt = "0",
     AT(worker_test_schedule_seconds)},
    {.name = "WOS_TEMPLATES_DIR", .kind = K_STR, AT(wos_templates_dir)},
    {.name = "PASSWORD_MIN_LENGTH", .kind = K_INT, .min = 1, .max = 72, .dflt = "10",
     AT(password_min_length)},
    {.name = "PASSWORD_BCRYPT_ROUNDS", .kind = K_INT, .min = 4, .max = 31, .dflt = "12",
     AT(password_bcrypt_rounds)},
    {.name = "SIGNUP_ENABLED", .kind = K_BOOL, .dflt_fn = default_signup_enabled,
     AT(signup_enabled)},
    {.name = "DATABASE_READ_URL", .flags = F_NO_URL_CHECK, .kind = K_URL,
     .secret = URL_PASSWORD, AT(database_read_url)},
    {.name = "MESSAGE_ATTACHMENTS_DIR", .kind = K_STR, .dflt = "storage/message-attachments",
     AT(message_attachments_dir)},
    {.name = "LOG_LEVEL", .kind = K_STR, .dflt = "info", .choices = log_levels, AT(log_level)},
    {.name = "LOG_FORMAT", .kind = K_STR, .dflt = "text", .choices = log_formats,
     AT(log_format)},
};
/* clang-format on */

static const char *const dev_origins[] = {
    "http://localhost:3000", "http://localhost:3001", "http://localhost:3002",
    "http://127.0.0.1:3000", "http://127.0.0.1:3001", "http://127.0.0.1:3002",
};

static const char *const dev_envs[] = {"development", "dev", "local", "test"};
static const char *const insecure_secrets[] = {"change-me-in-env", "changeme", "secret"};
static const char *const insecure_admin_passwords[] = {"change-this-password", "changeme",
                                                       "password"};
static const char *const s3_names[] = {"AWS_ENDPOINT_URL", "AWS_S3_BUCKET_NAME",
                                       "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"};

/* Where values come from: the environment first, then .env. */
struct source {
    char *const *env;
    const struct wos_dotenv *dotenv;
};

static struct wos_config global;
static bool global_loaded;
static pthread_once_t global_once = PTHREAD_ONCE_INIT;

/* ---- small helpers ---------------------------------------------------- */

static void oom(void)
{
    fputs("config: out of memory\n", stderr);
    abort();
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        oom();
    return p;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);

    if (d == NULL)
        oom();
    return d;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    return s;
}

/* Frees a string that may hold a secret, wiping it first. */
static void wipe_free(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

static void push_str(char ***v, size_t *n, char *s)
{
    char **nv = realloc(*v, (*n + 1) * sizeof **v);

    if (nv == NULL)
        oom();
    nv[(*n)++] = s;
    *v = nv;
}

static void add(struct wos_config_report *r, bool warning, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add(struct wos_config_report *r, bool warning, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        oom();
    va_end(ap);
    if (warning)
        push_str(&r->warnings, &r->n_warnings, s);
    else
        push_str(&r->errors, &r->n_errors, s);
}

/* A value made safe to quote in a problem line: printable ASCII, at most 60 bytes. */
static const char *shown(const char *v, char buf[64])
{
    size_t i;

    for (i = 0; v[i] != '\0' && i < 60; i++)
        buf[i] = (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : '?';
    if (v[i] != '\0') {
        buf[57] = buf[58] = buf[59] = '.';
        i = 60;
    }
    buf[i] = '\0';
    return buf;
}

static bool is_template(const char *s)
{
    return strstr(s, "${") != NULL;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(s, list[i]) == 0)
            return true;
    }
    return false;
}

/* A copy of s without surrounding blanks; caller frees. */
static char *trimmed(const char *s)
{
    size_t len;

    while (isspace((unsigned char)*s))
        s++;
    len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    char *d = xstrdup(s);
    d[len] = '\0';
    return d;
}

static void strip_trailing_slashes(char *s)
{
    size_t len = strlen(s);

    while (len > 0 && s[len - 1] == '/')
        s[--len] = '\0';
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static void *field(struct wos_config *c, const struct setting *s)
{
    return (char *)c + s->off;
}

static const void *cfield(const struct wos_config *c, const struct setting *s)
{
    return (const char *)c + s->off;
}

static long default_http_threads(const struct wos_config *c)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    (void)c;
    if (cores < 1)
        cores = 1;
    /* event loops that never block on PostgreSQL or bcrypt: one per core (docs/decisions.md) */
    return cores > 1024 ? 1024 : cores;
}

static long default_signup_enabled(const struct wos_config *c)
{
    return !c->is_production;
}

/* ---- looking values up ------------------------------------------------ */

static const char *lookup(const struct source *src, const char *key)
{
    size_t n = strlen(key);

    for (char *const *e = src->env; e != NULL && *e != NULL; e++) {
        if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    }
    return src->dotenv != NULL ? wos_dotenv_get(src->dotenv, key) : NULL;
}

/*
 * The value of a setting: the first non-empty value among its names in
 * precedence order (aliases first when F_ALIAS_WINS); "" when names are set
 * but all empty; NULL when none is set. *used names the variable it came from.
 */
static const char *setting_value(const struct source *src, const struct setting *s,
                                 const char **used)
{
    const char *order[3];
    size_t n = 0;
    const char *empty_from = NULL;

    if (!(s->flags & F_ALIAS_WINS))
        order[n++] = s->name;
    for (size_t i = 0; i < WOS_ARRAY_LEN(s->aliases) && s->aliases[i] != NULL; i++)
        order[n++] = s->aliases[i];
    if (s->flags & F_ALIAS_WINS)
        order[n++] = s->name;
    for (size_t i = 0; i < n; i++) {
        const char *v = lookup(src, order[i]);

        if (v != NULL && *v != '\0') {
            *used = order[i];
            return v;
        }
        if (v != NULL && empty_from == NULL)
            empty_from = order[i];
    }
    *used = empty_from != NULL ? empty_from : s->name;
    return empty_from != NULL ? "" : NULL;
}

/* ---- typed parsing ---------------------------------------------------- */

static int parse_long(const char *s, bool digits_only, long *out)
{
    const char *p = s;
    char *end;
    long v;

    if (!digits_only && (*p == '+' || *p == '-'))
        p++;
    if (*p == '\0')
        return WOS_ERROR;
    for (const char *q = p; *q; q++) {
        if (!isdigit((unsigned char)*q))
            return WOS_ERROR;
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno == ERANGE || *end != '\0')
        return WOS_ERROR;
    *out = v;
    return WOS_OK;
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "1", "yes", "on", "t", "y"};
    static const char *const no[] = {"false", "0", "no", "off", "f", "n"};

    if (in_list(s, yes, WOS_ARRAY_LEN(yes))) {
        *out = true;
        return WOS_OK;
    }
    if (in_list(s, no, WOS_ARRAY_LEN(no))) {
        *out = false;
        return WOS_OK;
    }
    return WOS_ERROR;
}

/* scheme://rest with a non-empty rest and no blanks or control characters. */
static bool url_shaped(const char *s)
{
    const char *p = s;

    if (!isalpha((unsigned char)*p))
        return false;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '.' || *p == '-')
        p++;
    if (strncmp(p, "://", 3) != 0 || p[3] == '\0')
        return false;
    for (; *p; p++) {
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return false;
    }
    return true;
}

static void list_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int parse_json_list(const char *s, char ***v, size_t *n)
{
    json_error_t err;
    json_t *arr = json_loads(s, JSON_REJECT_DUPLICATES, &err);
    size_t i;
    json_t *item;

    if (arr == NULL || !json_is_array(arr)) {
        json_decref(arr);
        return WOS_ERROR;
    }
    json_array_foreach(arr, i, item)
    {
        if (!json_is_string(item)) {
            json_decref(arr);
            return WOS_ERROR;
        }
        char *t = trimmed(json_string_value(item));

        if (*t != '\0')
            push_str(v, n, t);
        else
            free(t);
    }
    json_decref(arr);
    return WOS_OK;
}

/* Comma-separated items, each trimmed; empty items are dropped. */
static void parse_comma_list(const char *s, char ***v, size_t *n)
{
    while (*s != '\0') {
        size_t len = strcspn(s, ",");
        char *item = xmalloc(len + 1);

        memcpy(item, s, len);
        item[len] = '\0';
        char *t = trimmed(item);
        free(item);
        if (*t != '\0')
            push_str(v, n, t);
        else
            free(t);
        s += len + (s[len] == ',');
    }
}

static int parse_list(const struct setting *s, const char *v, char ***out, size_t *n)
{
    const char *p = v;

    *out = NULL;
    *n = 0;
    while (isspace((unsigned char)*p))
        p++;
    if ((s->flags & F_JSON_LIST) && *p == '[') {
        if (parse_json_list(p, out, n) == WOS_OK)
            return WOS_OK;
        list_free(*out, *n);
        *out = NULL;
        *n = 0;
        return WOS_ERROR;
    }
    parse_comma_list(v, out, n);
    return WOS_OK;
}

/* "a, b, c" from a NULL-terminated list of choices. */
static const char *choices_text(const char *const *choices, char *buf, size_t n)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; choices[i] != NULL && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", choices[i]);
    return buf;
}

/*
 * Stores the text v into the field of s. Returns WOS_ERROR (after adding a
 * problem naming `used`, unless rep is NULL) when v does not parse.
 */
static int store(struct wos_config *c, const struct setting *s, const char *used, const char *v,
                 struct wos_config_report *rep)
{
    char buf[64];
    char allowed[128];

    switch (s->kind) {
    case K_STR:
    case K_URL:
        if (s->choices != NULL) {
            size_t n = 0;

            while (s->choices[n] != NULL)
                n++;
            if (!in_list(v, s->choices, n)) {
                if (rep != NULL)
                    add(rep, false, "%s must be one of %s (got '%s')", used,
                        choices_text(s->choices, allowed, sizeof allowed), shown(v, buf));
                return WOS_ERROR;
            }
        }
        if (s->kind == K_URL && !(s->flags & F_NO_URL_CHECK) && *v != '\0' && !is_template(v) &&
            !url_shaped(v)) {
            if (rep != NULL)
                add(rep, false, "%s must be an absolute URL such as https://host/path", used);
            return WOS_ERROR;
        }
        *(char **)field(c, s) = xstrdup(v);
        if (s->choices != NULL)
            lower(*(char **)field(c, s));
        return WOS_OK;
    case K_INT: {
        long n;

        if (parse_long(v, (s->flags & F_DIGITS_ONLY) != 0, &n) != WOS_OK) {
            if (rep != NULL)
                add(rep, false, "%s must be %s (got '%s')", used,
                    (s->flags & F_DIGITS_ONLY) ? "a whole number written with digits only"
                                               : "an integer",
                    shown(v, buf));
            return WOS_ERROR;
        }
        if (n < s->min || n > s->max) {
            if (rep != NULL && s->min == LONG_MIN)
                add(rep, false, "%s must be at most %ld (got %ld)", used, s->max, n);
            else if (rep != NULL)
                add(rep, false, "%s must be between %ld and %ld (got %ld)", used, s->min, s->max,
                    n);
            return WOS_ERROR;
        }
        *(long *)field(c, s) = n;
        return WOS_OK;
    }
    case K_BOOL:
        if (parse_bool(v, (bool *)field(c, s)) != WOS_OK) {
            if (rep != NULL)
                add(rep, false,
                    "%s must be a boolean: true/1/yes/on/t/y or false/0/no/off/f/n (got '%s')",
                    used, shown(v, buf));
            return WOS_ERROR;
        }
        return WOS_OK;
    case K_LIST: {
        char ***v_out = (char ***)field(c, s);
        size_t *n_out = (size_t *)((char *)c + s->len_off);

        if (parse_list(s, v, v_out, n_out) != WOS_OK) {
            if (rep != NULL)
                add(rep, false, "%s must be a comma-separated list or a JSON array of strings",
                    used);
            return WOS_ERROR;
        }
        return WOS_OK;
    }
    }
    return WOS_ERROR;
}

static void store_default(struct wos_config *c, const struct setting *s)
{
    if (s->dflt_fn != NULL && s->kind == K_INT)
        *(long *)field(c, s) = s->dflt_fn(c);
    else if (s->dflt_fn != NULL && s->kind == K_BOOL)
        *(bool *)field(c, s) = s->dflt_fn(c) != 0;
    else if (store(c, s, s->name, s->dflt != NULL ? s->dflt : "", NULL) != WOS_OK)
        abort(); /* a default that does not parse is a bug in the table */
}

static void load_settings(struct wos_config *c, const struct source *src,
                          struct wos_config_report *rep)
{
    for (size_t i = 0; i < WOS_ARRAY_LEN(settings); i++) {
        const struct setting *s = &settings[i];
        const char *used;
        const char *v = setting_value(src, s, &used);

        if (v == NULL || store(c, s, used, v, rep) != WOS_OK)
            store_default(c, s);
    }
}

/* ---- derived values --------------------------------------------------- */

static bool production_env(const char *app_env)
{
    char *t = trimmed(app_env);
    bool prod = !in_list(t, dev_envs, WOS_ARRAY_LEN(dev_envs));

    free(t);
    return prod;
}

/* A malloc'd copy of s percent-encoding all but RFC 3986 unreserved characters. */
static char *pct_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = xmalloc(strlen(s) * 3 + 1);
    char *o = out;

    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if (isalnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            *o++ = (char)ch;
        } else {
            *o++ = '%';
            *o++ = hex[ch >> 4];
            *o++ = hex[ch & 15];
        }
    }
    *o = '\0';
    return out;
}

/* postgresql://USER:PASSWORD@HOST:PORT/DATABASE with user, password and database encoded. */
static char *compose_pg_url(const struct wos_config *c)
{
    const char *port = *c->pgport != '\0' ? c->pgport : "5432";
    bool v6 = strchr(c->pghost, ':') != NULL && c->pghost[0] != '[';
    char *user = pct_encode(c->pguser);
    char *pass = pct_encode(c->pgpassword);
    char *db = pct_encode(c->pgdatabase);
    char *url = xprintf("postgresql://%s:%s@%s%s%s:%s/%s", user, pass, v6 ? "[" : "", c->pghost,
                        v6 ? "]" : "", port, db);

    free(user);
    wipe_free(pass);
    free(db);
    return url;
}

/* Replaces a leading postgres:// by postgresql:// in place (reallocating). */
static void normalise_pg_scheme(char **url)
{
    if (has_prefix(*url, "postgres://")) {
        char *n = xprintf("postgresql://%s", *url + strlen("postgres://"));

        wipe_free(*url);
        *url = n;
    }
}

static void resolve_database_url(struct wos_config *c, struct wos_config_report *rep)
{
    char *raw = c->database_url;
    const char *pg[] = {c->pghost, c->pguser, c->pgpassword, c->pgdatabase, c->pgport};
    char *url = NULL;
    bool pg_template = false;

    c->database_url_source = "";
    if (*raw != '\0' && !is_template(raw)) {
        url = xstrdup(raw);
        c->database_url_source = "DATABASE_URL";
    } else if (is_template(raw)) {
        if (*c->database_public_url != '\0' && !is_template(c->database_public_url)) {
            url = xstrdup(c->database_public_url);
            c->database_url_source = "DATABASE_PUBLIC_URL";
        } else {
            add(rep, true,
                "DATABASE_URL holds an unresolved template (${...}) and DATABASE_PUBLIC_URL "
                "cannot replace it");
        }
    }
    for (size_t i = 0; i < WOS_ARRAY_LEN(pg); i++)
        pg_template = pg_template || is_template(pg[i]);
    if (url == NULL && *c->pghost && *c->pguser && *c->pgpassword && *c->pgdatabase &&
        !pg_template) {
        url = compose_pg_url(c);
        c->database_url_source = "PG*";
    }
    wipe_free(raw);
    c->database_url = url;
    if (url == NULL) {
        c->database_url = xstrdup("");
        add(rep, false,
            "DATABASE_URL is missing. Please configure a PostgreSQL DATABASE_URL in your "
            "environment.");
        return;
    }
    normalise_pg_scheme(&c->database_url);
    if (has_prefix(c->database_url, "sqlite")) {
        add(rep, false, "SQLite is no longer supported. Please configure PostgreSQL DATABASE_URL.");
    } else if (!has_prefix(c->database_url, "postgresql://") || !url_shaped(c->database_url)) {
        add(rep, false, "%s must be a PostgreSQL URL (postgresql://user:password@host:port/db)",
            c->database_url_source);
    }
}

static void resolve_read_url(struct wos_config *c, struct wos_config_report *rep)
{
    if (*c->database_read_url == '\0')
        return;
    if (is_template(c->database_read_url)) {
        add(rep, false, "DATABASE_READ_URL holds an unresolved template (${...})");
        return;
    }
    normalise_pg_scheme(&c->database_read_url);
    if (has_prefix(c->database_read_url, "sqlite"))
        add(rep, false,
            "SQLite is no longer supported. Please configure PostgreSQL DATABASE_READ_URL.");
    else if (!has_prefix(c->database_read_url, "postgresql://") ||
             !url_shaped(c->database_read_url))
        add(rep, false,
            "DATABASE_READ_URL must be a PostgreSQL URL (postgresql://user:password@host:port/db)");
}

/* Driver resolution of spec 01 §1.6; returns "s3" or "local". */
static const char *resolve_driver(const struct wos_config *c, const char *var, const char *value,
                                  struct wos_config_report *rep)
{
    static const char *const s3_words[] = {"s3", "railway_bucket", "railway"};
    char *v = trimmed(value);
    const char *driver = NULL;
    char buf[64];

    if (in_list(v, s3_words, WOS_ARRAY_LEN(s3_words)))
        driver = "s3";
    else if (strcasecmp(v, "local") == 0)
        driver = "local";
    else if (*v != '\0' && strcasecmp(v, "auto") != 0)
        add(rep, true,
            "%s='%s' is not a known storage driver (local, s3, railway_bucket, railway); "
            "choosing automatically",
            var, shown(v, buf));
    free(v);
    if (driver == NULL)
        driver = c->s3_configured ? "s3" : "local";
    return driver;
}

static void check_s3_complete(const struct wos_config *c, const char *var,
                              struct wos_config_report *rep)
{
    const char *vals[] = {c->aws_endpoint_url, c->aws_s3_bucket_name, c->aws_access_key_id,
                          c->aws_secret_access_key};
    char missing[160] = "";

    for (size_t i = 0; i < WOS_ARRAY_LEN(vals); i++) {
        if (*vals[i] == '\0') {
            if (*missing != '\0')
                strcat(missing, ", ");
            strcat(missing, s3_names[i]);
        }
    }
    if (*missing != '\0')
        add(rep, false, "%s selects S3 storage but these settings are missing: %s", var, missing);
}

static void resolve_storage(struct wos_config *c, struct wos_config_report *rep)
{
    c->s3_configured = *c->aws_endpoint_url && *c->aws_s3_bucket_name && *c->aws_access_key_id &&
                       *c->aws_secret_access_key;
    c->profile_image_storage_resolved =
        resolve_driver(c, "PROFILE_IMAGE_STORAGE", c->profile_image_storage, rep);
    c->call_recordings_storage_resolved =
        resolve_driver(c, "CALL_RECORDINGS_STORAGE_DRIVER", c->call_recordings_storage_driver, rep);
    if (strcmp(c->profile_image_storage_resolved, "s3") == 0)
        check_s3_complete(c, "PROFILE_IMAGE_STORAGE", rep);
    if (strcmp(c->call_recordings_storage_resolved, "s3") == 0)
        check_s3_complete(c, "CALL_RECORDINGS_STORAGE_DRIVER", rep);
    c->call_recordings_storage_refused = c->is_production && c->s3_configured &&
                                         strcmp(c->call_recordings_storage_resolved, "local") == 0;
    if (c->call_recordings_storage_refused)
        add(rep, true,
            "Production call recordings must use object storage. Configure "
            "CALL_RECORDINGS_STORAGE_DRIVER=s3.");
    strip_trailing_slashes(c->profile_image_public_base_url);
    c->call_recordings_max_upload_bytes = (long long)c->call_recordings_max_upload_mb * 1048576LL;
}

static void resolve_push(struct wos_config *c, struct wos_config_report *rep)
{
    const char *vals[] = {c->vapid_public_key, c->vapid_private_key, c->vapid_subject};
    const char *names[] = {"VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT"};
    size_t set = 0;
    bool tmpl = false;
    char missing[64] = "";

    for (size_t i = 0; i < 3; i++) {
        if (*vals[i] != '\0') {
            set++;
            tmpl = tmpl || is_template(vals[i]);
        } else {
            if (*missing != '\0')
                strcat(missing, ", ");
            strcat(missing, names[i]);
        }
    }
    c->web_push_enabled = set == 3 && !tmpl;
    if (set > 0 && set < 3)
        add(rep, true, "Web Push is disabled: VAPID settings are incomplete (missing: %s)",
            missing);
    else if (set == 3 && tmpl)
        add(rep, true, "Web Push is disabled: a VAPID setting holds an unresolved template");
}

static bool list_has(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i], s) == 0)
            return true;
    }
    return false;
}

/* Adds a copy of origin (trailing '/' removed) unless empty, `*`, a template or a duplicate. */
static void allow_add(struct wos_config *c, const char *origin)
{
    char *o = trimmed(origin);

    strip_trailing_slashes(o);
    if (*o == '\0' || strcmp(o, "*") == 0 || is_template(o) ||
        list_has(c->cors_allow, c->cors_allow_len, o)) {
        free(o);
        return;
    }
    push_str(&c->cors_allow, &c->cors_allow_len, o);
}

/* Cleans the explicit CORS_ORIGINS entries, then builds the allow-list of spec 01 §3. */
static void resolve_cors(struct wos_config *c, struct wos_config_report *rep)
{
    size_t kept = 0;
    char buf[64];

    for (size_t i = 0; i < c->cors_origins_len; i++) {
        char *o = c->cors_origins[i];

        strip_trailing_slashes(o);
        if (strcmp(o, "*") == 0 || *o == '\0') {
            free(o);
            continue;
        }
        if (is_template(o)) {
            add(rep, true, "CORS_ORIGINS entry '%s' is an unresolved template and is ignored",
                shown(o, buf));
            free(o);
            continue;
        }
        if (!has_prefix(o, "http://") && !has_prefix(o, "https://"))
            add(rep, true, "CORS_ORIGINS entry '%s' is not an http(s) origin and never matches",
                shown(o, buf));
        c->cors_origins[kept++] = o;
    }
    c->cors_origins_len = kept;
    allow_add(c, c->frontend_base_url);
    for (size_t i = 0; i < c->cors_origins_len; i++)
        allow_add(c, c->cors_origins[i]);
    for (size_t i = 0; !c->is_production && i < WOS_ARRAY_LEN(dev_origins); i++)
        allow_add(c, dev_origins[i]);
}

/*
 * An entry of FORWARDED_ALLOW_IPS: an IPv4 or IPv6 address, or an IPv4 CIDR "a.b.c.d/n" with
 * n 0-32, the forms the HTTP layer matches. Anything else must fail here: a prefix that does
 * not parse would otherwise read as /0 and trust X-Forwarded-For from every peer.
 */
static bool trusted_proxy_entry(const char *e)
{
    unsigned char addr[sizeof(struct in6_addr)];
    const char *slash = strchr(e, '/');
    char net[INET_ADDRSTRLEN];
    size_t len = slash ? (size_t)(slash - e) : 0;

    if (slash == NULL)
        return inet_pton(AF_INET, e, addr) == 1 || inet_pton(AF_INET6, e, addr) == 1;
    if (len == 0 || len >= sizeof net || slash[1] == '\0' || strlen(slash + 1) > 2)
        return false;
    for (const char *p = slash + 1; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    memcpy(net, e, len);
    net[len] = '\0';
    return atoi(slash + 1) <= 32 && inet_pton(AF_INET, net, addr) == 1;
}

static void check_forwarded_allow_ips(const struct wos_config *c, struct wos_config_report *rep)
{
    char buf[64];

    for (size_t i = 0; i < c->forwarded_allow_ips_len; i++)
        if (!trusted_proxy_entry(c->forwarded_allow_ips[i]))
            add(rep, false,
                "FORWARDED_ALLOW_IPS entry '%s' is not an IP address or an IPv4 CIDR "
                "(a.b.c.d/n, n 0-32)",
                shown(c->forwarded_allow_ips[i], buf));
}

static void check_bootstrap_password(const struct wos_config *c, struct wos_config_report *rep)
{
    const char *p = c->bootstrap_admin_password;
    size_t len = strlen(p);

    if (len > 0 && (isspace((unsigned char)p[0]) || isspace((unsigned char)p[len - 1])))
        add(rep, false,
            "BOOTSTRAP_ADMIN_PASSWORD has leading or trailing whitespace; remove it (the "
            "password is never trimmed)");
}

/* The production guards of spec 01 §2. */
static void production_guards(const struct wos_config *c, struct wos_config_report *rep)
{
    char *key = trimmed(c->app_secret_key);
    char *pw = trimmed(c->bootstrap_admin_password);
    char *front = trimmed(c->frontend_base_url);
    bool bad_front;

    if (*key == '\0' || in_list(key, insecure_secrets, WOS_ARRAY_LEN(insecure_secrets)))
        add(rep, false,
            "APP_SECRET_KEY must be set to a strong value in non-development environments.");
    else if (strlen(key) < 32)
        add(rep, true,
            "APP_SECRET_KEY is shorter than 32 characters; use e.g. openssl rand -hex 32");
    if (in_list(pw, insecure_admin_passwords, WOS_ARRAY_LEN(insecure_admin_passwords)))
        add(rep, false,
            "BOOTSTRAP_ADMIN_PASSWORD must be changed from its default value in "
            "non-development environments.");
    bad_front = *front == '\0' || is_template(front) || has_prefix(front, "http://localhost") ||
                has_prefix(front, "http://127.0.0.1");
    if (bad_front)
        add(rep, false,
            "FRONTEND_BASE_URL must be set to your production web URL in non-development "
            "environments (not empty, a template or localhost).");
    else if (!has_prefix(front, "https://"))
        add(rep, false,
            "FRONTEND_BASE_URL must be set to your production web URL; it must be an https:// "
            "URL in production.");
    if (c->cors_origins_len == 0) {
        add(rep, false,
            "CORS_ORIGINS must be set explicitly in non-development environments (the origins "
            "of the web UI; '*' is ignored).");
    } else {
        if (c->cors_allow_len == 0)
            add(rep, false,
                "The CORS allow-list is empty; set FRONTEND_BASE_URL and CORS_ORIGINS.");
        strip_trailing_slashes(front);
        if (!bad_front && !list_has(c->cors_origins, c->cors_origins_len, front))
            add(rep, false, "CORS_ORIGINS must include FRONTEND_BASE_URL (%s).", front);
    }
    wipe_free(key);
    wipe_free(pw);
    free(front);
}

static void resolve(struct wos_config *c, struct wos_config_report *rep)
{
    char buf[64];

    if (c->online_presence_ttl_seconds < 30) {
        add(rep, true, "ONLINE_PRESENCE_TTL_SECONDS=%ld is below the minimum; using 30",
            c->online_presence_ttl_seconds);
        c->online_presence_ttl_seconds = 30;
    }
    if (c->eod_post_shift_grace_hours < 0) {
        add(rep, true, "EOD_POST_SHIFT_GRACE_HOURS=%ld is negative; using 0",
            c->eod_post_shift_grace_hours);
        c->eod_post_shift_grace_hours = 0;
    }
    if (strcasecmp(c->aws_s3_url_style, "virtual") != 0 && strcasecmp(c->aws_s3_url_style, "path"))
        add(rep, true, "AWS_S3_URL_STYLE='%s' is not 'virtual'; using path-style addressing",
            shown(c->aws_s3_url_style, buf));
    resolve_database_url(c, rep);
    resolve_read_url(c, rep);
    resolve_storage(c, rep);
    resolve_push(c, rep);
    resolve_cors(c, rep);
    check_forwarded_allow_ips(c, rep);
    check_bootstrap_password(c, rep);
    if (c->is_production)
        production_guards(c, rep);
}

/* ---- public API --------------------------------------------------------- */

/* Loads from env + an already parsed .env (d may be NULL). */
static int load(struct wos_config *out, char *const *env, const struct wos_dotenv *d,
                struct wos_config_report *rep)
{
    struct source src = {.env = env, .dotenv = d};
    const char *app_env;

    memset(out, 0, sizeof *out);
    app_env = lookup(&src, "APP_ENV");
    out->is_production = production_env(app_env != NULL ? app_env : "development");
    load_settings(out, &src, rep);
    resolve(out, rep);
    return rep->n_errors == 0 ? WOS_OK : WOS_ERROR;
}

static void add_dotenv_problems(const struct wos_dotenv *d, struct wos_config_report *rep)
{
    for (size_t i = 0; i < d->n_problems; i++)
        add(rep, false, ".env: %s", d->problems[i]);
}

int wos_config_load_from(struct wos_config *out, char *const *env, const char *dotenv_text,
                         struct wos_config_report *rep)
{
    struct wos_dotenv d;
    int rc;

    memset(rep, 0, sizeof *rep);
    wos_dotenv_parse(dotenv_text, dotenv_text != NULL ? strlen(dotenv_text) : 0, &d);
    add_dotenv_problems(&d, rep);
    rc = load(out, env, &d, rep);
    wos_dotenv_free(&d);
    return rc;
}

/* Loads environ + ./.env. */
static int load_process(struct wos_config *out, struct wos_config_report *rep)
{
    struct wos_dotenv d;
    int rc;

    memset(rep, 0, sizeof *rep);
    wos_dotenv_read_file(".env", &d);
    add_dotenv_problems(&d, rep);
    rc = load(out, environ, &d, rep);
    wos_dotenv_free(&d);
    return rc;
}

static void load_defaults_once(void)
{
    struct wos_config_report rep;
    char *no_env[] = {NULL};

    if (global_loaded)
        return;
    memset(&rep, 0, sizeof rep);
    load(&global, no_env, NULL, &rep);
    wos_config_report_free(&rep);
    global_loaded = true;
}

int wos_config_init(void)
{
    struct wos_config c;
    struct wos_config_report rep;
    int rc = load_process(&c, &rep);

    for (size_t i = 0; i < rep.n_warnings; i++)
        fprintf(stderr, "config: warning: %s\n", rep.warnings[i]);
    for (size_t i = 0; i < rep.n_errors; i++)
        fprintf(stderr, "config: %s\n", rep.errors[i]);
    wos_config_report_free(&rep);
    wos_config_install(&c);
    return rc;
}

const struct wos_config *wos_cfg(void)
{
    pthread_once(&global_once, load_defaults_once);
    return &global;
}

void wos_config_install(struct wos_config *c)
{
    if (global_loaded)
        wos_config_free(&global);
    global = *c;
    global_loaded = true;
    memset(c, 0, sizeof *c);
}

/*
 * Writes url with the password of its user-info (and of a `password=` query
 * parameter) replaced by "****".
 */
static void print_redacted_url(FILE *out, const char *url)
{
    const char *scheme_end = strstr(url, "://");
    const char *auth, *auth_end, *at, *colon, *q;

    if (scheme_end == NULL) {
        fputs(*url ? "********" : "", out);
        return;
    }
    auth = scheme_end + 3;
    auth_end = auth + strcspn(auth, "/?#");
    at = NULL;
    for (const char *p = auth; p < auth_end; p++) {
        if (*p == '@')
            at = p;
    }
    colon = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon != NULL)
        fprintf(out, "%.*s****%.*s", (int)(colon + 1 - url), url, (int)(auth_end - at), at);
    else
        fprintf(out, "%.*s", (int)(auth_end - url), url);
    for (q = auth_end; *q != '\0';) {
        const char *pw = strstr(q, "password=");

        if (pw == NULL) {
            fputs(q, out);
            break;
        }
        pw += strlen("password=");
        fprintf(out, "%.*s****", (int)(pw - q), q);
        q = pw + strcspn(pw, "&#");
    }
}

static void print_value(const struct wos_config *c, const struct setting *s, FILE *out)
{
    switch (s->kind) {
    case K_STR:
    case K_URL: {
        const char *v = *(char *const *)cfield(c, s);

        if (s->secret == SECRET)
            fputs(*v != '\0' ? "********" : "(unset)", out);
        else if (s->secret == URL_PASSWORD)
            print_redacted_url(out, v);
        else
            fputs(v, out);
        break;
    }
    case K_INT:
        fprintf(out, "%ld", *(const long *)cfield(c, s));
        break;
    case K_BOOL:
        fputs(*(const bool *)cfield(c, s) ? "true" : "false", out);
        break;
    case K_LIST: {
        char *const *v = *(char **const *)cfield(c, s);
        size_t n = *(const size_t *)((const char *)c + s->len_off);

        for (size_t i = 0; i < n; i++)
            fprintf(out, "%s%s", i ? "," : "", v[i]);
        break;
    }
    }
}

void wos_config_print(const struct wos_config *c, FILE *out)
{
    for (size_t i = 0; i < WOS_ARRAY_LEN(settings); i++) {
        const struct setting *s = &settings[i];

        if (s->section != NULL)
            fprintf(out, "%s# %s\n", i ? "\n" : "", s->section);
        fprintf(out, "%s=", s->name);
        print_value(c, s, out);
        fputc('\n', out);
    }
    fprintf(out, "\n# Resolved\n");
    fprintf(out, "production=%s\n", c->is_production ? "true" : "false");
    fprintf(out, "database_url_source=%s\n", c->database_url_source);
    fprintf(out, "cors_allow=");
    for (size_t i = 0; i < c->cors_allow_len; i++)
        fprintf(out, "%s%s", i ? "," : "", c->cors_allow[i]);
    fprintf(out, "\nprofile_image_storage=%s\n", c->profile_image_storage_resolved);
    fprintf(out, "call_recordings_storage=%s%s\n", c->call_recordings_storage_resolved,
            c->call_recordings_storage_refused ? " (refused in production)" : "");
    fprintf(out, "s3_endpoint_set=%s s3_bucket_set=%s s3_access_key_set=%s s3_secret_set=%s\n",
            *c->aws_endpoint_url ? "true" : "false", *c->aws_s3_bucket_name ? "true" : "false",
            *c->aws_access_key_id ? "true" : "false", *c->aws_secret_access_key ? "true" : "false");
    fprintf(out, "call_recordings_max_upload_bytes=%lld\n", c->call_recordings_max_upload_bytes);
    fprintf(out, "web_push_enabled=%s\n", c->web_push_enabled ? "true" : "false");
}

/* http(s)://localhost[:port] or http(s)://127.0.0.1[:port], the reference's regex. */
static bool local_origin(const char *o)
{
    static const char *const hosts[] = {"localhost", "127.0.0.1"};

    if (has_prefix(o, "http://"))
        o += strlen("http://");
    else if (has_prefix(o, "https://"))
        o += strlen("https://");
    else
        return false;
    for (size_t i = 0; i < WOS_ARRAY_LEN(hosts); i++) {
        const char *p = o;

        if (!has_prefix(p, hosts[i]))
            continue;
        p += strlen(hosts[i]);
        if (*p == '\0')
            return true;
        if (*p++ != ':' || *p == '\0')
            return false;
        while (isdigit((unsigned char)*p))
            p++;
        return *p == '\0';
    }
    return false;
}

bool wos_config_origin_allowed(const struct wos_config *c, const char *origin)
{
    if (origin == NULL || *origin == '\0')
        return false;
    if (list_has(c->cors_allow, c->cors_allow_len, origin))
        return true;
    return !c->is_production && local_origin(origin);
}

int wos_config_check_main(int argc, char **argv)
{
    struct wos_config c;
    struct wos_config_report rep;
    int rc;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            puts("usage: wos config check\n"
                 "Loads the configuration from the environment and ./.env, prints it with\n"
                 "secrets redacted, lists warnings and errors; exit status 0 when the\n"
                 "configuration can serve, 2 otherwise.");
            return 0;
        }
        fprintf(stderr, "config check: unknown argument '%s'\n", argv[i]);
        return 2;
    }
    rc = load_process(&c, &rep);
    wos_config_print(&c, stdout);
    putchar('\n');
    for (size_t i = 0; i < rep.n_warnings; i++)
        printf("warning: %s\n", rep.warnings[i]);
    for (size_t i = 0; i < rep.n_errors; i++)
        printf("error: %s\n", rep.errors[i]);
    if (rc == WOS_OK)
        printf("configuration OK (%s)\n", c.is_production ? "production" : "development");
    else
        printf("configuration has %zu error(s)\n", rep.n_errors);
    wos_config_report_free(&rep);
    wos_config_free(&c);
    return rc == WOS_OK ? 0 : 2;
}

void wos_config_report_free(struct wos_config_report *r)
{
    list_free(r->errors, r->n_errors);
    list_free(r->warnings, r->n_warnings);
    memset(r, 0, sizeof *r);
}

void wos_config_free(struct wos_config *c)
{
    for (size_t i = 0; i < WOS_ARRAY_LEN(settings); i++) {
        const struct setting *s = &settings[i];

        if (s->kind == K_STR || s->kind == K_URL) {
            wipe_free(*(char **)field(c, s));
        } else if (s->kind == K_LIST) {
            list_free(*(char ***)field(c, s), *(size_t *)((char *)c + s->len_off));
        }
    }
    list_free(c->cors_allow, c->cors_allow_len);
    memset(c, 0, sizeof *c);
}
