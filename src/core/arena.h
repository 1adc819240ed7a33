/*
 * arena.h: region allocator. Everything a request allocates comes from its
 * arena and dies with it; non-memory resources register a cleanup hook that
 * runs (in reverse order of registration) when the arena is freed.
 */
#ifndef WOS_CORE_ARENA_H
#define WOS_CORE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct wos_arena;
typedef void (*wos_cleanup_fn)(void *);

struct wos_arena *wos_arena_new(void);
void wos_arena_free(struct wos_arena *a);
/* Zeroed, 16-byte aligned memory; NULL when memory is exhausted. */
void *wos_arena_alloc(struct wos_arena *a, size_t n);
char *wos_arena_strdup(struct wos_arena *a, const char *s);
char *wos_arena_strndup(struct wos_arena *a, const char *s, size_t n);
char *wos_arena_memdup(struct wos_arena *a, const void *p, size_t n);
char *wos_arena_printf(struct wos_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *wos_arena_vprintf(struct wos_arena *a, const char *fmt, va_list ap);
/* Registers fn(ptr) to run when the arena is freed. WOS_OK or WOS_ERROR (and then runs fn now). */
int wos_arena_on_free(struct wos_arena *a, wos_cleanup_fn fn, void *ptr);
/* Bytes handed out so far (for tests and diagnostics). */
size_t wos_arena_used(const struct wos_arena *a);

/* Growable byte buffer living in an arena. */
struct wos_buf {
    struct wos_arena *arena;
    char *data;
    size_t len, cap;
    int failed;
};
void wos_buf_init(struct wos_buf *b, struct wos_arena *a, size_t cap);
void wos_buf_append(struct wos_buf *b, const void *p, size_t n);
void wos_buf_puts(struct wos_buf *b, const char *s);
void wos_buf_printf(struct wos_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminated contents, or NULL when an allocation failed. */
const char *wos_buf_cstr(struct wos_buf *b);

#endif
