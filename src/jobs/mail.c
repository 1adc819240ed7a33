/*
 * mail.c: the "email" job (spec 10 §2, docs/jobs.md "E-mail").
 *
 * Payload: {"template": "<name>", "to": "<addr>", "to_name": "...",
 * "workspace_name": "...", "vars": {...}}. The handler renders
 * <template>.subject/.txt/.html inside the layouts, builds a multipart
 * text + HTML message and delivers it:
 *   - SMTP_HOST set: libcurl SMTP; implicit TLS on port 465 (smtps://),
 *     STARTTLS required elsewhere when SMTP_TLS, plain when SMTP_TLS=false;
 *     login whenever SMTP_USER is set.
 *   - no SMTP_HOST outside production: var/mail/<timestamp>-<template>.eml,
 *     and the log names the file (never the link: it carries a token).
 *   - no SMTP_HOST in production: the job is skipped, with a warning.
 * After delivery (or a skip) payload.vars is removed from the row: the
 * link in it carries a token.
 *
 * Exactly-once, as far as SMTP allows. The Message-ID is <job-id@wos> on
 * every attempt. Before the message body is sent (the server has answered
 * DATA with 354) the attempt records result.data_phase_at in the row; when
 * the server accepts the message, the job is marked done with
 * result.message_id and result.sent_at in one statement. So:
 *   - a crash before the body's final "." reached the server: SMTP servers
 *     discard an unfinished message; the retry sends.
 *   - a crash after the final "." but before the row records sent_at (the
 *     server's answer plus one database round trip): the message may have
 *     been accepted. The retry sees data_phase_at without sent_at, logs a
 *     warning and sends again with the same Message-ID, which receiving
 *     systems use to drop the duplicate. A lost invitation or reset link is
 *     worse than a duplicate one.
 *   - a worker that lost its lease cannot record data_phase_at, and then
 *     aborts before sending the body.
 */
#include "core/config.h"
#include "core/log.h"
#include "core/torture.h"
#include "http/validate.h"
#include "jobs/jobs_int.h"
#include "jobs/mime.h"
#include "jobs/template.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAIL_DIR "var/mail"
#define APP_NAME "Workforce OS"

/* The message types; each needs <name>.subject, <name>.txt and <name>.html. */
static const char *const templates[] = {
    "invitation",        "password_reset",    "approval_pending",
    "approval_decision", "operational_alert", "announcement",
};

/* ---- configuration ---- */

const char *wos_mail_transport(void)
{
    const struct wos_config *cfg = wos_cfg();
    if (*cfg->smtp_host)
        return "smtp";
    return cfg->is_production ? "none" : "file";
}

static bool implicit_tls(void)
{
    return wos_cfg()->smtp_tls && wos_cfg()->smtp_port == 465;
}

int wos_mail_check(void)
{
    const struct wos_config *cfg = wos_cfg();
    if (*cfg->smtp_host && !wos_valid_email(cfg->emails_from_email)) {
        fprintf(stderr, "config: EMAILS_FROM_EMAIL (or SMTP_FROM_EMAIL) must be a valid address "
                        "when SMTP_HOST is set\n");
        return WOS_ERROR;
    }
    const char *required[3 * WOS_ARRAY_LEN(templates) + 2];
    char names[3 * WOS_ARRAY_LEN(templates)][64];
    static const char *const ext[] = {"subject", "txt", "html"};
    size_t n = 0;
    for (size_t i = 0; i < WOS_ARRAY_LEN(templates); i++) {
        for (size_t e = 0; e < 3; e++) {
            snprintf(names[n], sizeof(names[n]), "%s.%s", templates[i], ext[e]);
            required[n] = names[n];
            n++;
        }
    }
    required[n++] = "_layout.txt";
    required[n++] = "_layout.html";
    if (wos_template_init(required, n) != WOS_OK)
        return WOS_ERROR;
    if (strcmp(wos_mail_transport(), "smtp") == 0)
        wos_log(NULL, WOS_LOG_INFO, "mail: SMTP %s:%ld (%s%s), templates %s", cfg->smtp_host,
                cfg->smtp_port,
                implicit_tls() ? "implicit TLS" : (cfg->smtp_tls ? "STARTTLS" : "plain"),
                *cfg->smtp_user ? ", login" : "", wos_template_source());
    else if (strcmp(wos_mail_transport(), "file") == 0)
        wos_log(NULL, WOS_LOG_INFO,
                "mail: SMTP_HOST not set; messages are written to %s, "
                "templates %s",
                MAIL_DIR, wos_template_source());
    else
        wos_log(NULL, WOS_LOG_WARN, "mail: SMTP_HOST not set; e-mail jobs will be skipped");
    return WOS_OK;
}

