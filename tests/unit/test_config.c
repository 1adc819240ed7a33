/*
 * test_config.c: table-driven tests of the configuration loader
 * (src/core/config.c): defaults, aliases, env-over-.env, strict int/bool
 * parsing, database URL resolution, storage drivers, Web Push, CORS
 * allow-list and origin checks, production guards, redacted printing, and
 * the process entry points (wos_config_init, wos_cfg, wos config check).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/common.h"
#include "core/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEV_DB "DATABASE_URL=postgresql://wos:dbpass@db.internal:5432/wos"
#define MAX_ENV 40

/* A valid production environment; guard tests change one thing at a time. */
static const char *const prod_base[] = {
    "APP_ENV=production",
    "APP_SECRET_KEY=0123456789abcdef0123456789abcdef",
    "BOOTSTRAP_ADMIN_PASSWORD=Str0ng-Admin-Passw0rd",
    "FRONTEND_BASE_URL=https://app.example.com",
    "CORS_ORIGINS=https://app.example.com",
    DEV_DB,
    NULL,
};

static const char *const dev_base[] = {DEV_DB, NULL};

static const char G1[] =
    "APP_SECRET_KEY must be set to a strong value in non-development environments.";
static const char G2[] = "BOOTSTRAP_ADMIN_PASSWORD must be changed from its default value in "
                         "non-development environments.";
static const char G3[] = "FRONTEND_BASE_URL must be set to your production web URL in "
                         "non-development environments (not empty, a template or localhost).";
static const char G3_HTTPS[] = "FRONTEND_BASE_URL must be set to your production web URL; it "
                               "must be an https:// URL in production.";
static const char G5[] = "CORS_ORIGINS must be set explicitly in non-development environments "
                         "(the origins of the web UI; '*' is ignored).";
static const char MISSING_DB[] =
    "DATABASE_URL is missing. Please configure a PostgreSQL DATABASE_URL in your environment.";
static const char SQLITE[] =
    "SQLite is no longer supported. Please configure PostgreSQL DATABASE_URL.";

/*
 * Builds env = overrides + base (an override replaces the base entry of the
 * same key; an override without '=' removes that key) into out[MAX_ENV].
 */
static char *const *build_env(const char *const *base, const char *const *over,
                              const char *out[MAX_ENV])
{
    size_t n = 0;

    for (size_t i = 0; over != NULL && over[i] != NULL; i++) {
        assert_true(i < MAX_ENV);
        if (strchr(over[i], '=') != NULL)
            out[n++] = over[i];
    }
    for (size_t i = 0; base != NULL && base[i] != NULL; i++) {
        size_t klen = strcspn(base[i], "=");
        bool replaced = false;

        for (size_t k = 0; over != NULL && over[k] != NULL; k++) {
            size_t olen = strcspn(over[k], "=");

            replaced = replaced || (olen == klen && strncmp(over[k], base[i], klen) == 0);
        }
        if (!replaced)
            out[n++] = base[i];
    }
    assert_true(n < MAX_ENV);
    out[n] = NULL;
    return (char *const *)out;
}

static int load(struct wos_config *c, struct wos_config_report *r, const char *const *base,
                const char *const *over, const char *dotenv)
{
    const char *env[MAX_ENV];

    return wos_config_load_from(c, build_env(base, over, env), dotenv, r);
}

static bool has_line(char *const *lines, size_t n, const char *want)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(lines[i], want) == 0)
            return true;
    }
    return false;
}

static void dump(const struct wos_config_report *r)
{
    for (size_t i = 0; i < r->n_errors; i++)
        print_message("  error: %s\n", r->errors[i]);
    for (size_t i = 0; i < r->n_warnings; i++)
        print_message("  warning: %s\n", r->warnings[i]);
}

static void assert_list(char *const *got, size_t n, const char *const *want)
{
    size_t k = 0;

    while (want[k] != NULL)
        k++;
    assert_int_equal(n, k);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(got[i], want[i]);
}

/* ---- process-global config (runs first: wos_cfg() before any install) ---- */

static void test_cfg_before_init_holds_defaults(void **state)
{
    const struct wos_config *c = wos_cfg();

    (void)state;
    assert_int_equal(c->app_port, 8000);
    assert_string_equal(c->app_env, "development");
    assert_string_equal(c->database_url, "");
    assert_true(c->signup_enabled);
}

/* ---- defaults ---------------------------------------------------------- */

static void test_defaults(void **state)
{
    struct wos_config c;
    struct wos_config_report r;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);

    (void)state;
    assert_int_equal(load(&c, &r, dev_base, NULL, NULL), WOS_OK);
    dump(&r);
    assert_int_equal(r.n_warnings, 0);
    assert_false(c.is_production);
    assert_string_equal(c.app_env, "development");
    assert_string_equal(c.app_host, "0.0.0.0");
    assert_int_equal(c.app_port, 8000);
    assert_string_equal(c.app_secret_key, "change-me-in-env");
    assert_string_equal(c.api_v1_prefix, "/api/v1");
    assert_int_equal(c.access_token_expire_minutes, 15);
    assert_int_equal(c.refresh_token_expire_days, 7);
    assert_string_equal(c.frontend_base_url, "http://localhost:3000");
    assert_int_equal(c.cors_origins_len, 0);
    assert_string_equal(c.business_timezone, "Asia/Karachi");
    assert_int_equal(c.online_presence_ttl_seconds, 90);
    assert_int_equal(c.auth_login_max_attempts, 5);
    assert_int_equal(c.auth_login_window_seconds, 900);
    assert_int_equal(c.auth_forgot_password_max_attempts, 3);
    assert_int_equal(c.auth_forgot_password_window_seconds, 900);
    assert_int_equal(c.auth_reset_password_max_attempts, 5);
    assert_int_equal(c.auth_reset_password_window_seconds, 900);
    assert_list(c.forwarded_allow_ips, c.forwarded_allow_ips_len,
                (const char *const[]){"127.0.0.1", "::1", NULL});
    assert_string_equal(c.database_url, "postgresql://wos:dbpass@db.internal:5432/wos");
    assert_string_equal(c.database_url_source, "DATABASE_URL");
    assert_string_equal(c.pgport, "5432");
    assert_string_equal(c.redis_url, "redis://localhost:6379/0");
    assert_string_equal(c.database_read_url, "");
    assert_string_equal(c.smtp_host, "");
    assert_int_equal(c.smtp_port, 587);
    assert_string_equal(c.smtp_user, "");
    assert_true(c.smtp_tls);
    assert_string_equal(c.emails_from_email, "");
    assert_string_equal(c.emails_from_name, "Workforce OS");
    assert_string_equal(c.bootstrap_admin_email, "admin@example.com");
    assert_string_equal(c.bootstrap_admin_password, "change-this-password");
    assert_string_equal(c.bootstrap_admin_name, "HR Admin");
    assert_string_equal(c.profile_image_storage, "");
    assert_string_equal(c.profile_image_upload_dir, "storage/profile-pictures");
    assert_string_equal(c.profile_image_public_base_url, "");
    assert_string_equal(c.call_recordings_local_dir, "storage/call-recordings");
    assert_int_equal(c.call_recordings_max_upload_mb, 100);
    assert_int_equal(c.call_recordings_max_upload_bytes, 100LL * 1048576);
    assert_string_equal(c.aws_default_region, "auto");
    assert_string_equal(c.aws_s3_url_style, "virtual");
    assert_string_equal(c.profile_image_storage_resolved, "local");
    assert_string_equal(c.call_recordings_storage_resolved, "local");
    assert_false(c.s3_configured);
    assert_true(c.push_notifications_enabled);
    assert_string_equal(c.expo_push_api_url, "https://exp.host/--/api/v2/push/send");
    assert_true(c.push_notification_message_preview_enabled);
    assert_false(c.web_push_enabled);
    assert_int_equal(c.attendance_max_active_hours, 16);
    assert_int_equal(c.attendance_auto_close_grace_minutes, 60);
    assert_int_equal(c.eod_post_shift_grace_hours, 4);
    assert_string_equal(c.next_public_app_name, "Workforce Intelligence & Execution OS");
    assert_int_equal(c.http_threads, cores < 1 ? 1 : cores);
    assert_int_equal(c.http_max_body_bytes, 1048576);
    assert_string_equal(c.web_dist_dir, "web/dist");
    assert_true(c.migrate_on_start);
    assert_int_equal(c.migrate_lock_timeout_seconds, 60);
    assert_int_equal(c.worker_concurrency, 4);
    assert_int_equal(c.password_min_length, 10);
    assert_int_equal(c.password_bcrypt_rounds, 12);
    assert_true(c.signup_enabled);
    assert_string_equal(c.message_attachments_dir, "storage/message-attachments");
    assert_string_equal(c.log_level, "info");
    assert_string_equal(c.log_format, "text");
    wos_config_report_free(&r);
    wos_config_free(&c);
}

