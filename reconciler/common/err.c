#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void berth_err_clear(struct berth_err *err)
{
        if (err)
                memset(err, 0, sizeof(*err));
}

int berth_err_set(struct berth_err *err, int code, const char *fmt, ...)
{
        va_list ap;

        if (!err)
                return code;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        return code;
}

void berth_err_subject(struct berth_err *err, const char *op, const char *object)
{
        if (!err)
                return;
        if (op)
                snprintf(err->op, sizeof(err->op), "%s", op);
        if (object)
                snprintf(err->object, sizeof(err->object), "%s", object);
}

void berth_err_prefix(struct berth_err *err, const char *fmt, ...)
{
        char prefix[512], old[sizeof(err->msg)];
        va_list ap;

        if (!err)
                return;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        memcpy(old, err->msg, sizeof(old));
        snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
}

void berth_err_at(struct berth_err *err, const char *file, int line, int col)
{
        if (!err)
                return;
        snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
        err->line = line;
        err->col = col;
}

const char *berth_err_format(const struct berth_err *err, char *buf, size_t size)
{
        if (err->file[0] && err->line > 0)
                snprintf(buf, size, "%s:%d:%d: %s", err->file, err->line, err->col, err->msg);
        else if (err->file[0])
                snprintf(buf, size, "%s: %s", err->file, err->msg);
        else
                snprintf(buf, size, "%s", err->msg);
        return buf;
}

const char *berth_code_name(int code)
{
        switch (code) {
        case BERTH_OK:
                return "ok";
        case BERTH_ENOTFOUND:
                return "not found";
        case BERTH_ECONFLICT:
                return "conflict";
        case BERTH_EINVALID:
                return "invalid";
        case BERTH_EFORBIDDEN:
                return "forbidden";
        case BERTH_ESERVER:
                return "engine error";
        case BERTH_ECONNECT:
                return "engine unreachable";
        case BERTH_EPERM:
                return "permission denied";
        case BERTH_ETIMEOUT:
                return "timeout";
        case BERTH_ETLS:
                return "tls";
        case BERTH_EAUTH:
                return "authentication";
        case BERTH_ECANCELLED:
                return "cancelled";
        case BERTH_ETOOBIG:
                return "too big";
        case BERTH_EPROTO:
                return "protocol";
        case BERTH_ENOMEM:
                return "out of memory";
        case BERTH_EIO:
                return "i/o";
        default:
                return "error";
        }
}
