/* http_static.c - the web UI's files from cfg->web_root for GET/HEAD outside
 * /api/, the health checks and /metrics. No authentication: the files hold no
 * data (the API calls they make do). Paths with "."-segments, backslashes or
 * control bytes are refused, and the resolved file must lie inside the root
 * (realpath), so symlinks cannot escape it. Weak ETags allow revalidation.
 */
#include "http_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int segment_ok(const char *seg, size_t len)
{
    if (len > 0 && seg[0] == '.')
        return 0; /* ".", "..", and hidden files */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)seg[i];
        if (c < 0x20 || c == 0x7f || c == '\\')
            return 0;
    }
    return 1;
}

int http_static_candidate(const char *root, const char *url_path, char *out, size_t size)
{
    if (url_path[0] != '/')
        return KN_ENOTFOUND;
    for (const char *s = url_path + 1;; s++) {
        size_t len = strcspn(s, "/");
        if (!segment_ok(s, len))
            return KN_ENOTFOUND;
        s += len;
        if (!*s)
            break;
    }
    size_t n = strlen(url_path);
    const char *index = url_path[n - 1] == '/' ? "index.html" : "";
    int w = snprintf(out, size, "%s%s%s", root, url_path, index);
    return w > 0 && (size_t)w < size ? KN_OK : KN_ENOTFOUND;
}

const char *http_static_type(const char *path)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".json", "application/json"},
        {".webmanifest", "application/manifest+json"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    for (size_t i = 0; dot && dot > slash && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i][0]) == 0)
            return types[i][1];
    return "application/octet-stream";
}

static int inside_root(const char *root, const char *real)
{
    size_t n = strlen(root);
    return strncmp(real, root, n) == 0 && real[n] == '/';
}

/* Open a regular file inside root; a directory yields its index.html. The
 * resolved path is left in real (PATH_MAX bytes). */
static int open_inside(const char *root, const char *candidate, int depth, struct stat *st,
                       char *real)
{
    if (!realpath(candidate, real) || !inside_root(root, real))
        return -1;
    int fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) == 0 && S_ISREG(st->st_mode))
        return fd;
    close(fd);
    char index[PATH_MAX];
    if (depth > 0 || !S_ISDIR(st->st_mode) ||
        snprintf(index, sizeof index, "%s/index.html", real) >= (int)sizeof index)
        return -1;
    return open_inside(root, index, depth + 1, st, real);
}

/* 304 when If-None-Match names the current ETag. */
static int not_modified(const http_req *req, const char *etag)
{
    const char *inm = http_req_header(req, "If-None-Match");
    return inm && (strstr(inm, etag) || strcmp(inm, "*") == 0);
}

int http_static_serve(http_req *req, kn_err *err)
{
    const char *root = req->env->web_root;
    char candidate[PATH_MAX], real[PATH_MAX];
    struct stat st;
    int fd = -1;
    if (root[0] && http_static_candidate(root, req->path, candidate, sizeof candidate) == KN_OK)
        fd = open_inside(root, candidate, 0, &st, real);
    if (fd < 0)
        return kn_err_set(err, KN_ENOTFOUND, "no such file");
    char etag[64];
    snprintf(etag, sizeof etag, "W/\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtime);
    http_reply_header(req, "ETag", etag);
    req->reply.is_static = 1;
    if (not_modified(req, etag)) {
        close(fd);
        http_reply_empty(req, 304);
        return KN_OK;
    }
    req->reply.fd = fd;
    req->reply.fd_size = (size_t)st.st_size;
    req->reply.status = 200;
    req->reply.content_type = http_static_type(real);
    return KN_OK;
}
