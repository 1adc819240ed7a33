/*
 * template.h: e-mail templates (templates/email/) and their renderer.
 *
 * Files: <name>.subject, <name>.txt and <name>.html per message type, and
 * _layout.txt / _layout.html wrapped around every body. They are embedded
 * into the binary at build time by scripts/embed-templates; WOS_TEMPLATES_DIR
 * replaces them with a directory read at start-up.
 *
 * Syntax (a small subset of Mustache):
 *   {{var}}               the value; HTML-escaped when rendering HTML
 *   {{{var}}}             the value unescaped (only the layouts' {{{_body}}}, the
 *                         already-rendered body; names starting with '_' are reserved)
 *   {{#var}}...{{/var}}   the inner text when var is set and not empty
 *   {{^var}}...{{/var}}   the inner text when var is missing or empty
 * A {{var}} that is not set is an error, so a caller's missing variable is
 * visible (a dead job naming it), never an empty hole in a sent message.
 */
#ifndef WOS_JOBS_TEMPLATE_H
#define WOS_JOBS_TEMPLATE_H

#include "core/arena.h"

#include <stdbool.h>
#include <stddef.h>

/* One embedded file, as generated into build/gen/email_templates.c. */
struct wos_template_file {
    const char *name; /* "invitation.html" */
    const char *text; /* NUL-terminated */
    unsigned long len;
};

/* Variables: name/value pairs (values never NULL). */
struct wos_tvars {
    const char **names;
    const char **values;
    size_t n, cap;
};

/* Adds or replaces a variable; the strings must outlive the rendering. WOS_ERROR on OOM. */
int wos_tvars_set(struct wos_arena *a, struct wos_tvars *v, const char *name, const char *value);
/* The value of name, or NULL. */
const char *wos_tvars_get(const struct wos_tvars *v, const char *name);

/*
 * Renders tmpl with vars into a NUL-terminated arena string; html = true
 * escapes {{var}} values. Returns NULL and a reason in err on a syntax error
 * or a missing variable.
 */
char *wos_template_render(struct wos_arena *a, const char *tmpl, const struct wos_tvars *vars,
                          bool html, char *err, size_t err_len);

/* Appends s HTML-escaped (& < > " ') to b. */
void wos_html_escape(struct wos_buf *b, const char *s);

/*
 * Chooses the template source (WOS_TEMPLATES_DIR, else the embedded set,
 * else <binary dir>/../templates/email in a development tree), loads it and
 * checks that every file in `required` exists. WOS_ERROR after logging why.
 */
int wos_template_init(const char *const *required, size_t n_required);
/* A loaded template's text, or NULL. Valid until the process exits. */
const char *wos_template_get(const char *name);
/* Where templates come from: "embedded" or the directory. */
const char *wos_template_source(void);

#endif