static void test_explicit_values(void **state)
{
    static const char *const over[] = {
        "APP_PORT=9000",
        "HTTP_THREADS=3",
        "SMTP_TLS=OFF",
        "LOG_LEVEL=DEBUG",
        "LOG_FORMAT=json",
        "ACCESS_TOKEN_EXPIRE_MINUTES=007",
        "APP_HOST=",
        "PASSWORD_BCRYPT_ROUNDS=4",
        "PASSWORD_MIN_LENGTH=72",
        "SIGNUP_ENABLED=n",
        "MIGRATE_LOCK_TIMEOUT_SECONDS=0",
        "CALL_RECORDINGS_MAX_UPLOAD_MB=250",
        "FORWARDED_ALLOW_IPS= 10.0.0.0/8 , ,192.168.1.1 ",
        NULL,
    };
    struct wos_config c;
    struct wos_config_report r;

    (void)state;
    assert_int_equal(load(&c, &r, dev_base, over, NULL), WOS_OK);
    assert_int_equal(c.app_port, 9000);
    assert_int_equal(c.http_threads, 3);
    assert_false(c.smtp_tls);
    assert_string_equal(c.log_level, "debug");
    assert_string_equal(c.log_format, "json");
    assert_int_equal(c.access_token_expire_minutes, 7);
    assert_string_equal(c.app_host, ""); /* explicitly empty wins over the default */
    assert_int_equal(c.password_bcrypt_rounds, 4);
    assert_int_equal(c.password_min_length, 72);
    assert_false(c.signup_enabled);
    assert_int_equal(c.migrate_lock_timeout_seconds, 0);
    assert_int_equal(c.call_recordings_max_upload_bytes, 250LL * 1048576);
    assert_list(c.forwarded_allow_ips, c.forwarded_allow_ips_len,
                (const char *const[]){"10.0.0.0/8", "192.168.1.1", NULL});
    wos_config_report_free(&r);
    wos_config_free(&c);
}

/* ---- strict parsing: every bad value is one error naming its variable ---- */

struct error_case {
    const char *name;
    const char *env[5];
    const char *dotenv;
    const char *want; /* the one expected error line */
};

