/*
 * log.c: timestamped lines on stderr, written with one write(2) each so
 * lines from concurrent threads never interleave.
 */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static enum wos_log_level min_level = WOS_LOG_INFO;
static int as_json;
static wos_log_context_fn context_fn;

static const char *level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void wos_log_setup(enum wos_log_level level, int json)
{
    min_level = level;
    as_json = json;
}

void wos_log_set_context_fn(wos_log_context_fn fn)
{
    context_fn = fn;
}

int wos_log_level_parse(const char *s, enum wos_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, level_names[i]) == 0 || (i == 2 && strcasecmp(s, "warning") == 0)) {
            *out = (enum wos_log_level)i;
            return 0;
        }
    }
    return -1;
}

static size_t timestamp(char *buf, size_t n)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t len = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
    len += (size_t)snprintf(buf + len, n - len, ".%03ldZ", ts.tv_nsec / 1000000);
    return len;
}

/* Escapes a message for a JSON string value (control characters and quotes). */
static size_t json_escape(char *out, size_t n, const char *s)
{
    size_t o = 0;
    for (; *s && o + 7 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20) {
            o += (size_t)snprintf(out + o, n - o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    return o;
}

/* Replaces control characters with '?' so a value cannot forge a log line. */
static void defang(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            *s = '?';
}

void wos_log(const struct wos_req *req, enum wos_log_level level, const char *fmt, ...)
{
    if (level < min_level)
        return;
    char msg[2048], ctx[512] = "", ts[40], line[6144];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (req && context_fn)
        context_fn(req, ctx, sizeof(ctx));
    timestamp(ts, sizeof(ts));
    int n;
    if (as_json) {
        char esc[4096], esc_ctx[1024];
        json_escape(esc, sizeof(esc), msg);
        json_escape(esc_ctx, sizeof(esc_ctx), ctx);
        n = snprintf(line, sizeof(line), "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"%s\"%s%s%s}\n",
                     ts, level_names[level], esc, ctx[0] ? ",\"ctx\":\"" : "", esc_ctx,
                     ctx[0] ? "\"" : "");
    } else {
        /* one event, one line: control characters from request data never break it */
        defang(msg);
        defang(ctx);
        n = snprintf(line, sizeof(line), "%s %s %s%s%s\n", ts, level_names[level], msg,
                     ctx[0] ? " " : "", ctx);
    }
    if (n > (int)sizeof(line) - 1) {
        n = sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    if (write(STDERR_FILENO, line, (size_t)n) < 0)
        return;
}
