/*
 * mime.h: building an Internet message (RFC 5322 + MIME) for the mailer:
 * RFC 2047 encoded words for non-ASCII header text, quoted-printable bodies,
 * and a multipart/alternative text + HTML message. Pure functions over an
 * arena; no I/O.
 */
#ifndef WOS_JOBS_MIME_H
#define WOS_JOBS_MIME_H

#include "core/arena.h"

#include <time.h>

/*
 * Header text (a Subject, a display name) as it may appear in a header:
 * unchanged when it is printable ASCII, else RFC 2047 "=?UTF-8?B?...?="
 * words of at most 75 characters, split on character boundaries and joined
 * by folding whitespace. CR, LF and other controls become spaces first.
 */
char *wos_mime_header_text(struct wos_arena *a, const char *utf8);

/* "Display Name" <addr>, with the name quoted or encoded as needed; just addr without a name. */
char *wos_mime_address(struct wos_arena *a, const char *display, const char *addr);

/* Quoted-printable (RFC 2045) of text, lines ending in CRLF, none longer than 76. */
char *wos_mime_qp(struct wos_arena *a, const char *text);

struct wos_mime_msg {
    const char *from_name, *from_addr;
    const char *to_name, *to_addr;
    const char *subject;    /* UTF-8 */
    const char *message_id; /* "<id@host>" */
    const char *boundary;   /* must not occur in the encoded bodies */
    const char *text;       /* UTF-8 plain-text body */
    const char *html;       /* UTF-8 HTML body */
    time_t date;
};

/* The whole message, CRLF line ends, ready for SMTP DATA or a .eml file. NULL on OOM. */
char *wos_mime_message(struct wos_arena *a, const struct wos_mime_msg *m);

#endif