static const struct error_case error_cases[] = {
    {"int not a number", {"SMTP_PORT=abc"}, NULL, "SMTP_PORT must be an integer (got 'abc')"},
    {"int empty", {"SMTP_PORT="}, NULL, "SMTP_PORT must be an integer (got '')"},
    {"int with blank",
     {"WORKER_CONCURRENCY= 4"},
     NULL,
     "WORKER_CONCURRENCY must be an integer (got ' 4')"},
    {"int trailing text", {"APP_PORT=80x"}, NULL, "APP_PORT must be an integer (got '80x')"},
    {"int overflow",
     {"ACCESS_TOKEN_EXPIRE_MINUTES=99999999999999999999"},
     NULL,
     "ACCESS_TOKEN_EXPIRE_MINUTES must be an integer (got '99999999999999999999')"},
    {"int above range",
     {"APP_PORT=70000"},
     NULL,
     "APP_PORT must be between 1 and 65535 (got 70000)"},
    {"PORT names itself", {"PORT=http"}, NULL, "PORT must be an integer (got 'http')"},
    {"bcrypt rounds too low",
     {"PASSWORD_BCRYPT_ROUNDS=3"},
     NULL,
     "PASSWORD_BCRYPT_ROUNDS must be between 4 and 31 (got 3)"},
    {"bcrypt rounds too high",
     {"PASSWORD_BCRYPT_ROUNDS=32"},
     NULL,
     "PASSWORD_BCRYPT_ROUNDS must be between 4 and 31 (got 32)"},
    {"http threads zero",
     {"HTTP_THREADS=0"},
     NULL,
     "HTTP_THREADS must be between 1 and 1024 (got 0)"},
    {"body limit too small",
     {"HTTP_MAX_BODY_BYTES=10"},
     NULL,
     "HTTP_MAX_BODY_BYTES must be between 1024 and 1073741824 (got 10)"},
    {"upload MB with sign",
     {"CALL_RECORDINGS_MAX_UPLOAD_MB=+5"},
     NULL,
     "CALL_RECORDINGS_MAX_UPLOAD_MB must be a whole number written with digits only (got '+5')"},
    {"upload MB with unit",
     {"CALL_RECORDINGS_MAX_UPLOAD_MB=10MB"},
     NULL,
     "CALL_RECORDINGS_MAX_UPLOAD_MB must be a whole number written with digits only (got "
     "'10MB')"},
    {"grace hours above max",
     {"EOD_POST_SHIFT_GRACE_HOURS=25"},
     NULL,
     "EOD_POST_SHIFT_GRACE_HOURS must be at most 24 (got 25)"},
    {"bool unknown word",
     {"SMTP_TLS=maybe"},
     NULL,
     "SMTP_TLS must be a boolean: true/1/yes/on/t/y or false/0/no/off/f/n (got 'maybe')"},
    {"bool alias names itself",
     {"SMTP_USE_TLS=2"},
     NULL,
     "SMTP_USE_TLS must be a boolean: true/1/yes/on/t/y or false/0/no/off/f/n (got '2')"},
    {"bool empty",
     {"MIGRATE_ON_START="},
     NULL,
     "MIGRATE_ON_START must be a boolean: true/1/yes/on/t/y or false/0/no/off/f/n (got '')"},
    {"value shown safely",
     {"SIGNUP_ENABLED=tr\x01ue"},
     NULL,
     "SIGNUP_ENABLED must be a boolean: true/1/yes/on/t/y or false/0/no/off/f/n (got 'tr?ue')"},
    {"log level",
     {"LOG_LEVEL=verbose"},
     NULL,
     "LOG_LEVEL must be one of debug, info, warn, error (got 'verbose')"},
    {"log format", {"LOG_FORMAT=xml"}, NULL, "LOG_FORMAT must be one of text, json (got 'xml')"},
    {"sqlite refused", {"DATABASE_URL=sqlite:///./app.db"}, NULL, SQLITE},
    {"sqlite refused via .env", {"DATABASE_URL"}, "DATABASE_URL=sqlite:///x.db\n", SQLITE},
    {"other scheme refused",
     {"DATABASE_URL=mysql://u:p@h/db"},
     NULL,
     "DATABASE_URL must be a PostgreSQL URL (postgresql://user:password@host:port/db)"},
    {"url missing", {"DATABASE_URL"}, NULL, MISSING_DB},
    {"url empty", {"DATABASE_URL="}, NULL, MISSING_DB},
    {"pg set incomplete",
     {"DATABASE_URL", "PGHOST=h", "PGUSER=u", "PGDATABASE=d"},
     NULL,
     MISSING_DB},
    {"read url sqlite",
     {"DATABASE_READ_URL=sqlite:///r.db"},
     NULL,
     "SQLite is no longer supported. Please configure PostgreSQL DATABASE_READ_URL."},
    {"read url template",
     {"DATABASE_READ_URL=${{Replica.URL}}"},
     NULL,
     "DATABASE_READ_URL holds an unresolved template (${...})"},
    {"cors bad json",
     {"CORS_ORIGINS=[\"https://a.example.com\","},
     NULL,
     "CORS_ORIGINS must be a comma-separated list or a JSON array of strings"},
    {"cors json not strings",
     {"CORS_ORIGINS=[1, 2]"},
     NULL,
     "CORS_ORIGINS must be a comma-separated list or a JSON array of strings"},
    {"frontend not a url",
     {"FRONTEND_BASE_URL=app.example.com"},
     NULL,
     "FRONTEND_BASE_URL must be an absolute URL such as https://host/path"},
    {"frontend alias not a url",
     {"FRONTEND_URL=https://app example.com"},
     NULL,
     "FRONTEND_URL must be an absolute URL such as https://host/path"},
    {"redis not a url",
     {"REDIS_URL=localhost:6379"},
     NULL,
     "REDIS_URL must be an absolute URL such as https://host/path"},
    {"admin password leading blank",
     {"BOOTSTRAP_ADMIN_PASSWORD= Str0ng-Passw0rd"},
     NULL,
     "BOOTSTRAP_ADMIN_PASSWORD has leading or trailing whitespace; remove it (the password is "
     "never trimmed)"},
    {"admin password trailing tab",
     {"DATABASE_URL"},
     "DATABASE_URL=postgresql://h/db\nBOOTSTRAP_ADMIN_PASSWORD=\"Str0ng-Passw0rd\t\"\n",
     "BOOTSTRAP_ADMIN_PASSWORD has leading or trailing whitespace; remove it (the password is "
     "never trimmed)"},
    {"s3 driver incomplete",
     {"PROFILE_IMAGE_STORAGE=s3", "AWS_ENDPOINT_URL=https://s3.example.com"},
     NULL,
     "PROFILE_IMAGE_STORAGE selects S3 storage but these settings are missing: "
     "AWS_S3_BUCKET_NAME, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"},
    {"railway driver without s3",
     {"CALL_RECORDINGS_STORAGE_DRIVER=Railway_Bucket"},
     NULL,
     "CALL_RECORDINGS_STORAGE_DRIVER selects S3 storage but these settings are missing: "
     "AWS_ENDPOINT_URL, AWS_S3_BUCKET_NAME, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"},
    {"bad .env line",
     {NULL},
     "SMTP_PORT=2525\nnot valid here\n",
     ".env: line 2: expected '=' after not"},
    {"bad value in .env",
     {NULL},
     "# mail\nSMTP_PORT=twenty-five\n",
     "SMTP_PORT must be an integer (got 'twenty-five')"},
};

static void test_error_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < WOS_ARRAY_LEN(error_cases); i++) {
        const struct error_case *tc = &error_cases[i];
        struct wos_config c;
        struct wos_config_report r;
        int rc;

        print_message("case: %s\n", tc->name);
        rc = load(&c, &r, dev_base, tc->env, tc->dotenv);
        if (r.n_errors != 1)
            dump(&r);
        assert_int_equal(rc, WOS_ERROR);
        assert_int_equal(r.n_errors, 1);
        assert_string_equal(r.errors[0], tc->want);
        wos_config_report_free(&r);
        wos_config_free(&c);
    }
}

static void test_bad_values_keep_defaults_and_all_are_reported(void **state)
{
    static const char *const over[] = {"SMTP_PORT=abc",  "SMTP_TLS=maybe", "APP_PORT=0",
                                       "LOG_LEVEL=loud", "DATABASE_URL",   NULL};
    struct wos_config c;
    struct wos_config_report r;

    (void)state;
    assert_int_equal(load(&c, &r, dev_base, over, "BROKEN LINE\n"), WOS_ERROR);
    assert_int_equal(r.n_errors, 6);
    assert_true(has_line(r.errors, r.n_errors, MISSING_DB));
    assert_true(has_line(r.errors, r.n_errors, ".env: line 1: expected '=' after BROKEN"));
    assert_int_equal(c.smtp_port, 587);
    assert_true(c.smtp_tls);
    assert_int_equal(c.app_port, 8000);
    assert_string_equal(c.log_level, "info");
    assert_string_equal(c.database_url, "");
    wos_config_report_free(&r);
    wos_config_free(&c);
}

struct bool_case {
    const char *text;
    bool want;
};

static void test_bool_words(void **state)
{
    static const struct bool_case words[] = {
        {"true", true}, {"TRUE", true}, {"1", true},      {"yes", true},    {"On", true},
        {"t", true},    {"Y", true},    {"false", false}, {"False", false}, {"0", false},
        {"no", false},  {"OFF", false}, {"f", false},     {"n", false},
    };

    (void)state;
    for (size_t i = 0; i < WOS_ARRAY_LEN(words); i++) {
        char var[64];
        const char *over[] = {var, NULL};
        struct wos_config c;
        struct wos_config_report r;

        snprintf(var, sizeof var, "PUSH_NOTIFICATIONS_ENABLED=%s", words[i].text);
        print_message("bool: %s\n", words[i].text);
        assert_int_equal(load(&c, &r, dev_base, over, NULL), WOS_OK);
        assert_int_equal(c.push_notifications_enabled, words[i].want);
        wos_config_report_free(&r);
        wos_config_free(&c);
    }
}

/* ---- sources and aliases ----------------------------------------------- */

static void test_env_beats_dotenv(void **state)
{
    static const char *const over[] = {"SMTP_HOST=env.mail.example.com", NULL};
    static const char dotenv[] = "SMTP_HOST=dotenv.mail.example.com\n"
                                 "export SMTP_PORT=2525\n"
                                 "EMAILS_FROM_NAME=\"Ops Team\" # quoted\n"
                                 "UNKNOWN_KEY=ignored\n";
    struct wos_config c;
    struct wos_config_report r;

    (void)state;
    assert_int_equal(load(&c, &r, dev_base, over, dotenv), WOS_OK);
    assert_string_equal(c.smtp_host, "env.mail.example.com");
    assert_int_equal(c.smtp_port, 2525);
    assert_string_equal(c.emails_from_name, "Ops Team");
    wos_config_report_free(&r);
    wos_config_free(&c);
}

