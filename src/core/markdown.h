/*
 * markdown.h: Markdown to safe HTML, for content users write and other
 * users' browsers display (announcements).
 *
 * md4c renders GitHub-flavoured Markdown with raw HTML disabled
 * (MD_FLAG_NOHTML: any tag in the source is escaped as text); the result
 * then passes a whitelist sanitizer, so what leaves here holds only the
 * tags md4c itself produces, only their harmless attributes, and only link
 * and image URLs that are http, https, mailto or relative.
 */
#ifndef WOS_CORE_MARKDOWN_H
#define WOS_CORE_MARKDOWN_H

#include "core/arena.h"

#include <stddef.h>

/*
 * Renders `len` bytes of UTF-8 Markdown to sanitized HTML, NUL-terminated,
 * allocated in the arena. NULL when rendering failed (out of memory).
 */
char *wos_markdown_html(struct wos_arena *a, const char *md, size_t len);

/*
 * The sanitizer on its own: keeps whitelisted tags and attributes of an
 * HTML fragment whose text is already escaped (md4c output), drops every
 * other tag and attribute, re-escapes attribute values and removes link and
 * image URLs that are not allowed. NUL-terminated, in the arena; NULL on OOM.
 */
char *wos_markdown_sanitize(struct wos_arena *a, const char *html, size_t len);

/*
 * 1 when a URL (already entity-decoded) may be a link or image target:
 * http:, https:, mailto: or relative (no scheme). Leading blanks and
 * control characters and embedded tabs and newlines are ignored the way
 * browsers ignore them, and the scheme is compared without case.
 */
int wos_markdown_url_allowed(const char *url, size_t len);

#endif
