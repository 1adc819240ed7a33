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

/*
 * "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 characters) into buf, which holds at least
 * WOS_LOG_TS_SIZE bytes. The calendar part is formatted once per second per
 * thread: gmtime_r and strftime cost more than the rest of an access line.
 */
#define WOS_LOG_TS_SIZE 25

static size_t timestamp(char buf[WOS_LOG_TS_SIZE])
{
    static _Thread_local time_t cached_second = -1;
    static _Thread_local char cached[20];
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != cached_second) {
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        if (strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm) != 19)
            memcpy(cached, "0000-00-00T00:00:00", sizeof(cached));
        cached_second = ts.tv_sec;
    }
    long ms = ts.tv_nsec / 1000000;
    memcpy(buf, cached, 19);
    buf[19] = '.';
    buf[20] = (char)('0' + ms / 100);
    buf[21] = (char)('0' + ms / 10 % 10);
    buf[22] = (char)('0' + ms % 10);
    buf[23] = 'Z';
    buf[24] = '\0';
    return 24;
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

static void write_line(const char *line, size_t n)
{
    if (write(STDERR_FILENO, line, n) < 0)
        return;
}

static void log_json(const char *ts, enum wos_log_level level, const char *msg, const char *ctx)
{
    char esc[4096], esc_ctx[1024], line[6144];
    json_escape(esc, sizeof(esc), msg);
    json_escape(esc_ctx, sizeof(esc_ctx), ctx);
    int n = snprintf(line, sizeof(line), "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"%s\"%s%s%s}\n",
                     ts, level_names[level], esc, ctx[0] ? ",\"ctx\":\"" : "", esc_ctx,
                     ctx[0] ? "\"" : "");
    if (n > (int)sizeof(line) - 1) {
        n = sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    write_line(line, (size_t)n);
}

/*
 * Text lines are formatted in place: timestamp, level, the message (at most
 * WOS_LOG_MSG_MAX bytes), the request context, newline.
 */
#define WOS_LOG_MSG_MAX 2047

/* line[0..n) is the prefix, the message follows (defanged in place), then the context */
static void emit_text(char *line, size_t n, size_t msg_len, char *ctx)
{
    defang(line + n);
    n += msg_len;
    if (ctx[0]) {
        defang(ctx);
        line[n++] = ' ';
        size_t c = strlen(ctx);
        memcpy(line + n, ctx, c);
        n += c;
    }
    line[n++] = '\n';
    write_line(line, n);
}

/* Writes "<timestamp> <LEVEL> " into line; returns its length. */
static size_t text_prefix(char *line, const char *ts, enum wos_log_level level)
{
    size_t level_len = strlen(level_names[level]), n = 24;
    memcpy(line, ts, n);
    line[n++] = ' ';
    memcpy(line + n, level_names[level], level_len);
    n += level_len;
    line[n++] = ' ';
    return n;
}

#define TEXT_LINE_SIZE (WOS_LOG_TS_SIZE + 8 + WOS_LOG_MSG_MAX + 1 + 512 + 1)

void wos_log(const struct wos_req *req, enum wos_log_level level, const char *fmt, ...)
{
    if (level < min_level)
        return;
    char ctx[512] = "", ts[WOS_LOG_TS_SIZE];
    va_list ap;
    if (req && context_fn)
        context_fn(req, ctx, sizeof(ctx));
    timestamp(ts);
    if (as_json) {
        char msg[WOS_LOG_MSG_MAX + 1];
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        log_json(ts, level, msg, ctx);
        return;
    }
    /* one event, one line: control characters from request data never break it */
    char line[TEXT_LINE_SIZE];
    size_t n = text_prefix(line, ts, level);
    va_start(ap, fmt);
    int m = vsnprintf(line + n, WOS_LOG_MSG_MAX + 1, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    emit_text(line, n, m > WOS_LOG_MSG_MAX ? WOS_LOG_MSG_MAX : (size_t)m, ctx);
}

int wos_log_enabled(enum wos_log_level level)
{
    return level >= min_level;
}

void wos_log_message(enum wos_log_level level, const char *msg, size_t len)
{
    if (level < min_level)
        return;
    char ctx[1] = "", ts[WOS_LOG_TS_SIZE];
    timestamp(ts);
    if (len > WOS_LOG_MSG_MAX)
        len = WOS_LOG_MSG_MAX;
    if (as_json) {
        char copy[WOS_LOG_MSG_MAX + 1];
        memcpy(copy, msg, len);
        copy[len] = '\0';
        log_json(ts, level, copy, ctx);
        return;
    }
    char line[TEXT_LINE_SIZE];
    size_t n = text_prefix(line, ts, level);
    memcpy(line + n, msg, len);
    line[n + len] = '\0';
    emit_text(line, n, len, ctx);
}