/* ---- the message ---- */

struct mail {
    const char *tmpl;
    const char *to, *to_name;
    const char *link; /* absolute link, or NULL */
    const char *subject, *text, *html;
    const char *message_id;
    char *raw; /* the whole message */
};

static bool known_template(const char *name)
{
    for (size_t i = 0; i < WOS_ARRAY_LEN(templates); i++)
        if (strcmp(templates[i], name) == 0)
            return true;
    return false;
}

static const char *payload_str(const json_t *payload, const char *key)
{
    const json_t *v = json_object_get(payload, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A JSON scalar as template text; NULL for objects and arrays. */
static const char *scalar_text(struct wos_arena *a, const json_t *v)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        return wos_arena_printf(a, "%lld", (long long)json_integer_value(v));
    if (json_is_real(v))
        return wos_arena_printf(a, "%g", json_real_value(v));
    if (json_is_true(v))
        return "true";
    if (json_is_false(v) || json_is_null(v))
        return "";
    return NULL;
}

/* The workspace's name: payload.workspace_name, else the job's workspace row, else the app. */
static const char *workspace_name(struct wos_job *job)
{
    const char *name = payload_str(job->payload, "workspace_name");
    if (name && *name)
        return name;
    if (!job->workspace_id)
        return APP_NAME;
    const char *params[] = {job->workspace_id};
    PGresult *r = PQexecParams(job->conn, "SELECT name FROM workspaces WHERE id = $1::uuid", 1,
                               NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        name = wos_arena_strdup(job->arena, PQgetvalue(r, 0, 0));
    PQclear(r);
    return name ? name : APP_NAME;
}

/* payload.vars + the built-in variables. DEAD/RETRY outcome with job->error, or DONE. */
static enum wos_job_outcome build_vars(struct wos_job *job, struct mail *m, struct wos_tvars *v)
{
    struct wos_arena *a = job->arena;
    const json_t *vars = json_object_get(job->payload, "vars");
    if (vars && !json_is_object(vars))
        return wos_job_fail(job, WOS_JOB_DEAD, "payload.vars must be an object");
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)vars, key, value)
    {
        if (key[0] == '_')
            return wos_job_fail(job, WOS_JOB_DEAD,
                                "payload.vars.%s: names starting with '_' "
                                "are reserved",
                                key);
        const char *text = scalar_text(a, value);
        if (!text)
            return wos_job_fail(job, WOS_JOB_DEAD, "payload.vars.%s must be a scalar", key);
        if (wos_tvars_set(a, v, key, text) != WOS_OK)
            return wos_job_fail(job, WOS_JOB_RETRY, "out of memory");
    }
    const char *link = wos_tvars_get(v, "link");
    if (link && *link) {
        if (link[0] != '/' || link[1] == '/' || strpbrk(link, " \t\r\n\\"))
            return wos_job_fail(job, WOS_JOB_DEAD,
                                "payload.vars.link must be a path starting with '/'");
        const char *base = wos_cfg()->frontend_base_url;
        size_t n = strlen(base);
        while (n > 0 && base[n - 1] == '/')
            n--;
        m->link = wos_arena_printf(a, "%.*s%s", (int)n, base, link);
        wos_tvars_set(a, v, "link", m->link);
    }
    int rc = WOS_OK;
    if (!wos_tvars_get(v, "name"))
        rc |= wos_tvars_set(a, v, "name", m->to_name ? m->to_name : "");
    rc |= wos_tvars_set(a, v, "to", m->to);
    rc |= wos_tvars_set(a, v, "workspace_name", workspace_name(job));
    rc |= wos_tvars_set(a, v, "app_name", APP_NAME);
    return rc ? wos_job_fail(job, WOS_JOB_RETRY, "out of memory") : WOS_JOB_DONE;
}

