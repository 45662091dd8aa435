/* err.h - the error object every fallible berth function fills.
 *
 * Functions return 0 on success or a negative BERTH_E* code, and describe
 * the failure in the struct berth_err passed last.  The object has fixed
 * storage: filling it never allocates and never fails.  Core code never
 * prints an error; the command layer does, with berth_err_format().
 *
 * May not use: anything but libc.
 */
#ifndef BERTH_COMMON_ERR_H
#define BERTH_COMMON_ERR_H

#include <stddef.h>

enum berth_code {
        BERTH_OK = 0,
        BERTH_ERROR = -1,       /* generic: nothing a caller acts on */
        BERTH_ENOTFOUND = -2,   /* 404: no such object */
        BERTH_ECONFLICT = -3,   /* 409: name in use, container running, ... */
        BERTH_EINVALID = -4,    /* 400, or bad input from the user */
        BERTH_EFORBIDDEN = -5,  /* 403 */
        BERTH_ESERVER = -6,     /* 5xx from the engine */
        BERTH_ECONNECT = -7,    /* engine not running: socket missing or refused */
        BERTH_EPERM = -8,       /* permission denied on the socket */
        BERTH_ETIMEOUT = -9,    /* a call took longer than its timeout */
        BERTH_ETLS = -10,       /* TLS handshake or certificate failure */
        BERTH_EAUTH = -11,      /* registry authentication required or refused */
        BERTH_ECANCELLED = -12, /* the caller cancelled a call or stream */
        BERTH_ETOOBIG = -13,    /* a body or file is over its size limit */
        BERTH_EPROTO = -14,     /* the engine's answer is not what the API says */
        BERTH_ENOMEM = -15,
        BERTH_EIO = -16, /* a local file or process failed */
};

struct berth_err {
        int code;             /* a BERTH_E* value, BERTH_OK when clear */
        int http_status;      /* engine HTTP status, 0 when none */
        char op[64];          /* what was attempted: "start container" */
        char object[256];     /* the object it was attempted on */
        char engine_msg[512]; /* the engine's own message, verbatim */
        char file[256];       /* source position for manifest errors */
        int line, col;        /* 1-based; 0 when unknown */
        char msg[1024];       /* the whole human message */
};

/* Clear *err (safe on NULL). */
void berth_err_clear(struct berth_err *err);

/* Set code and message (printf-style); returns code so callers can write
 * `return berth_err_set(err, BERTH_EINVALID, "...")`.  err may be NULL. */
int berth_err_set(struct berth_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set op and object (either may be NULL) without touching the message. */
void berth_err_subject(struct berth_err *err, const char *op, const char *object);

/* Prepend "prefix: " to the message (printf-style), keeping the code. */
void berth_err_prefix(struct berth_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Set the source position that berth_err_format() puts first. */
void berth_err_at(struct berth_err *err, const char *file, int line, int col);

/* "file:line:col: msg" or just "msg": the line the CLI prints. */
const char *berth_err_format(const struct berth_err *err, char *buf, size_t size);

/* Short stable name of a code: "not found", "conflict", ... */
const char *berth_code_name(int code);

#endif