struct alias_case {
    const char *name;
    const char *env[4];
    const char *dotenv;
    size_t off; /* char * field */
    const char *want;
};

#define OFF(f) offsetof(struct wos_config, f)

static const struct alias_case alias_cases[] = {
    {"FRONTEND_URL wins",
     {"FRONTEND_BASE_URL=https://a.example.com", "FRONTEND_URL=https://b.example.com"},
     NULL,
     OFF(frontend_base_url),
     "https://b.example.com"},
    {"FRONTEND_BASE_URL alone",
     {"FRONTEND_BASE_URL=https://a.example.com"},
     NULL,
     OFF(frontend_base_url),
     "https://a.example.com"},
    {"empty FRONTEND_URL ignored",
     {"FRONTEND_BASE_URL=https://a.example.com", "FRONTEND_URL="},
     NULL,
     OFF(frontend_base_url),
     "https://a.example.com"},
    {"SMTP_USERNAME wins",
     {"SMTP_USER=plain", "SMTP_USERNAME=alias"},
     NULL,
     OFF(smtp_user),
     "alias"},
    {"SMTP_USERNAME from .env beats SMTP_USER from env",
     {"SMTP_USER=plain"},
     "SMTP_USERNAME=alias\n",
     OFF(smtp_user),
     "alias"},
    {"SMTP_FROM_EMAIL wins",
     {"EMAILS_FROM_EMAIL=a@example.com", "SMTP_FROM_EMAIL=b@example.com"},
     NULL,
     OFF(emails_from_email),
     "b@example.com"},
    {"SMTP_FROM_NAME wins",
     {"EMAILS_FROM_NAME=A", "SMTP_FROM_NAME=B"},
     NULL,
     OFF(emails_from_name),
     "B"},
    {"AWS endpoint first",
     {"AWS_ENDPOINT_URL=https://aws.example.com", "S3_ENDPOINT_URL=https://s3.example.com"},
     NULL,
     OFF(aws_endpoint_url),
     "https://aws.example.com"},
    {"S3 endpoint when AWS empty",
     {"AWS_ENDPOINT_URL=", "S3_ENDPOINT_URL=https://s3.example.com"},
     NULL,
     OFF(aws_endpoint_url),
     "https://s3.example.com"},
    {"S3_BUCKET alias", {"S3_BUCKET=media"}, NULL, OFF(aws_s3_bucket_name), "media"},
    {"S3_ACCESS_KEY_ID alias", {"S3_ACCESS_KEY_ID=AKIA1"}, NULL, OFF(aws_access_key_id), "AKIA1"},
    {"S3_SECRET_ACCESS_KEY alias",
     {"S3_SECRET_ACCESS_KEY=sk"},
     NULL,
     OFF(aws_secret_access_key),
     "sk"},
    {"S3_REGION alias", {"S3_REGION=eu-west-1"}, NULL, OFF(aws_default_region), "eu-west-1"},
    {"AWS region first",
     {"AWS_DEFAULT_REGION=us-east-1", "S3_REGION=eu-west-1"},
     NULL,
     OFF(aws_default_region),
     "us-east-1"},
    {"S3_URL_STYLE alias", {"S3_URL_STYLE=path"}, NULL, OFF(aws_s3_url_style), "path"},
};

static void test_alias_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < WOS_ARRAY_LEN(alias_cases); i++) {
        const struct alias_case *tc = &alias_cases[i];
        struct wos_config c;
        struct wos_config_report r;

        print_message("case: %s\n", tc->name);
        assert_int_equal(load(&c, &r, dev_base, tc->env, tc->dotenv), WOS_OK);
        assert_string_equal(*(char **)((char *)&c + tc->off), tc->want);
        wos_config_report_free(&r);
        wos_config_free(&c);
    }
}

static void test_port_overrides_app_port(void **state)
{
    static const char *const both[] = {"APP_PORT=9000", "PORT=8123", NULL};
    static const char *const empty_port[] = {"APP_PORT=9000", "PORT=", NULL};
    static const char *const smtp[] = {"SMTP_TLS=true", "SMTP_USE_TLS=false", NULL};
    struct wos_config c;
    struct wos_config_report r;

    (void)state;
    assert_int_equal(load(&c, &r, dev_base, both, NULL), WOS_OK);
    assert_int_equal(c.app_port, 8123);
    wos_config_report_free(&r);
    wos_config_free(&c);
    assert_int_equal(load(&c, &r, dev_base, empty_port, NULL), WOS_OK);
    assert_int_equal(c.app_port, 9000);
    wos_config_report_free(&r);
    wos_config_free(&c);
    assert_int_equal(load(&c, &r, dev_base, smtp, NULL), WOS_OK);
    assert_false(c.smtp_tls);
    wos_config_report_free(&r);
    wos_config_free(&c);
}

/* ---- database URL resolution ------------------------------------------- */

struct db_case {
    const char *name;
    const char *env[8];
    const char *want_url;
    const char *want_source;
};

static const struct db_case db_cases[] = {
    {"plain",
     {"DATABASE_URL=postgresql://u:p@h:5432/d"},
     "postgresql://u:p@h:5432/d",
     "DATABASE_URL"},
    {"postgres scheme normalised",
     {"DATABASE_URL=postgres://u:p@h/d"},
     "postgresql://u:p@h/d",
     "DATABASE_URL"},
    {"only the leading scheme",
     {"DATABASE_URL=postgres://u:p@h/postgres://x"},
     "postgresql://u:p@h/postgres://x",
     "DATABASE_URL"},
    {"url beats PG*",
     {"DATABASE_URL=postgresql://a/b", "PGHOST=h", "PGUSER=u", "PGPASSWORD=p", "PGDATABASE=d"},
     "postgresql://a/b",
     "DATABASE_URL"},
    {"template uses public url",
     {"DATABASE_URL=${{Postgres.DATABASE_URL}}",
      "DATABASE_PUBLIC_URL=postgres://pub:pw@proxy:6543/railway"},
     "postgresql://pub:pw@proxy:6543/railway",
     "DATABASE_PUBLIC_URL"},
    {"public url ignored without template",
     {"DATABASE_URL=postgresql://a/b", "DATABASE_PUBLIC_URL=postgresql://pub/c"},
     "postgresql://a/b",
     "DATABASE_URL"},
    {"template falls back to PG*",
     {"DATABASE_URL=${{X}}", "DATABASE_PUBLIC_URL=${{Y}}", "PGHOST=h", "PGUSER=u", "PGPASSWORD=p",
      "PGDATABASE=d"},
     "postgresql://u:p@h:5432/d",
     "PG*"},
    {"composed from PG*",
     {"DATABASE_URL", "PGHOST=db", "PGUSER=wos", "PGPASSWORD=s3cret", "PGDATABASE=wos",
      "PGPORT=6000"},
     "postgresql://wos:s3cret@db:6000/wos",
     "PG*"},
    {"PG* values are encoded",
     {"DATABASE_URL", "PGHOST=db", "PGUSER=a@b", "PGPASSWORD=p:/@#%", "PGDATABASE=my db"},
     "postgresql://a%40b:p%3A%2F%40%23%25@db:5432/my%20db",
     "PG*"},
    {"IPv6 host bracketed",
     {"DATABASE_URL", "PGHOST=::1", "PGUSER=u", "PGPASSWORD=p", "PGDATABASE=d"},
     "postgresql://u:p@[::1]:5432/d",
     "PG*"},
};

