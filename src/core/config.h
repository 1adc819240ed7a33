/*
 * config.h: the process configuration, loaded once at start-up from the
 * environment and `./.env` (spec 01). Every field is named after its variable
 * in lower case; derived values follow the variables.
 *
 * Invariants after wos_config_load_from() (even when it reports errors):
 * every char * field is non-NULL (an unset variable without default is ""),
 * every list has *_len entries, and the struct owns all its memory until
 * wos_config_free(). The loaded config is read-only and shared by all threads.
 */
#ifndef WOS_CORE_CONFIG_H
#define WOS_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct wos_config {
    /* 1.1 application */
    char *app_env;
    char *app_host;
    long app_port; /* PORT overrides APP_PORT */
    char *app_secret_key;
    char *api_v1_prefix;
    long access_token_expire_minutes;
    long refresh_token_expire_days;
    char *frontend_base_url; /* FRONTEND_URL overrides it */
    char **cors_origins;     /* explicit entries: no `*`, no templates, no trailing '/' */
    size_t cors_origins_len;
    char *business_timezone;
    long online_presence_ttl_seconds; /* effective value: at least 30 */

    /* 1.2 auth rate limits, trusted proxies (spec 02 §3) */
    long auth_login_max_attempts;
    long auth_login_window_seconds;
    long auth_forgot_password_max_attempts;
    long auth_forgot_password_window_seconds;
    long auth_reset_password_max_attempts;
    long auth_reset_password_window_seconds;
    char **forwarded_allow_ips; /* addresses or CIDRs trusted for X-Forwarded-For */
    size_t forwarded_allow_ips_len;

    /* 1.3 database and cache */
    char *database_url; /* the resolved URL (spec 01 §1.3), always postgresql:// when valid */
    char *database_public_url;
    char *pghost;
    char *pguser;
    char *pgpassword;
    char *pgdatabase;
    char *pgport;
    char *redis_url;

    /* 1.4 e-mail */
    char *smtp_host; /* "" = e-mails are not sent */
    long smtp_port;
    char *smtp_user;
    char *smtp_password;
    bool smtp_tls;
    char *emails_from_email;
    char *emails_from_name;

    /* 1.5 bootstrap admin */
    char *bootstrap_admin_email;
    char *bootstrap_admin_password;
    char *bootstrap_admin_name;

    /* 1.6 file storage */
    char *profile_image_storage; /* as configured; see profile_image_storage_resolved */
    char *profile_image_upload_dir;
    char *profile_image_public_base_url; /* trailing '/' removed */
    char *call_recordings_storage_driver;
    char *call_recordings_local_dir;
    long call_recordings_max_upload_mb;
    char *aws_endpoint_url; /* AWS_* or S3_* alias, first non-empty */
    char *aws_s3_bucket_name;
    char *aws_access_key_id;
    char *aws_secret_access_key;
    char *aws_default_region; /* "auto" = let the client decide */
    char *aws_s3_url_style;   /* "virtual" = virtual-hosted, anything else = path style */

    /* 1.7 push notifications */
    bool push_notifications_enabled;
    char *expo_push_api_url;
    bool push_notification_message_preview_enabled;
    char *vapid_public_key;
    char *vapid_private_key;
    char *vapid_subject;

    /* 1.8 attendance / EOD */
    long attendance_max_active_hours;
    long attendance_auto_close_grace_minutes;
    long eod_post_shift_grace_hours; /* negative values are stored as 0 */

    /* 1.9 web UI */
    char *next_public_app_name;

    /* 1.10 product variables */
    long http_threads;
    long http_max_body_bytes;
    char *web_dist_dir;
    bool migrate_on_start;
    long migrate_lock_timeout_seconds;
    long worker_concurrency;
    long worker_lease_seconds;
    long worker_poll_interval_ms;
    long worker_backoff_base_ms;
    long worker_backoff_max_seconds;
    long worker_shutdown_timeout_seconds;
    long worker_job_timeout_seconds;
    long smtp_timeout_seconds;
    long worker_test_schedule_seconds; /* test.tick period outside production, 0 = off */
    char *wos_templates_dir;           /* "" = the templates embedded in the binary */
    long password_min_length;
    long password_bcrypt_rounds;
    bool signup_enabled;
    char *database_read_url; /* "" = no replica; normalised like database_url */
    char *message_attachments_dir;
    char *log_level;  /* "debug", "info", "warn" or "error" */
    char *log_format; /* "text" or "json" */

    /* derived */
    bool is_production;
    const char *database_url_source; /* "DATABASE_URL", "DATABASE_PUBLIC_URL", "PG*" or "" */
    char **cors_allow;               /* resolved CORS allow-list (spec 01 §3) */
    size_t cors_allow_len;
    const char *profile_image_storage_resolved;   /* "s3" or "local" */
    const char *call_recordings_storage_resolved; /* "s3" or "local" */
    bool s3_configured;                           /* endpoint, bucket, key id and secret all set */
    bool call_recordings_storage_refused; /* production, local driver, full S3 credentials */
    long long call_recordings_max_upload_bytes;
    bool web_push_enabled; /* all three VAPID values set, none a template */
};

struct wos_config_report {
    char **errors;
    size_t n_errors;
    char **warnings;
    size_t n_warnings;
};

/*
 * Pure loader: env is a NULL-terminated array of "KEY=VALUE" strings (like
 * environ, may be NULL), dotenv_text the contents of a .env file or NULL.
 * Fills *out (which the caller later passes to wos_config_free()) and *rep
 * (wos_config_report_free()) with one line per problem, each naming its
 * variable. Returns WOS_OK when there are no errors, else WOS_ERROR.
 */
int wos_config_load_from(struct wos_config *out, char *const *env, const char *dotenv_text,
                         struct wos_config_report *rep);

/*
 * Loads environ + ./.env into the process-global config. Prints every
 * warning ("config: warning: ...") and error ("config: ...") to stderr and
 * returns WOS_ERROR when there are errors (the caller exits with status 2).
 */
int wos_config_init(void);

/*
 * The process-global config. Before wos_config_init() it holds the defaults
 * (loaded on first use without reading the environment).
 */
const struct wos_config *wos_cfg(void);

/*
 * Replaces the process-global config with *c, taking ownership of its
 * contents (*c is zeroed). For tests and tools that build a config with
 * wos_config_load_from(); not for use while other threads read wos_cfg().
 */
void wos_config_install(struct wos_config *c);

/* Prints every setting as NAME=value; secrets as "********" or "(unset)". */
void wos_config_print(const struct wos_config *c, FILE *out);

/* Whether a browser Origin may use the API (allow-list, plus localhost outside production). */
bool wos_config_origin_allowed(const struct wos_config *c, const char *origin);

/* `wos config check`: returns the exit status, 0 only when the configuration can serve, else 2. */
int wos_config_check_main(int argc, char **argv);

void wos_config_report_free(struct wos_config_report *r);
void wos_config_free(struct wos_config *c);

#endif
