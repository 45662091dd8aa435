/* buf.h - a growable byte buffer with a hard maximum (curl's dynbuf).
 *
 * Every buffer filled from outside (HTTP bodies, files) is one of these, so
 * a hostile or broken peer cannot make berth allocate without bound.  The
 * contents are always NUL-terminated (the NUL is not counted in len).
 *
 * May not use: anything but libc and common/err.
 */
#ifndef BERTH_COMMON_BUF_H
#define BERTH_COMMON_BUF_H

#include <stddef.h>

struct berth_buf {
        char *data; /* NULL until the first append; owned */
        size_t len;
        size_t cap;
        size_t max; /* appends that would pass this fail with BERTH_ETOOBIG */
};

void berth_buf_init(struct berth_buf *b, size_t max);
void berth_buf_release(struct berth_buf *b);
void berth_buf_reset(struct berth_buf *b); /* len = 0, keeps storage */

/* 0, BERTH_ETOOBIG or BERTH_ENOMEM; on failure the buffer is unchanged. */
int berth_buf_add(struct berth_buf *b, const void *data, size_t len);
int berth_buf_addstr(struct berth_buf *b, const char *s);
int berth_buf_printf(struct berth_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Drop the first n bytes (for stream parsers that consume a prefix). */
void berth_buf_consume(struct berth_buf *b, size_t n);

/* Hand the data to the caller (free() it) and reset the buffer. */
char *berth_buf_steal(struct berth_buf *b);

/* Read a whole file into b; BERTH_EIO (errno in the message) or
 * BERTH_ETOOBIG, naming the path. */
struct berth_err;
int berth_buf_read_file(struct berth_buf *b, const char *path, struct berth_err *err);

#endif