static void test_database_url_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < WOS_ARRAY_LEN(db_cases); i++) {
        const struct db_case *tc = &db_cases[i];
        struct wos_config c;
        struct wos_config_report r;

        print_message("case: %s\n", tc->name);
        assert_int_equal(load(&c, &r, dev_base, tc->env, NULL), WOS_OK);
        assert_string_equal(c.database_url, tc->want_url);
        assert_string_equal(c.database_url_source, tc->want_source);
        wos_config_report_free(&r);
        wos_config_free(&c);
    }
}

static void test_database_templates_block_composition(void **state)
{
    static const char *const pg_template[] = {"DATABASE_URL", "PGHOST=h",
                                              "PGUSER=u",     "PGPASSWORD=${{Postgres.PGPASSWORD}}",
                                              "PGDATABASE=d", NULL};
    static const char *const port_template[] = {"DATABASE_URL",
                                                "PGHOST=h",
                                                "PGUSER=u",
                                                "PGPASSWORD=p",
                                                "PGDATABASE=d",
                                                "PGPORT=${{Postgres.PGPORT}}",
                                                NULL};
    static const char *const url_template[] = {"DATABASE_URL=${{Postgres.DATABASE_URL}}", NULL};
    struct wos_config c;
    struct wos_config_report r;

    (void)state;
    assert_int_equal(load(&c, &r, dev_base, pg_template, NULL), WOS_ERROR);
    assert_true(has_line(r.errors, r.n_errors, MISSING_DB));
    wos_config_report_free(&r);
    wos_config_free(&c);
    assert_int_equal(load(&c, &r, dev_base, port_template, NULL), WOS_ERROR);
    assert_true(has_line(r.errors, r.n_errors, MISSING_DB));
    wos_config_report_free(&r);
    wos_config_free(&c);
    assert_int_equal(load(&c, &r, dev_base, url_template, NULL), WOS_ERROR);
    assert_true(has_line(r.errors, r.n_errors, MISSING_DB));
    assert_true(has_line(r.warnings, r.n_warnings,
                         "DATABASE_URL holds an unresolved template (${...}) and "
                         "DATABASE_PUBLIC_URL cannot replace it"));
    wos_config_report_free(&r);
    wos_config_free(&c);
}

static void test_read_url_normalised(void **state)
{
    static const char *const over[] = {"DATABASE_READ_URL=postgres://ro:pw@replica/wos", NULL};
    struct wos_config c;
    struct wos_config_report r;

    (void)state;
    assert_int_equal(load(&c, &r, dev_base, over, NULL), WOS_OK);
    assert_string_equal(c.database_read_url, "postgresql://ro:pw@replica/wos");
    wos_config_report_free(&r);
    wos_config_free(&c);
}

/* ---- production guards ------------------------------------------------- */

struct guard_case {
    const char *name;
    const char *env[4];
    const char *want[2]; /* exact error lines; none = the config is valid */
};

static const struct guard_case guard_cases[] = {
    {"valid production", {NULL}, {NULL}},
    {"secret key default", {"APP_SECRET_KEY"}, {G1}},
    {"secret key changeme", {"APP_SECRET_KEY=changeme"}, {G1}},
    {"secret key secret", {"APP_SECRET_KEY=secret"}, {G1}},
    {"secret key empty", {"APP_SECRET_KEY="}, {G1}},
    {"secret key padded default", {"APP_SECRET_KEY= CHANGE-ME-IN-ENV "}, {G1}},
    {"admin password default", {"BOOTSTRAP_ADMIN_PASSWORD"}, {G2}},
    {"admin password changeme", {"BOOTSTRAP_ADMIN_PASSWORD=changeme"}, {G2}},
    {"admin password password", {"BOOTSTRAP_ADMIN_PASSWORD=password"}, {G2}},
    {"frontend default", {"FRONTEND_BASE_URL"}, {G3}},
    {"frontend empty", {"FRONTEND_BASE_URL="}, {G3}},
    {"frontend localhost",
     {"FRONTEND_BASE_URL=http://localhost:3000", "CORS_ORIGINS=http://localhost:3000"},
     {G3}},
    {"frontend 127.0.0.1", {"FRONTEND_BASE_URL=http://127.0.0.1:8080"}, {G3}},
    {"frontend template", {"FRONTEND_BASE_URL=${{web.RAILWAY_PUBLIC_DOMAIN}}"}, {G3}},
    {"frontend not https",
     {"FRONTEND_BASE_URL=http://app.example.com", "CORS_ORIGINS=http://app.example.com"},
     {G3_HTTPS}},
    {"cors unset", {"CORS_ORIGINS"}, {G5}},
    {"cors only star", {"CORS_ORIGINS=*"}, {G5}},
    {"cors only star json", {"CORS_ORIGINS=[\"*\"]"}, {G5}},
    {"cors lacks frontend",
     {"CORS_ORIGINS=https://other.example.com"},
     {"CORS_ORIGINS must include FRONTEND_BASE_URL (https://app.example.com)."}},
    {"cors lacks aliased frontend",
     {"FRONTEND_URL=https://new.example.com"},
     {"CORS_ORIGINS must include FRONTEND_BASE_URL (https://new.example.com)."}},
    {"trailing slashes ignored",
     {"FRONTEND_BASE_URL=https://app.example.com/",
      "CORS_ORIGINS=https://x.example.com,https://app.example.com//"},
     {NULL}},
    {"cors json array",
     {"CORS_ORIGINS=[\"https://app.example.com\", \"https://admin.example.com\"]"},
     {NULL}},
    {"any non-dev APP_ENV is production", {"APP_ENV=staging", "APP_SECRET_KEY"}, {G1}},
    {"several guards at once", {"APP_SECRET_KEY", "CORS_ORIGINS"}, {G1, G5}},
};

static void test_production_guard_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < WOS_ARRAY_LEN(guard_cases); i++) {
        const struct guard_case *tc = &guard_cases[i];
        struct wos_config c;
        struct wos_config_report r;
        size_t n_want = 0;
        int rc;

        print_message("case: %s\n", tc->name);
        while (n_want < 2 && tc->want[n_want] != NULL)
            n_want++;
        rc = load(&c, &r, prod_base, tc->env, NULL);
        if (r.n_errors != n_want)
            dump(&r);
        assert_true(c.is_production);
        assert_int_equal(r.n_errors, n_want);
        for (size_t k = 0; k < n_want; k++)
            assert_true(has_line(r.errors, r.n_errors, tc->want[k]));
        assert_int_equal(rc, n_want == 0 ? WOS_OK : WOS_ERROR);
        wos_config_report_free(&r);
        wos_config_free(&c);
    }
}

