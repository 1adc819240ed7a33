/*
 * mime.c: message formatting for the mailer (see mime.h).
 *
 * Invariants of what it produces: only 7-bit ASCII, CRLF line ends, no line
 * longer than 78 characters outside the caller's ASCII header text, and no
 * CR or LF from the caller's strings inside a header (header injection is
 * impossible: controls become spaces before encoding).
 */
#include "jobs/mime.h"

#include <openssl/evp.h>
#include <stdbool.h>
#include <string.h>

#define WORD_MAX_BYTES 45 /* 45 bytes -> 60 base64 chars -> 72-char encoded word */

static bool printable_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

/* Copy of s with control characters (CR, LF, TAB, DEL...) replaced by spaces. */
static char *without_controls(struct wos_arena *a, const char *s)
{
    char *copy = wos_arena_strdup(a, s);
    if (!copy)
        return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
            *p = ' ';
    return copy;
}

/* Bytes of s (at most max) that end on a UTF-8 character boundary. */
static size_t utf8_prefix(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
        n--;
    return n ? n : max;
}

char *wos_mime_header_text(struct wos_arena *a, const char *utf8)
{
    char *clean = without_controls(a, utf8);
    if (!clean || printable_ascii(clean))
        return clean;
    struct wos_buf b;
    wos_buf_init(&b, a, strlen(clean) * 2 + 32);
    size_t len = strlen(clean);
    for (size_t off = 0; off < len;) {
        size_t n = utf8_prefix(clean + off, len - off, WORD_MAX_BYTES);
        unsigned char enc[WORD_MAX_BYTES * 2];
        EVP_EncodeBlock(enc, (const unsigned char *)clean + off, (int)n);
        wos_buf_printf(&b, "%s=?UTF-8?B?%s?=", off ? "\r\n " : "", (const char *)enc);
        off += n;
    }
    return (char *)wos_buf_cstr(&b);
}

char *wos_mime_address(struct wos_arena *a, const char *display, const char *addr)
{
    if (!display || !*display)
        return wos_arena_strdup(a, addr);
    char *clean = without_controls(a, display);
    if (!clean)
        return NULL;
    if (!printable_ascii(clean))
        return wos_arena_printf(a, "%s <%s>", wos_mime_header_text(a, clean), addr);
    struct wos_buf b;
    wos_buf_init(&b, a, strlen(clean) + strlen(addr) + 8);
    wos_buf_puts(&b, "\"");
    for (const char *p = clean; *p; p++) {
        if (*p == '"' || *p == '\\')
            wos_buf_puts(&b, "\\");
        wos_buf_append(&b, p, 1);
    }
    wos_buf_printf(&b, "\" <%s>", addr);
    return (char *)wos_buf_cstr(&b);
}

/* ---- quoted-printable ---- */

struct qp {
    struct wos_buf *b;
    int col; /* characters on the current output line */
};

static void qp_token(struct qp *q, const char *tok, int len)
{
    if (q->col + len > 75) { /* leave room for the soft break "=" */
        wos_buf_puts(q->b, "=\r\n");
        q->col = 0;
    }
    wos_buf_append(q->b, tok, (size_t)len);
    q->col += len;
}

static void qp_line(struct qp *q, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool last = i + 1 == n;
        bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
        if (c == '.' && q->col == 0)
            literal = false; /* a lone "." line would end SMTP DATA on a careless relay */
        if (literal) {
            qp_token(q, (const char *)&s[i], 1);
        } else {
            char esc[3] = {'=', hex[c >> 4], hex[c & 15]};
            qp_token(q, esc, 3);
        }
    }
    wos_buf_puts(q->b, "\r\n");
    q->col = 0;
}

char *wos_mime_qp(struct wos_arena *a, const char *text)
{
    struct wos_buf b;
    wos_buf_init(&b, a, strlen(text) * 3 / 2 + 64);
    struct qp q = {.b = &b};
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, "\n");
        size_t content = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
        qp_line(&q, p, content);
        p += n;
        if (*p == '\n')
            p++;
    }
    return (char *)wos_buf_cstr(&b);
}

/* ---- the message ---- */

static void part(struct wos_buf *b, struct wos_arena *a, const char *boundary, const char *type,
                 const char *body)
{
    wos_buf_printf(b,
                   "--%s\r\nContent-Type: %s; charset=UTF-8\r\n"
                   "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                   boundary, type);
    const char *qp = wos_mime_qp(a, body);
    if (!qp) {
        b->failed = 1; /* out of memory: the message is NULL */
        return;
    }
    wos_buf_puts(b, qp);
}

char *wos_mime_message(struct wos_arena *a, const struct wos_mime_msg *m)
{
    char date[64];
    struct tm tm;
    gmtime_r(&m->date, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);

    const char *from = wos_mime_address(a, m->from_name, m->from_addr);
    const char *to = wos_mime_address(a, m->to_name, m->to_addr);
    const char *subject = wos_mime_header_text(a, m->subject);
    if (!from || !to || !subject || !m->message_id)
        return NULL; /* out of memory */
    struct wos_buf b;
    wos_buf_init(&b, a, strlen(m->text) * 2 + strlen(m->html) * 2 + 1024);
    wos_buf_printf(&b, "Date: %s\r\n", date);
    wos_buf_printf(&b, "From: %s\r\n", from);
    wos_buf_printf(&b, "To: %s\r\n", to);
    wos_buf_printf(&b, "Subject: %s\r\n", subject);
    wos_buf_printf(&b, "Message-ID: %s\r\n", m->message_id);
    wos_buf_puts(&b, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
    wos_buf_printf(&b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", m->boundary);
    wos_buf_puts(&b, "This is a multi-part message in MIME format.\r\n\r\n");
    part(&b, a, m->boundary, "text/plain", m->text);
    part(&b, a, m->boundary, "text/html", m->html);
    wos_buf_printf(&b, "--%s--\r\n", m->boundary);
    return (char *)wos_buf_cstr(&b);
}