/* Renders "<tmpl>.<ext>" (inside "_layout.<ext>" when layout). NULL with job->error set. */
static const char *render(struct wos_job *job, struct wos_tvars *v, const char *tmpl,
                          const char *ext, bool layout)
{
    char name[96], err[256];
    snprintf(name, sizeof(name), "%s.%s", tmpl, ext);
    bool html = strcmp(ext, "html") == 0;
    const char *text = wos_template_get(name);
    char *out = text ? wos_template_render(job->arena, text, v, html, err, sizeof(err)) : NULL;
    if (out && layout) {
        snprintf(name, sizeof(name), "_layout.%s", ext);
        wos_tvars_set(job->arena, v, "_body", out);
        out = wos_template_render(job->arena, wos_template_get(name), v, html, err, sizeof(err));
    }
    if (!out)
        wos_job_fail(job, WOS_JOB_DEAD, "%s: %s", name, text ? err : "template not found");
    return out;
}

/* Subject text on one line, without surrounding blanks. */
static const char *one_line(struct wos_arena *a, const char *s)
{
    char *copy = wos_arena_strdup(a, s);
    if (!copy)
        return NULL;
    char *out = copy;
    bool blank = true;
    for (const char *p = copy; *p; p++) {
        bool space = *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n';
        if (space && blank)
            continue;
        *out++ = space ? ' ' : *p;
        blank = space;
    }
    while (out > copy && out[-1] == ' ')
        out--;
    *out = '\0';
    return copy;
}

static enum wos_job_outcome compose(struct wos_job *job, struct mail *m)
{
    m->tmpl = payload_str(job->payload, "template");
    m->to = payload_str(job->payload, "to");
    m->to_name = payload_str(job->payload, "to_name");
    if (!m->tmpl || !known_template(m->tmpl))
        return wos_job_fail(job, WOS_JOB_DEAD, "unknown e-mail template \"%.64s\"",
                            m->tmpl ? m->tmpl : "");
    if (!m->to || !wos_valid_email(m->to) || strpbrk(m->to, "\r\n<>\" "))
        return wos_job_fail(job, WOS_JOB_DEAD, "invalid recipient address");
    struct wos_tvars v = {0};
    enum wos_job_outcome out = build_vars(job, m, &v);
    if (out != WOS_JOB_DONE)
        return out;
    const char *subject = render(job, &v, m->tmpl, "subject", false);
    if (!subject || !(m->text = render(job, &v, m->tmpl, "txt", true)) ||
        !(m->html = render(job, &v, m->tmpl, "html", true)))
        return WOS_JOB_DEAD;
    m->subject = one_line(job->arena, subject);
    m->message_id = wos_arena_printf(job->arena, "<%s@wos>", job->id);
    if (!m->subject || !m->message_id)
        return wos_job_fail(job, WOS_JOB_RETRY, "out of memory");

    char boundary[64] = "=_wos_";
    size_t n = strlen(boundary);
    for (const char *p = job->id; *p && n + 1 < sizeof(boundary); p++)
        if (*p != '-')
            boundary[n++] = *p;
    boundary[n] = '\0';
    const struct wos_config *cfg = wos_cfg();
    struct wos_mime_msg msg = {
        .from_name = cfg->emails_from_name,
        .from_addr = *cfg->emails_from_email ? cfg->emails_from_email : "noreply@localhost",
        .to_name = m->to_name,
        .to_addr = m->to,
        .subject = m->subject,
        .message_id = m->message_id,
        .boundary = boundary,
        .text = m->text,
        .html = m->html,
        .date = time(NULL),
    };
    m->raw = wos_mime_message(job->arena, &msg);
    return m->raw ? WOS_JOB_DONE : wos_job_fail(job, WOS_JOB_RETRY, "out of memory");
}

