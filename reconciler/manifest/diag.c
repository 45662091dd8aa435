#include "manifest/diag.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"

void diag_list_init(struct diag_list *l)
{
        memset(l, 0, sizeof(*l));
}

void diag_list_release(struct diag_list *l)
{
        size_t i;

        for (i = 0; i < l->n; i++) {
                free(l->v[i].file);
                free(l->v[i].path);
                free(l->v[i].message);
        }
        free(l->v);
        diag_list_init(l);
}

void diag_addv(struct diag_list *l, enum diag_severity sev, const char *file, int line, int col,
               const char *path, const char *fmt, va_list ap)
{
        struct diag d = {.severity = sev, .line = line, .col = col};
        va_list copy;
        int len;

        if (sev == DIAG_ERROR)
                l->errors++;
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 16;
                struct diag *v =
                    cap < SIZE_MAX / sizeof(*v) ? realloc(l->v, cap * sizeof(*v)) : NULL;

                if (!v)
                        goto oom;
                l->v = v;
                l->cap = cap;
        }
        va_copy(copy, ap);
        len = vsnprintf(NULL, 0, fmt, copy);
        va_end(copy);
        d.file = strdup(file ? file : "");
        d.path = strdup(path ? path : "");
        d.message = len >= 0 ? malloc((size_t)len + 1) : NULL;
        if (!d.file || !d.path || !d.message)
                goto oom;
        vsnprintf(d.message, (size_t)len + 1, fmt, ap);
        d.seq = l->n + l->dropped;
        l->v[l->n++] = d;
        return;
oom:
        free(d.file);
        free(d.path);
        free(d.message);
        l->dropped++;
}

void diag_add(struct diag_list *l, enum diag_severity sev, const char *file, int line, int col,
              const char *path, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        diag_addv(l, sev, file, line, col, path, fmt, ap);
        va_end(ap);
}

void diag_list_truncate(struct diag_list *l, size_t n)
{
        while (l->n > n) {
                l->n--;
                if (l->v[l->n].severity == DIAG_ERROR)
                        l->errors--;
                free(l->v[l->n].file);
                free(l->v[l->n].path);
                free(l->v[l->n].message);
        }
}

size_t diag_list_errors(const struct diag_list *l)
{
        return l->errors;
}

static int diag_cmp(const void *pa, const void *pb)
{
        const struct diag *a = pa, *b = pb;
        int c = strcmp(a->file, b->file);

        if (c)
                return c;
        if (a->line != b->line)
                return a->line < b->line ? -1 : 1;
        if (a->col != b->col)
                return a->col < b->col ? -1 : 1;
        return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void diag_list_sort(struct diag_list *l)
{
        if (l->n > 1)
                qsort(l->v, l->n, sizeof(*l->v), diag_cmp);
}

#define DIAG_FMT "%s%s: %s%s%s%s"
#define DIAG_ARGS(d, pos)                                                                          \
        (d)->file, pos, (d)->severity == DIAG_WARNING ? "warning: " : "", (d)->path,               \
            (d)->path[0] ? ": " : "", (d)->message

static const char *diag_pos(const struct diag *d, char pos[static 32])
{
        pos[0] = '\0';
        if (d->line > 0)
                snprintf(pos, 32, ":%d:%d", d->line, d->col);
        return pos;
}

const char *diag_format(const struct diag *d, char *buf, size_t size)
{
        char pos[32];

        snprintf(buf, size, DIAG_FMT, DIAG_ARGS(d, diag_pos(d, pos)));
        return buf;
}

char *diag_list_format(const struct diag_list *l)
{
        struct berth_buf b;
        char pos[32];
        size_t i;

        berth_buf_init(&b, SIZE_MAX / 2);
        for (i = 0; i < l->n; i++) {
                if (berth_buf_printf(&b, DIAG_FMT "\n",
                                     DIAG_ARGS(&l->v[i], diag_pos(&l->v[i], pos))) < 0) {
                        berth_buf_release(&b);
                        return NULL;
                }
        }
        return berth_buf_steal(&b);
}

int diag_to_err(struct berth_err *err, int code, const struct diag *d)
{
        berth_err_set(err, code, "%s%s%s", d->path, d->path[0] ? ": " : "", d->message);
        berth_err_at(err, d->file, d->line, d->col);
        return code;
}