static void test_app_env_modes(void **state)
{
    static const struct {
        const char *app_env;
        bool production;
    } modes[] = {
        {"APP_ENV=development", false}, {"APP_ENV=dev", false},
        {"APP_ENV=local", false},       {"APP_ENV=test", false},
        {"APP_ENV= Test ", false},      {"APP_ENV=DEVELOPMENT", false},
        {"APP_ENV=production", true},   {"APP_ENV=prod", true},
        {"APP_ENV=staging", true},      {"APP_ENV=", true},
    };

    (void)state;
    for (size_t i = 0; i < WOS_ARRAY_LEN(modes); i++) {
        const char *over[] = {modes[i].app_env, NULL};
        struct wos_config c;
        struct wos_config_report r;

        print_message("mode: %s\n", modes[i].app_env);
        load(&c, &r, dev_base, over, NULL);
        assert_int_equal(c.is_production, modes[i].production);
        assert_int_equal(c.signup_enabled, !modes[i].production);
        /* Guards run exactly in production: the dev base has insecure defaults. */
        assert_int_equal(has_line(r.errors, r.n_errors, G1), modes[i].production);
        wos_config_report_free(&r);
        wos_config_free(&c);
    }
}

static void test_production_signup_and_secret_warning(void **state)
{
    static const char *const over[] = {"SIGNUP_ENABLED=yes", "APP_SECRET_KEY=short-but-custom",
                                       NULL};
    struct wos_config c;
    struct wos_config_report r;

    (void)state;
    assert_int_equal(load(&c, &r, prod_base, NULL, NULL), WOS_OK);
    assert_false(c.signup_enabled);
    assert_int_equal(r.n_warnings, 0);
    wos_config_report_free(&r);
    wos_config_free(&c);
    assert_int_equal(load(&c, &r, prod_base, over, NULL), WOS_OK);
    assert_true(c.signup_enabled);
    assert_true(has_line(r.warnings, r.n_warnings,
                         "APP_SECRET_KEY is shorter than 32 characters; use e.g. openssl rand "
                         "-hex 32"));
    wos_config_report_free(&r);
    wos_config_free(&c);
}

/* ---- CORS ------------------------------------------------------------------ */

struct cors_case {
    const char *name;
    const char *const *base;
    const char *env[4];
    const char *want_explicit[5];
    const char *want_allow[12];
};

static const struct cors_case cors_cases[] = {
    {"dev defaults",
     dev_base,
     {NULL},
     {NULL},
     {"http://localhost:3000", "http://localhost:3001", "http://localhost:3002",
      "http://127.0.0.1:3000", "http://127.0.0.1:3001", "http://127.0.0.1:3002", NULL}},
    {"dev list cleaned and deduplicated",
     dev_base,
     {"FRONTEND_BASE_URL=https://app.example.com/",
      "CORS_ORIGINS= https://a.example.com/ "
      ",*,${{web.URL}},,https://app.example.com,http://localhost:3001"},
     {"https://a.example.com", "https://app.example.com", "http://localhost:3001", NULL},
     {"https://app.example.com", "https://a.example.com", "http://localhost:3001",
      "http://localhost:3000", "http://localhost:3002", "http://127.0.0.1:3000",
      "http://127.0.0.1:3001", "http://127.0.0.1:3002", NULL}},
    {"json array",
     dev_base,
     {"FRONTEND_BASE_URL=${{web.URL}}", "CORS_ORIGINS=[\"https://b.example.com/\", \"*\"]"},
     {"https://b.example.com", NULL},
     {"https://b.example.com", "http://localhost:3000", "http://localhost:3001",
      "http://localhost:3002", "http://127.0.0.1:3000", "http://127.0.0.1:3001",
      "http://127.0.0.1:3002", NULL}},
    {"production has no dev entries",
     prod_base,
     {"CORS_ORIGINS=https://app.example.com,https://admin.example.com"},
     {"https://app.example.com", "https://admin.example.com", NULL},
     {"https://app.example.com", "https://admin.example.com", NULL}},
};

static void test_cors_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < WOS_ARRAY_LEN(cors_cases); i++) {
        const struct cors_case *tc = &cors_cases[i];
        struct wos_config c;
        struct wos_config_report r;

        print_message("case: %s\n", tc->name);
        load(&c, &r, tc->base, tc->env, NULL);
        assert_int_equal(r.n_errors, 0);
        assert_list(c.cors_origins, c.cors_origins_len, tc->want_explicit);
        assert_list(c.cors_allow, c.cors_allow_len, tc->want_allow);
        wos_config_report_free(&r);
        wos_config_free(&c);
    }
}

static void test_cors_warnings(void **state)
{
    static const char *const over[] = {"CORS_ORIGINS=${{web.URL}},app.example.com", NULL};
    struct wos_config c;
    struct wos_config_report r;

    (void)state;
    assert_int_equal(load(&c, &r, dev_base, over, NULL), WOS_OK);
    assert_true(has_line(r.warnings, r.n_warnings,
                         "CORS_ORIGINS entry '${{web.URL}}' is an unresolved template and is "
                         "ignored"));
    assert_true(has_line(r.warnings, r.n_warnings,
                         "CORS_ORIGINS entry 'app.example.com' is not an http(s) origin and "
                         "never matches"));
    wos_config_report_free(&r);
    wos_config_free(&c);
}

struct origin_case {
    const char *origin;
    bool dev, prod;
};

static void test_origin_allowed_table(void **state)
{
    static const char *const over[] = {
        "CORS_ORIGINS=https://app.example.com,https://admin.example.com", NULL};
    static const struct origin_case cases[] = {
        {"https://app.example.com", true, true},
        {"https://admin.example.com", true, true},
        {"https://app.example.com/", false, false},
        {"https://APP.example.com", false, false},
        {"https://evil.example.com", false, false},
        {"http://localhost:3000", true, false},
        {"http://localhost:5173", true, false},
        {"https://localhost", true, false},
        {"http://127.0.0.1:8080", true, false},
        {"http://localhost:", false, false},
        {"http://localhost:80a", false, false},
        {"http://localhost.evil.com", false, false},
        {"http://localhost:3000.evil.com", false, false},
        {"http://127.0.0.1.nip.io", false, false},
        {"ftp://localhost", false, false},
        {"null", false, false},
        {"", false, false},
    };
    struct wos_config dev, prod;
    struct wos_config_report r;

    (void)state;
    load(&dev, &r, prod_base, (const char *const[]){"APP_ENV=development", over[0], NULL}, NULL);
    wos_config_report_free(&r);
    assert_int_equal(load(&prod, &r, prod_base, over, NULL), WOS_OK);
    wos_config_report_free(&r);
    for (size_t i = 0; i < WOS_ARRAY_LEN(cases); i++) {
        print_message("origin: '%s'\n", cases[i].origin);
        assert_int_equal(wos_config_origin_allowed(&dev, cases[i].origin), cases[i].dev);
        assert_int_equal(wos_config_origin_allowed(&prod, cases[i].origin), cases[i].prod);
    }
    assert_false(wos_config_origin_allowed(&prod, NULL));
    wos_config_free(&dev);
    wos_config_free(&prod);
}

/* ---- storage, push, clamps ------------------------------------------------- */

#define S3_FULL                                                                                    \
    "AWS_ENDPOINT_URL=https://r2.example.com", "S3_BUCKET=media", "AWS_ACCESS_KEY_ID=AK",          \
        "AWS_SECRET_ACCESS_KEY=SK"

struct storage_case {
    const char *name;
    const char *const *base;
    const char *env[8];
    const char *want_profile;
    const char *want_calls;
    bool refused;
};

