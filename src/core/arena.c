/*
 * arena.c: a chain of blocks; allocation bumps a pointer in the current
 * block and starts a new block (at least twice the size of the last one)
 * when it runs out. Cleanups are a singly linked list in arena memory, run
 * newest first. Torture builds (WOS_TORTURE) can make the N-th allocation fail.
 */
#include "core/arena.h"
#include "core/common.h"
#include "core/torture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_BLOCK 4096
#define ALIGN 16

struct block {
    struct block *next;
    size_t size, used;
    _Alignas(ALIGN) unsigned char data[];
};

struct cleanup {
    struct cleanup *next;
    wos_cleanup_fn fn;
    void *ptr;
};

struct wos_arena {
    struct block *head;
    struct cleanup *cleanups;
    size_t total;
};

static struct block *block_new(size_t size)
{
    struct block *b = malloc(sizeof(*b) + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

/*
 * The arena lives at the start of its first block, and each thread keeps one
 * spare first block: a request then allocates nothing from malloc until it
 * outgrows FIRST_BLOCK. The spare is freed when its thread exits (the main
 * thread's when the process does).
 */
static _Thread_local struct block *spare;
static pthread_key_t spare_key;
static pthread_once_t spare_once = PTHREAD_ONCE_INIT;

static void spare_destroy(void *b)
{
    free(b);
    spare = NULL;
}

static void spare_key_create(void)
{
    if (pthread_key_create(&spare_key, spare_destroy) != 0)
        spare_key = (pthread_key_t)-1;
}

static struct block *first_block_take(void)
{
    struct block *b = spare;
    if (!b)
        return block_new(FIRST_BLOCK);
    spare = NULL;
    pthread_setspecific(spare_key, NULL);
    b->next = NULL;
    b->used = 0;
    return b;
}

static void first_block_give(struct block *b)
{
#if WOS_ASAN
    free(b); /* AddressSanitizer builds keep use-after-free of a request's memory detectable */
    return;
#endif
    pthread_once(&spare_once, spare_key_create);
    if (spare || spare_key == (pthread_key_t)-1 || pthread_setspecific(spare_key, b) != 0) {
        free(b);
        return;
    }
    spare = b;
}

struct wos_arena *wos_arena_new(void)
{
    struct block *b = first_block_take();
    if (!b)
        return NULL;
    struct wos_arena *a = (struct wos_arena *)(void *)b->data;
    b->used = (sizeof(*a) + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    *a = (struct wos_arena){.head = b};
    return a;
}

void wos_arena_free(struct wos_arena *a)
{
    if (!a)
        return;
    for (struct cleanup *c = a->cleanups; c; c = c->next)
        c->fn(c->ptr);
    /* blocks are pushed at the head: the first block, which holds *a, is last */
    struct block *b = a->head;
    while (b->next) {
        struct block *next = b->next;
        free(b);
        b = next;
    }
    first_block_give(b);
}

void *wos_arena_alloc(struct wos_arena *a, size_t n)
{
    if (wos_torture_fail(WOS_TORTURE_ALLOC))
        return NULL;
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (need < n)
        return NULL;
    struct block *b = a->head;
    if (b->size - b->used < need) {
        size_t size = b->size * 2;
        while (size < need)
            size *= 2;
        struct block *nb = block_new(size);
        if (!nb)
            return NULL;
        nb->next = b;
        a->head = nb;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->total += need;
    memset(p, 0, n);
    return p;
}

char *wos_arena_memdup(struct wos_arena *a, const void *p, size_t n)
{
    char *s = wos_arena_alloc(a, n + 1);
    if (s) {
        if (n)
            memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

char *wos_arena_strndup(struct wos_arena *a, const char *s, size_t n)
{
    return wos_arena_memdup(a, s, strnlen(s, n));
}

char *wos_arena_strdup(struct wos_arena *a, const char *s)
{
    return s ? wos_arena_memdup(a, s, strlen(s)) : NULL;
}

char *wos_arena_vprintf(struct wos_arena *a, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    char *s = wos_arena_alloc(a, (size_t)n + 1);
    if (s)
        vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *wos_arena_printf(struct wos_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = wos_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return s;
}

int wos_arena_on_free(struct wos_arena *a, wos_cleanup_fn fn, void *ptr)
{
    struct cleanup *c = wos_arena_alloc(a, sizeof(*c));
    if (!c) {
        fn(ptr);
        return WOS_ERROR;
    }
    c->fn = fn;
    c->ptr = ptr;
    c->next = a->cleanups;
    a->cleanups = c;
    return WOS_OK;
}

size_t wos_arena_used(const struct wos_arena *a)
{
    return a->total;
}

void wos_buf_init(struct wos_buf *b, struct wos_arena *a, size_t cap)
{
    b->arena = a;
    b->len = 0;
    b->failed = 0;
    b->cap = cap ? cap : 256;
    b->data = wos_arena_alloc(a, b->cap);
    if (!b->data)
        b->failed = 1;
}

static int buf_reserve(struct wos_buf *b, size_t extra)
{
    if (b->failed)
        return WOS_ERROR;
    if (b->len + extra + 1 <= b->cap)
        return WOS_OK;
    size_t cap = b->cap * 2;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = wos_arena_alloc(b->arena, cap);
    if (!d) {
        b->failed = 1;
        return WOS_ERROR;
    }
    memcpy(d, b->data, b->len);
    b->data = d;
    b->cap = cap;
    return WOS_OK;
}

void wos_buf_append(struct wos_buf *b, const void *p, size_t n)
{
    if (buf_reserve(b, n) != WOS_OK)
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void wos_buf_puts(struct wos_buf *b, const char *s)
{
    wos_buf_append(b, s, strlen(s));
}

void wos_buf_printf(struct wos_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = wos_arena_vprintf(b->arena, fmt, ap);
    va_end(ap);
    if (!s) {
        b->failed = 1;
        return;
    }
    wos_buf_puts(b, s);
}

const char *wos_buf_cstr(struct wos_buf *b)
{
    if (b->failed)
        return NULL;
    return b->data;
}
