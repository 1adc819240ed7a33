/*
 * fuzz_config.c: the configuration loader (wos_config_load_from, src/core/config.c).
 *
 * Input: "<environment>\0<.env text>". The environment part is one
 * KEY=VALUE per line (like environ); without a NUL byte the whole input is
 * the .env text and the environment is empty. The loaded configuration is
 * printed (wos_config_print), asked about origins and freed.
 *
 * Properties checked besides the sanitizers (config.h's invariants):
 *   - the result is WOS_OK exactly when there are no errors; every problem
 *     line is a non-empty string;
 *   - every string field is non-NULL and every list has *_len non-NULL items;
 *   - secrets never leak: when the marker "S3cr3t" occurs once in the input
 *     and ends up inside a secret setting, neither the printed configuration
 *     nor any problem line may contain it.
 */
#include "fuzz.h"

#include "core/common.h"
#include "core/config.h"

#define MARKER "S3cr3t"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void check_strings(const struct wos_config *c)
{
    const char *const strings[] = {c->app_env,
                                   c->app_host,
                                   c->app_secret_key,
                                   c->api_v1_prefix,
                                   c->frontend_base_url,
                                   c->business_timezone,
                                   c->database_url,
                                   c->database_public_url,
                                   c->pghost,
                                   c->pguser,
                                   c->pgpassword,
                                   c->pgdatabase,
                                   c->pgport,
                                   c->redis_url,
                                   c->smtp_host,
                                   c->smtp_user,
                                   c->smtp_password,
                                   c->emails_from_email,
                                   c->emails_from_name,
                                   c->bootstrap_admin_email,
                                   c->bootstrap_admin_password,
                                   c->bootstrap_admin_name,
                                   c->profile_image_storage,
                                   c->profile_image_upload_dir,
                                   c->profile_image_public_base_url,
                                   c->call_recordings_storage_driver,
                                   c->call_recordings_local_dir,
                                   c->aws_endpoint_url,
                                   c->aws_s3_bucket_name,
                                   c->aws_access_key_id,
                                   c->aws_secret_access_key,
                                   c->aws_default_region,
                                   c->aws_s3_url_style,
                                   c->expo_push_api_url,
                                   c->vapid_public_key,
                                   c->vapid_private_key,
                                   c->vapid_subject,
                                   c->next_public_app_name,
                                   c->web_dist_dir,
                                   c->database_read_url,
                                   c->message_attachments_dir,
                                   c->log_level,
                                   c->log_format,
                                   c->database_url_source,
                                   c->profile_image_storage_resolved,
                                   c->call_recordings_storage_resolved};
    for (size_t i = 0; i < WOS_ARRAY_LEN(strings); i++)
        FUZZ_CHECK(strings[i] != NULL);
    for (size_t i = 0; i < c->cors_origins_len; i++)
        FUZZ_CHECK(c->cors_origins[i] != NULL);
    for (size_t i = 0; i < c->forwarded_allow_ips_len; i++)
        FUZZ_CHECK(c->forwarded_allow_ips[i] != NULL);
    for (size_t i = 0; i < c->cors_allow_len; i++)
        FUZZ_CHECK(c->cors_allow[i] != NULL && *c->cors_allow[i] != '\0');
}

static int secret_holds_marker(const struct wos_config *c)
{
    const char *const secrets[] = {c->app_secret_key,        c->pgpassword,
                                   c->smtp_password,         c->bootstrap_admin_password,
                                   c->aws_secret_access_key, c->vapid_private_key};
    for (size_t i = 0; i < WOS_ARRAY_LEN(secrets); i++)
        if (strstr(secrets[i], MARKER) != NULL)
            return 1;
    return 0;
}

static size_t occurrences(const uint8_t *data, size_t size, const char *needle)
{
    size_t n = 0, len = strlen(needle);

    for (size_t i = 0; i + len <= size; i++)
        n += memcmp(data + i, needle, len) == 0;
    return n;
}

static void check_report(const struct wos_config_report *rep, int rc, int watch_marker)
{
    FUZZ_CHECK(rc == (rep->n_errors == 0 ? WOS_OK : WOS_ERROR));
    for (size_t i = 0; i < rep->n_errors; i++) {
        FUZZ_CHECK(rep->errors[i] != NULL && *rep->errors[i] != '\0');
        FUZZ_CHECK(!watch_marker || strstr(rep->errors[i], MARKER) == NULL);
    }
    for (size_t i = 0; i < rep->n_warnings; i++) {
        FUZZ_CHECK(rep->warnings[i] != NULL && *rep->warnings[i] != '\0');
        FUZZ_CHECK(!watch_marker || strstr(rep->warnings[i], MARKER) == NULL);
    }
}

static void check_print(const struct wos_config *c, int watch_marker)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    FUZZ_CHECK(f != NULL);
    wos_config_print(c, f);
    FUZZ_CHECK(fclose(f) == 0);
    FUZZ_CHECK(len > 0 && strlen(text) == len);
    FUZZ_CHECK(!watch_marker || strstr(text, MARKER) == NULL);
    free(text);
}

/* Splits the environment part into a NULL-terminated array of lines (pointers into env). */
static char **split_env(char *env)
{
    size_t n = 1;

    for (char *p = env; *p; p++)
        n += *p == '\n';
    char **v = calloc(n + 1, sizeof(*v));
    size_t i = 0;
    FUZZ_CHECK(v != NULL);
    for (char *line = env; line != NULL && i < n;) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        if (*line != '\0')
            v[i++] = line;
        line = nl != NULL ? nl + 1 : NULL;
    }
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *input = fuzz_cstr(data, size);
    const uint8_t *nul = memchr(data, '\0', size);
    char *env_text = nul != NULL ? input : NULL;
    const char *dotenv = nul != NULL ? input + (nul - data) + 1 : input;
    char *empty_env[] = {NULL};
    char **env = env_text != NULL ? split_env(env_text) : empty_env;
    struct wos_config c;
    struct wos_config_report rep;

    int rc = wos_config_load_from(&c, env, dotenv, &rep);
    int watch = occurrences(data, size, MARKER) == 1 && secret_holds_marker(&c);
    check_report(&rep, rc, watch);
    check_strings(&c);
    check_print(&c, watch);

    static const char *const origins[] = {"http://localhost:3000", "https://app.example.com",
                                          "null", "", "http://127.0.0.1:99999"};
    for (size_t i = 0; i < WOS_ARRAY_LEN(origins); i++)
        (void)wos_config_origin_allowed(&c, origins[i]);
    for (size_t i = 0; i < c.cors_allow_len; i++)
        FUZZ_CHECK(wos_config_origin_allowed(&c, c.cors_allow[i]));

    wos_config_report_free(&rep);
    wos_config_free(&c);
    if (env != empty_env)
        free(env);
    free(input);
    return 0;
}