static const struct storage_case storage_cases[] = {
    {"auto without s3", dev_base, {NULL}, "local", "local", false},
    {"auto with full s3", dev_base, {S3_FULL}, "s3", "s3", false},
    {"explicit local", dev_base, {"PROFILE_IMAGE_STORAGE= LOCAL ", S3_FULL}, "local", "s3", false},
    {"railway words",
     dev_base,
     {"PROFILE_IMAGE_STORAGE=railway", "CALL_RECORDINGS_STORAGE_DRIVER=RAILWAY_BUCKET", S3_FULL},
     "s3",
     "s3",
     false},
    {"unknown word is auto", dev_base, {"PROFILE_IMAGE_STORAGE=gcs", S3_FULL}, "s3", "s3", false},
    {"production local call recordings refused",
     prod_base,
     {"CALL_RECORDINGS_STORAGE_DRIVER=local", S3_FULL},
     "s3",
     "local",
     true},
    {"development local call recordings allowed",
     dev_base,
     {"CALL_RECORDINGS_STORAGE_DRIVER=local", S3_FULL},
     "s3",
     "local",
     false},
};

static void test_storage_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < WOS_ARRAY_LEN(storage_cases); i++) {
        const struct storage_case *tc = &storage_cases[i];
        struct wos_config c;
        struct wos_config_report r;

        print_message("case: %s\n", tc->name);
        assert_int_equal(load(&c, &r, tc->base, tc->env, NULL), WOS_OK);
        assert_string_equal(c.profile_image_storage_resolved, tc->want_profile);
        assert_string_equal(c.call_recordings_storage_resolved, tc->want_calls);
        assert_int_equal(c.call_recordings_storage_refused, tc->refused);
        assert_int_equal(has_line(r.warnings, r.n_warnings,
                                  "Production call recordings must use object storage. "
                                  "Configure CALL_RECORDINGS_STORAGE_DRIVER=s3."),
                         tc->refused);
        wos_config_report_free(&r);
        wos_config_free(&c);
    }
}

static void test_storage_details(void **state)
{
    static const char *const over[] = {"PROFILE_IMAGE_STORAGE=gcs",
                                       "PROFILE_IMAGE_PUBLIC_BASE_URL=https://cdn.example.com//",
                                       "AWS_S3_URL_STYLE=vhost", NULL};
    struct wos_config c;
    struct wos_config_report r;

    (void)state;
    assert_int_equal(load(&c, &r, dev_base, over, NULL), WOS_OK);
    assert_string_equal(c.profile_image_public_base_url, "https://cdn.example.com");
    assert_true(has_line(r.warnings, r.n_warnings,
                         "PROFILE_IMAGE_STORAGE='gcs' is not a known storage driver (local, s3, "
                         "railway_bucket, railway); choosing automatically"));
    assert_true(has_line(r.warnings, r.n_warnings,
                         "AWS_S3_URL_STYLE='vhost' is not 'virtual'; using path-style "
                         "addressing"));
    wos_config_report_free(&r);
    wos_config_free(&c);
}

struct push_case {
    const char *env[4];
    bool enabled;
    const char *warning;
};

static void test_web_push_table(void **state)
{
    static const struct push_case cases[] = {
        {{NULL}, false, NULL},
        {{"VAPID_PUBLIC_KEY=BPub", "VAPID_PRIVATE_KEY=priv", "VAPID_SUBJECT=mailto:a@example.com"},
         true,
         NULL},
        {{"VAPID_PUBLIC_KEY=BPub"},
         false,
         "Web Push is disabled: VAPID settings are incomplete (missing: VAPID_PRIVATE_KEY, "
         "VAPID_SUBJECT)"},
        {{"VAPID_PUBLIC_KEY=BPub", "VAPID_SUBJECT=mailto:a@example.com"},
         false,
         "Web Push is disabled: VAPID settings are incomplete (missing: VAPID_PRIVATE_KEY)"},
        {{"VAPID_PUBLIC_KEY=BPub", "VAPID_PRIVATE_KEY=${{shared.VAPID}}",
          "VAPID_SUBJECT=mailto:a@example.com"},
         false,
         "Web Push is disabled: a VAPID setting holds an unresolved template"},
    };

    (void)state;
    for (size_t i = 0; i < WOS_ARRAY_LEN(cases); i++) {
        struct wos_config c;
        struct wos_config_report r;

        print_message("push case %zu\n", i);
        assert_int_equal(load(&c, &r, dev_base, cases[i].env, NULL), WOS_OK);
        assert_int_equal(c.web_push_enabled, cases[i].enabled);
        if (cases[i].warning != NULL)
            assert_true(has_line(r.warnings, r.n_warnings, cases[i].warning));
        else
            assert_int_equal(r.n_warnings, 0);
        wos_config_report_free(&r);
        wos_config_free(&c);
    }
}

static void test_clamped_values(void **state)
{
    static const char *const over[] = {"ONLINE_PRESENCE_TTL_SECONDS=10",
                                       "EOD_POST_SHIFT_GRACE_HOURS=-3", NULL};
    struct wos_config c;
    struct wos_config_report r;

    (void)state;
    assert_int_equal(load(&c, &r, dev_base, over, NULL), WOS_OK);
    assert_int_equal(c.online_presence_ttl_seconds, 30);
    assert_int_equal(c.eod_post_shift_grace_hours, 0);
    assert_int_equal(r.n_warnings, 2);
    assert_true(has_line(r.warnings, r.n_warnings,
                         "ONLINE_PRESENCE_TTL_SECONDS=10 is below the minimum; using 30"));
    assert_true(
        has_line(r.warnings, r.n_warnings, "EOD_POST_SHIFT_GRACE_HOURS=-3 is negative; using 0"));
    wos_config_report_free(&r);
    wos_config_free(&c);
}

/*
 * Review fix: a trusted-proxy entry the HTTP layer cannot match exactly is an error, never a
 * silent /0 (a prefix that did not parse used to trust X-Forwarded-For from every peer).
 */
static void test_forwarded_allow_ips_entries(void **state)
{
    static const struct {
        const char *value;
        bool ok;
    } cases[] = {
        {"127.0.0.1,::1", true},        {"10.0.0.0/8, 192.168.1.1", true},
        {"0.0.0.0/0", true},            {"10.1.2.3/32", true},
        {"fd00::1", true},              {"10.0.0.0/x", false},
        {"10.0.0.0/", false},           {"10.0.0.0/33", false},
        {"10.0.0.0/-1", false},         {"/8", false},
        {"fd00::/8", false},            {"*", false},
        {"proxy.internal", false},      {"10.0.0.0/8/8", false},
        {"300.1.1.1/8", false},         {"10.0.0.0/008", false},
    };
    char line[160];

    (void)state;
    for (size_t i = 0; i < WOS_ARRAY_LEN(cases); i++) {
        const char *over[] = {line, NULL};
        struct wos_config c;
        struct wos_config_report r;

        snprintf(line, sizeof line, "FORWARDED_ALLOW_IPS=%s", cases[i].value);
        int rc = load(&c, &r, dev_base, over, NULL);
        if ((rc == WOS_OK) != cases[i].ok) {
            print_message("FORWARDED_ALLOW_IPS=%s\n", cases[i].value);
            dump(&r);
        }
        assert_int_equal(rc == WOS_OK, cases[i].ok);
        if (!cases[i].ok)
            assert_non_null(strstr(r.errors[0], "is not an IP address or an IPv4 CIDR"));
        wos_config_report_free(&r);
        wos_config_free(&c);
    }
}