/* ---- delivery: file ---- */

static enum wos_job_outcome write_file(struct wos_job *job, const struct mail *m)
{
    if (mkdir("var", 0755) != 0 && errno != EEXIST)
        return wos_job_fail(job, WOS_JOB_RETRY, "cannot create var/: %s", strerror(errno));
    if (mkdir(MAIL_DIR, 0700) != 0 && errno != EEXIST)
        return wos_job_fail(job, WOS_JOB_RETRY, "cannot create %s: %s", MAIL_DIR, strerror(errno));
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char stamp[32], path[256];
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
    int fd = -1;
    for (int i = 0; fd < 0 && i < 100; i++) {
        snprintf(path, sizeof(path), "%s/%s.%06ldZ-%s%s%.0d.eml", MAIL_DIR, stamp, (long)tv.tv_usec,
                 m->tmpl, i ? "-" : "", i);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        return wos_job_fail(job, WOS_JOB_RETRY, "cannot write %s: %s", path, strerror(errno));
    size_t len = strlen(m->raw);
    ssize_t w = write(fd, m->raw, len);
    int closed = close(fd);
    if (w != (ssize_t)len || closed != 0) {
        unlink(path);
        return wos_job_fail(job, WOS_JOB_RETRY, "cannot write %s", path);
    }
    json_t *res = wos_job_result(job);
    json_object_set_new(res, "transport", json_string("file"));
    json_object_set_new(res, "file", json_string(path));
    json_object_set_new(res, "message_id", json_string(m->message_id));
    /* never the link: it carries a reset or invitation token (the file has it) */
    wos_log(NULL, WOS_LOG_INFO, "mail: %s to %s written to %s", m->tmpl, m->to, path);
    return WOS_JOB_DONE;
}

/* ---- delivery: SMTP ---- */

struct upload {
    struct wos_job *job;
    const char *data;
    size_t len, pos;
    bool in_data; /* the server answered DATA: the body is being sent */
    bool aborted; /* the data phase could not be recorded */
};

static void iso_now(char *buf, size_t n)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%06ldZ", base, (long)tv.tv_usec);
}

/* libcurl asks for the body only after the server's 354 answer to DATA. */
static size_t read_body(char *buf, size_t size, size_t nitems, void *userp)
{
    struct upload *u = userp;
    if (!u->in_data) {
        u->in_data = true;
        char now[40];
        iso_now(now, sizeof(now));
        json_object_set_new(wos_job_result(u->job), "data_phase_at", json_string(now));
        if (wos_job_checkpoint(u->job) != WOS_OK) {
            u->aborted = true;
            return CURL_READFUNC_ABORT;
        }
    }
    size_t n = size * nitems;
    if (n > u->len - u->pos)
        n = u->len - u->pos;
    memcpy(buf, u->data + u->pos, n);
    u->pos += n;
    return n;
}

static char *smtp_url(struct wos_arena *a)
{
    const struct wos_config *cfg = wos_cfg();
    bool v6 = strchr(cfg->smtp_host, ':') != NULL;
    return wos_arena_printf(a, "%s://%s%s%s:%ld", implicit_tls() ? "smtps" : "smtp", v6 ? "[" : "",
                            cfg->smtp_host, v6 ? "]" : "", cfg->smtp_port);
}

static void configure(CURL *c, const char *url, const char *from, struct upload *u,
                      struct curl_slist *rcpt, char *errbuf)
{
    const struct wos_config *cfg = wos_cfg();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, wos_jobs_settings()->smtp_timeout_seconds);
    if (cfg->smtp_tls && !implicit_tls())
        curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (*cfg->smtp_user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->smtp_password);
    }
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_body);
    curl_easy_setopt(c, CURLOPT_READDATA, u);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u->len);
}

