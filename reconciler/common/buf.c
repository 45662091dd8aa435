#include "common/buf.h"
#include "common/err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void berth_buf_init(struct berth_buf *b, size_t max)
{
        b->data = NULL;
        b->len = 0;
        b->cap = 0;
        b->max = max;
}

void berth_buf_release(struct berth_buf *b)
{
        free(b->data);
        berth_buf_init(b, b->max);
}

void berth_buf_reset(struct berth_buf *b)
{
        b->len = 0;
        if (b->data)
                b->data[0] = '\0';
}

static int buf_reserve(struct berth_buf *b, size_t extra)
{
        size_t need, cap;
        char *p;

        if (extra > b->max || b->len > b->max - extra)
                return BERTH_ETOOBIG;
        need = b->len + extra + 1;
        if (need <= b->cap)
                return 0;
        cap = b->cap ? b->cap : 256;
        while (cap < need)
                cap *= 2;
        p = realloc(b->data, cap);
        if (!p)
                return BERTH_ENOMEM;
        b->data = p;
        b->cap = cap;
        return 0;
}

int berth_buf_add(struct berth_buf *b, const void *data, size_t len)
{
        int r = buf_reserve(b, len);

        if (r < 0)
                return r;
        if (len)
                memcpy(b->data + b->len, data, len);
        b->len += len;
        b->data[b->len] = '\0';
        return 0;
}

int berth_buf_addstr(struct berth_buf *b, const char *s)
{
        return berth_buf_add(b, s, strlen(s));
}

int berth_buf_printf(struct berth_buf *b, const char *fmt, ...)
{
        va_list ap;
        int n, r;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return BERTH_ERROR;
        r = buf_reserve(b, (size_t)n);
        if (r < 0)
                return r;
        va_start(ap, fmt);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
        return 0;
}

void berth_buf_consume(struct berth_buf *b, size_t n)
{
        if (n >= b->len) {
                berth_buf_reset(b);
                return;
        }
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
        b->data[b->len] = '\0';
}

char *berth_buf_steal(struct berth_buf *b)
{
        char *p = b->data;

        if (!p)
                p = calloc(1, 1);
        berth_buf_init(b, b->max);
        return p;
}

int berth_buf_read_file(struct berth_buf *b, const char *path, struct berth_err *err)
{
        char chunk[65536];
        ssize_t n;
        int fd, r = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return berth_err_set(err, BERTH_EIO, "cannot open '%s': %s", path, strerror(errno));
        for (;;) {
                n = read(fd, chunk, sizeof(chunk));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = berth_err_set(err, BERTH_EIO, "cannot read '%s': %s", path,
                                          strerror(errno));
                        break;
                }
                if (n == 0)
                        break;
                r = berth_buf_add(b, chunk, (size_t)n);
                if (r == BERTH_ETOOBIG) {
                        berth_err_set(err, r, "'%s' is larger than %zu bytes", path, b->max);
                        break;
                }
                if (r < 0) {
                        berth_err_set(err, r, "out of memory reading '%s'", path);
                        break;
                }
        }
        close(fd);
        if (r == 0 && !b->data)
                r = berth_buf_add(b, "", 0);
        return r;
}
