/*
 * static.c: files under WEB_DIST_DIR. Every candidate path is resolved with
 * realpath() and must stay inside the resolved root, which refuses both ".."
 * tricks and symlinks that point outside. Hashed assets (/assets/...) are
 * cached for a year; everything else revalidates with its ETag.
 */
#include "http/static.h"
#include "core/config.h"
#include "http/server.h"
#include "http/validate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[PATH_MAX];
static size_t root_len;
static pthread_once_t root_once = PTHREAD_ONCE_INIT;

static void resolve_root(void)
{
    if (!realpath(wos_cfg()->web_dist_dir, root))
        root[0] = '\0';
    root_len = strlen(root);
}

static const struct {
    const char *ext, *type;
} mime_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json"},
    {".map", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".ico", "image/x-icon"},
    {".woff", "font/woff"},
    {".woff2", "font/woff2"},
    {".ttf", "font/ttf"},
    {".txt", "text/plain; charset=utf-8"},
    {".webmanifest", "application/manifest+json"},
    {".wasm", "application/wasm"},
};

static const char *mime_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < WOS_ARRAY_LEN(mime_types); i++)
            if (strcmp(dot, mime_types[i].ext) == 0)
                return mime_types[i].type;
    return "application/octet-stream";
}

int wos_valid_path(const char *path)
{
    if (path[0] != '/' || !wos_valid_utf8(path, strlen(path)))
        return 0;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '\\')
            return 0;
    return 1;
}

/* A segment starting with '.': "..", "." and dotfiles such as /.env are never served. */
static int has_dot_segment(const char *path)
{
    return strstr(path, "/.") != NULL;
}

/* Resolves path under the root; NULL when missing, a directory, or outside. */
static char *resolve(struct wos_req *req, const char *path, struct stat *st)
{
    pthread_once(&root_once, resolve_root);
    if (!root_len || has_dot_segment(path))
        return NULL;
    char joined[PATH_MAX], real[PATH_MAX];
    if (snprintf(joined, sizeof(joined), "%s%s", root, path) >= (int)sizeof(joined))
        return NULL;
    if (!realpath(joined, real))
        return NULL;
    if (strncmp(real, root, root_len) != 0 || real[root_len] != '/')
        return NULL;
    if (stat(real, st) != 0 || !S_ISREG(st->st_mode))
        return NULL;
    return wos_arena_strdup(req->arena, real);
}

int wos_static_has_index(void)
{
    pthread_once(&root_once, resolve_root);
    if (!root_len)
        return 0;
    char index[PATH_MAX + 16];
    struct stat st;
    snprintf(index, sizeof(index), "%s/index.html", root);
    return stat(index, &st) == 0 && S_ISREG(st.st_mode);
}

static int last_segment_has_extension(const char *path)
{
    const char *slash = strrchr(path, '/');
    return strchr(slash ? slash : path, '.') != NULL;
}

static void add_ui_headers(struct wos_req *req, int hashed)
{
    wos_reply_header(req, "Permissions-Policy",
                     "camera=(self), microphone=(self), geolocation=(), payment=()");
    wos_reply_header(req, "Content-Security-Policy",
                     "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                     "img-src 'self' data: blob: https:; font-src 'self' data:; "
                     "connect-src 'self' https: wss: ws:; media-src 'self' blob: https:; "
                     "frame-ancestors 'none'; base-uri 'self'; form-action 'self'");
    wos_reply_header(req, "Cache-Control",
                     hashed ? "public, max-age=31536000, immutable" : "no-cache");
}

static int send_file(struct wos_req *req, const char *file, const struct stat *st, int hashed)
{
    char *etag = wos_arena_printf(req->arena, "\"%llx-%llx\"", (unsigned long long)st->st_size,
                                  (unsigned long long)st->st_mtime);
    add_ui_headers(req, hashed);
    wos_reply_header(req, "ETag", etag);
    const char *inm = wos_req_header(req, "If-None-Match");
    if (inm && strcmp(inm, etag) == 0) {
        struct MHD_Response *r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
        return wos_http_queue(req, 304, r, 0);
    }
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return wos_reply_error(req, 404, "Not found.", NULL);
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st->st_size, fd);
    if (!r) {
        close(fd);
        return wos_reply_internal(req, "could not create a file response");
    }
    MHD_add_response_header(r, "Content-Type", mime_type(file));
    return wos_http_queue(req, 200, r, (size_t)st->st_size);
}

int wos_static_serve(struct wos_req *req)
{
    struct stat st;
    const char *file = resolve(req, req->path, &st);
    if (file)
        return send_file(req, file, &st, strncmp(req->path, "/assets/", 8) == 0);
    if (has_dot_segment(req->path) || last_segment_has_extension(req->path))
        return wos_reply_error(req, 404, "Not found.", NULL);
    file = resolve(req, "/index.html", &st);
    if (!file)
        return wos_reply_error(req, 404, "Not found.", NULL);
    return send_file(req, file, &st, 0);
}