/* ---- printing ------------------------------------------------------------ */

static char *print_to_string(const struct wos_config *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    wos_config_print(c, f);
    fclose(f);
    return buf;
}

static void test_print_redacts_secrets(void **state)
{
    static const char *const over[] = {
        "APP_SECRET_KEY=TOPSECRETKEY",
        "REDIS_URL=redis://:REDISPW@cache:6379/0",
        "DATABASE_READ_URL=postgresql://ro:READPW@replica/wos?sslmode=require&password=QPW",
        "PGPASSWORD=PGPW",
        "AWS_SECRET_ACCESS_KEY=AWSSECRET",
        "VAPID_PRIVATE_KEY=VAPIDPRIV",
        "BOOTSTRAP_ADMIN_PASSWORD=ADMINPW",
        "SMTP_HOST=smtp.example.com",
        NULL,
    };
    static const char *const secrets[] = {"TOPSECRETKEY", "REDISPW",   "READPW",  "QPW",   "PGPW",
                                          "AWSSECRET",    "VAPIDPRIV", "ADMINPW", "dbpass"};
    struct wos_config c;
    struct wos_config_report r;
    char *out;

    (void)state;
    assert_int_equal(load(&c, &r, dev_base, over, NULL), WOS_OK);
    out = print_to_string(&c);
    for (size_t i = 0; i < WOS_ARRAY_LEN(secrets); i++) {
        print_message("secret: %s\n", secrets[i]);
        assert_null(strstr(out, secrets[i]));
    }
    assert_non_null(strstr(out, "\nAPP_SECRET_KEY=********\n"));
    assert_non_null(strstr(out, "\nSMTP_PASSWORD=(unset)\n"));
    assert_non_null(strstr(out, "\nDATABASE_URL=postgresql://wos:****@db.internal:5432/wos\n"));
    assert_non_null(strstr(out, "\nREDIS_URL=redis://:****@cache:6379/0\n"));
    assert_non_null(strstr(out, "\nDATABASE_READ_URL=postgresql://ro:****@replica/"
                                "wos?sslmode=require&password=****\n"));
    assert_non_null(strstr(out, "\nSMTP_HOST=smtp.example.com\n"));
    assert_non_null(strstr(out, "\nAPP_PORT=8000\n"));
    assert_non_null(strstr(out, "\nSMTP_TLS=true\n"));
    assert_non_null(strstr(out, "\nFORWARDED_ALLOW_IPS=127.0.0.1,::1\n"));
    assert_non_null(strstr(out, "\nproduction=false\n"));
    free(out);
    wos_config_report_free(&r);
    wos_config_free(&c);
}

/* Problem lines never quote a secret, even when the secret is what is wrong. */
static void test_problems_never_quote_secrets(void **state)
{
    static const char *const over[] = {"APP_ENV=production",
                                       "BOOTSTRAP_ADMIN_PASSWORD= Adm1n-S3cret-Value ",
                                       "DATABASE_URL=mysql://u:DBSECRET@h/db", NULL};
    struct wos_config c;
    struct wos_config_report r;

    (void)state;
    load(&c, &r, prod_base, over, NULL);
    assert_int_equal(r.n_errors, 2);
    for (size_t i = 0; i < r.n_errors; i++) {
        assert_null(strstr(r.errors[i], "DBSECRET"));
        assert_null(strstr(r.errors[i], "Adm1n-S3cret-Value"));
    }
    wos_config_report_free(&r);
    wos_config_free(&c);
}

/* ---- process entry points (environ and ./.env) ----------------------------- */

/* Runs `wos config check` with its report sent to /dev/null; returns its exit status. */
static int quiet_check(int argc, char **argv)
{
    int saved = dup(STDOUT_FILENO);
    FILE *null = fopen("/dev/null", "w");
    int rc;

    assert_true(saved >= 0);
    assert_non_null(null);
    fflush(stdout);
    dup2(fileno(null), STDOUT_FILENO);
    rc = wos_config_check_main(argc, argv);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    fclose(null);
    return rc;
}

static void test_init_check_and_install(void **state)
{
    char dir[] = "/tmp/wos-config-XXXXXX";
    char old_cwd[4096];
    FILE *f;
    struct wos_config c;
    struct wos_config_report r;

    (void)state;
    assert_non_null(getcwd(old_cwd, sizeof old_cwd));
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(clearenv(), 0);

    /* No DATABASE_URL anywhere: init fails, check exits 2. */
    assert_int_equal(wos_config_init(), WOS_ERROR);
    assert_int_equal(quiet_check(1, (char *[]){"check", NULL}), 2);

    /* ./.env provides it; the environment overrides .env. */
    f = fopen(".env", "w");
    assert_non_null(f);
    fputs("DATABASE_URL=postgres://u:p@from-dotenv/db\nAPP_PORT=7000\n", f);
    fclose(f);
    setenv("APP_PORT", "7100", 1);
    assert_int_equal(wos_config_init(), WOS_OK);
    assert_string_equal(wos_cfg()->database_url, "postgresql://u:p@from-dotenv/db");
    assert_int_equal(wos_cfg()->app_port, 7100);
    assert_int_equal(quiet_check(1, (char *[]){"check", NULL}), 0);
    assert_int_equal(quiet_check(2, (char *[]){"check", "--bogus", NULL}), 2);
    assert_int_equal(quiet_check(2, (char *[]){"check", "--help", NULL}), 0);

    /* Production without guards satisfied: check exits 2. */
    setenv("APP_ENV", "production", 1);
    assert_int_equal(quiet_check(1, (char *[]){"check", NULL}), 2);

    /* install replaces the global config. */
    load(&c, &r, dev_base, (const char *const[]){"APP_PORT=6000", NULL}, NULL);
    wos_config_report_free(&r);
    wos_config_install(&c);
    assert_null(c.app_env);
    assert_int_equal(wos_cfg()->app_port, 6000);

    unlink(".env");
    assert_int_equal(chdir(old_cwd), 0);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cfg_before_init_holds_defaults),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_explicit_values),
        cmocka_unit_test(test_error_table),
        cmocka_unit_test(test_bad_values_keep_defaults_and_all_are_reported),
        cmocka_unit_test(test_bool_words),
        cmocka_unit_test(test_env_beats_dotenv),
        cmocka_unit_test(test_alias_table),
        cmocka_unit_test(test_port_overrides_app_port),
        cmocka_unit_test(test_database_url_table),
        cmocka_unit_test(test_database_templates_block_composition),
        cmocka_unit_test(test_read_url_normalised),
        cmocka_unit_test(test_production_guard_table),
        cmocka_unit_test(test_app_env_modes),
        cmocka_unit_test(test_production_signup_and_secret_warning),
        cmocka_unit_test(test_cors_table),
        cmocka_unit_test(test_cors_warnings),
        cmocka_unit_test(test_origin_allowed_table),
        cmocka_unit_test(test_storage_table),
        cmocka_unit_test(test_storage_details),
        cmocka_unit_test(test_web_push_table),
        cmocka_unit_test(test_clamped_values),
        cmocka_unit_test(test_forwarded_allow_ips_entries),
        cmocka_unit_test(test_print_redacts_secrets),
        cmocka_unit_test(test_problems_never_quote_secrets),
        cmocka_unit_test(test_init_check_and_install),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