/* What a failed conversation means: 5xx answers and refused logins are permanent. */
static enum wos_job_outcome smtp_failure(struct wos_job *job, CURLcode rc, long code,
                                         const char *errbuf, const struct upload *u)
{
    const char *why = *errbuf ? errbuf : curl_easy_strerror(rc);
    /* An error answer after DATA is a certain refusal: the next attempt need not warn. */
    if (u->in_data && code >= 400)
        json_object_set_new(wos_job_result(job), "data_phase_at", json_null());
    if (u->aborted)
        return wos_job_fail(job, WOS_JOB_RETRY, "lease lost before the message body was sent");
    if (rc == CURLE_LOGIN_DENIED || (code >= 500 && code <= 599))
        return wos_job_fail(job, WOS_JOB_DEAD, "SMTP server refused the message (%ld): %s", code,
                            why);
    if (code > 0)
        return wos_job_fail(job, WOS_JOB_RETRY, "SMTP error (%ld): %s", code, why);
    return wos_job_fail(job, WOS_JOB_RETRY, "SMTP: %s", why);
}

static enum wos_job_outcome send_smtp(struct wos_job *job, const struct mail *m)
{
    const char *earlier = payload_str(job->prev_result, "data_phase_at");
    if (earlier)
        wos_log(NULL, WOS_LOG_WARN,
                "job %s: an earlier attempt reached DATA at %s without a recorded answer; "
                "sending again with the same Message-ID %s",
                job->id, earlier, m->message_id);
    const char *url = smtp_url(job->arena);
    const char *from = wos_arena_printf(job->arena, "<%s>", wos_cfg()->emails_from_email);
    const char *to = wos_arena_printf(job->arena, "<%s>", m->to);
    if (!url || !from || !to)
        return wos_job_fail(job, WOS_JOB_RETRY, "out of memory");
    CURL *c = curl_easy_init();
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    if (!c || !rcpt) {
        curl_easy_cleanup(c);
        curl_slist_free_all(rcpt);
        return wos_job_fail(job, WOS_JOB_RETRY, "cannot initialise libcurl");
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    struct upload u = {.job = job, .data = m->raw, .len = strlen(m->raw)};
    configure(c, url, from, &u, rcpt, errbuf);
    /* torture builds: a lost connection in the middle of the conversation */
    CURLcode rc = wos_torture_fail(WOS_TORTURE_SMTP) ? CURLE_SEND_ERROR : curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    curl_slist_free_all(rcpt);
    if (rc != CURLE_OK)
        return smtp_failure(job, rc, code, errbuf, &u);

    char now[40];
    iso_now(now, sizeof(now));
    json_t *res = wos_job_result(job);
    json_object_set_new(res, "transport", json_string("smtp"));
    json_object_set_new(res, "message_id", json_string(m->message_id));
    json_object_set_new(res, "sent_at", json_string(now));
    json_object_set_new(res, "smtp_code", json_integer(code));
    return WOS_JOB_DONE;
}

/* ---- the handler ---- */

enum wos_job_outcome wos_mail_job(struct wos_job *job)
{
    const char *sent = payload_str(job->prev_result, "sent_at");
    if (sent) {
        job->scrub_vars = true;
        wos_log(NULL, WOS_LOG_INFO, "job %s: already sent at %s; not sending again", job->id, sent);
        return WOS_JOB_DONE;
    }
    struct mail m = {0};
    enum wos_job_outcome out = compose(job, &m);
    if (out != WOS_JOB_DONE)
        return out;
    const char *transport = wos_mail_transport();
    if (strcmp(transport, "none") == 0) {
        job->scrub_vars = true;
        return wos_job_fail(job, WOS_JOB_SKIPPED,
                            "SMTP_HOST is not set: %s e-mail not sent (production)", m.tmpl);
    }
    out = strcmp(transport, "file") == 0 ? write_file(job, &m) : send_smtp(job, &m);
    if (out == WOS_JOB_DONE)
        job->scrub_vars = true;
    return out;
}
